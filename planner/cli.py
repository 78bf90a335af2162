"""The `planner` command: set up a database, build the demo city, print status, start the app.

Every command takes ``--database-url`` (default: ``$PLANNER_DATABASE_URL`` or
``sqlite:///var/planner.sqlite``). Errors the user can fix are printed as one Swedish line on
standard error with exit code 1, and leave the database as it was.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

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
from planner.imports.cli import import_app
from planner.locks import cli as locks_cli

app = typer.Typer(
    help="Planering och uppföljning av nyckelfri hemtjänst i Stockholm.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
log = logging.getLogger("planner")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Databas: sqlite:///sökväg eller postgresql+psycopg://… "
        "(standard: $PLANNER_DATABASE_URL eller sqlite:///var/planner.sqlite).",
        show_default=False,
    ),
]


def _fail(message: str) -> None:
    typer.secho(f"Fel: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@contextmanager
def _readable_errors() -> Iterator[None]:
    try:
        yield
    except PlannerError as error:
        _fail(str(error))


def _engine(url: str | None, *, must_exist: bool) -> Engine:
    resolved = database_url(url)
    if must_exist and is_sqlite(resolved):
        path = resolved.split("///", 1)[-1]
        if path and path != ":memory:" and not Path(path).exists():
            _fail(
                f"Databasfilen {path!r} finns inte. Kör `planner init` eller `planner demo` först."
            )
    engine = make_engine(resolved)
    with connect_checked(engine):
        pass
    return engine


def _migrate(engine: Engine) -> str:
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


@app.command()
def init(database_url: DatabaseUrl = None) -> None:
    """Skapa databasen (eller uppgradera den till den här versionens schema)."""
    with _readable_errors():
        engine = _engine(database_url, must_exist=False)
        revision = _migrate(engine)
        typer.echo(f"Databasen är klar (schemaversion {revision}): {_shown(engine)}")


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@app.command()
def demo(
    database_url: DatabaseUrl = None,
    seed: Annotated[int, typer.Option(help="Slumpfrö: samma frö och dag ger samma stad.")] = 42,
    today: Annotated[
        str | None,
        typer.Option(
            help="Dagens datum i demostaden, ÅÅÅÅ-MM-DD (standard: i dag).", show_default=False
        ),
    ] = None,
    scale: Annotated[
        float,
        typer.Option(
            help="Andel av stadens ~15 000 kunder (1.0 = hela staden).", min=0.01, max=2.0
        ),
    ] = 1.0,
    replace: Annotated[
        bool, typer.Option("--replace", help="Töm en databas som redan har data och bygg om.")
    ] = False,
) -> None:
    """Bygg demostaden: ett påhittat Stockholm mitt i utrullningen."""
    from planner.demo import build_demo, is_empty
    from planner.migrations import downgrade

    with _readable_errors():
        day = _parse_date(today, "--today") if today else date.today()
        engine = _engine(database_url, must_exist=False)
        _migrate(engine)
        factory = session_factory(engine)
        with factory() as session:
            empty = is_empty(session)
        if not empty:
            if not replace:
                _fail(
                    "Databasen innehåller redan data. Ange --replace för att tömma den och bygga "
                    "demostaden på nytt, eller en annan databas med --database-url."
                )
            typer.echo("Tömmer databasen …")
            downgrade(engine, "base")
            _migrate(engine)
        with factory.begin() as session:
            summary = build_demo(
                session, seed=seed, today=day, scale=scale, progress=lambda m: typer.echo(m)
            )
        for line in summary.lines():
            typer.echo(line)


@app.command()
def status(
    database_url: DatabaseUrl = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--date", help="Dag att räkna för, ÅÅÅÅ-MM-DD (standard: i dag).", show_default=False
        ),
    ] = None,
) -> None:
    """Visa antal per stadsdelsområde och status."""
    from planner.status import status as compute

    with _readable_errors():
        day = _parse_date(on, "--date") if on else date.today()
        engine = _engine(database_url, must_exist=True)
        require_current_schema(engine)
        with session_factory(engine)() as session:
            result = compute(session, on=day)
        typer.echo(f"Status {day.isoformat()} · indelning: {result.district_set or 'ingen'}")
        for name, value in result.totals.items():
            typer.echo(f"  {name}: {value}")
        typer.echo("")
        typer.echo(result.by_district.to_string(index=False))
        if len(result.jobs):
            typer.echo("")
            typer.echo(result.jobs.to_string(index=False))


@app.command(name="app")
def run_app(
    database_url: DatabaseUrl = None,
    port: Annotated[int, typer.Option(help="Port för webbappen.")] = 8501,
) -> None:
    """Starta webbappen; bygger demostaden först om databasen är tom."""
    from planner.demo import build_demo, is_empty

    with _readable_errors():
        engine = _engine(database_url, must_exist=False)
        _migrate(engine)
        factory = session_factory(engine)
        with factory() as session:
            empty = is_empty(session)
        if empty:
            typer.echo("Databasen är tom: bygger demostaden (första gången, under en minut) …")
            with factory.begin() as session:
                summary = build_demo(session, progress=lambda m: typer.echo(m))
            for line in summary.lines():
                typer.echo(line)
        url = engine.url.render_as_string(hide_password=False)
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PLANNER_DATABASE_URL": url}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(root / "app.py"),
        "--server.port",
        str(port),
    ]
    typer.echo(f"Öppna http://localhost:{port} i webbläsaren (avsluta med Ctrl+C).")
    raise typer.Exit(subprocess.call(command, cwd=root, env=env))


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{option}: {text!r} är inget datum; skriv det som ÅÅÅÅ-MM-DD, t.ex. 2026-11-28.")
        raise


users_app = typer.Typer(help="Användare och roller.", no_args_is_help=True)


@users_app.command("add")
def users_add(
    username: Annotated[
        str, typer.Argument(help="Användarnamn (e-postadress för OIDC-inloggning).")
    ],
    role: Annotated[
        str,
        typer.Option(help="Roll: rollout_manager, locksmith, trygghetsjour eller district_viewer."),
    ],
    database_url: DatabaseUrl = None,
    display_name: Annotated[str | None, typer.Option(help="Namn som visas i appen.")] = None,
    organisation: Annotated[
        str | None, typer.Option(help="Låsfirman eller Trygghetsjouren användaren hör till.")
    ] = None,
    district: Annotated[
        list[str] | None, typer.Option(help="Stadsdelsområde (för stadsdelsläsare; kan upprepas).")
    ] = None,
    oidc_only: Annotated[
        bool, typer.Option("--oidc-only", help="Inget lösenord: loggar in via OIDC.")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Läs lösenordet från standard in.")
    ] = False,
) -> None:
    """Skapa en användare (lösenordet frågas efter och lagras hashat med Argon2)."""
    from planner.auth import add_user
    from planner.models import Role

    with _readable_errors():
        try:
            chosen = Role(role)
        except ValueError:
            _fail(f"Okänd roll {role!r}; välj en av: {', '.join(r.value for r in Role)}.")
            raise
        password = None
        if not oidc_only:
            if password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = typer.prompt("Lösenord", hide_input=True, confirmation_prompt=True)
        engine = _engine(database_url, must_exist=True)
        require_current_schema(engine)
        with session_factory(engine).begin() as session:
            user = add_user(
                session,
                username=username,
                password=password,
                role=chosen,
                display_name=display_name,
                organisation=organisation,
                districts=tuple(district or ()),
                actor=_actor(),
            )
        typer.echo(f"Användaren {user.username} ({user.role_label}) är skapad.")


@users_app.command("list")
def users_list(database_url: DatabaseUrl = None) -> None:
    """Lista användarna och deras roller."""
    from planner.auth import list_users

    with _readable_errors():
        engine = _engine(database_url, must_exist=True)
        require_current_schema(engine)
        with session_factory(engine)() as session:
            for user in list_users(session):
                scope = ", ".join(user.district_names)
                typer.echo(f"{user.username}\t{user.role_label}\t{scope}")


@users_app.command("passwd")
def users_passwd(
    username: str,
    database_url: DatabaseUrl = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Byt lösenord för en användare."""
    from planner.auth import set_password

    with _readable_errors():
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = typer.prompt("Nytt lösenord", hide_input=True, confirmation_prompt=True)
        engine = _engine(database_url, must_exist=True)
        require_current_schema(engine)
        with session_factory(engine).begin() as session:
            set_password(session, username, password, actor=_actor())
        typer.echo(f"Lösenordet för {username} är bytt.")


def _actor() -> str:
    """Who runs the command, for the audit trail."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


app.add_typer(users_app, name="users")
# Sub-command groups live beside the code they drive; register each here with one line.
app.add_typer(import_app, name="import")
app.add_typer(locks_cli.audit_app, name="audit")
app.add_typer(locks_cli.consents_app, name="consents")
app.add_typer(locks_cli.results_app, name="results")
app.add_typer(locks_cli.staff_app, name="staff")
app.add_typer(locks_cli.shifts_app, name="shifts")
app.add_typer(locks_cli.keys_app, name="keys")
app.add_typer(locks_cli.accesslog_app, name="accesslog")
app.add_typer(locks_cli.returns_app, name="returns")
app.add_typer(locks_cli.work_app, name="work")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    app()


if __name__ == "__main__":
    main()
