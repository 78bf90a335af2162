"""Every app page through Streamlit's AppTest, on the whole demo city."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import open_page

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_env(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PLANNER_DATABASE_URL", demo_url)
    monkeypatch.setenv("PLANNER_MAP_TILES", "none")
    monkeypatch.chdir(ROOT)
    yield


def _page(path: str) -> AppTest:
    at = open_page(path)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _map_args(at: AppTest) -> dict[str, object]:
    maps = [el for el in at.get("component_instance") if "leaflet" in el.proto.json_args]
    assert len(maps) == 1
    return dict(json.loads(maps[0].proto.json_args))


def test_the_app_opens_on_the_map_of_stockholm(app_env: None) -> None:
    at = _page("app.py")
    assert at.title[0].value == "Karta"
    assert "Demodata" in at.info[0].value


def test_the_map_page_draws_every_layer_from_local_assets(app_env: None) -> None:
    at = _page("app_pages/karta.py")
    args = _map_args(at)
    script = str(args["script"])
    for layer in (
        "Stadsdelsområden och vågor",
        "Fastigheter efter medgivande",
        "Entrélås efter status",
        "Hemtjänstkunder per ruta",
        "Öppna felanmälningar",
    ):
        assert layer in script or json.dumps(layer)[1:-1] in script, layer
    links = [*args.get("css_links", []), *args.get("js_links", [])]  # type: ignore[misc]
    assert links, "the map must name its assets"
    assert all(str(link).startswith("/app/static/vendor/") for link in links), links


def test_the_map_carries_no_customer_identity(app_env: None) -> None:
    at = _page("app_pages/karta.py")
    script = str(_map_args(at)["script"])
    assert "HK-" not in script  # pseudonyms stay out of the browser
    assert "070-" not in script  # and so do customers' phone numbers


def test_the_overview_lists_every_district(app_env: None) -> None:
    at = _page("app_pages/oversikt.py")
    frame = at.dataframe[0].value
    districts = set(frame["Stadsdelsområde"])
    assert {"Södermalm", "Järva", "Skärholmen", "Norra innerstaden"} <= districts
    assert len(districts) == 11
    assert frame["Kunder"].sum() > 13_000
    labels = [m.label for m in at.metric]
    assert "Nyckelfria kunder" in labels


def test_a_page_without_a_database_says_so_in_swedish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANNER_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    monkeypatch.chdir(ROOT)
    at = open_page("app_pages/karta.py", timeout=30)
    at.run()
    assert not at.exception
    assert any("planner init" in e.value for e in at.error)


def test_the_map_of_a_past_day_says_so(app_env: None) -> None:
    from datetime import date, timedelta

    at = _page("app_pages/karta.py")
    at.date_input(key="map_day").set_value(date.today() - timedelta(days=400)).run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("granskningsloggen" in w.value for w in at.warning)
