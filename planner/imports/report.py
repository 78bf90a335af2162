"""What an import reports back: the counts, every bad row, warnings, the rejects file.

Every message is Swedish and names the file, the row (the header is row 1, as a spreadsheet
shows it) and the column. The CLI prints :meth:`ImportReport.lines`; the app shows
:meth:`ImportReport.problems_df`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import pandas as pd

from planner.errors import PlannerError


class ImportKind(StrEnum):
    """The kinds of file ``planner import`` reads, in the order a new rollout imports them."""

    DISTRICTS = "districts"
    ADDRESSES = "addresses"
    OWNERS = "owners"
    PROPERTIES = "properties"
    ENTRANCES = "entrances"
    CUSTOMERS = "customers"
    CONSENTS = "consents"


KIND_LABELS: dict[ImportKind, str] = {
    ImportKind.DISTRICTS: "stadsdelsområden (gränser)",
    ImportKind.ADDRESSES: "adressregister",
    ImportKind.OWNERS: "fastighetsägare",
    ImportKind.PROPERTIES: "fastigheter",
    ImportKind.ENTRANCES: "entréer (portar)",
    ImportKind.CUSTOMERS: "hemtjänstkunder",
    ImportKind.CONSENTS: "medgivanden",
}


# File types each kind reads (an upload may also be a .zip holding a shapefile and its parts).
FILE_TYPES: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.DISTRICTS: ("geojson", "json", "gpkg", "zip"),  # a shapefile comes zipped
    ImportKind.ADDRESSES: ("csv", "gpkg", "pbf", "osm", "zip"),
    ImportKind.OWNERS: ("csv", "xlsx"),
    ImportKind.PROPERTIES: ("csv", "xlsx"),
    ImportKind.ENTRANCES: ("csv", "xlsx"),
    ImportKind.CUSTOMERS: ("csv", "xlsx"),
    ImportKind.CONSENTS: ("csv", "xlsx"),
}


def kind_label(kind: ImportKind | str) -> str:
    return KIND_LABELS[ImportKind(kind)]


@dataclass(frozen=True)
class RowProblem:
    """One reason a row cannot be imported."""

    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, rad {self.row}, kolumn {self.column!r}: {self.reason}"


@dataclass
class ImportReport:
    """The outcome of one import (or of a dry run: nothing committed, no rejects file)."""

    kind: ImportKind
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    review: int = 0
    new_review: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)
    rejected_rows: int = 0
    rejects: pd.DataFrame | None = None
    rejects_path: Path | None = None
    import_id: int | None = None
    dry_run: bool = False
    skip_invalid: bool = False

    @property
    def changed(self) -> bool:
        """Whether the import wrote anything (an unchanged re-import writes nothing)."""
        return bool(self.created or self.updated or self.new_review or any(self.extra.values()))

    @property
    def rejected_whole(self) -> bool:
        """Whether the file is (or would be) rejected as a whole because of bad rows."""
        return bool(self.problems) and not self.skip_invalid

    def lines(self) -> list[str]:
        """A Swedish summary for the CLI and the app."""
        what = kind_label(self.kind)
        head = "Förhandsgranskning av" if self.dry_run else "Import av"
        lines = [f"{head} {what} från {self.file}: {self.rows} rader."]
        if self.rejected_whole:
            lines.append(
                f"  {self.rejected_rows} rader har fel: filen avvisas i sin helhet och inget "
                "importeras. Rätta raderna, eller hoppa över dem med --skip-invalid."
            )
            return lines
        lines.append(
            f"  Nya: {self.created} · ändrade: {self.updated} · oförändrade: {self.unchanged}"
        )
        if self.review:
            lines.append(
                f"  Till granskning (geokodning): {self.review}"
                + (f", varav {self.new_review} nya" if self.new_review != self.review else "")
                + " (sidan Geokodning eller `planner import review`)"
            )
        for name, count in self.extra.items():
            if count:
                lines.append(f"  {name}: {count}")
        if self.rejected_rows:
            lines.append(f"  Hoppade över {self.rejected_rows} felaktiga rader.")
        if self.rejects_path is not None:
            lines.append(f"  De avvisade raderna med orsak: {self.rejects_path}")
        lines.extend(f"  {note}" for note in self.notes)
        if not self.changed and not self.dry_run:
            lines.append("  Inga ändringar: databasen är oförändrad.")
        return lines

    def problems_df(self) -> pd.DataFrame:
        """Every bad row, one line each, with Swedish column names."""
        return pd.DataFrame(
            [(p.file, p.row, p.column, p.reason) for p in self.problems],
            columns=["Fil", "Rad", "Kolumn", "Fel"],
        )

    def rejects_csv(self) -> bytes | None:
        """The rejected rows with their reasons, as CSV (UTF-8 with BOM, for Excel)."""
        if self.rejects is None or self.rejects.empty:
            return None
        buffer = io.StringIO()
        self.rejects.to_csv(buffer, sep=";", index=False)
        return buffer.getvalue().encode("utf-8-sig")


class ImportFileError(PlannerError):
    """A file that cannot be imported at all: unreadable, a required column missing, …"""


class ImportRejected(PlannerError):
    """A file with bad rows, rejected as a whole; ``report.problems`` lists every row."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        count = report.rejected_rows
        rows = "rad har" if count == 1 else "rader har"
        super().__init__(
            f"{report.file}: {count} {rows} fel, så filen avvisades och inget importerades. "
            "Rätta raderna, eller importera de korrekta raderna med --skip-invalid "
            "(de felaktiga skrivs då till en fil bredvid)."
        )
