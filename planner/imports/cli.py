"""`planner import …`: the city's files into the database, and the geocoding review queue.

Registered in ``planner.cli`` with ``app.add_typer(import_app, name="import")``. Each import runs
in one transaction: a file with bad rows is rejected whole (every bad row printed with file, row,
column and reason) unless ``--skip-invalid`` is given; any error leaves the database unchanged and
exits with code 1. Heavy modules are imported inside the commands so ``planner --help`` stays
quick.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

if TYPE_CHECKING:
    from planner.imports import ImportOptions, ImportReport

from planner._cli_support import DatabaseUrl, actor, database
from planner._cli_support import UserName as User

import_app = typer.Typer(
    help="Importera stadens filer (se docs/import-format.md) och granska geokodningen.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

MAX_PRINTED_PROBLEMS = 200

FileArgument = Annotated[
    Path, typer.Argument(help="Filen att importera.", show_default=False, dir_okay=False)
]
SkipInvalid = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Importera de korrekta raderna; de felaktiga skrivs med orsak till "
        "<fil>.avvisade.csv bredvid filen.",
    ),
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Kontrollera filen och visa vad som skulle ändras.")
]
Crs = Annotated[
    str | None,
    typer.Option(
        "--crs",
        help="Koordinatsystem när filen inte anger det: EPSG-kod eller namn "
        "(4326, 3006 = SWEREF 99 TM, 3011 = SWEREF 99 18 00).",
        show_default=False,
    ),
]


def _print_report(report: ImportReport) -> None:
    problems = report.problems
    for problem in problems[:MAX_PRINTED_PROBLEMS]:
        typer.secho(str(problem), err=True, fg=typer.colors.YELLOW)
    if len(problems) > MAX_PRINTED_PROBLEMS:
        typer.secho(f"… och {len(problems) - MAX_PRINTED_PROBLEMS} fel till.", err=True)
    for line in report.lines():
        typer.echo(line)
    for warning in report.warnings:
        typer.secho(f"Varning: {warning}", err=True, fg=typer.colors.YELLOW)


def _run(
    kind: str,
    file: Path,
    *,
    database_url: str | None,
    user: str | None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    options: ImportOptions | None = None,
) -> None:
    from planner.imports import ImportRejected, import_file

    with database(database_url) as factory:
        try:
            if dry_run:
                with factory() as session:
                    report = import_file(
                        session,
                        kind,
                        file,
                        actor=actor(user),
                        skip_invalid=skip_invalid,
                        dry_run=True,
                        options=options,
                    )
                    session.rollback()
            else:
                with factory.begin() as session:
                    report = import_file(
                        session,
                        kind,
                        file,
                        actor=actor(user),
                        skip_invalid=skip_invalid,
                        options=options,
                    )
        except ImportRejected as rejected:
            _print_report(rejected.report)
            raise
    _print_report(report)
    if dry_run and report.rejected_whole:
        raise typer.Exit(1)


@import_app.command("districts")
def districts(
    file: FileArgument,
    name_column: Annotated[
        str,
        typer.Option(
            "--name-column", help="Kolumnen med områdets namn (t.ex. name, NAMN, Sdn_omarde)."
        ),
    ],
    population_column: Annotated[
        str | None,
        typer.Option("--population-column", help="Kolumnen med folkmängd.", show_default=False),
    ] = None,
    set_name: Annotated[
        str | None,
        typer.Option(
            "--set-name",
            help="Indelningens namn, t.ex. 'Stadsdelsområden 2023' (standard: filnamnet).",
            show_default=False,
        ),
    ] = None,
    valid_from: Annotated[
        str | None,
        typer.Option("--valid-from", help="Gäller från, ÅÅÅÅ-MM-DD.", show_default=False),
    ] = None,
    current: Annotated[
        bool,
        typer.Option(
            "--current", help="Gör indelningen aktuell och ge alla entréer nytt stadsdelsområde."
        ),
    ] = False,
    crs: Crs = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="Textkodning (standard: .cpg, annars känns den igen).",
            show_default=False,
        ),
    ] = None,
    layer: Annotated[
        str | None, typer.Option("--layer", help="Lager i en GeoPackage.", show_default=False)
    ] = None,
    dry_run: DryRun = False,
    user: User = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Stadsdelsområden: GeoJSON, Shapefile eller GeoPackage, i valfritt koordinatsystem."""
    from planner.imports import ImportOptions

    valid = None
    if valid_from:
        try:
            valid = date.fromisoformat(valid_from)
        except ValueError:
            typer.secho(
                f"Fel: --valid-from: {valid_from!r} är inget datum; skriv ÅÅÅÅ-MM-DD.",
                err=True,
                fg=typer.colors.RED,
            )
            raise typer.Exit(1) from None
    options = ImportOptions(
        name_column=name_column,
        population_column=population_column,
        set_name=set_name,
        valid_from=valid,
        make_current=current,
        layer=layer,
        crs=crs,
        encoding=encoding,
    )
    _run("districts", file, database_url=database_url, user=user, dry_run=dry_run, options=options)


@import_app.command("addresses")
def addresses(
    file: FileArgument,
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="auto, lantmateriet (belägenhetsadresser, GeoPackage eller CSV) "
            "eller osm (.osm.pbf eller CSV).",
        ),
    ] = "auto",
    layer: Annotated[
        str | None, typer.Option("--layer", help="Lager i en GeoPackage.", show_default=False)
    ] = None,
    crs: Crs = None,
    skip_invalid: SkipInvalid = False,
    dry_run: DryRun = False,
    user: User = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Adressregistret som geokodningen matchar mot (Lantmäteriet eller OpenStreetMap)."""
    from planner.imports import ImportOptions

    if source not in ("auto", "lantmateriet", "osm"):
        typer.secho(
            f"Fel: --source {source!r}: välj auto, lantmateriet eller osm.",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(1)
    kind: Literal["auto", "lantmateriet", "osm"] = source  # type: ignore[assignment]
    options = ImportOptions(source=kind, layer=layer, crs=crs)
    _run(
        "addresses",
        file,
        database_url=database_url,
        user=user,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        options=options,
    )


def _tabular(kind: str, doc: str) -> None:
    def command(
        file: FileArgument,
        skip_invalid: SkipInvalid = False,
        dry_run: DryRun = False,
        user: User = None,
        database_url: DatabaseUrl = None,
    ) -> None:
        _run(
            kind,
            file,
            database_url=database_url,
            user=user,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
        )

    command.__doc__ = doc
    import_app.command(kind)(command)


_tabular("owners", "Fastighetsägare (CSV eller Excel): organisationsnummer, namn, kontakt.")
_tabular("properties", "Fastigheter (CSV eller Excel): fastighetsbeteckning och ägarens org.nr.")


@import_app.command("entrances")
def entrances(
    file: FileArgument,
    crs: Crs = None,
    skip_invalid: SkipInvalid = False,
    dry_run: DryRun = False,
    user: User = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Entréer (CSV eller Excel): geokodas mot adressregistret; osäkra adresser granskas."""
    from planner.imports import ImportOptions

    _run(
        "entrances",
        file,
        database_url=database_url,
        user=user,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        options=ImportOptions(crs=crs),
    )


_tabular("customers", "Hemtjänstkunder (CSV eller Excel): pseudonymt kundnummer, adress, lgh.")
_tabular("consents", "Medgivanden (CSV eller Excel): fastighet, status, datum, kontaktperson.")


@import_app.command("review")
def review(database_url: DatabaseUrl = None) -> None:
    """Lista adresserna som väntar på granskning av geokodningen."""
    from planner.geo._results import fmt_score
    from planner.imports.review import open_reviews

    with database(database_url) as factory, factory() as session:
        items = open_reviews(session)
    if not items:
        typer.echo("Inga adresser väntar på granskning.")
        return
    count = "1 adress väntar" if len(items) == 1 else f"{len(items)} adresser väntar"
    typer.echo(f"{count} på granskning:")
    for item in items:
        typer.echo("")
        typer.echo(
            f"#{item.id}  {item.raw_address}  ({item.designation}; {item.source_file} rad "
            f"{item.source_row})"
        )
        if item.reasons:
            typer.echo(f"    {item.reasons}")
        for c in item.candidates:
            point = f"({c.lat:.6f}, {c.lon:.6f})"
            typer.echo(f"    {c.number}. {c.label}  säkerhet {fmt_score(c.score)}  {point}")
        if not item.candidates:
            typer.echo("    (inga förslag: placera punkten för hand med --lat och --lon)")
    typer.echo("")
    typer.echo("Välj med `planner import resolve ÄRENDE --candidate N` eller --lat/--lon.")


@import_app.command("resolve")
def resolve(
    review_id: Annotated[int, typer.Argument(help="Ärendets nummer (se `planner import review`).")],
    candidate: Annotated[
        int | None,
        typer.Option("--candidate", help="Förslagets nummer (1 = bästa).", show_default=False),
    ] = None,
    lat: Annotated[
        float | None, typer.Option("--lat", help="Latitud (WGS 84).", show_default=False)
    ] = None,
    lon: Annotated[
        float | None, typer.Option("--lon", help="Longitud (WGS 84).", show_default=False)
    ] = None,
    user: User = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Avgör ett granskningsärende: välj ett förslag eller placera punkten för hand."""
    from planner.imports.review import resolve_review

    with database(database_url) as factory, factory.begin() as session:
        result = resolve_review(
            session, review_id, actor=actor(user), candidate=candidate, lat=lat, lon=lon
        )
    for line in result.lines():
        typer.echo(line)
