"""Engine and session factory: SQLite + SpatiaLite by default, PostgreSQL + PostGIS by URL.

The only module that opens database connections. Everything else takes a ``Session`` from the
caller (``with session_factory.begin() as s: ...``).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

# Load order matters (RECIPES): pyogrio and pyproj must be in the process before the first
# SpatiaLite connection, or a later read_file segfaults and pyproj can crash at exit.
import pyogrio  # noqa: F401
import pyproj  # noqa: F401
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from planner.errors import ConfigurationError, SchemaVersionError

log = logging.getLogger(__name__)

DEFAULT_SQLITE_PATH = Path("var") / "planner.sqlite"
ENV_URL = "PLANNER_DATABASE_URL"
# SRIDs SpatiaLite needs beyond WGS 84 (the "WGS84" init mode loads only WGS 84 systems).
EXTRA_SRIDS = (3006, 3011)


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else ``$PLANNER_DATABASE_URL``, else var/planner.sqlite."""
    if url:
        return url
    if os.environ.get(ENV_URL):
        return os.environ[ENV_URL]
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


@cache
def _sqlite_module() -> Any:
    """A DB-API sqlite module that can load extensions.

    Some Python builds (pyenv's, for one) ship a ``sqlite3`` without ``enable_load_extension``; the
    ``pysqlite3`` wheel carries its own recent SQLite and can.
    """
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        probe = sqlite3.connect(":memory:")
        try:
            probe.enable_load_extension(True)
            return sqlite3
        except (AttributeError, sqlite3.OperationalError):
            pass
        finally:
            probe.close()
    import pysqlite3.dbapi2 as pysqlite

    return pysqlite


def _load_spatialite(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.enable_load_extension(True)
    try:
        dbapi_conn.load_extension(os.environ.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite"))
    except Exception as exc:
        msg = (
            "SpatiaLite saknas: installera Debian-paketet libsqlite3-mod-spatialite "
            f"(eller ange SPATIALITE_LIBRARY_PATH). ({exc})"
        )
        raise ConfigurationError(msg) from exc
    finally:
        dbapi_conn.enable_load_extension(False)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def prepare_spatialite(connection: Connection) -> None:
    """Create SpatiaLite's metadata tables if missing (part of migrating, never of connecting,
    so that opening a database that is not planner's changes nothing)."""
    if connection.dialect.name != "sqlite":
        return
    if connection.exec_driver_sql("SELECT CheckSpatialMetaData()").scalar_one() < 1:
        connection.exec_driver_sql("PRAGMA journal_mode = WAL")
        connection.exec_driver_sql("SELECT InitSpatialMetaData(1, 'WGS84')")
        for srid in EXTRA_SRIDS:
            connection.exec_driver_sql("SELECT InsertEpsgSrid(?)", (srid,))


def make_engine(url: str | None = None, *, create_dir: bool = True) -> Engine:
    """An engine for ``url`` (see :func:`database_url`), ready for spatial work.

    Raises ``ConfigurationError`` with one readable line for a URL that cannot be used.
    """
    raw = database_url(url)
    try:
        parsed = make_url(raw)
    except ArgumentError as exc:
        msg = (
            f"Ogiltig databas-URL {raw!r}. Använd t.ex. sqlite:///var/planner.sqlite eller "
            "postgresql+psycopg://användare@värd:5432/databas."
        )
        raise ConfigurationError(msg) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            path = Path(database).absolute()
            parsed = parsed.set(database=str(path))
            if create_dir:
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.parent.exists():
                msg = f"Katalogen {str(path.parent)!r} för databasfilen finns inte."
                raise ConfigurationError(msg)
        engine = create_engine(parsed, module=_sqlite_module())
        event.listen(engine, "connect", _load_spatialite)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() not in ("psycopg", ""):
            msg = f"Databasdrivrutinen {parsed.drivername!r} stöds inte; använd postgresql+psycopg://…"
            raise ConfigurationError(msg)
        try:
            return create_engine(parsed.set(drivername="postgresql+psycopg"), pool_pre_ping=True)
        except NoSuchModuleError as exc:  # pragma: no cover - psycopg is a dependency
            raise ConfigurationError(str(exc)) from exc
    msg = (
        f"Databastypen {backend!r} stöds inte. Använd SQLite (sqlite:///sökväg) "
        "eller PostgreSQL med PostGIS (postgresql+psycopg://…)."
    )
    raise ConfigurationError(msg)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """The factory callers use: ``with factory.begin() as session: ...``."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def connect_checked(engine: Engine) -> Iterator[None]:
    """Turn a failed connection into one readable line."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        msg = f"Kan inte ansluta till databasen {engine.url.render_as_string()}: {reason}"
        raise ConfigurationError(msg) from exc
    yield


def has_tables(engine: Engine) -> bool:
    """Whether the database holds planner tables (tells a new database from an old one)."""
    names = set(inspect(engine).get_table_names())
    return bool(names & {"alembic_version", "district", "customer"})


def require_current_schema(engine: Engine) -> None:
    """Raise ``SchemaVersionError`` unless the database is at this code's migration head."""
    from planner.migrations import current_revision, head_revision

    current = current_revision(engine)
    head = head_revision()
    if current is None:
        if has_tables(engine):
            msg = (
                "Databasen innehåller tabeller men ingen planner-schemaversion; "
                "den är inte skapad av planner. Ange en annan databas med --database-url."
            )
        else:
            msg = "Databasen är tom. Kör `planner init` (eller `planner demo`) först."
        raise SchemaVersionError(msg)
    if current != head:
        msg = (
            f"Databasen har schemaversion {current}, men den här versionen av planner "
            f"förväntar sig {head}. Kör `planner init` för att uppgradera den."
        )
        raise SchemaVersionError(msg)
