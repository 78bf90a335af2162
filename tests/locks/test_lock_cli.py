"""The lock-lifecycle commands as a user runs them: readable Swedish failures, nothing half-done."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from planner.cli import app
from planner.locks.states import ConsentState, JobState
from planner.models import AccessEvent, Consent, Job, JobKind
from tests.locks.city import City, planned_job

runner = CliRunner()
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def run(engine: Engine, *args: str) -> tuple[int, str, str]:
    url = engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, [*args, "--database-url", url])
    return result.exit_code, result.stdout, result.stderr


def test_a_bad_results_file_lists_its_rows_exits_non_zero_and_changes_nothing(
    engine: Engine, sessions: sessionmaker[Session], bare_city: City, tmp_path: Path
) -> None:
    with sessions.begin() as session:
        job = planned_job(
            session, JobKind.INSTALL_APARTMENT, bare_city.door_1101, bare_city.apartment_crew
        )
        job_id = job.id
    bad = tmp_path / "resultat.csv"
    bad.write_text(
        f"arbetsorder;resultat;datum;serienummer;variant\n{job_id};monterat;2026-11-20;;rund\n",
        encoding="utf-8",
    )
    code, out, err = run(engine, "results", "import", str(bad), "--actor", "låsfirman")
    assert code == 1
    assert "resultat.csv, rad 2, kolumn 'serienummer'" in err
    assert err.strip().splitlines()[-1].startswith("Fel: resultat.csv avvisades i sin helhet")
    assert "Traceback" not in err
    good = tmp_path / "resultat2.csv"
    good.write_text(
        f"arbetsorder;resultat;datum;serienummer;variant\n{job_id};monterat;2026-11-20;SL-1;rund\n",
        encoding="utf-8",
    )
    with sessions() as session:
        assert session.get(Job, job_id).state is JobState.PLANNED  # type: ignore[union-attr]
    code, out, err = run(engine, "results", "import", str(good), "--actor", "låsfirman")
    assert code == 0, err
    assert "1 monterat" in out


def test_a_missing_file_is_one_readable_line(
    engine: Engine, bare_city: City, tmp_path: Path
) -> None:
    code, _, err = run(engine, "staff", "import", str(tmp_path / "finns-inte.csv"))
    assert code == 1
    assert err.strip().splitlines() == [f"Fel: Filen '{tmp_path / 'finns-inte.csv'}' finns inte."]


def test_the_audit_verify_command_finds_a_changed_event(
    engine: Engine, city: City, tmp_path: Path
) -> None:
    log = tmp_path / "logg.csv"
    log.write_text(
        "nyckel;lås;tid;resultat\nK-N1;SL-G12;2026-11-20 10:00;beviljad\n"
        "K-N1;SL-1101;2026-11-20 10:02;beviljad\n",
        encoding="utf-8",
    )
    code, out, err = run(engine, "accesslog", "import", str(log), "--actor", "drift")
    assert code == 0 and "2 händelser sparade" in out, err
    code, out, _ = run(engine, "audit", "verify")
    assert code == 0 and "obruten: 2 händelser" in out
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER access_event_no_update"))
        conn.execute(text("UPDATE access_event SET lock_serial = 'SL-1102' WHERE id = 2"))
    code, out, err = run(engine, "audit", "verify")
    assert code == 1
    assert "händelse 2" in err and "har ändrats" in err
    code, out, _ = run(engine, "accesslog", "anomalies")
    assert code == 0 and "Utföraren har ingen kund bakom dörren: 1" in out


def test_draft_letters_mark_nothing_and_sent_letters_request_the_consents(
    engine: Engine, sessions: sessionmaker[Session], bare_city: City, tmp_path: Path
) -> None:
    out_dir = tmp_path / "brev"
    code, out, err = run(
        engine,
        "consents",
        "letters",
        "--wave",
        "1",
        "--out",
        str(out_dir),
        "--draft",
        "--date",
        "2026-11-28",
    )
    assert code == 0, err
    assert [p.name for p in out_dir.iterdir()] == ["vag1-förfrågan-556000-0002.pdf"]
    with sessions() as session:
        assert session.get(Consent, bare_city.linden_consent).state is ConsentState.NOT_REQUESTED  # type: ignore[union-attr]
    code, out, err = run(
        engine,
        "consents",
        "letters",
        "--wave",
        "1",
        "--out",
        str(out_dir),
        "--date",
        "2026-11-28",
        "--actor",
        "anna",
    )
    assert code == 0 and "1 medgivanden markerade som skickade" in out, err
    with sessions() as session:
        assert session.get(Consent, bare_city.linden_consent).state is ConsentState.REQUESTED  # type: ignore[union-attr]
    code, out, err = run(engine, "consents", "unanswered", "--days", "30", "--date", "2026-11-28")
    assert code == 0 and "Brf Eken" in out and "Stadshem" not in out
    code, _, err = run(engine, "consents", "letters", "--wave", "9", "--out", str(out_dir))
    assert code == 1 and "Våg 9 finns inte" in err


def test_shifts_and_staff_commands_report_what_they_did(
    engine: Engine, sessions: sessionmaker[Session], bare_city: City, tmp_path: Path
) -> None:
    staff = tmp_path / "personal.csv"
    staff.write_text("personalkod;utförare;nyckel\nN-7;Hemtjänst Norr AB;K-N7\n", encoding="utf-8")
    code, out, err = run(engine, "staff", "import", str(staff))
    assert code == 0 and "1 nya" in out, err
    shifts = tmp_path / "pass.csv"
    shifts.write_text(
        "personalkod;start;slut\nN-7;2026-11-21 07:00;2026-11-21 16:00\n", encoding="utf-8"
    )
    code, out, err = run(engine, "shifts", "import", str(shifts))
    assert code == 0 and "Europe/Stockholm" in out, err
    code, out, err = run(engine, "keys", "deactivate", "K-N7", "--note", "semester")
    assert code == 0 and "avaktiverad" in out, err
    code, _, err = run(engine, "keys", "deactivate", "K-N7")
    assert code == 1 and "Otillåten ändring" in err
    with sessions() as session:
        assert session.scalars(select(AccessEvent)).all() == []
