"""Reading the city's tabular files (CSV and Excel) and writing the rejects beside them.

Columns are matched by name, case-insensitively, with å/ä/ö folded and spaces, dashes and
underscores ignored ("Fastighetsbeteckning", "fastighets_beteckning" and "FASTIGHETSBETECKNING"
are the same column). Every kind lists its accepted names, Swedish first, English after. Rows are
numbered as a spreadsheet shows them: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
import logging
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.geo.addresses import fold_text
from planner.imports._values import as_datetime_text, is_personnummer_column
from planner.imports.report import ImportFileError, RowProblem

log = logging.getLogger(__name__)

CSV_SUFFIXES = (".csv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
REASON_COLUMN = "fel"  # added to rejects files; ignored when such a file is imported again
REJECTS_INFIX = ".avvisade"


@dataclass(frozen=True)
class Field:
    """One field of an import kind and the column names it is read from."""

    name: str
    names: tuple[str, ...]  # accepted column names; the first is the documented Swedish one
    required: bool = False

    @property
    def label(self) -> str:
        return self.names[0]


def column_key(name: object) -> str:
    return fold_text(str(name))


@dataclass
class Sheet:
    """A file's rows as text ("" when empty), with the file's columns mapped to our fields."""

    path: Path
    frame: pd.DataFrame
    columns: dict[str, str]
    fields: dict[str, Field]
    separator: str | None = None  # CSV separator; None for Excel
    ignored: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def name(self) -> str:
        return self.path.name

    def has(self, name: str) -> bool:
        return name in self.columns

    def values(self, name: str) -> list[str]:
        if name not in self.columns:
            return [""] * len(self.frame)
        return list(self.frame[self.columns[name]])

    def row(self, i: int) -> int:
        """The row number a user sees for data row ``i`` (header = row 1)."""
        return int(self.frame.index[i]) + 2

    def column(self, name: str) -> str:
        """The file's column for a field, or the documented name when the file lacks it."""
        return self.columns.get(name) or self.fields[name].label


@dataclass
class Problems:
    """Bad rows of a sheet, collected while validating."""

    sheet: Sheet
    by_row: dict[int, list[RowProblem]] = field(default_factory=dict)

    def add(self, i: int, name: str, reason: str) -> None:
        problem = RowProblem(self.sheet.name, self.sheet.row(i), self.sheet.column(name), reason)
        self.by_row.setdefault(i, []).append(problem)

    def bad(self, i: int) -> bool:
        return i in self.by_row

    def __len__(self) -> int:
        return len(self.by_row)

    def all(self) -> list[RowProblem]:
        return [p for i in sorted(self.by_row) for p in self.by_row[i]]

    def rejects(self) -> pd.DataFrame:
        """The bad rows as the file had them, plus a ``fel`` column with the reasons."""
        rows = sorted(self.by_row)
        out = self.sheet.frame.iloc[rows].copy()
        out = out.drop(columns=[c for c in out.columns if column_key(c) == REASON_COLUMN])
        out[REASON_COLUMN] = [
            "; ".join(f"{p.column}: {p.reason}" for p in self.by_row[i]) for i in rows
        ]
        return out


def _read_csv(path: Path) -> tuple[pd.DataFrame, str]:
    last: Exception | None = None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with path.open(encoding=encoding, newline="") as handle:
                header = handle.readline()
            separator = max((";", ",", "\t", "|"), key=header.count)
            frame = pd.read_csv(
                path,
                sep=separator,
                dtype=str,
                keep_default_na=False,
                encoding=encoding,
                skip_blank_lines=False,
                quoting=csv.QUOTE_MINIMAL,
            )
            return frame, separator
        except UnicodeDecodeError as error:
            last = error
        except (pd.errors.ParserError, csv.Error) as error:
            msg = f"{path.name}: filen kan inte läsas som CSV ({error})"
            raise ImportFileError(msg) from error
    msg = f"{path.name}: filen kan inte läsas som UTF-8 eller Windows-1252 ({last})"
    raise ImportFileError(msg)


def _read_excel(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
    except (ValueError, OSError, zipfile.BadZipFile, KeyError) as error:
        msg = f"{path.name}: filen kan inte läsas som Excel-fil (.xlsx) ({error})"
        raise ImportFileError(msg) from error
    return frame.map(lambda v: "" if pd.isna(v) else as_datetime_text(v))


def read_table(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, str | None]:
    """A CSV (separator and encoding sniffed) or Excel file as text cells, blank rows dropped."""
    file = Path(path)
    if not file.exists():
        msg = f"{file}: filen finns inte"
        raise ImportFileError(msg)
    suffix = file.suffix.lower()
    separator: str | None = None
    if suffix in CSV_SUFFIXES:
        frame, separator = _read_csv(file)
    elif suffix in EXCEL_SUFFIXES:
        frame = _read_excel(file)
    else:
        msg = f"{file.name}: okänd filtyp {file.suffix!r}; använd CSV (.csv) eller Excel (.xlsx)"
        raise ImportFileError(msg)
    frame = frame.fillna("").astype(str)
    frame = frame.map(lambda v: " ".join(v.replace("\u00a0", " ").split()))
    frame.columns = [" ".join(str(c).split()) for c in frame.columns]
    blank = (frame == "").all(axis=1)
    return frame.loc[~blank], separator


def read_sheet(
    path: str | os.PathLike[str],
    fields: Sequence[Field],
    *,
    refuse_personnummer_columns: bool = True,
) -> Sheet:
    """Read a file and map its columns to ``fields``; refuse missing required columns."""
    file = Path(path)
    frame, separator = read_table(file)
    by_key: dict[str, str] = {}
    for column in frame.columns:
        by_key.setdefault(column_key(column), column)
    if refuse_personnummer_columns:
        for column in frame.columns:
            if is_personnummer_column(column):
                raise ImportFileError(personnummer_message(file.name, column))
    columns: dict[str, str] = {}
    for f in fields:
        for name in f.names:
            if column_key(name) in by_key:
                columns[f.name] = by_key[column_key(name)]
                break
    missing = [f for f in fields if f.required and f.name not in columns]
    if missing:
        wanted = "; ".join(f"{f.label} (eller {', '.join(f.names[1:])})" for f in missing)
        msg = (
            f"{file.name}: kolumn saknas: {wanted}. Filen har kolumnerna "
            f"{', '.join(map(str, frame.columns)) or 'inga'}."
        )
        raise ImportFileError(msg)
    used = set(columns.values())
    ignored = [c for c in frame.columns if c not in used and column_key(c) != REASON_COLUMN]
    return Sheet(
        path=file,
        frame=frame,
        columns=columns,
        fields={f.name: f for f in fields},
        separator=separator,
        ignored=ignored,
    )


def personnummer_message(file: str, column: str, row: int | None = None) -> str:
    where = f", rad {row}" if row is not None else ""
    return (
        f"{file}{where}, kolumn {column!r}: ser ut som personnummer. Planner lagrar aldrig "
        "personnummer: ta bort kolumnen ur filen och identifiera kunderna med ett pseudonymt "
        "kund-id (kolumnen 'kundnummer'). Inget har importerats."
    )


def rejects_path(path: Path, *, suffix: str | None = None) -> Path:
    """``kunder.csv`` → ``kunder.avvisade.csv`` (also for a rejects file imported again)."""
    stem = path.stem.removesuffix(REJECTS_INFIX)
    return path.with_name(f"{stem}{REJECTS_INFIX}{suffix or path.suffix}")


def write_rejects(path: Path, rejects: pd.DataFrame, *, separator: str | None) -> Path:
    """Write the rejected rows beside the input, in the input's format."""
    if path.suffix.lower() in EXCEL_SUFFIXES:
        target = rejects_path(path, suffix=".xlsx")
        rejects.to_excel(target, index=False)
    else:
        target = rejects_path(path, suffix=".csv")
        rejects.to_csv(target, sep=separator or ";", index=False, encoding="utf-8-sig")
    log.info("%d rejected rows written to %s", len(rejects), target)
    return target


def materialise_upload(name: str, data: bytes, directory: Path) -> Path:
    """Save an uploaded file under ``directory``; a .zip is unpacked (shapefiles come zipped).

    Returns the file to import: the upload itself, or the one data file in the archive
    (.shp, .gpkg, .geojson, .csv, .xlsx …).
    """
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / Path(name).name
    target.write_bytes(data)
    if target.suffix.lower() != ".zip":
        return target
    unpacked = directory / target.stem
    try:
        with zipfile.ZipFile(target) as archive:
            for member in archive.namelist():
                if member.startswith("/") or ".." in Path(member).parts:
                    msg = f"{name}: arkivet innehåller en otillåten sökväg {member!r}"
                    raise ImportFileError(msg)
            archive.extractall(unpacked)
    except zipfile.BadZipFile as error:
        msg = f"{name}: arkivet kan inte packas upp ({error})"
        raise ImportFileError(msg) from error
    data_files = _data_files(unpacked.rglob("*"))
    if len(data_files) != 1:
        found = ", ".join(p.name for p in data_files) or "ingen"
        msg = (
            f"{name}: arkivet ska innehålla en datafil (t.ex. en .shp med sina följefiler); "
            f"fann {found}"
        )
        raise ImportFileError(msg)
    return data_files[0]


_DATA_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".csv", ".xlsx", ".pbf")


def _data_files(paths: Iterable[Path]) -> list[Path]:
    return sorted(
        p
        for p in paths
        if p.is_file() and p.suffix.lower() in _DATA_SUFFIXES and not p.name.startswith(".")
    )
