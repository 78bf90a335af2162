"""`planner report`: the district progress report as PDF, Excel or HTML.

Registered in ``planner.cli`` with one line. Errors (an unknown district or wave, a bad date, a
file that cannot be written, a database that is not there) are one Swedish line on standard
error and exit code 1; nothing is written then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner._cli_support import DatabaseUrl, database, fail, parse_date, readable_errors

FORMATS = {"pdf": "PDF", "xlsx": "Excel", "html": "HTML"}


def report(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Filen att skriva rapporten till.", show_default=False),
    ] = None,
    report_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="pdf, xlsx eller html (standard: filändelsen i --out).",
            show_default=False,
        ),
    ] = None,
    district: Annotated[
        list[str] | None,
        typer.Option(
            "--district",
            help="Stadsdelsområde att ta med (kan upprepas; standard: hela staden).",
            show_default=False,
        ),
    ] = None,
    wave: Annotated[
        int | None, typer.Option("--wave", help="Bara vågen med det numret.", show_default=False)
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Läget vid slutet av dagen, ÅÅÅÅ-MM-DD (standard: i dag).",
            show_default=False,
        ),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Skriv lägesrapporten (per stadsdelsområde, våg och hela staden) som PDF, Excel eller HTML."""
    if out is None:
        fail("Ange filen att skriva med --out, t.ex. --out rapport.pdf.")
    chosen = (report_format or out.suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        given = report_format or out.suffix or "(ingen filändelse)"
        fail(f"Okänt format {given!r}; välj pdf, xlsx eller html med --format.")
    if not out.parent.exists() or not out.parent.is_dir():
        fail(f"Mappen {str(out.parent)!r} finns inte; skapa den eller välj en annan --out.")
    if out.is_dir():
        fail(f"{str(out)!r} är en mapp; ange ett filnamn med --out.")
    day = parse_date(on, "--date")

    from planner.reports.document import to_html, to_pdf
    from planner.reports.excel import to_xlsx
    from planner.reports.report import build_report, district_ids_by_name

    with database(database_url) as sessions, sessions() as session, readable_errors():
        ids = district_ids_by_name(session, district) if district else None
        result = build_report(session, on=day, district_ids=ids, wave=wave)
    with readable_errors():
        data: bytes = (
            to_pdf(result)
            if chosen == "pdf"
            else to_xlsx(result)
            if chosen == "xlsx"
            else to_html(result).encode("utf-8")
        )
    try:
        out.write_bytes(data)
    except OSError as error:
        fail(f"Kunde inte skriva {str(out)!r}: {error.strerror or error}.")
    size = f"{len(data) / 1024:.0f} kB".replace(".", ",")
    typer.echo(
        f"{FORMATS[chosen]}-rapporten för {result.scope} (läget den {day.isoformat()}) är "
        f"skriven till {out} ({size})."
    )
