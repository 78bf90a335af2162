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
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from planner._cli_support import (
    DatabaseUrl,
    UserName,
    actor,
    database,
    fail,
    migrate,
    open_engine,
    parse_date,
    readable_errors,
)
from planner.db import session_factory
from planner.imports.cli import import_app
from planner.locks import cli as locks_cli
from planner.reports import cli as reports_cli
from planner.routing import cli as routing_cli

app = typer.Typer(
    help="Planering och uppföljning av nyckelfri hemtjänst i Stockholm.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
log = logging.getLogger("planner")


@app.command()
def init(database_url: DatabaseUrl = None) -> None:
    """Skapa databasen (eller uppgradera den till den här versionens schema)."""
    with readable_errors():
        engine = open_engine(database_url, must_exist=False)
        revision = migrate(engine)
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

    with readable_errors():
        day = parse_date(today, "--today")
        engine = open_engine(database_url, must_exist=False)
        migrate(engine)
        factory = session_factory(engine)
        with factory() as session:
            empty = is_empty(session)
        if not empty:
            if not replace:
                fail(
                    "Databasen innehåller redan data. Ange --replace för att tömma den och bygga "
                    "demostaden på nytt, eller en annan databas med --database-url."
                )
            typer.echo("Tömmer databasen …")
            downgrade(engine, "base")
            migrate(engine)
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

    day = parse_date(on, "--date")
    with database(database_url) as factory, factory() as session:
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

    with readable_errors():
        engine = open_engine(database_url, must_exist=False)
        migrate(engine)
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
    user: UserName = None,
) -> None:
    """Skapa en användare (lösenordet frågas efter och lagras hashat med Argon2)."""
    from planner.auth import add_user
    from planner.models import Role

    with readable_errors():
        try:
            chosen = Role(role)
        except ValueError:
            fail(f"Okänd roll {role!r}; välj en av: {', '.join(r.value for r in Role)}.")
            raise
        password = None
        if not oidc_only:
            if password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = typer.prompt("Lösenord", hide_input=True, confirmation_prompt=True)
        with database(database_url) as factory, factory.begin() as session:
            created = add_user(
                session,
                username=username,
                password=password,
                role=chosen,
                display_name=display_name,
                organisation=organisation,
                districts=tuple(district or ()),
                actor=actor(user),
            )
        typer.echo(f"Användaren {created.username} ({created.role_label}) är skapad.")


@users_app.command("list")
def users_list(database_url: DatabaseUrl = None) -> None:
    """Lista användarna och deras roller."""
    from planner.auth import list_users

    with database(database_url) as factory, factory() as session:
        for user in list_users(session):
            scope = ", ".join(user.district_names)
            typer.echo(f"{user.username}\t{user.role_label}\t{scope}")


@users_app.command("passwd")
def users_passwd(
    username: str,
    database_url: DatabaseUrl = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    user: UserName = None,
) -> None:
    """Byt lösenord för en användare."""
    from planner.auth import set_password

    with readable_errors():
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = typer.prompt("Nytt lösenord", hide_input=True, confirmation_prompt=True)
        with database(database_url) as factory, factory.begin() as session:
            set_password(session, username, password, actor=actor(user))
        typer.echo(f"Lösenordet för {username} är bytt.")


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
app.command("plan")(routing_cli.plan)
app.command("sheets")(routing_cli.sheets)
app.command("waves")(routing_cli.waves)
app.command(name="report")(reports_cli.report)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    app()


if __name__ == "__main__":
    main()
