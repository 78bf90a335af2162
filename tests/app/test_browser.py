"""The app in a real browser: Debian's Chromium driven by Playwright, on the whole demo city.

The server runs with the base map off (as without internet): the vector layers must still draw.
Screenshots go to test-artifacts/. Timings are printed, not asserted (bench/ measures speed).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "PLANNER_DATABASE_URL": demo_url, "PLANNER_MAP_TILES": "none"}
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
    # a click on a canvas marker, as Leaflet itself would fire it
    ref = frame.evaluate(  # type: ignore[attr-defined]
        """() => {
          let target = null;
          map_div.eachLayer(l => {
            const p = l.feature && l.feature.properties;
            if (!target && p && String(p.ref || '').startsWith('fault:')) target = l;
          });
          target.fire('click', {latlng: target.getLatLng()}, true);
          return target.feature.properties.ref;
        }"""
    )
    assert ref.startswith("fault:")
    page.get_by_role("button", name="Hantera felanmälan").click(timeout=30_000)
    page.get_by_role("heading", name="Felanmälningar").wait_for(timeout=30_000)
    serial = page.get_by_label("Låsets serienummer").input_value()
    assert serial.startswith("SL-DUO-")
    page.screenshot(path=str(artifacts / "felanmalan-fran-kartan.png"), full_page=True)
    page.close()
