"""Fixtures for the report tests: the hand-counted city of ``city.py`` on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from planner.db import make_engine, session_factory
from planner.migrations import upgrade
from tests.reports.city import ReportCity, build_report_city


@pytest.fixture
def city(sessions: sessionmaker[Session]) -> ReportCity:
    with sessions.begin() as session:
        return build_report_city(session)


@pytest.fixture(scope="module")
def city_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The same city in a SQLite file, for the command line and the app."""
    path = tmp_path_factory.mktemp("report-city") / "city.sqlite"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine).begin() as session:
        build_report_city(session)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def city_sessions(city_url: str) -> sessionmaker[Session]:
    return session_factory(make_engine(city_url))


def pdf_text(data: bytes) -> tuple[str, int]:
    """The text of a PDF and its page count (pypdf)."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages), len(reader.pages)


ROOT = Path(__file__).resolve().parents[2]
