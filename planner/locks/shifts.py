"""Shift schedules (arbetspass): a key is valid only inside its holder's shifts.

Imported from CSV (header row required, ``;`` ``,`` or tab). Two layouts are accepted:

* ``personalkod;start;slut`` with full times: ``2026-11-21 07:00`` or ``2026-11-21T07:00+01:00``;
* ``personalkod;datum;start;slut`` with a date and clock times: ``2026-11-21;22:00;07:00`` (an end
  at or before the start is on the next day).

================ ==================================================== ==========================
column           meaning                                              also accepted as header
================ ==================================================== ==========================
personalkod      the staff code                                       staff_code, personal
datum            the day the shift starts (second layout only)        date, dag
start            start: a time, or a clock time with ``datum``        starttid, från, starts_at
slut             end: a time, or a clock time with ``datum``          sluttid, till, ends_at
================ ==================================================== ==========================

Times without zone are Europe/Stockholm wall-clock time (the report says how many). Refused by
row: unknown staff, unreadable times, an end before the start, a shift over 24 hours, a shift that
overlaps another of the same person (in the file or already stored). A shift already stored
exactly (same person, start and end), or listed twice in the file, is reported and stored once.
A file with refused rows is refused whole unless ``skip_bad_rows`` is given.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.locks._csvfile import (
    STOCKHOLM,
    ZONE_NOTE,
    ImportReport,
    finish,
    parse_times,
    read_table,
    time_problem,
)
from planner.locks.errors import InvalidValue, RowProblem
from planner.locks.keys import get_staff
from planner.locks.lifecycle import audit, now
from planner.models import HomeCareStaff, Shift

MAX_SHIFT = timedelta(hours=24)
SHIFT_COLUMNS: dict[str, tuple[str, ...]] = {
    "personalkod": ("staff_code", "personal", "anställningsnummer", "personal_id"),
    "datum": ("date", "dag"),
    "start": ("starttid", "från", "fran", "starts_at", "begins"),
    "slut": ("sluttid", "till", "ends_at", "ends"),
}
_CLOCK = r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?"


def _hm(value: datetime) -> str:
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _span(start: datetime, end: datetime) -> str:
    return f"{_hm(start)}–{end.astimezone(STOCKHOLM):%H:%M}"


def add_shift(
    session: Session, *, staff_code: str, starts_at: datetime, ends_at: datetime, actor: str
) -> Shift:
    """Add one shift (aware datetimes); refused if it is empty, too long or overlaps another."""
    staff = get_staff(session, staff_code)
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        msg = "Ange tider med tidszon."
        raise InvalidValue(msg)
    if ends_at <= starts_at or ends_at - starts_at > MAX_SHIFT:
        msg = "Ett arbetspass måste sluta efter att det börjat och vara högst 24 timmar."
        raise InvalidValue(msg)
    for other in _stored(session, [staff.id], starts_at - MAX_SHIFT, ends_at + MAX_SHIFT):
        if other.starts_at < ends_at and starts_at < other.ends_at:
            msg = f"Passet överlappar ett sparat pass {_span(other.starts_at, other.ends_at)}."
            raise InvalidValue(msg)
    shift = Shift(staff_id=staff.id, starts_at=starts_at, ends_at=ends_at)
    session.add(shift)
    session.flush()
    audit(
        session,
        entity="shift",
        entity_id=shift.id,
        action="created",
        actor=actor,
        note=f"{staff_code} {_span(starts_at, ends_at)}",
    )
    return shift


def _stored(session: Session, staff_ids: list[int], start: datetime, end: datetime) -> list[Shift]:
    out: list[Shift] = []
    for i in range(0, len(staff_ids), 900):
        out.extend(
            session.scalars(
                select(Shift).where(
                    Shift.staff_id.in_(staff_ids[i : i + 900]),
                    Shift.starts_at < end,
                    Shift.ends_at > start,
                )
            )
        )
    return out


def import_shifts(
    session: Session,
    data: bytes,
    *,
    file: str,
    actor: str,
    at: datetime | None = None,
    skip_bad_rows: bool = False,
) -> ImportReport:
    """Store the shifts of a CSV file (see the module doc for the layouts and the rules)."""
    when = at or now()
    table = read_table(
        data, file=file, columns=SHIFT_COLUMNS, required=("personalkod", "start", "slut")
    )
    frame = table.frame
    problems: list[RowProblem] = []
    rows: list[int] = frame["_row"].astype(int).tolist()
    codes: list[str] = frame["personalkod"].tolist()
    start_text, end_text, layout_bad = _texts(frame)
    starts = parse_times(start_text)
    ends = parse_times(end_text)
    start_at, end_at = starts.datetimes(), ends.datetimes()
    staff_ids = dict(
        session.execute(
            select(HomeCareStaff.staff_code, HomeCareStaff.id).where(
                HomeCareStaff.staff_code.in_(frame["personalkod"].unique().tolist())
            )
        ).all()
    )
    candidates: list[tuple[int, int, datetime, datetime]] = []
    for i, row in enumerate(rows):
        code = codes[i]
        bad = False
        if not code:
            problems.append(table.problem(row, "personalkod", "personalkod saknas"))
            bad = True
        elif code not in staff_ids:
            problems.append(
                table.problem(
                    row, "personalkod", f"okänd personal {code!r}; läs in personalen först"
                )
            )
            bad = True
        if layout_bad[i]:
            problems.append(
                table.problem(row, "start", "med kolumnen datum skrivs start och slut som TT:MM")
            )
            continue
        for name, times in (("start", starts), ("slut", ends)):
            message = time_problem(times, i)
            if message:
                problems.append(table.problem(row, name, message))
                bad = True
        if bad:
            continue
        begin, end = start_at[i], end_at[i]
        assert begin is not None and end is not None
        if end <= begin:
            problems.append(table.problem(row, "slut", "passet slutar innan det börjar"))
            continue
        if end - begin > MAX_SHIFT:
            problems.append(table.problem(row, "slut", "passet är längre än 24 timmar"))
            continue
        candidates.append((row, staff_ids[code], begin, end))

    notes: list[str] = []
    stored_by_staff: dict[int, list[Shift]] = {}
    if candidates:
        lo = min(c[2] for c in candidates) - MAX_SHIFT
        hi = max(c[3] for c in candidates) + MAX_SHIFT
        for shift in _stored(session, sorted({c[1] for c in candidates}), lo, hi):
            stored_by_staff.setdefault(shift.staff_id, []).append(shift)
    accepted: list[tuple[int, int, datetime, datetime]] = []
    unchanged = 0
    by_staff: dict[int, list[tuple[int, datetime, datetime]]] = {}
    for row, staff_id, begin, end in candidates:
        stored = stored_by_staff.get(staff_id, [])
        if any(s.starts_at == begin and s.ends_at == end for s in stored):
            unchanged += 1
            continue
        clash = next((s for s in stored if s.starts_at < end and begin < s.ends_at), None)
        if clash is not None:
            problems.append(
                table.problem(
                    row,
                    "start",
                    f"passet {_span(begin, end)} överlappar ett sparat pass "
                    f"{_span(clash.starts_at, clash.ends_at)}",
                )
            )
            continue
        mine = by_staff.setdefault(staff_id, [])
        twin = next((r for r, b, e in mine if b == begin and e == end), None)
        if twin is not None:
            notes.append(f"Rad {row} är samma pass som rad {twin}; det sparades en gång.")
            continue
        other = next(((r, b, e) for r, b, e in mine if b < end and begin < e), None)
        if other is not None:
            problems.append(
                table.problem(
                    row,
                    "start",
                    f"passet {_span(begin, end)} överlappar passet på rad {other[0]} "
                    f"({_span(other[1], other[2])})",
                )
            )
            continue
        mine.append((row, begin, end))
        accepted.append((row, staff_id, begin, end))
    skipped = finish(file, problems, skip_bad_rows=skip_bad_rows)
    bad_rows = {p.row for p in skipped}
    accepted = [a for a in accepted if a[0] not in bad_rows]

    shifts = [Shift(staff_id=staff_id, starts_at=b, ends_at=e) for _r, staff_id, b, e in accepted]
    session.add_all(shifts)
    session.flush()
    if shifts:
        audit(
            session,
            entity="shift",
            entity_id=shifts[0].id,
            action="import",
            actor=actor,
            note=f"{len(shifts)} arbetspass från {file} (id {shifts[0].id}–{shifts[-1].id})",
            at=when,
        )
    if unchanged:
        notes.append(f"{unchanged} pass fanns redan och sparades inte igen.")
    naive = int(starts.naive.sum() + ends.naive.sum())
    if naive:
        notes.append(f"{naive} tider saknade tidszon: {ZONE_NOTE}.")
    return ImportReport(
        file=file,
        rows=len(frame),
        created=len(shifts),
        unchanged=unchanged,
        skipped=skipped,
        notes=tuple(notes),
    )


def _texts(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, list[bool]]:
    """Full start and end texts; with a ``datum`` column, ``datum`` + clock (end next day if
    it is not after the start)."""
    start: list[str] = frame["start"].tolist()
    end: list[str] = frame["slut"].tolist()
    bad = [False] * len(frame)
    if "datum" not in frame.columns:
        return pd.Series(start, dtype=str), pd.Series(end, dtype=str), bad
    for i, day in enumerate(frame["datum"].tolist()):
        if not day:
            continue
        s, e = start[i].replace(".", ":"), end[i].replace(".", ":")
        if not (re.fullmatch(_CLOCK, s) and re.fullmatch(_CLOCK, e)):
            bad[i] = True
            continue
        try:
            first = datetime.fromisoformat(f"{day}T{s.zfill(5)}")
            last = datetime.fromisoformat(f"{day}T{e.zfill(5)}")
        except ValueError:
            start[i] = f"{day} {s}"  # left unreadable on purpose: reported by parse_times
            end[i] = f"{day} {e}"
            continue
        if last <= first:
            last += timedelta(days=1)
        start[i] = first.isoformat()
        end[i] = last.isoformat()
    return pd.Series(start, dtype=str), pd.Series(end, dtype=str), bad
