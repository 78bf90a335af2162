"""The Rapporter page through Streamlit's AppTest, on the hand-counted city."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.common import USER_KEY
from planner.auth import User
from planner.models import Role
from tests.reports.city import ON
from tests.reports.conftest import ROOT

MANAGER = User("ansvarig", "Anna Ansvarig", Role.ROLLOUT_MANAGER)
VIEWER = User("sodermalm", "Sofia", Role.DISTRICT_VIEWER, district_names=("Södermalm",))
LOCKSMITH = User("lassmed", "Lars", Role.LOCKSMITH, organisation_id=2)


@pytest.fixture
def app_env(city_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PLANNER_DATABASE_URL", city_url)
    monkeypatch.setenv("PLANNER_MAP_TILES", "none")
    monkeypatch.chdir(ROOT)
    yield


def page(user: User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / "rapporter.py"), default_timeout=60)
    at.session_state[USER_KEY] = user
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    at.date_input(key="on").set_value(ON).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_manager_sees_figures_forecast_tables_map_and_downloads(app_env: None) -> None:
    at = page(MANAGER)
    assert at.title[0].value == "Rapporter"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Hemtjänstkunder"] == "6"
    assert metrics["Nyckelfria kunder"] == "2"
    assert metrics["Öppna felanmälningar"] == "1"
    assert any("2 december 2026" in i.value for i in at.info)
    districts = at.dataframe[0].value
    assert set(districts["Stadsdelsområde"]) == {
        "Södermalm",
        "Kungsholmen",
        "Bromma",
        "(utan stadsdelsområde)",
    }
    assert districts.set_index("Stadsdelsområde").loc["Södermalm", "Hemtjänstkunder"] == 3
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Ladda ned PDF", "Ladda ned Excel", "Ladda ned HTML"]
    maps = [el for el in at.get("component_instance") if "leaflet" in el.proto.json_args]
    assert len(maps) == 1
    args = json.loads(maps[0].proto.json_args)
    script = str(args["script"])
    name = "Andel nyckelfria kunder"
    assert name in script or json.dumps(name)[1:-1] in script
    links = [*args.get("css_links", []), *args.get("js_links", [])]
    assert links and all(str(link).startswith("/app/static/vendor/") for link in links)
    assert len(at.get("vega_lite_chart")) == 3


def test_what_if_more_crews_changes_the_forecast(app_env: None) -> None:
    at = page(MANAGER)
    at.number_input(key="ec").set_value(3)
    at.number_input(key="ac").set_value(2)
    at.run()
    assert not at.exception
    text = next(i.value for i in at.info if "Arbetet i urvalet" in i.value)
    assert "3 av låsfirmans lag" in text and "2 av Trygghetsjourens lag" in text
    assert "1 december 2026" in text  # 1.33 doors a kind at 2–3 doors a day, from 2026-12-01


def test_a_district_viewer_gets_only_their_district(app_env: None) -> None:
    at = page(VIEWER)
    assert at.multiselect(key="districts").options == ["Södermalm"]
    districts = at.dataframe[0].value
    assert list(districts["Stadsdelsområde"]) == ["Södermalm"]
    assert {m.label: m.value for m in at.metric}["Hemtjänstkunder"] == "3"
    trend_rows = at.dataframe[2].value
    assert len(trend_rows) > 0
    assert "Kungsholmen" not in json.dumps(
        [str(el.proto) for el in at.get("component_instance")], ensure_ascii=False
    )


def test_an_empty_choice_is_explained_not_a_traceback(app_env: None) -> None:
    at = page(MANAGER)
    at.selectbox(key="wave").set_value(2)
    at.multiselect(key="districts").set_value([at.multiselect(key="districts").options[0]])
    at.run()
    assert not at.exception
    assert any("Urvalet innehåller inga stadsdelsområden" in w.value for w in at.warning)


def test_a_locksmith_may_not_open_the_reports(app_env: None) -> None:
    at = AppTest.from_file(str(ROOT / "app_pages" / "rapporter.py"), default_timeout=60)
    at.session_state[USER_KEY] = LOCKSMITH
    at.run()
    assert not at.exception
    assert any("behörighet" in e.value for e in at.error)
    assert not at.dataframe and not at.get("download_button")
