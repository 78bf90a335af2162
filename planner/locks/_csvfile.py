"""Reading the CSV files partners send: encodings, delimiters, Swedish headers, local times.

Every import in ``planner.locks`` goes through :func:`read_table`: the file is decoded as UTF-8
(with or without BOM) or, failing that, as Windows-1252 (what Excel writes on a Swedish PC); the
delimiter is ``;``, ``,`` or a tab, whichever the header line uses; headers are matched
case-insensitively against the documented Swedish names and a few aliases. Line numbers in
messages are the file's own (header = 1), the way a spreadsheet shows them.

Times without a zone are taken as Europe/Stockholm wall-clock time; :func:`parse_times` says how
many were, and refuses the wall-clock times that do not exist or are ambiguous when the clocks
change.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from planner.locks.errors import FileRejected, RowProblem

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ZONE_NOTE = "Europe/Stockholm (svensk tid) antogs"
_ZONE_SUFFIX = re.compile(r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$")


@dataclass(frozen=True)
class Table:
    """A decoded CSV file: canonical column names, stripped text values, and each row's line."""

    file: str
    frame: pd.DataFrame  # columns: the canonical names present, plus "_row" (line number)
    headers: dict[str, str]  # canonical name → the header as written in the file

    def column(self, name: str) -> str:
        """The header as the user wrote it, for messages."""
        return self.headers.get(name, name)

    def problem(self, row: int | None, name: str | None, message: str) -> RowProblem:
        return RowProblem(self.file, row, self.column(name) if name else None, message)


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _normal(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().strip('"').lower())


def read_table(
    data: bytes,
    *,
    file: str,
    columns: Mapping[str, tuple[str, ...]],
    required: tuple[str, ...],
) -> Table:
    """Read ``data`` as CSV; ``columns`` maps each canonical name to the headers accepted for it.

    Raises ``FileRejected`` when the file is empty or a required column is missing (naming the
    columns that were found and the ones that are expected).
    """
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise FileRejected(file, [RowProblem(file, 1, None, _expected(columns, required, "tom"))])
    delimiter = max((";", ",", "\t"), key=first_line.count)
    frame = pd.read_csv(
        io.StringIO(text),
        sep=delimiter,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
        quotechar='"',
    )
    lookup: dict[str, str] = {}
    for canonical, aliases in columns.items():
        for alias in (canonical, *aliases):
            lookup[_normal(alias)] = canonical
    rename: dict[str, str] = {}
    headers: dict[str, str] = {}
    for header in frame.columns:
        found = lookup.get(_normal(str(header)))
        if found is not None and found not in headers:
            canonical = found
            rename[str(header)] = canonical
            headers[canonical] = str(header).strip()
    missing = [name for name in required if name not in headers]
    if missing:
        found = ", ".join(repr(str(h).strip()) for h in frame.columns) or "inga"
        names = ", ".join(repr(m) for m in missing)
        what = f"kolumnen {names} saknas" if len(missing) == 1 else f"kolumnerna {names} saknas"
        msg = f"{what} (hittade: {found}). " + _expected(columns, required, None)
        raise FileRejected(file, [RowProblem(file, 1, None, msg)])
    frame = frame[list(rename)].rename(columns=rename)
    for name in frame.columns:
        frame[name] = frame[name].str.strip()
    frame["_row"] = np.arange(2, len(frame) + 2)
    blank = (frame.drop(columns="_row") == "").all(axis=1)
    frame = frame[~blank].reset_index(drop=True)
    return Table(file=file, frame=frame, headers=headers)


def _expected(
    columns: Mapping[str, tuple[str, ...]], required: tuple[str, ...], why: str | None
) -> str:
    names = ", ".join(f"{name}{'' if name in required else ' (valfri)'}" for name in columns)
    lead = "Filen är tom. " if why == "tom" else ""
    return f"{lead}Förväntade kolumner, med rubrikrad: {names}."


@dataclass(frozen=True)
class Times:
    """Parsed times: UTC values (NaT where bad), which had no zone, and which could not be read."""

    utc: pd.Series  # datetime64[ns, UTC]
    naive: np.ndarray  # bool
    unreadable: np.ndarray  # bool: not a time at all
    clock_change: np.ndarray  # bool: a local time that does not exist or occurs twice

    def datetimes(self) -> list[datetime | None]:
        """Python datetimes (UTC), None where the time could not be used."""
        values: list[Any] = self.utc.tolist()
        return [None if pd.isna(v) else v.to_pydatetime() for v in values]


def parse_times(values: pd.Series, *, default_time: time | None = None) -> Times:
    """Parse ISO 8601 text; times without zone are Stockholm time.

    With ``default_time``, a bare date (``2026-11-21``) is read as that wall-clock time.
    """
    text = values.astype(str).str.strip()
    has_zone = text.str.contains(_ZONE_SUFFIX, regex=True).to_numpy()
    bare = np.zeros(len(values), dtype=bool)
    if default_time is not None:
        bare = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").to_numpy()
        if bare.any():
            text = text.copy()
            text[bare] = text[bare] + "T" + default_time.isoformat()
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    unreadable = np.zeros(len(values), dtype=bool)
    clock_change = np.zeros(len(values), dtype=bool)
    if has_zone.any():
        zoned = pd.to_datetime(text[has_zone], format="ISO8601", utc=True, errors="coerce")
        result[has_zone] = zoned
        unreadable[has_zone] = zoned.isna().to_numpy()
    naive = ~has_zone
    if naive.any():
        local = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        bad = local.isna().to_numpy()
        if local.dt.tz is not None:  # pragma: no cover - has_zone catches these
            placed = local.dt.tz_convert(UTC)
        else:
            placed = local.dt.tz_localize(STOCKHOLM, ambiguous="NaT", nonexistent="NaT")
            placed = placed.dt.tz_convert(UTC)
        result[naive] = placed
        unreadable[naive] = bad
        clock_change[naive] = placed.isna().to_numpy() & ~bad
    return Times(
        utc=result,
        naive=naive & ~unreadable & ~bare,
        unreadable=unreadable,
        clock_change=clock_change,
    )


def parse_date(text: str) -> date | None:
    """A date written ``ÅÅÅÅ-MM-DD`` (or the date part of an ISO time); None if unreadable."""
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def local_noon(day: date) -> datetime:
    """Midday in Stockholm on ``day``, as UTC: the time given to a date-only event."""
    return datetime.combine(day, time(12), tzinfo=STOCKHOLM).astimezone(UTC)


def local_date(when: datetime) -> date:
    return when.astimezone(STOCKHOLM).date()


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in Stockholm, as UTC."""
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)


def time_problem(times: Times, index: int) -> str | None:
    """The Swedish message for a time that could not be used, or None."""
    if times.unreadable[index]:
        return "tiden går inte att läsa; skriv den som ÅÅÅÅ-MM-DD TT:MM[:SS], gärna med tidszon"
    if times.clock_change[index]:
        return (
            "tiden finns inte eller förekommer två gånger i svensk tid (omställning till eller "
            "från sommartid); ange tidszonen, t.ex. 2026-10-25T02:30+02:00"
        )
    return None


YES = frozenset({"ja", "j", "yes", "y", "1", "sant", "true", "x"})
NO = frozenset({"nej", "n", "no", "0", "falskt", "false"})


def parse_bool(text: str, *, default: bool) -> bool | None:
    """``ja``/``nej`` (and a few spellings); the default when empty; None when unreadable."""
    value = text.strip().lower()
    if not value:
        return default
    if value in YES:
        return True
    if value in NO:
        return False
    return None


@dataclass(frozen=True)
class ImportReport:
    """What a row-by-row import did: counts, the rows left out, and what was assumed."""

    file: str
    rows: int
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: tuple[RowProblem, ...] = ()  # bad rows left out (only when asked to skip them)
    notes: tuple[str, ...] = ()  # e.g. the time zone assumed, duplicates not stored twice

    def lines(self) -> list[str]:
        out = [
            f"{self.file}: {self.rows} rader lästa; {self.created} nya, {self.changed} ändrade, "
            f"{self.unchanged} oförändrade."
        ]
        if self.skipped:
            out.append(f"  {len(self.skipped)} felaktiga rader hoppades över:")
            out.extend(f"    {problem}" for problem in self.skipped)
        out.extend(f"  {note}" for note in self.notes)
        return out


def finish(file: str, problems: list[RowProblem], *, skip_bad_rows: bool) -> tuple[RowProblem, ...]:
    """Refuse the whole file when it has bad rows, unless the caller asked to skip them."""
    if problems and not skip_bad_rows:
        raise FileRejected(file, sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    return tuple(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
