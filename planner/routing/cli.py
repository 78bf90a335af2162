"""`planner plan WAVE` and `planner sheets WAVE --out DIR`: plan a wave, write its route sheets.

Registered in ``planner.cli`` with one line each. Heavy imports (the solver, WeasyPrint) happen
inside the commands so that ``planner --help`` stays quick.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from planner._cli_support import DatabaseUrl, UserName, actor, database, fail, parse_date

#: Left-out jobs listed one by one after a plan; the rest are counted per reason.
SHOWN_LEFT_OUT = 40

WaveArgument = Annotated[str, typer.Argument(help="Vågens nummer (t.ex. 3) eller namn.")]


def _names(values: list[str] | None) -> tuple[str, ...]:
    """Repeated options and comma-separated lists alike: --crews "Lag 1,Lag 2" --crews "Lag 3"."""
    return tuple(
        part.strip() for value in values or () for part in value.split(",") if part.strip()
    )


def plan(
    wave: WaveArgument,
    database_url: DatabaseUrl = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="Första dag att planera, ÅÅÅÅ-MM-DD (standard: nästa arbetsdag).",
            show_default=False,
        ),
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(
            help="Antal arbetsdagar (standard: fram till vågens planerade slut).",
            min=1,
            show_default=False,
        ),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Sekunder för sökningen.", min=1.0)
    ] = 30.0,
    crews: Annotated[
        list[str] | None,
        typer.Option(
            "--crews",
            help="Lag att planera med, namn eller nummer (kommaseparerat eller upprepat; "
            "standard: alla aktiva lag).",
            show_default=False,
        ),
    ] = None,
    require_appointments: Annotated[
        bool,
        typer.Option(
            "--require-appointments",
            help="Planera lägenhetsdörrar bara när en tid är bokad med kunden.",
        ),
    ] = False,
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh",
            help="Planera om från början: planerade jobb som inte är låsta får flyttas fritt "
            "(standard: flytta så få som möjligt).",
        ),
    ] = False,
    osm: Annotated[
        Path | None,
        typer.Option(
            "--osm",
            help="Restider på vägnätet i en OpenStreetMap-fil (.osm.pbf) i stället för "
            "fågelvägen × omvägsfaktor.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Slumpfrö för sökningen.")] = 0,
    user: UserName = None,
) -> None:
    """Planera (eller planera om) en våg: lag, dag och ordning för varje öppet jobb."""
    from planner.routing.planning import left_out_frame, plan_wave
    from planner.routing.solver import Progress
    from planner.routing.wave import PlanningOptions

    first = parse_date(start, "--start") if start else None
    provider = None
    if osm is not None:
        from planner.routing.osm import OsmRoadGraph

        if not osm.is_file():
            fail(f"Filen {str(osm)!r} finns inte.")
        typer.echo(f"Läser vägnätet i {osm} …")
        provider = OsmRoadGraph.from_file(osm)
    options = PlanningOptions(
        start=first,
        days=days,
        crews=_names(crews),
        require_appointments=require_appointments,
        keep_planned=not fresh,
    )
    if provider is not None:
        options = replace(options, provider=provider)
    last_message = ""

    def show(step: Progress) -> None:
        nonlocal last_message
        if step.message != last_message:
            typer.echo(f"[{step.fraction:4.0%}] {step.message}")
            last_message = step.message

    with database(database_url) as factory, factory.begin() as session:
        outcome = plan_wave(
            session,
            wave,
            actor=actor(user),
            options=options,
            time_limit_s=time_limit,
            seed=seed,
            progress=show,
        )
        left_out = left_out_frame(session, outcome.run_id, still_open=False)
    typer.echo("")
    for line in outcome.lines():
        typer.echo(line)
    if len(left_out):
        typer.echo("")
        typer.echo("Utanför planen, per orsak:")
        for reason, count in left_out["Orsak"].map(_reason_head).value_counts().items():
            typer.echo(f"  {count} × {reason}")
        typer.echo("")
        shown = left_out.head(SHOWN_LEFT_OUT)
        typer.echo(shown.to_string(index=False, max_colwidth=90))
        if len(left_out) > len(shown):
            typer.echo(f"… och {len(left_out) - len(shown)} till (alla syns på sidan Planering).")


def _reason_head(text: str) -> str:
    return text.split(". ", 1)[0]


def sheets(
    wave: WaveArgument,
    out: Annotated[Path, typer.Option("--out", help="Mapp att skriva körlistorna i.")],
    database_url: DatabaseUrl = None,
    day: Annotated[
        list[str] | None,
        typer.Option(
            "--day", help="Bara den här dagen, ÅÅÅÅ-MM-DD (kan upprepas).", show_default=False
        ),
    ] = None,
    crew: Annotated[
        list[str] | None,
        typer.Option(
            "--crew",
            help="Bara det här laget, namn eller nummer (kan upprepas).",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("--format", help="Format, kommaseparerat: pdf, html, csv, gpx, ics."),
    ] = "pdf,html,csv,gpx,ics",
) -> None:
    """Skriv körlistor (en per lag och dag) för en vågs planerade jobb."""
    from planner.routing.sheetfiles import FORMATS, file_name, render
    from planner.routing.sheets import wave_sheets
    from planner.routing.wave import find_wave

    formats = [part.strip().lower() for part in fmt.split(",") if part.strip()]
    unknown = [part for part in formats if part not in FORMATS]
    if unknown or not formats:
        fail(f"Okänt format: {', '.join(unknown) or '(inget)'}. Välj bland {', '.join(FORMATS)}.")
    days = [parse_date(text, "--day") for text in day or ()]
    with database(database_url) as factory, factory() as session:
        found = wave_sheets(session, find_wave(session, wave), days=days, crews=_names(crew))
        if not found:
            fail("Inga planerade jobb för de valda dagarna och lagen; inga körlistor skrivna.")
        out.mkdir(parents=True, exist_ok=True)
        written = 0
        for sheet in found:
            for chosen in formats:
                (out / file_name(sheet, chosen)).write_bytes(render(sheet, chosen))
                written += 1
            typer.echo(f"{sheet.title}: {len(sheet.stops)} stopp")
    typer.echo(f"{written} filer för {len(found)} körlistor i {out}")


def waves(
    database_url: DatabaseUrl = None,
    locksmiths: Annotated[
        int | None,
        typer.Option(help="Antal låssmedslag (standard: de aktiva lagen).", min=0),
    ] = None,
    trygghetsjour: Annotated[
        int | None,
        typer.Option(help="Antal lag hos Trygghetsjouren (standard: de aktiva lagen).", min=0),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option("--date", help="Räkna från den här dagen, ÅÅÅÅ-MM-DD (standard: i dag)."),
    ] = None,
    max_days: Annotated[
        int, typer.Option(help="Högst arbetsdagar per föreslagen våg.", min=1)
    ] = 60,
) -> None:
    """Prognos för vågorna, vad händer om med fler eller färre lag, och förslag på nya vågor."""
    import datetime as dt

    import pandas as pd

    from planner.routing.waves import Capacity
    from planner.routing.workload import (
        default_capacity,
        rollout_forecast,
        suggest_waves,
        what_if_crews,
    )

    day = parse_date(on, "--date") if on else dt.date.today()
    with database(database_url) as factory, factory() as session:
        active = default_capacity(session)
        try:
            capacity = Capacity(
                active.locksmith_crews if locksmiths is None else locksmiths,
                active.trygghetsjour_crews if trygghetsjour is None else trygghetsjour,
            )
        except ValueError as error:
            fail(str(error))
        tables = {
            f"Prognos med {capacity.locksmith_crews} låssmedslag och "
            f"{capacity.trygghetsjour_crews} lag hos Trygghetsjouren": rollout_forecast(
                session, on=day, capacity=capacity
            ),
            "Om vågorna följer direkt på varandra, med färre eller fler lag": what_if_crews(
                session, on=day, capacity=capacity
            ),
            "Förslag: stadsdelsområden som inte har börjat, i vågor": suggest_waves(
                session, on=day, capacity=capacity, max_days=max_days
            ),
        }
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        for title, frame in tables.items():
            typer.echo(f"\n{title}")
            typer.echo(frame.to_string(index=False) if len(frame) else "  (inga)")
