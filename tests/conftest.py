"""Shared fixtures: databases on both engines, and demo cities built once per test run.

SpatiaLite tests always run. PostGIS tests run where PLANNER_TEST_POSTGRES_URL is set (CI sets it,
and the README's test command starts a throwaway cluster when PostgreSQL is installed); each test
gets its own schema there, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from planner.db import make_engine, session_factory
from planner.migrations import upgrade

POSTGRES_ENV = "PLANNER_TEST_POSTGRES_URL"
DEMO_DAY = date(2026, 11, 28)
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

BACKENDS = [
    "sqlite",
    pytest.param("postgis", marks=pytest.mark.postgis),
]


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def _skip_without_postgres() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip(
            f"PostGIS test: {POSTGRES_ENV} is not set (CI and the README test command set it)"
        )
    return url


def _postgres_schema_url() -> Iterator[str]:
    base = _skip_without_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        leftover = conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar()
        if leftover is not None:
            pytest.fail(f"{base} has planner tables in schema public; tests need it empty")
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema},public"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend (not migrated)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'planner.sqlite'}"
        return
    yield from _postgres_schema_url()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The whole demo city (15,000 customers) on SpatiaLite, built once for the run."""
    from planner.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    url = f"sqlite:///{path}"
    eng = make_engine(url)
    upgrade(eng)
    with session_factory(eng).begin() as session:
        build_demo(session, seed=42, today=DEMO_DAY)
    eng.dispose()
    return url


@pytest.fixture(scope="session")
def demo_sessions(demo_url: str) -> sessionmaker[Session]:
    return session_factory(make_engine(demo_url))


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
