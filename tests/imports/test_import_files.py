"""Owners, properties, entrances, customers and consents from CSV and Excel, on both engines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from planner.imports import ImportFileError, ImportKind, ImportRejected, ImportReport
from planner.imports.review import open_reviews, resolve_review
from planner.locks.states import ConsentState
from planner.models import (
    AuditEvent,
    Consent,
    Customer,
    Door,
    DoorKind,
    Entrance,
    GeocodeChoice,
    ImportRun,
    PropertyOwner,
)

Run = Callable[..., ImportReport]
Counts = Callable[[], dict[str, int]]

EVERY_FILE = (
    (ImportKind.ENTRANCES, "entreer.csv"),
    (ImportKind.ENTRANCES, "entreer_koordinater.csv"),
    (ImportKind.CUSTOMERS, "kunder.csv"),
    (ImportKind.CONSENTS, "medgivanden.csv"),
)


def test_every_example_file_imports(run: Run, city: Path, sessions: sessionmaker[Session]) -> None:
    reports = {name: run(kind, city / name) for kind, name in EVERY_FILE}
    assert reports["entreer.csv"].created == 6
    assert reports["entreer.csv"].review == 1  # "Kyrkvägen 4" is in Bromma and in Enskede
    assert reports["entreer_koordinater.csv"].created == 2
    assert reports["kunder.csv"].created == 6
    assert reports["medgivanden.csv"].created == 4
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(PropertyOwner)) == 4
        entrances = s.scalars(select(Entrance).order_by(Entrance.id)).all()
        assert {e.address for e in entrances} >= {"Götgatan 14", "Hornsgatan 33 A"}
        assert all(e.district_id is not None for e in entrances)
        assert {e.geocode_source for e in entrances} == {"register:exact", "coordinates"}
        # the abbreviated, upper-case "GÖTG. 14" got the register's spelling and postcode
        gotg = next(e for e in entrances if e.number == 14)
        assert (gotg.street, gotg.postcode) == ("Götgatan", "118 46")
        doors = s.scalars(select(Door.kind)).all()
        assert doors.count(DoorKind.REFUSE) == 2 and doors.count(DoorKind.LAUNDRY) == 1
        assert doors.count(DoorKind.APARTMENT) == 6
        customer = s.scalar(select(Customer).where(Customer.pseudonym == "HK-4C5B6A7"))
        assert customer is not None and customer.apartment_number == "1302"  # from "lgh 1302"
        assert customer.entrance.address == "Fleminggatan 10"
        consent = s.scalar(select(Consent).where(Consent.reply_reference == "M-2026-0001"))
        assert consent is not None and consent.state is ConsentState.RECEIVED
        runs = s.scalars(select(ImportRun.actor)).all()
        assert len(runs) == 8 and set(runs) == {"anna.andersson"}
        audited = s.scalars(select(AuditEvent).where(AuditEvent.entity == "import_run")).all()
        assert len(audited) == 8 and {a.actor for a in audited} == {"anna.andersson"}


def test_importing_the_same_files_again_changes_nothing(
    run: Run, city: Path, districts_file: Path, counts: Counts
) -> None:
    for kind, name in EVERY_FILE:
        run(kind, city / name)
    before = counts()
    again = [
        run(
            ImportKind.DISTRICTS, districts_file, name_column="namn", population_column="folkmangd"
        ),
        run(ImportKind.ADDRESSES, city / "adresser.csv"),
        run(ImportKind.OWNERS, city / "agare.csv"),
        run(ImportKind.PROPERTIES, city / "fastigheter.xlsx"),
        *(run(kind, city / name) for kind, name in EVERY_FILE),
    ]
    assert counts() == before  # audit_event and import_run included
    for report in again:
        assert not report.changed, report.lines()
        assert report.created == report.updated == 0
    assert again[4].review == 1 and again[4].new_review == 0  # still waiting, not queued twice


def test_a_file_with_bad_rows_is_rejected_whole_and_nothing_is_written(
    run: Run, files: Path, counts: Counts
) -> None:
    bad = files / "agare_fel.csv"
    bad.write_text(
        "organisationsnummer;namn;e-post\n"
        "556801-0002;Stadshem AB;forvaltning@stadshem.se\n"
        "556801-0003;Fel Kontrollsiffra AB;\n"
        "769630-0172;;styrelsen-utan-snabel-a\n",
        encoding="utf-8",
    )
    before = counts()
    with pytest.raises(ImportRejected) as caught:
        run(ImportKind.OWNERS, bad)
    assert counts() == before
    messages = [str(p) for p in caught.value.report.problems]
    assert messages == [
        "agare_fel.csv, rad 3, kolumn 'organisationsnummer': kontrollsiffran i "
        "organisationsnumret '556801-0003' stämmer inte",
        "agare_fel.csv, rad 4, kolumn 'namn': namnet saknas",
        "agare_fel.csv, rad 4, kolumn 'e-post': 'styrelsen-utan-snabel-a' är ingen e-postadress",
    ]
    assert "avvisades" in str(caught.value) and "--skip-invalid" in str(caught.value)
    assert not (files / "agare_fel.avvisade.csv").exists()


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejects_beside_the_file(
    run: Run, files: Path, sessions: sessionmaker[Session]
) -> None:
    bad = files / "agare_fel.csv"
    bad.write_text(
        "organisationsnummer;namn\n556801-0002;Stadshem AB\nabc;Trasig AB\n769630-0172;Brf X\n",
        encoding="utf-8",
    )
    report = run(ImportKind.OWNERS, bad, skip_invalid=True)
    assert (report.created, report.rejected_rows) == (2, 1)
    assert report.rejects_path == files / "agare_fel.avvisade.csv"
    rejects = pd.read_csv(report.rejects_path, sep=";", dtype=str, encoding="utf-8-sig")
    assert list(rejects.columns) == ["organisationsnummer", "namn", "fel"]
    assert rejects.loc[0, "namn"] == "Trasig AB"
    assert "inget organisationsnummer" in rejects.loc[0, "fel"]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(PropertyOwner)) == 2


def test_excel_rejects_are_written_as_excel(run: Run, files: Path) -> None:
    frame = pd.DataFrame({"Organisationsnummer": ["556801-0002", "12"], "Namn": ["A AB", "B AB"]})
    frame.to_excel(files / "agare.xlsx", index=False)
    report = run(ImportKind.OWNERS, files / "agare.xlsx", skip_invalid=True)
    assert report.rejects_path == files / "agare.avvisade.xlsx"
    assert pd.read_excel(report.rejects_path)["fel"].str.contains("organisationsnummer").all()


def test_duplicates_inside_a_file_are_reported(run: Run, city: Path) -> None:
    (city / "dubbletter.csv").write_text(
        "fastighetsbeteckning;adress\n"
        "Stockholm Mosebacke 4:12;Götgatan 12\n"
        "Stockholm Hornet 21:3;GÖTGATAN 12\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as caught:
        run(ImportKind.ENTRANCES, city / "dubbletter.csv")
    assert [str(p) for p in caught.value.report.problems] == [
        "dubbletter.csv, rad 3, kolumn 'adress': dubblett: samma entré som rad 2"
    ]
    (city / "agare2.csv").write_text(
        "organisationsnummer;namn\n556801-0002;Stadshem AB\n5568010002;Stadshem\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected, match="1 rad har fel") as owners:
        run(ImportKind.OWNERS, city / "agare2.csv")
    assert "organisationsnumret 556801-0002 finns på rad 2" in str(owners.value.report.problems[0])
    (city / "kunder2.csv").write_text(
        "kundnummer;adress\nHK-1;Götgatan 12\nHK-1;Götgatan 14\n", encoding="utf-8"
    )
    run(ImportKind.ENTRANCES, city / "entreer.csv")
    with pytest.raises(ImportRejected) as customers:
        run(ImportKind.CUSTOMERS, city / "kunder2.csv")
    assert "dubblett: kunden HK-1 finns på rad 2" in str(customers.value.report.problems[0])


def test_duplicates_against_the_database_are_reported(run: Run, city: Path) -> None:
    (city / "agare2.csv").write_text(
        "organisationsnummer;namn\n556720-3111;Fastighets AB Hornet\n556677-8899;"
        "Fastighets AB Hornet\n",
        encoding="utf-8",
    )
    report = run(ImportKind.OWNERS, city / "agare2.csv")
    assert any("Möjlig dubblett" in w and "556677-8899" in w for w in report.warnings)
    run(ImportKind.ENTRANCES, city / "entreer.csv")
    (city / "entre2.csv").write_text(
        "fastighetsbeteckning;gatunamn;gatunummer;postnummer;lat;lon\n"
        "Stockholm Mosebacke 4:12;Götgatan;12;118 99;59.3159;18.0721\n",
        encoding="utf-8",
    )
    report = run(ImportKind.ENTRANCES, city / "entre2.csv")
    assert report.created == 1
    assert any("Möjlig dubblett: Götgatan 12, 118 99" in w for w in report.warnings)
    run(ImportKind.CUSTOMERS, city / "kunder.csv")
    (city / "kunder2.csv").write_text(
        "kundnummer;adress;lägenhetsnummer\nHK-NY00001;Götgatan 12, 118 46;1101\n",
        encoding="utf-8",
    )
    report = run(ImportKind.CUSTOMERS, city / "kunder2.csv")
    assert report.created == 1
    assert report.warnings == [
        "Möjlig dubblett: kunderna HK-1A2B3C4, HK-NY00001 bor i samma lägenhet (1101); "
        "kontrollera att det inte är samma person."
    ]


@pytest.mark.parametrize(
    ("header", "value"),
    [("personnummer", "HK-1"), ("kundnummer", "19450101-1235"), ("kundnummer", "4501011235")],
    ids=["named-column", "value-with-dash", "value-without-dash"],
)
def test_a_personnummer_is_refused_and_nothing_is_written(
    run: Run, city: Path, counts: Counts, header: str, value: str
) -> None:
    run(ImportKind.ENTRANCES, city / "entreer.csv")
    path = city / "kunder_pnr.csv"
    path.write_text(f"{header};adress\n{value};Götgatan 12\n", encoding="utf-8")
    before = counts()
    with pytest.raises(ImportFileError, match="personnummer") as caught:
        run(ImportKind.CUSTOMERS, path, skip_invalid=True)
    assert "pseudonymt kund-id" in str(caught.value)
    assert counts() == before
    assert not (city / "kunder_pnr.avvisade.csv").exists()


def test_an_uncertain_address_waits_for_review_and_the_choice_is_remembered(
    run: Run, city: Path, sessions: sessionmaker[Session], counts: Counts
) -> None:
    report = run(ImportKind.ENTRANCES, city / "entreer.csv")
    assert report.review == 1 and report.new_review == 1
    with sessions() as s:
        [item] = open_reviews(s)
    assert item.raw_address == "Kyrkvägen 4" and item.designation == "Stockholm Kyrkan 3:2"
    assert [c.label for c in item.candidates] == [
        "Kyrkvägen 4, 167 53 Bromma",
        "Kyrkvägen 4, 122 33 Enskede",
    ]
    assert "tvetydigt" in item.reasons
    # a customer at the waiting address is told why
    (city / "kund_kyrk.csv").write_text("kundnummer;adress\nHK-K1;Kyrkvägen 4\n", "utf-8")
    with pytest.raises(ImportRejected) as waiting:
        run(ImportKind.CUSTOMERS, city / "kund_kyrk.csv")
    assert "väntar på granskning" in str(waiting.value.report.problems[0])

    with sessions.begin() as s:
        result = resolve_review(s, item.id, actor="bo.berg", candidate=2)
    assert result.district == "Enskede-Årsta-Vantör"
    with sessions() as s:
        entrance = s.get(Entrance, result.entrance_ids[0])
        assert entrance is not None
        assert (entrance.street, entrance.postcode, entrance.postort) == (
            "Kyrkvägen",
            "122 33",
            "Enskede",
        )
        assert entrance.geocode_source == "review"
        choice = s.scalar(select(GeocodeChoice))
        assert choice is not None and choice.chosen_by == "bo.berg"
        assert open_reviews(s) == []
        audit = s.scalar(select(AuditEvent).where(AuditEvent.entity == "geocode_review"))
        assert audit is not None and audit.actor == "bo.berg"

    before = counts()
    again = run(ImportKind.ENTRANCES, city / "entreer.csv")  # the remembered choice is reused
    assert (again.review, again.created, again.updated, again.unchanged) == (0, 0, 0, 7)
    assert counts() == before
    assert run(ImportKind.CUSTOMERS, city / "kund_kyrk.csv").created == 1


def test_a_point_placed_by_hand_must_be_inside_the_city(
    run: Run, city: Path, sessions: sessionmaker[Session]
) -> None:
    run(ImportKind.ENTRANCES, city / "entreer.csv")
    with sessions() as s:
        [item] = open_reviews(s)
    from planner.errors import PlannerError

    with pytest.raises(PlannerError, match="utanför kommunen"), sessions.begin() as s:
        resolve_review(s, item.id, actor="bo", lat=59.858, lon=17.638)  # Uppsala
    with sessions.begin() as s:
        result = resolve_review(s, item.id, actor="bo", lat=59.3342, lon=17.9603)
    assert result.district == "Bromma"
    with sessions() as s:
        entrance = s.get(Entrance, result.entrance_ids[0])
        assert entrance is not None and entrance.address == "Kyrkvägen 4"


def test_coordinates_outside_the_municipality_are_a_bad_row(run: Run, city: Path) -> None:
    (city / "utanfor.csv").write_text(
        "fastighetsbeteckning;adress;lat;lon\n"
        "Stockholm Pilen 5:1;Drottninggatan 1, 753 10 Uppsala;59.858;17.638\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as caught:
        run(ImportKind.ENTRANCES, city / "utanfor.csv")
    [problem] = caught.value.report.problems
    assert (problem.row, problem.column) == (2, "lat")
    assert "utanför kommunen" in problem.reason


def test_a_customer_address_spelt_differently_finds_its_entrance(
    run: Run, city: Path, sessions: sessionmaker[Session]
) -> None:
    run(ImportKind.ENTRANCES, city / "entreer.csv")
    (city / "kunder2.csv").write_text(
        "kundnummer;gatunamn;gatunummer;bokstav;lägenhetsnummer\n"
        "HK-A;Goetgatan;14;;1001\nHK-B;Hornsgtan;33;B;1002\n",
        encoding="utf-8",
    )
    report = run(ImportKind.CUSTOMERS, city / "kunder2.csv")
    assert report.created == 2
    with sessions() as s:
        homes = {c.pseudonym: c.entrance.address for c in s.scalars(select(Customer)).all()}
    assert homes == {"HK-A": "Götgatan 14", "HK-B": "Hornsgatan 33 B"}


def test_a_consent_moves_through_the_lifecycle_and_every_step_is_audited(
    run: Run, city: Path, sessions: sessionmaker[Session]
) -> None:
    (city / "m1.csv").write_text(
        "fastighetsbeteckning;status\nStockholm Hornet 21:3;ej tillfrågad\n", "utf-8"
    )
    (city / "m2.csv").write_text(
        "fastighetsbeteckning;status;besvarad\nStockholm Hornet 21:3;ja;2026-11-02\n", "utf-8"
    )
    assert run(ImportKind.CONSENTS, city / "m1.csv").created == 1
    assert run(ImportKind.CONSENTS, city / "m2.csv").updated == 1
    with sessions() as s:
        consent = s.scalars(select(Consent)).one()
        assert consent.state is ConsentState.RECEIVED
        assert str(consent.answered_on) == "2026-11-02"
        steps = s.execute(
            select(AuditEvent.from_state, AuditEvent.to_state, AuditEvent.actor)
            .where(AuditEvent.entity == "consent")
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(r) for r in steps] == [
        (None, "not_requested", "anna.andersson"),
        ("not_requested", "requested", "anna.andersson"),
        ("requested", "received", "anna.andersson"),
    ]
    (city / "m3.csv").write_text(
        "fastighetsbeteckning;status\nStockholm Hornet 21:3;ej tillfrågad\n", "utf-8"
    )
    with pytest.raises(ImportRejected) as caught:
        run(ImportKind.CONSENTS, city / "m3.csv")
    assert "kan inte ändras från 'medgivande mottaget' till 'ej tillfrågad'" in str(
        caught.value.report.problems[0]
    )


def test_a_dry_run_reports_but_writes_nothing(run: Run, city: Path, counts: Counts) -> None:
    before = counts()
    report = run(ImportKind.ENTRANCES, city / "entreer.csv", dry_run=True)
    assert (report.created, report.review) == (6, 1)
    assert report.lines()[0].startswith("Förhandsgranskning")
    assert counts() == before


def test_a_missing_column_is_named_with_what_would_be_accepted(run: Run, files: Path) -> None:
    (files / "x.csv").write_text("namn\nStadshem AB\n", "utf-8")
    with pytest.raises(ImportFileError) as caught:
        run(ImportKind.OWNERS, files / "x.csv")
    assert "kolumn saknas: organisationsnummer (eller" in str(caught.value)
    assert "Filen har kolumnerna namn" in str(caught.value)


def test_a_property_needs_its_owner_first(run: Run, files: Path) -> None:
    with pytest.raises(ImportRejected) as caught:
        run(ImportKind.PROPERTIES, files / "fastigheter.xlsx")
    first = caught.value.report.problems[0]
    assert (first.file, first.row, first.column) == ("fastigheter.xlsx", 2, "Organisationsnummer")
    assert "importera fastighetsägarna först" in first.reason
