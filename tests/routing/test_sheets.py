"""Route sheets: what each organisation's sheet carries, who may read it, and every file format."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from planner.auth import AuthError, User
from planner.db import make_engine, session_factory
from planner.migrations import upgrade
from planner.models import Job, Role
from planner.routing._sketch import route_svg
from planner.routing.maplayer import numbered_map, route_layer, route_map_data, stop_layer
from planner.routing.planning import plan_wave
from planner.routing.sheetfiles import GPX_NS, render, to_csv, to_gpx, to_html, to_ics, to_pdf
from planner.routing.sheets import (
    Audience,
    RouteSheet,
    day_routes,
    route_sheet,
    sheet_choices,
    sheet_days,
    wave_sheets,
)
from planner.routing.wave import PlanningOptions, find_wave
from tests.routing.dbcity import (
    APARTMENTS,
    CUSTOMER_NAMES,
    PSEUDONYMS,
    START,
    TODAY,
    DbCity,
    build_db_city,
)

MANAGER = User("anna", "Anna", Role.ROLLOUT_MANAGER)
BOOKED_DAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def planned(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[sessionmaker[Session], DbCity]]:
    path = tmp_path_factory.mktemp("sheets") / "plan.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    factory = session_factory(engine)
    with factory.begin() as session:
        city = build_db_city(session)
        plan_wave(
            session,
            1,
            actor="anna",
            options=PlanningOptions(start=START, days=5),
            time_limit_s=0.5,
            today=TODAY,
        )
    yield factory, city
    engine.dispose()


def _sheet_of(factory: sessionmaker[Session], job_id: int) -> RouteSheet:
    with factory() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.crew_id is not None and job.planned_date is not None
        return route_sheet(session, MANAGER, job.crew_id, job.planned_date)


def _users(city: DbCity) -> tuple[User, User, User]:
    return (
        User("lassmed", "Låssmeden", Role.LOCKSMITH, organisation_id=city.locksmith),
        User("jouren", "Jouren", Role.TRYGGHETSJOUR, organisation_id=city.trygghetsjour),
        User("sodermalm", "Läsaren", Role.DISTRICT_VIEWER, district_names=("Södermalm",)),
    )


def _every_format(sheet: RouteSheet) -> str:
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(to_pdf(sheet))).pages)
    others = [to_html(sheet), to_csv(sheet).decode("utf-8-sig")]
    others += [to_gpx(sheet).decode(), to_ics(sheet).decode()]
    return "\n".join([pdf_text, *others])


def test_a_locksmith_sheet_carries_no_customer_names_pseudonyms_or_apartment_numbers(
    planned: tuple[sessionmaker[Session], DbCity],
) -> None:
    factory, city = planned
    sheet = _sheet_of(factory, city.jobs["repair"])  # Lås 2: the repair, noted with a customer
    assert sheet.audience is Audience.LOCKSMITH
    text = _every_format(sheet)
    for secret in (*CUSTOMER_NAMES, *PSEUDONYMS):
        assert secret not in text, secret
    for apartment in APARTMENTS:  # as a number of its own (dates hold the same digits)
        assert not re.search(rf"(?<![\d-]){apartment}(?!\d)", text), apartment
    assert "Låset kärvar" in text  # the fault's note is kept, cleaned
    assert "Karin Ek" in text and "070-111 11 11" in text  # the owner's contact person
    assert "Götgatan 14" in text and "cylinder: rund" in text


def test_a_trygghetsjour_sheet_has_the_apartment_the_window_and_the_contact(
    planned: tuple[sessionmaker[Session], DbCity],
) -> None:
    factory, city = planned
    sheet = _sheet_of(factory, city.jobs["booked"])
    assert sheet.audience is Audience.TRYGGHETSJOUR and sheet.day == BOOKED_DAY
    stop = next(s for s in sheet.stops if s.job_id == city.jobs["booked"])
    assert (stop.apartment, stop.appointment) == ("1101", "09:00–11:00")
    assert stop.customer == "Greta Gustafsson 070-110100 00"
    text = _every_format(sheet)
    assert "Lgh 1101" in text and "Bokad tid 09:00–11:00" in text and "Greta Gustafsson" in text
    for pseudonym in PSEUDONYMS:
        assert pseudonym not in text  # nobody needs the pseudonym


def test_the_pdf_is_an_a4_swedish_sheet_with_the_stops_in_order_and_their_times(
    planned: tuple[sessionmaker[Session], DbCity],
) -> None:
    factory, city = planned
    sheet = _sheet_of(factory, city.jobs["entrance"])
    reader = PdfReader(io.BytesIO(to_pdf(sheet)))
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = "\n".join(page.extract_text() for page in reader.pages)
    for heading in ("Körlista", "Lag", "Datum", "Depå", "Karta", "Stopp", "Summering"):
        assert heading in text
    assert "Antal stopp" in text and "Körtid (uppskattad)" in text and "Sida 1 av" in text
    assert re.search(r"(Måndag|Tisdag|Onsdag|Torsdag|Fredag) 2026-1[12]-\d\d", text)
    times = [stop.arrival_text for stop in sheet.stops]
    assert times == sorted(times) and all(re.fullmatch(r"\d\d:\d\d", t) for t in times)
    positions = [text.find(f"Arbetsorder {stop.job_id}") for stop in sheet.stops]
    assert -1 not in positions and positions == sorted(positions)
    for clock in times:
        assert clock in text


def test_a_long_sheet_repeats_its_table_header_on_every_page(
    planned: tuple[sessionmaker[Session], DbCity],
) -> None:
    factory, city = planned
    sheet = _sheet_of(factory, city.jobs["entrance"])
    long = RouteSheet(**{**sheet.__dict__, "stops": sheet.stops * 12})
    reader = PdfReader(io.BytesIO(to_pdf(long)))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        text = page.extract_text()
        assert "Adress" in text and "Uppgift och dörr" in text
    assert f"Sida {len(reader.pages)} av {len(reader.pages)}" in reader.pages[-1].extract_text()


def test_csv_gpx_and_ics_parse_and_follow_the_route(
    planned: tuple[sessionmaker[Session], DbCity],
) -> None:
    factory, city = planned
    sheet = _sheet_of(factory, city.jobs["booked"])
    rows = list(csv.DictReader(io.StringIO(to_csv(sheet).decode("utf-8-sig")), delimiter=";"))
    assert [int(r["nr"]) for r in rows] == [s.position for s in sheet.stops]
    assert [int(r["arbetsorder"]) for r in rows] == [s.job_id for s in sheet.stops]
    assert {"lägenhet", "kund (kontakt)", "bokad tid"} <= set(rows[0])
    locksmith = _sheet_of(factory, city.jobs["entrance"])
    header = to_csv(locksmith).decode("utf-8-sig").splitlines()[0].split(";")
    assert "lägenhet" not in header and "kund (kontakt)" not in header

    root = ET.fromstring(to_gpx(sheet))
    ns = {"g": GPX_NS}
    assert root.tag == f"{{{GPX_NS}}}gpx" and root.get("version") == "1.1"
    waypoints = root.findall("g:wpt", ns)
    assert len(waypoints) == len(sheet.stops) + 1
    route = root.findall("g:rte/g:rtept", ns)
    assert len(route) == len(sheet.stops) + 2
    first = sheet.stops[0]
    assert float(route[1].get("lat")) == pytest.approx(first.lat)  # type: ignore[arg-type]

    ics = to_ics(sheet).decode()
    lines = ics.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert all(len(line.encode()) <= 75 for line in lines)
    assert ics.count("BEGIN:VEVENT") == len(sheet.stops) == ics.count("END:VEVENT")
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == len(uids) == len(sheet.stops)
    booked = next(s for s in sheet.stops if s.job_id == city.jobs["booked"])
    start = booked.arrival_text.replace(":", "")
    assert f"DTSTART;TZID=Europe/Stockholm:20261201T{start}00" in lines
    assert "TZID:Europe/Stockholm" in lines


def test_each_role_reads_only_the_sheets_it_may(
    planned: tuple[sessionmaker[Session], DbCity],
) -> None:
    factory, city = planned
    locksmith, trygghetsjour, viewer = _users(city)
    with factory() as session:
        lock_day = session.get(Job, city.jobs["entrance"]).planned_date  # type: ignore[union-attr]
        assert lock_day is not None
        for day in {lock_day, BOOKED_DAY}:
            ours = {c.name for c in sheet_choices(session, locksmith, day)}
            theirs = {c.name for c in sheet_choices(session, trygghetsjour, day)}
            everyone = {c.name for c in sheet_choices(session, MANAGER, day)}
            assert ours <= {"Lås 1", "Lås 2"} and theirs <= {"TJ 1", "TJ 2"}
            assert everyone == ours | theirs
        assert sheet_choices(session, locksmith, lock_day)
        assert sheet_choices(session, trygghetsjour, BOOKED_DAY)
        crew = session.get(Job, city.jobs["entrance"]).crew_id  # type: ignore[union-attr]
        assert crew is not None
        assert route_sheet(session, locksmith, crew, lock_day).organisation == "Låsfirman AB"
        with pytest.raises(AuthError, match="inte behörighet till det lagets körlistor"):
            route_sheet(session, locksmith, city.tj1, BOOKED_DAY)
        with pytest.raises(AuthError, match="inte behörighet till det lagets körlistor"):
            route_sheet(session, trygghetsjour, crew, lock_day)
        with pytest.raises(AuthError):
            day_routes(session, trygghetsjour, BOOKED_DAY, [city.tj1, city.lock1])
        with pytest.raises(AuthError, match="inte behörighet till körlistor"):
            sheet_choices(session, viewer, BOOKED_DAY)
        with pytest.raises(AuthError):
            route_sheet(session, viewer, city.lock1, BOOKED_DAY)
        assert sheet_days(session, locksmith, first=START, last=date(2026, 12, 4)) == [lock_day]


def test_the_wave_sheets_the_svg_sketch_and_the_map_layers(
    planned: tuple[sessionmaker[Session], DbCity],
) -> None:
    factory, _ = planned
    with factory() as session:
        sheets = wave_sheets(session, find_wave(session, 1), days=[BOOKED_DAY])
        just_one = wave_sheets(session, find_wave(session, 1), crews=["TJ 1"])
    assert sheets and all(s.day == BOOKED_DAY for s in sheets)
    assert {s.crew_name for s in just_one} == {"TJ 1"}
    sheet = sheets[0]
    svg = route_svg((sheet.depot_lat, sheet.depot_lon), [(s.lat, s.lon) for s in sheet.stops])
    root = ET.fromstring(svg)
    texts = [e.text for e in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[0] == "D" and [t for t in texts[1:] if t and t.isdigit()] == [
        str(i) for i in range(1, len(sheet.stops) + 1)
    ]
    lines = route_layer(sheets)
    stops = stop_layer(sheets)
    assert lines.kind == "line" and lines.feature_count == len(sheets)
    coordinates = lines.geojson["features"][0]["geometry"]["coordinates"]
    assert coordinates[0] == coordinates[-1] == [sheet.depot_lon, sheet.depot_lat]
    assert stops.feature_count == sum(len(s.stops) + 1 for s in sheets)
    assert [f["properties"]["nr"] for f in stops.geojson["features"][: len(sheet.stops)]] == [
        s.position for s in sheet.stops
    ]
    data = route_map_data(sheets)
    assert data.bounds[0][0] < sheet.depot_lat < data.bounds[1][0]
    html = numbered_map(sheets, tiles=None).get_root().render()
    assert "Rutter" in html and "planner-label" in html  # each stop shows its number
    assert render(sheet, "html").decode().startswith("<!DOCTYPE html>")
    with factory() as session:
        assert session.scalars(select(Job.id).where(Job.crew_id.is_(None))).first() is not None
