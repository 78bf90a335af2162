"""`planner` sub-commands for the lock lifecycle: consents, results, staff, shifts, keys, the
access log, the audit chain, key returns and the work that customer changes create.

Each group is a Typer app registered in ``planner.cli`` with one line. Every command takes
``--database-url``; commands that change data take ``--actor`` (who is recorded in the audit
trail; default ``$PLANNER_USER``, else the login name). A change is made in one transaction: on
any error nothing is stored, the reason is printed as one Swedish line (a refused file lists its
bad rows first) and the exit code is 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer

from planner._cli_support import (
    DatabaseUrl,
    fail,
    open_engine,
    parse_date,
    read_file,
    readable_errors,
)
from planner._cli_support import UserName as Actor
from planner._cli_support import actor as resolve_actor
from planner.locks.errors import FileRejected

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

SkipBadRows = Annotated[
    bool,
    typer.Option(
        "--skip-bad-rows",
        help="Spara de korrekta raderna och hoppa över de felaktiga (standard: avvisa hela filen).",
    ),
]
OnDate = Annotated[
    str | None,
    typer.Option("--date", help="Dag, ÅÅÅÅ-MM-DD (standard: i dag).", show_default=False),
]
OutCsv = Annotated[
    Path | None,
    typer.Option("--out", help="Skriv listan som CSV (semikolon, UTF-8) till den här filen."),
]

audit_app = typer.Typer(
    help="Granskning: kontrollera passageloggens hashkedja.", no_args_is_help=True
)
consents_app = typer.Typer(
    help="Medgivanden: brev och obesvarade förfrågningar.", no_args_is_help=True
)
results_app = typer.Typer(help="Resultat från montörerna.", no_args_is_help=True)
staff_app = typer.Typer(help="Hemtjänstpersonal och deras nycklar.", no_args_is_help=True)
shifts_app = typer.Typer(help="Arbetspass.", no_args_is_help=True)
keys_app = typer.Typer(help="Digitala nycklar: aktivera, avaktivera, spärra.", no_args_is_help=True)
accesslog_app = typer.Typer(
    help="Passageloggen: läs in, avvikelser, lås som ingen kan öppna.", no_args_is_help=True
)
returns_app = typer.Typer(
    help="Återlämning av nycklar, taggar och portkoder.", no_args_is_help=True
)
work_app = typer.Typer(help="Arbetsordrar som kundförändringar skapar.", no_args_is_help=True)


# --- shared ------------------------------------------------------------------------------------


@contextmanager
def _errors() -> Iterator[None]:
    """Readable errors; a refused file lists its bad rows first."""
    with readable_errors():
        try:
            yield
        except FileRejected as rejected:
            for problem in rejected.problems:
                typer.echo(f"  {problem}", err=True)
            raise


def _sessions(database_url: str | None) -> sessionmaker[Session]:
    from planner.db import require_current_schema, session_factory

    engine = open_engine(database_url, must_exist=True)
    require_current_schema(engine)
    return session_factory(engine)


def _show(frame: pd.DataFrame, out: Path | None, *, empty: str) -> None:
    if out is not None:
        frame.to_csv(out, sep=";", index=False, encoding="utf-8")
        typer.echo(f"{len(frame)} rader skrivna till {out}.")
        return
    if not len(frame):
        typer.echo(empty)
        return
    with pd.option_context("display.max_rows", 200, "display.width", 200):
        typer.echo(frame.to_string(index=False))
    if len(frame) > 200:
        typer.echo(f"({len(frame)} rader; ange --out för att få alla som CSV)")


# --- audit ---------------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(database_url: DatabaseUrl = None) -> None:
    """Gå igenom passageloggen och räkna om varje hash; visa första brutna länken."""
    from planner.locks.accesslog import verify_chain

    with _errors():
        with _sessions(database_url)() as session:
            report = verify_chain(session)
        for line in report.lines():
            typer.echo(line, err=not report.ok)
        if not report.ok:
            raise typer.Exit(1)


# --- consents ----------------------------------------------------------------------------------


@consents_app.command("letters")
def consents_letters(
    wave: Annotated[int, typer.Option("--wave", help="Vågens nummer.")],
    out: Annotated[Path, typer.Option("--out", help="Katalog för PDF-filerna.")],
    kind: Annotated[
        str, typer.Option("--kind", help="request (förfrågan) eller reminder (påminnelse).")
    ] = "request",
    days: Annotated[
        int, typer.Option("--days", help="Påminnelse när förfrågan är minst så här många dagar.")
    ] = 30,
    draft: Annotated[
        bool, typer.Option("--draft", help="Utkast: skriv PDF:erna men markera inget som skickat.")
    ] = False,
    on: OnDate = None,
    database_url: DatabaseUrl = None,
    actor: Actor = None,
) -> None:
    """Skriv förfrågnings- eller påminnelsebrev (PDF, ett per fastighetsägare) för en våg."""
    from planner.locks.letters import LetterKind, letters_for_wave, mark_sent, render_pdf

    with _errors():
        if kind not in ("request", "reminder"):
            fail("--kind: skriv request (förfrågan) eller reminder (påminnelse).")
        day = parse_date(on)
        factory = _sessions(database_url)
        out.mkdir(parents=True, exist_ok=True)
        marked = 0
        with factory() as session:  # committed below only when the letters are really sent
            letters = letters_for_wave(
                session, wave=wave, kind=LetterKind(kind), on=day, remind_after_days=days
            )
            for n, letter in enumerate(letters, start=1):
                (out / letter.file_name).write_bytes(render_pdf(letter, draft=draft))
                if n % 50 == 0:
                    typer.echo(f"  {n} av {len(letters)} brev …")
            if not draft:
                marked = mark_sent(session, letters, actor=resolve_actor(actor))
                session.commit()
        properties = sum(len(letter.properties) for letter in letters)
        typer.echo(
            f"{len(letters)} brev ({properties} fastigheter) skrivna till {out}"
            + (
                " som utkast; inget markerades som skickat."
                if draft
                else f"; {marked} medgivanden markerade som skickade."
            )
        )


@consents_app.command("unanswered")
def consents_unanswered(
    days: Annotated[int, typer.Option("--days", help="Minst så många dagar sedan förfrågan.")],
    wave: Annotated[int | None, typer.Option("--wave", help="Bara den här vågen.")] = None,
    on: OnDate = None,
    out: OutCsv = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Fastighetsägare som inte har svarat N dagar efter förfrågan."""
    from planner.locks.consents import unanswered

    with _errors():
        day = parse_date(on)
        with _sessions(database_url)() as session:
            frame = unanswered(session, days=days, on=day, wave=wave)
        _show(
            frame.drop(columns="owner_id"),
            out,
            empty=f"Alla har svarat inom {days} dagar.",
        )


# --- results -------------------------------------------------------------------------------------


@results_app.command("import")
def results_import(
    file: Annotated[Path, typer.Argument(help="CSV-filen från låsfirman.")],
    skip_bad_rows: SkipBadRows = False,
    database_url: DatabaseUrl = None,
    actor: Actor = None,
) -> None:
    """Läs in monteringsresultat (CSV, se planner/locks/results.py för kolumnerna)."""
    from planner.locks.results import import_results

    with _errors():
        data = read_file(file)
        with _sessions(database_url).begin() as session:
            report = import_results(
                session,
                data,
                file=file.name,
                actor=resolve_actor(actor),
                skip_bad_rows=skip_bad_rows,
            )
        for line in report.lines():
            typer.echo(line)


# --- staff, shifts, keys -----------------------------------------------------------------------


@staff_app.command("import")
def staff_import(
    file: Annotated[
        Path, typer.Argument(help="CSV med personalkod, namn, utförare, nyckel, aktiv.")
    ],
    skip_bad_rows: SkipBadRows = False,
    database_url: DatabaseUrl = None,
    actor: Actor = None,
) -> None:
    """Läs in hemtjänstpersonal och dela ut deras nycklar."""
    from planner.locks.keys import import_staff

    with _errors():
        data = read_file(file)
        with _sessions(database_url).begin() as session:
            report = import_staff(
                session,
                data,
                file=file.name,
                actor=resolve_actor(actor),
                skip_bad_rows=skip_bad_rows,
            )
        for line in report.lines():
            typer.echo(line)


@shifts_app.command("import")
def shifts_import(
    file: Annotated[Path, typer.Argument(help="CSV med personalkod, (datum,) start, slut.")],
    skip_bad_rows: SkipBadRows = False,
    database_url: DatabaseUrl = None,
    actor: Actor = None,
) -> None:
    """Läs in arbetspass; tider utan tidszon tolkas som svensk tid."""
    from planner.locks.shifts import import_shifts

    with _errors():
        data = read_file(file)
        with _sessions(database_url).begin() as session:
            report = import_shifts(
                session,
                data,
                file=file.name,
                actor=resolve_actor(actor),
                skip_bad_rows=skip_bad_rows,
            )
        for line in report.lines():
            typer.echo(line)


def _key_change(
    key_code: str, target: str, note: str | None, database_url: str | None, actor: str | None
) -> None:
    from planner.locks.keys import set_key_state
    from planner.locks.states import KeyState, label

    with _errors():
        with _sessions(database_url).begin() as session:
            key = set_key_state(
                session, key_code, KeyState(target), actor=resolve_actor(actor), note=note
            )
            state = label(key.state)
        typer.echo(f"Nyckeln {key_code} är nu {state}.")


Note = Annotated[str | None, typer.Option("--note", help="Varför (sparas i granskningsloggen).")]


@keys_app.command("activate")
def keys_activate(
    key_code: str, note: Note = None, database_url: DatabaseUrl = None, actor: Actor = None
) -> None:
    """Aktivera en avaktiverad nyckel."""
    _key_change(key_code, "active", note, database_url, actor)


@keys_app.command("deactivate")
def keys_deactivate(
    key_code: str, note: Note = None, database_url: DatabaseUrl = None, actor: Actor = None
) -> None:
    """Avaktivera en nyckel (kan aktiveras igen)."""
    _key_change(key_code, "deactivated", note, database_url, actor)


@keys_app.command("revoke")
def keys_revoke(
    key_code: str, note: Note = None, database_url: DatabaseUrl = None, actor: Actor = None
) -> None:
    """Spärra en nyckel för gott (t.ex. borttappad)."""
    _key_change(key_code, "revoked", note, database_url, actor)


@keys_app.command("locks")
def keys_locks(
    key_code: str, on: OnDate = None, out: OutCsv = None, database_url: DatabaseUrl = None
) -> None:
    """Vilka lås nyckeln får öppna (följer utförarens kunder)."""
    from planner.locks.keys import locks_for_key

    with _errors():
        with _sessions(database_url)() as session:
            rights = locks_for_key(session, key_code, on=parse_date(on))
        status = "" if rights.usable else " (nyckeln eller personalen är inte aktiv: öppnar inget)"
        typer.echo(f"{rights.key_code}: {rights.staff_code}, {rights.provider}{status}")
        _show(rights.locks, out, empty="Inga lås.")


# --- access log ----------------------------------------------------------------------------------


@accesslog_app.command("import")
def accesslog_import(
    file: Annotated[Path, typer.Argument(help="Låssystemets export: nyckel, lås, tid, resultat.")],
    database_url: DatabaseUrl = None,
    actor: Actor = None,
    show: Annotated[int, typer.Option("--show", help="Visa högst så många rader per slag.")] = 20,
) -> None:
    """Läs in passageloggen (läggs till, hashkedjad; dubbletter sparas inte två gånger)."""
    from planner.locks.accesslog import import_access_log

    with _errors():
        data = read_file(file)
        with _sessions(database_url).begin() as session:
            report = import_access_log(session, data, file=file.name, actor=resolve_actor(actor))
        for line in report.lines():
            typer.echo(line)
        for title, problems in (
            ("Flaggade", report.flagged),
            ("Dubbletter", report.duplicates),
            ("Avvisade", report.refused),
        ):
            if problems:
                typer.echo(f"{title}:")
                for problem in problems[:show]:
                    typer.echo(f"  {problem}")
                if len(problems) > show:
                    typer.echo(f"  … och {len(problems) - show} till")


def _moment(text: str | None, option: str) -> datetime | None:
    if not text:
        return None
    from planner.locks._csvfile import STOCKHOLM

    day = parse_date(text, option)
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)


@accesslog_app.command("anomalies")
def accesslog_anomalies(
    since: Annotated[
        str | None, typer.Option("--since", help="Från och med dag, ÅÅÅÅ-MM-DD.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Till (inte med) dag, ÅÅÅÅ-MM-DD.")
    ] = None,
    out: OutCsv = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Avvikelser: utanför arbetspass, avaktiverad nyckel eller lås, okänd nyckel, fel utförare."""
    from planner.locks.anomalies import anomaly_counts, anomaly_table, find_anomalies

    with _errors():
        with _sessions(database_url)() as session:
            found = find_anomalies(
                session, since=_moment(since, "--since"), until=_moment(until, "--until")
            )
        for name, count in anomaly_counts(found).items():
            typer.echo(f"{name}: {count}")
        typer.echo("")
        _show(anomaly_table(found), out, empty="Inga avvikelser.")


@accesslog_app.command("coverage")
def accesslog_coverage(
    on: OnDate = None, out: OutCsv = None, database_url: DatabaseUrl = None
) -> None:
    """Aktiva lås som ingen nuvarande nyckel kan öppna ("installerat men ingen kan öppna")."""
    from planner.locks.anomalies import coverage_gaps

    with _errors():
        with _sessions(database_url)() as session:
            gaps = coverage_gaps(session, on=parse_date(on))
        _show(gaps, out, empty="Alla aktiva lås kan öppnas av någon nuvarande nyckel.")


# --- key returns and work ----------------------------------------------------------------------


@returns_app.command("pending")
def returns_pending(
    on: OnDate = None, out: OutCsv = None, database_url: DatabaseUrl = None
) -> None:
    """Helt nyckelfria hus som ännu inte har fått tillbaka nycklar, taggar och koder."""
    from planner.locks.keyreturns import pending_key_returns

    with _errors():
        with _sessions(database_url)() as session:
            frame = pending_key_returns(session, on=parse_date(on))
        _show(frame, out, empty="Inga hus väntar på återlämning.")


@returns_app.command("record")
def returns_record(
    entrance_id: Annotated[
        int, typer.Argument(help="Entréns id (från `planner returns pending`).")
    ],
    keys: Annotated[int, typer.Option("--keys", help="Antal nycklar.")] = 0,
    tags: Annotated[int, typer.Option("--tags", help="Antal taggar.")] = 0,
    codes_removed: Annotated[
        bool, typer.Option("--codes-removed", help="Portkoden har tagits bort.")
    ] = False,
    received_by: Annotated[
        str | None, typer.Option("--received-by", help="Vem hos fastighetsägaren tog emot.")
    ] = None,
    on: OnDate = None,
    database_url: DatabaseUrl = None,
    actor: Actor = None,
) -> None:
    """Registrera återlämnade nycklar, taggar och portkoder för ett helt nyckelfritt hus."""
    from planner.locks.keyreturns import record_key_return

    with _errors():
        day = parse_date(on)
        with _sessions(database_url).begin() as session:
            record_key_return(
                session,
                entrance_id,
                returned_on=day,
                keys_count=keys,
                tags_count=tags,
                codes_removed=codes_removed,
                received_by=received_by,
                actor=resolve_actor(actor),
            )
        typer.echo(f"Återlämning registrerad för entré {entrance_id} ({day.isoformat()}).")


@work_app.command("reconcile")
def work_reconcile(
    on: OnDate = None, database_url: DatabaseUrl = None, actor: Actor = None
) -> None:
    """Skapa arbetsordrar för avslutade och nya kunder (ta bort, avaktivera, återaktivera)."""
    from planner.locks.work import reconcile_work

    with _errors():
        with _sessions(database_url).begin() as session:
            work = reconcile_work(session, on=parse_date(on), actor=resolve_actor(actor))
        for line in work.lines():
            typer.echo(line)
