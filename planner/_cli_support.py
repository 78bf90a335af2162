"""What every `planner …` command shares: options, the database, the actor, readable errors.

Kept apart from ``planner.cli`` so that the command groups living beside their code
(``planner.imports.cli``, ``planner.locks.cli``, …) can import it without a cycle.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from planner.db import (
    connect_checked,
    database_url,
    has_tables,
    is_sqlite,
    make_engine,
    require_current_schema,
    session_factory,
)
from planner.errors import PlannerError, SchemaVersionError

USER_ENV = "PLANNER_USER"

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Databas: sqlite:///sökväg eller postgresql+psycopg://… "
        "(standard: $PLANNER_DATABASE_URL eller sqlite:///var/planner.sqlite).",
        show_default=False,
    ),
]
UserName = Annotated[
    str | None,
    typer.Option(
        "--user",
        "--actor",
        help="Ditt namn i granskningsloggen (standard: $PLANNER_USER eller inloggningsnamnet).",
        show_default=False,
    ),
]


def fail(message: str) -> NoReturn:
    """Print one Swedish line on standard error and exit with code 1."""
    typer.secho(f"Fel: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@contextmanager
def readable_errors() -> Iterator[None]:
    """Turn planner's own errors into one readable line and exit code 1."""
    try:
        yield
    except PlannerError as error:
        fail(str(error))


def actor(name: str | None = None) -> str:
    """Who runs the command, for the audit trail: --user, else $PLANNER_USER, else the login."""
    if name:
        return name
    if os.environ.get(USER_ENV):
        return os.environ[USER_ENV]
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in some containers
        return "cli"


def open_engine(url: str | None, *, must_exist: bool) -> Engine:
    """An engine that has answered one query; a missing SQLite file is an error if it must exist."""
    resolved = database_url(url)
    if must_exist and is_sqlite(resolved):
        path = resolved.split("///", 1)[-1]
        if path and path != ":memory:" and not Path(path).exists():
            fail(
                f"Databasfilen {path!r} finns inte. Kör `planner init` eller `planner demo` först."
            )
    engine = make_engine(resolved)
    with connect_checked(engine):
        pass
    return engine


def migrate(engine: Engine) -> str:
    """Bring the schema to this version's head; refuse databases that are not planner's."""
    from planner.migrations import current_revision, head_revision, known_revisions, upgrade

    current = current_revision(engine)
    if current is None and has_tables(engine):
        msg = (
            "Databasen innehåller tabeller men ingen planner-schemaversion; den är inte skapad "
            "av planner och lämnas orörd."
        )
        raise SchemaVersionError(msg)
    if current is not None and current not in known_revisions():
        msg = (
            f"Databasen har schemaversion {current}, som den här versionen av planner inte "
            "känner till (den är skapad av en nyare version). Uppdatera planner."
        )
        raise SchemaVersionError(msg)
    if current != head_revision():
        upgrade(engine)
    return head_revision()


@contextmanager
def database(url: str | None) -> Iterator[sessionmaker[Session]]:
    """Sessions on an existing planner database of this version, with readable errors."""
    with readable_errors():
        engine = open_engine(url, must_exist=True)
        require_current_schema(engine)
        try:
            yield session_factory(engine)
        finally:
            engine.dispose()


def parse_date(text: str | None, option: str = "--date", *, default: date | None = None) -> date:
    """A YYYY-MM-DD option value (today when empty, unless another default is given)."""
    if not text:
        return default or date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} är inget datum; skriv det som ÅÅÅÅ-MM-DD, t.ex. 2026-11-28.")


def read_file(path: Path) -> bytes:
    if not path.is_file():
        fail(f"Filen {str(path)!r} finns inte.")
    return path.read_bytes()
