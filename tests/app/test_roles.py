"""Roles in the app: each role sees only its pages and its data, whatever it asks for."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.common import USER_KEY
from app_pages.registry import PAGES, pages_for
from planner.auth import User, can
from planner.models import Role
from tests.app.conftest import MANAGER, ROOT, open_page

LOCKSMITH = User("lassmed", "Låssmeden", Role.LOCKSMITH, organisation_id=2)
TRYGGHETSJOUR = User("trygghetsjour", "Jouren", Role.TRYGGHETSJOUR, organisation_id=3)
SODERMALM = User("sodermalm", "Läsaren", Role.DISTRICT_VIEWER, district_names=("Södermalm",))
USERS = {
    "manager": MANAGER,
    "locksmith": LOCKSMITH,
    "trygghetsjour": TRYGGHETSJOUR,
    "viewer": SODERMALM,
}


@pytest.fixture
def demo_app(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANNER_DATABASE_URL", demo_url)
    monkeypatch.setenv("PLANNER_MAP_TILES", "none")
    monkeypatch.chdir(ROOT)


def _shown_data(at: AppTest) -> int:
    return len(at.dataframe) + len(at.get("component_instance")) + len(at.get("download_button"))


@pytest.mark.parametrize("who", list(USERS))
@pytest.mark.parametrize("page", PAGES, ids=[p.title for p in PAGES])
def test_each_page_opens_for_its_roles_and_for_no_one_else(
    demo_app: None, who: str, page: object
) -> None:
    user = USERS[who]
    at = open_page(page.path, user=user)  # type: ignore[attr-defined]
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    refused = [e.value for e in at.error if "behörighet" in e.value]
    if can(user, page.permission):  # type: ignore[attr-defined]
        assert not refused
    else:
        assert refused, f"{who} reached {page.title}"  # type: ignore[attr-defined]
        assert _shown_data(at) == 0, "a refused page must show no data"


@pytest.mark.parametrize("page", PAGES, ids=[p.title for p in PAGES])
def test_no_page_opens_without_signing_in(demo_app: None, page: object) -> None:
    at = open_page(page.path, user=None)  # type: ignore[attr-defined]
    at.run()
    assert any("inte inloggad" in e.value for e in at.error)
    assert _shown_data(at) == 0


def test_the_menu_lists_only_the_roles_pages() -> None:
    assert [p.title for p in pages_for(MANAGER)] == [p.title for p in PAGES]
    assert [p.title for p in pages_for(SODERMALM)] == ["Karta", "Översikt", "Rapporter"]
    assert pages_for(LOCKSMITH) == [p for p in PAGES if can(LOCKSMITH, p.permission)]


def test_a_district_viewer_sees_only_their_district(demo_app: None) -> None:
    at = open_page("app_pages/oversikt.py", user=SODERMALM)
    at.run()
    assert set(at.dataframe[0].value["Stadsdelsområde"]) == {"Södermalm"}
    at = open_page("app_pages/karta.py", user=SODERMALM)
    at.run()
    script = json.loads(at.get("component_instance")[0].proto.json_args)["script"]
    assert json.dumps({"namn": "Södermalm"})[1:-1] in script
    for other in ("Järva", "Kungsholmen", "Farsta", "Bromma"):
        assert json.dumps({"namn": other})[1:-1] not in script
    assert [o for o in at.multiselect[0].options] == ["Södermalm"]


def test_signing_in_with_the_right_password_opens_the_app(demo_app: None) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert at.title[0].value == "Logga in"
    assert "ansvarig-demo" in at.table[0].value.to_string()  # demo log-ins are shown for demo data
    at.text_input[0].set_value("ansvarig")
    at.text_input[1].set_value("fel-lösenord")
    at.button[0].click().run()
    assert "Fel användarnamn eller lösenord" in at.error[0].value
    assert USER_KEY not in at.session_state
    at.text_input[1].set_value("ansvarig-demo")
    at.button[0].click().run()
    assert at.session_state[USER_KEY].role is Role.ROLLOUT_MANAGER
    assert at.title[0].value == "Karta"
