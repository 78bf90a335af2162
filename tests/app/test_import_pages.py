"""The Import and Geokodning pages through AppTest: upload, check, confirm, review, choose."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from planner.db import make_engine, session_factory
from planner.imports import ImportKind, ImportOptions, import_file
from planner.migrations import upgrade
from planner.models import GeocodeChoice, PropertyOwner
from tests.app.conftest import MANAGER, open_page

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "data" / "examples"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty, migrated SpatiaLite database the pages use."""
    url = f"sqlite:///{tmp_path / 'import.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("PLANNER_DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_MAP_TILES", "none")
    monkeypatch.chdir(ROOT)
    yield url


def _owners(url: str) -> int:
    with session_factory(make_engine(url))() as s:
        return int(s.scalar(select(func.count()).select_from(PropertyOwner)) or 0)


def _page(name: str) -> AppTest:
    at = open_page(f"app_pages/{name}")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _button(at: AppTest, label: str) -> Button:
    return next(b for b in at.button if b.label == label)


def test_the_import_page_checks_a_file_then_imports_it_on_confirmation(db: str) -> None:
    at = _page("importera.py")
    assert at.title[0].value == "Import"
    at.selectbox(key="kind").set_value(ImportKind.OWNERS.value).run()
    at.file_uploader(key="file_owners").set_value(
        ("agare.csv", (EXAMPLES / "agare.csv").read_bytes(), "text/csv")
    ).run()
    _button(at, "Kontrollera filen").click().run()
    assert not at.exception, [e.message for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Nya"] == "4"
    assert _owners(db) == 0  # checking changes nothing
    _button(at, "Importera").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert _owners(db) == 4
    assert "Import av fastighetsägare från agare.csv" in at.success[0].value


def test_the_import_page_shows_every_bad_row_and_offers_no_import(db: str) -> None:
    at = _page("importera.py")
    at.selectbox(key="kind").set_value(ImportKind.OWNERS.value).run()
    bad = b"organisationsnummer;namn\n556801-0002;A AB\n123;B AB\n"
    at.file_uploader(key="file_owners").set_value(("fel.csv", bad, "text/csv")).run()
    _button(at, "Kontrollera filen").click().run()
    problems = at.dataframe[0].value
    assert list(problems.columns) == ["Fil", "Rad", "Kolumn", "Fel"]
    assert problems.iloc[0]["Rad"] == 3 and "organisationsnummer" in problems.iloc[0]["Fel"]
    assert "avvisas i sin helhet" in at.error[0].value
    assert not [b for b in at.button if b.label == "Importera"]
    assert _owners(db) == 0


def test_the_review_page_shows_the_candidates_and_remembers_the_choice(
    db: str, tmp_path: Path
) -> None:
    files = tmp_path / "files"
    shutil.copytree(EXAMPLES, files)
    factory = session_factory(make_engine(db))
    for kind, name in (
        (ImportKind.ADDRESSES, "adresser.csv"),
        (ImportKind.OWNERS, "agare.csv"),
        (ImportKind.PROPERTIES, "fastigheter.xlsx"),
        (ImportKind.ENTRANCES, "entreer.csv"),
    ):
        with factory.begin() as s:
            import_file(s, kind, files / name, actor="test", options=ImportOptions())
    at = _page("geokodning.py")
    assert at.title[0].value == "Geokodning"
    maps = [el for el in at.get("component_instance") if "leaflet" in el.proto.json_args]
    args = json.loads(maps[0].proto.json_args)
    assert "4, 122 33 Enskede" in args["script"]  # the runner-up, numbered 2 on the map
    links = [*args.get("css_links", []), *args.get("js_links", [])]
    assert links and all(str(link).startswith("/app/static/vendor/") for link in links)
    at.radio(key=f"choice_{at.selectbox(key='item').value.id}").set_value(2).run()
    _button(at, "Spara valet").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Enskede" in at.success[0].value
    assert "Inga adresser väntar" in at.info[0].value
    with factory() as s:
        choice = s.scalars(select(GeocodeChoice)).one()
    assert choice.chosen_by == MANAGER.username and "Enskede" in choice.label
