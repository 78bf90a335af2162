"""The app in a real browser: Debian's Chromium driven by Playwright, on the whole demo city.

The server runs with the base map off (as without internet): the vector layers must still draw.
Screenshots go to test-artifacts/. Timings are printed, not asserted (bench/ measures speed).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from planner.db import make_engine, session_factory
from planner.locks.states import ConsentState, JobState
from planner.models import AuditEvent, Consent, Crew, Job, Organisation, OrgKind, Property
from planner.routing.planning import plan_wave
from planner.routing.wave import PlanningOptions

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("PLANNER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


# the smallest PDF a scanner could send: one empty page
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def browser_db(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the demo city for this module: its tests record consents and plan waves."""
    source = Path(demo_url.removeprefix("sqlite:///"))
    copy = tmp_path_factory.mktemp("browser-db") / "demo.sqlite"
    shutil.copyfile(source, copy)
    return f"sqlite:///{copy}"


@pytest.fixture(scope="module")
def db(browser_db: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(browser_db)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def server(browser_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "PLANNER_DATABASE_URL": browser_db, "PLANNER_MAP_TILES": "none"}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"Streamlit did not start:\n{log.read_text()}")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _log_in(page: object, server: str, username: str, password: str) -> None:
    page.goto(server)  # type: ignore[attr-defined]
    page.get_by_label("Användarnamn").fill(username)  # type: ignore[attr-defined]
    page.get_by_label("Lösenord").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Logga in").click()  # type: ignore[attr-defined]


def _click_first(frame: object, field: str, prefix: str = "") -> str:
    """Click the first map feature whose ``field`` starts with ``prefix`` (and is not empty),
    as Leaflet itself would fire it on a canvas marker; that field's value."""
    return str(
        frame.evaluate(  # type: ignore[attr-defined]
            """([field, prefix]) => {
              let target = null;
              map_div.eachLayer(l => {
                const p = l.feature && l.feature.properties;
                const value = p ? String(p[field] || '') : '';
                if (!target && value && value.startsWith(prefix)) target = l;
              });
              target.fire('click', {latlng: target.getLatLng()}, true);
              return target.feature.properties[field];
            }""",
            [field, prefix],
        )
    )


def _idle(page: object, timeout_s: float = 120) -> None:
    """Wait until Streamlit has finished running the page's script."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=stStatusWidget]')",
        timeout=timeout_s * 1000,
    )
    time.sleep(0.5)


def _frame_with(page: object, selector: str, timeout_s: float = 30) -> object:
    """The first frame other than the page itself that holds ``selector``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames[1:]:  # type: ignore[attr-defined]
            try:
                if frame.query_selector(selector):
                    return frame
            except Exception:  # frames come and go while Streamlit renders
                continue
        time.sleep(0.1)
    pytest.fail(f"no frame shows {selector}")


def _map_frame(page: object, timeout_s: float = 60) -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:  # type: ignore[attr-defined]
            try:
                if frame.query_selector(".leaflet-container canvas") and frame.query_selector(
                    ".planner-legend"
                ):
                    return frame
            except Exception:  # frames come and go while Streamlit renders
                continue
        time.sleep(0.05)
    pytest.fail("the map was not drawn")


def test_the_map_draws_offline_with_its_layers_and_legend(
    server: str, browser: object, artifacts: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname or ""))
    _log_in(page, server, "ansvarig", "ansvarig-demo")
    started = time.monotonic()
    frame = _map_frame(page)
    drawn_s = time.monotonic() - started
    print(f"\nmap drawn {drawn_s:.2f} s after signing in")
    time.sleep(0.5)
    page.screenshot(path=str(artifacts / "karta.png"), full_page=True)

    controls = frame.inner_text(".leaflet-control-layers")
    for name in (
        "Stadsdelsområden och vågor",
        "Fastigheter efter medgivande",
        "Entrélås efter status",
        "Öppna felanmälningar",
    ):
        assert name in controls
    legend = frame.inner_text(".planner-legend")
    assert "Medgivande mottaget" in legend and "Våg pågår" in legend
    assert "Entrélås efter status" not in legend  # off by default, so is its legend

    # switch the entrance-lock layer on: its legend appears; off again: it goes
    started = time.monotonic()
    frame.get_by_label("Entrélås efter status").check()
    frame.wait_for_function(
        "() => document.querySelector('.planner-legend').innerText"
        ".includes('Entrélås efter status')"
    )
    print(f"layer switched on in {time.monotonic() - started:.2f} s")
    page.screenshot(path=str(artifacts / "karta-entrelas.png"), full_page=True)
    frame.get_by_label("Fastigheter efter medgivande").uncheck()
    frame.wait_for_function(
        "() => !document.querySelector('.planner-legend').innerText.includes('Ej tillfrågad')"
    )
    assert hosts <= {"127.0.0.1", "localhost"}, f"requests left the machine: {hosts}"
    page.close()


def test_the_overview_page_opens_from_the_menu(
    server: str, browser: object, artifacts: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    _log_in(page, server, "ansvarig", "ansvarig-demo")
    page.get_by_role("link", name="Översikt").click()
    page.get_by_text("Per stadsdelsområde").wait_for(timeout=30_000)
    page.get_by_text("Nyckelfria kunder").first.wait_for()
    page.screenshot(path=str(artifacts / "oversikt.png"), full_page=True)
    page.close()


def test_a_wrong_password_is_refused(server: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    _log_in(page, server, "ansvarig", "inte-rätt-lösenord")
    page.get_by_text("Fel användarnamn eller lösenord").wait_for(timeout=30_000)
    assert page.get_by_role("link", name="Karta").count() == 0
    page.close()


def test_a_locksmith_cannot_reach_the_map_or_customer_data(
    server: str, browser: object, artifacts: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    _log_in(page, server, "lassmed", "lassmed-demo")
    page.get_by_text("Låsfirma", exact=False).first.wait_for(timeout=30_000)
    for title in ("Karta", "Översikt", "Medgivanden", "Import"):
        assert page.get_by_role("link", name=title).count() == 0, title
    # typing a page's address does not open it either
    page.goto(f"{server}/karta")
    page.get_by_text("Låsfirma", exact=False).first.wait_for(timeout=30_000)
    time.sleep(1)
    assert not page.frames[1:] or all(
        f.query_selector(".leaflet-container") is None for f in page.frames
    )
    assert "HK-" not in page.content()
    page.screenshot(path=str(artifacts / "lassmed.png"), full_page=True)
    page.close()


def test_clicking_a_fault_on_the_map_offers_to_handle_it(
    server: str, browser: object, artifacts: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1100})  # type: ignore[attr-defined]
    _log_in(page, server, "ansvarig", "ansvarig-demo")
    frame = _map_frame(page)
    ref = _click_first(frame, "ref", "fault:")
    assert ref.startswith("fault:")
    page.get_by_role("button", name="Hantera felanmälan").click(timeout=30_000)
    page.get_by_role("heading", name="Felanmälningar").wait_for(timeout=30_000)
    # the lock's serial is filled in from the clicked fault (once the page has run)
    page.wait_for_function(
        "() => [...document.querySelectorAll('input[aria-label=\"Låsets serienummer\"]')]"
        ".some(i => i.value.startsWith('SL-DUO-'))",
        timeout=30_000,
    )
    serial = page.get_by_label("Låsets serienummer").input_value()
    assert serial.startswith("SL-DUO-")
    page.screenshot(path=str(artifacts / "felanmalan-fran-kartan.png"), full_page=True)
    page.close()


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_a_manager_records_a_received_consent_with_its_scan(
    server: str, browser: object, artifacts: Path, db: sessionmaker[Session]
) -> None:
    with db() as session:
        consent_id, designation = session.execute(
            select(Consent.id, Property.designation)
            .join(Property, Property.id == Consent.property_id)
            .where(Consent.state == ConsentState.REQUESTED)
            .order_by(Consent.id)
            .limit(1)
        ).one()
    page = browser.new_page(viewport={"width": 1400, "height": 1400})  # type: ignore[attr-defined]
    _log_in(page, server, "ansvarig", "ansvarig-demo")
    page.get_by_role("link", name="Medgivanden").click()
    page.get_by_label("Sök på svarsreferens").fill(designation)
    page.get_by_label("Sök på svarsreferens").press("Enter")
    page.get_by_text("Vad vill du registrera?").wait_for(timeout=30_000)
    page.get_by_text("Medgivande mottaget", exact=True).click()
    _idle(page)
    page.get_by_label("Kontaktperson").fill("Karin Ek")
    page.get_by_label("Kontaktperson").press("Tab")
    _idle(page)
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "medgivande.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
    )
    page.get_by_text("medgivande.pdf").wait_for(timeout=30_000)
    _idle(page)
    page.get_by_text("Jag har kontrollerat uppgifterna").click()
    page.get_by_role("button", name="Spara", exact=True).click()
    outcome = page.get_by_text("Sparat.").or_(page.get_by_role("alert")).first
    outcome.wait_for(timeout=60_000)
    page.screenshot(path=str(artifacts / "medgivande-registrerat.png"), full_page=True)
    assert "Sparat." in outcome.inner_text(), outcome.inner_text()
    page.close()
    with db() as session:
        consent = session.get(Consent, consent_id)
        assert consent is not None
        assert consent.state is ConsentState.RECEIVED
        assert consent.contact_name == "Karin Ek" and consent.document_sha256
        audit = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity == "consent", AuditEvent.entity_id == consent_id)
            .order_by(AuditEvent.id)
        ).all()
        assert audit[-1].actor == "ansvarig" and audit[-1].to_state == "received"


def test_a_manager_plans_a_day_of_a_wave_and_downloads_a_route_sheet(
    server: str, browser: object, artifacts: Path, db: sessionmaker[Session]
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1400})  # type: ignore[attr-defined]
    _log_in(page, server, "ansvarig", "ansvarig-demo")
    page.get_by_role("link", name="Planering").click()
    page.get_by_role("heading", name="Planera en våg").wait_for(timeout=30_000)
    days = page.get_by_label("Arbetsdagar (0 = till vågens slut)")
    days.fill("1")
    days.press("Enter")
    slider = page.get_by_role("slider")
    slider.focus()
    slider.press("Home")  # the search time down to 1 s, then up to 5 s
    for _ in range(4):
        slider.press("ArrowRight")
    page.get_by_text("Jag har kontrollerat uppgifterna").click()
    page.get_by_role("button", name="Planera", exact=True).click()
    page.get_by_text("Planen är sparad").wait_for(timeout=180_000)
    summary = page.get_by_text("jobb planerade på").first.inner_text()
    assert "1 arbetsdagar" in page.content()
    page.screenshot(path=str(artifacts / "planering.png"), full_page=True)
    placed = int(summary.split(" jobb planerade")[0].split()[-1])
    assert placed > 0, summary

    # the day's routes on the map: a click on a stop fills in the job to adjust
    _idle(page)
    field = page.get_by_role("spinbutton", name="Arbetsorder")
    job_id = None
    caption = page.get_by_text("Klicka på ett stopp för att justera det nedan.")
    for _ in range(8):  # the first click can come before the component listens; click again
        time.sleep(2)
        try:
            caption.scroll_into_view_if_needed(timeout=5_000)  # the map loads when in view
            page.mouse.wheel(0, 400)
            # found anew each time: a rerun may draw the map again
            frame = next(f for f in page.frames if "st_folium" in f.url)
            frame.frame_element().scroll_into_view_if_needed()
            job_id = _click_first(frame, "arbetsorder")
            # the clicked job is the one to adjust: its facts and the confirmation name it
            page.get_by_text(f"arbetsorder {job_id}: lås till lag och dag").wait_for(timeout=8_000)
            break
        except (PlaywrightTimeout, PlaywrightError, StopIteration):
            continue
    time.sleep(1)  # and it stays chosen through the reruns that follow
    assert job_id is not None and not field.input_value()
    assert page.get_by_text(f"arbetsorder {job_id}: lås till lag och dag").count() == 1
    page.get_by_role("radiogroup").get_by_text("Flytta").wait_for(timeout=30_000)

    page.get_by_role("link", name="Körlistor").click()
    page.get_by_role("heading", name="Körlistor").wait_for(timeout=30_000)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="PDF (utskrift)").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    # the sheet of a day ahead with the work just planned, not a finished day
    assert "Körlista" in text and "Arbetsorder" in text and "utförd" not in text
    page.screenshot(path=str(artifacts / "korlista.png"), full_page=True)
    page.close()


def _locksmith_has_a_sheet(db: sessionmaker[Session]) -> None:
    """Make sure the locksmith firm has a planned route ahead (the planning test makes one)."""
    with db() as session:
        found = session.scalars(
            select(Job.id)
            .join(Crew, Crew.id == Job.crew_id)
            .join(Organisation, Organisation.id == Crew.organisation_id)
            .where(
                Job.state == JobState.PLANNED,
                Job.planned_date >= date.today(),
                Organisation.kind == OrgKind.LOCKSMITH,
            )
            .limit(1)
        ).first()
    if found is None:
        with db.begin() as session:
            plan_wave(session, 3, actor="test", options=PlanningOptions(days=1), time_limit_s=3.0)


def test_a_locksmith_reads_only_their_own_route_sheets_without_customer_data(
    server: str, browser: object, artifacts: Path, db: sessionmaker[Session]
) -> None:
    _locksmith_has_a_sheet(db)
    page = browser.new_page(viewport={"width": 1400, "height": 1400})  # type: ignore[attr-defined]
    _log_in(page, server, "lassmed", "lassmed-demo")
    # the route sheets are the firm's only page, so the app opens on it
    page.get_by_role("heading", name="Körlistor").wait_for(timeout=30_000)
    page.get_by_role("button", name="PDF (utskrift)").wait_for(timeout=30_000)
    # the crew menu lists this firm's crews only
    page.get_by_label("Lag").click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    assert options and all("Trygghetsjour" not in o and "Stadens" not in o for o in options)
    sheet = _frame_with(page, "table.stops")
    text = sheet.inner_text("body")  # type: ignore[attr-defined]
    assert "Entrédörr" in text or "entrédörr" in text
    # no customer (pseudonyms are HK-…) and no apartment number, whatever the door
    assert "HK-" not in text
    assert not re.search(r"(?i)\blgh\b|lägenhet(snummer)?\s+\d", text), text
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="CSV (Excel)").click()
    csv = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "HK-" not in csv
    assert not re.search(r"(?i)\blgh\b|lägenhet(snummer)?\s*[;,]?\s*\d", csv), csv
    page.screenshot(path=str(artifacts / "korlista-lassmed.png"), full_page=True)
    page.close()
