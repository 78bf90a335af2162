"""The access log: append-only, hash-chained.

Each stored event carries the hash of the one before it, so that a changed or deleted row breaks
the chain and ``planner audit verify`` finds it. The database also refuses UPDATE and DELETE on
the table (triggers in the initial migration).

The lock system's export is read by :func:`import_access_log`. Its columns (header row required,
``;`` ``,`` or tab, UTF-8 or Windows-1252):

========== ======================================================= ==========================
column     meaning                                                 also accepted as header
========== ======================================================= ==========================
nyckel     the digital key's code, as the lock system writes it    key, key_code, nyckelkod
lås        the lock's serial number                                lock, lock_serial, serienummer
tid        when: ISO 8601, with zone (``2026-11-21T08:15:02+01:00``, tidpunkt, time, timestamp
           ``…Z``) or without (Europe/Stockholm is then assumed)
resultat   ``beviljad``/``granted``/``ok`` or ``nekad``/``denied``  result, utfall
========== ======================================================= ==========================

What happens to each row, reported by line number:

* stored: a readable row, not stored before. Rows whose key or lock planner does not know are
  stored too, and flagged (the anomaly scan lists them): the log is evidence and is never pruned;
* not stored, reported as duplicates: a row equal (time, key, lock, result) to one already in the
  log, or to an earlier row of the same file;
* refused, reported: a time in the future, a time that cannot be read (or a Stockholm wall-clock
  time that does not exist or occurs twice when the clocks change), an empty key or lock, or a
  result that is neither granted nor denied.

Stored rows are appended in time order (file order among equal times) and chained from the last
stored hash. Each import also writes an audit row naming its last event and hash, so that
``verify_chain`` also notices events cut from the end of the log.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planner.locks._csvfile import ZONE_NOTE, parse_times, read_table, time_problem
from planner.locks.errors import RowProblem
from planner.locks.lifecycle import audit, now
from planner.models import AccessEvent, AccessResult, AuditEvent, DigitalKey, Lock

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
ANCHOR_ACTION = "import"
_ANCHOR = re.compile(r"sista hash ([0-9a-f]{64})")

COLUMNS: dict[str, tuple[str, ...]] = {
    "nyckel": ("key", "key_code", "nyckelkod", "nyckel_id"),
    "lås": ("las", "lock", "lock_serial", "serienummer", "låsnummer"),
    "tid": ("tidpunkt", "time", "timestamp", "datum_tid"),
    "resultat": ("result", "utfall"),
}
RESULT_WORDS: dict[str, AccessResult] = {
    **dict.fromkeys(
        ("granted", "beviljad", "beviljat", "ok", "öppnad", "öppnat", "godkänd", "1"),
        AccessResult.GRANTED,
    ),
    **dict.fromkeys(
        ("denied", "nekad", "nekat", "avvisad", "avslagen", "ej ok", "0"), AccessResult.DENIED
    ),
}
_CHUNK = 100_000
_LOCK_KEY = 7_150_001  # pg_advisory_xact_lock key of the access-log importer


def event_hash(
    prev_hash: str,
    *,
    occurred_at: datetime,
    key_code: str,
    lock_serial: str,
    result: str,
    source: str | None,
) -> str:
    """The chain hash of one event: SHA-256 over the previous hash and the event's fields."""
    stamp = occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload = "\x1f".join((prev_hash, stamp, key_code, lock_serial, str(result), source or ""))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def chain_hashes(
    prev_hash: str,
    stamps: Sequence[str],
    key_codes: Sequence[str],
    lock_serials: Sequence[str],
    results: Sequence[str],
    source: str | None,
) -> list[str]:
    """``event_hash`` for many events in one pass; ``stamps`` are ``YYYY-MM-DDTHH:MM:SS.ffffff``
    in UTC (the format ``event_hash`` writes, without its ``Z``)."""
    sha = hashlib.sha256
    tail = source or ""
    out: list[str] = []
    append = out.append
    prev = prev_hash
    for stamp, key_code, serial, result in zip(
        stamps, key_codes, lock_serials, results, strict=True
    ):
        prev = sha(
            f"{prev}\x1f{stamp}Z\x1f{key_code}\x1f{serial}\x1f{result}\x1f{tail}".encode()
        ).hexdigest()
        append(prev)
    return out


# --- import ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessLogImport:
    """What an import did, row by row."""

    file: str
    rows: int
    stored: int
    first_id: int | None
    last_id: int | None
    last_hash: str
    assumed_zone: int  # rows whose time had no zone (Stockholm assumed)
    flagged: tuple[RowProblem, ...] = field(default=())  # stored, key or lock unknown
    duplicates: tuple[RowProblem, ...] = field(default=())  # not stored again
    refused: tuple[RowProblem, ...] = field(default=())  # not stored: future, unreadable

    @property
    def problems(self) -> tuple[RowProblem, ...]:
        rows = self.flagged + self.duplicates + self.refused
        return tuple(sorted(rows, key=lambda p: (p.row or 0, p.message)))

    def lines(self) -> list[str]:
        out = [
            f"{self.file}: {self.rows} rader lästa, {self.stored} händelser sparade"
            + (f" (id {self.first_id}–{self.last_id})" if self.stored else "")
            + "."
        ]
        if self.flagged:
            out.append(
                f"  {len(self.flagged)} sparade men flaggade (okänd nyckel eller okänt lås)."
            )
        if self.duplicates:
            out.append(f"  {len(self.duplicates)} dubbletter sparades inte en gång till.")
        if self.refused:
            out.append(f"  {len(self.refused)} rader avvisades (se nedan).")
        if self.assumed_zone:
            out.append(f"  {self.assumed_zone} tider saknade tidszon: {ZONE_NOTE}.")
        return out


def import_access_log(
    session: Session,
    data: bytes,
    *,
    file: str,
    actor: str,
    at: datetime | None = None,
) -> AccessLogImport:
    """Append the lock system's export to the access log, in the caller's transaction.

    ``at`` is "now": times after it are refused, and it is stored as the import time.
    """
    when = at or now()
    table = read_table(data, file=file, columns=COLUMNS, required=tuple(COLUMNS))
    frame = table.frame
    rows = len(frame)
    line = frame["_row"].to_numpy()
    times = parse_times(frame["tid"])
    utc = times.utc.dt.floor("us")
    refused: list[RowProblem] = []
    keep = np.ones(rows, dtype=bool)

    for i in np.flatnonzero(times.unreadable | times.clock_change):
        refused.append(table.problem(int(line[i]), "tid", time_problem(times, int(i)) or ""))
        keep[i] = False
    tid_text: list[str] = frame["tid"].tolist()
    result_text: list[str] = frame["resultat"].tolist()
    future = (utc > pd.Timestamp(when)).to_numpy() & keep
    for i in np.flatnonzero(future):
        refused.append(
            table.problem(
                int(line[i]),
                "tid",
                f"tiden {tid_text[i]} ligger i framtiden (efter "
                f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC); raden sparades inte",
            )
        )
        keep[i] = False
    for name, word in (("nyckel", "nyckel"), ("lås", "lås")):
        empty = (frame[name] == "").to_numpy()
        for i in np.flatnonzero(empty & keep):
            refused.append(table.problem(int(line[i]), name, f"{word} saknas"))
            keep[i] = False
        too_long = (frame[name].str.len() > 40).to_numpy()
        for i in np.flatnonzero(too_long & keep):
            refused.append(table.problem(int(line[i]), name, "värdet är längre än 40 tecken"))
            keep[i] = False
    result = frame["resultat"].str.lower().map(lambda w: RESULT_WORDS.get(w))
    bad_result = result.isna().to_numpy()
    for i in np.flatnonzero(bad_result & keep):
        refused.append(
            table.problem(
                int(line[i]),
                "resultat",
                f"okänt resultat {result_text[i]!r}; skriv beviljad eller nekad",
            )
        )
        keep[i] = False

    good = pd.DataFrame(
        {
            "row": line[keep],
            "at": utc[keep].dt.tz_convert(None).to_numpy(),
            "key": frame["nyckel"].to_numpy()[keep],
            "lock": frame["lås"].to_numpy()[keep],
            "result": np.array([str(r) for r in result[keep]], dtype=object),
        }
    )
    good["stamp"] = np.datetime_as_string(good["at"].to_numpy().astype("datetime64[us]"), unit="us")
    good["at"] = good["at"].dt.tz_localize(UTC)
    good["identity"] = good["stamp"] + "|" + good["key"] + "|" + good["lock"] + "|" + good["result"]

    _one_importer_at_a_time(session)
    duplicates: list[RowProblem] = []
    identities: list[str] = good["identity"].tolist()
    good_rows: list[int] = good["row"].tolist()
    first_of: dict[str, int] = {}
    for identity, row in zip(identities, good_rows, strict=True):
        first_of.setdefault(identity, row)
    repeated = good["identity"].duplicated(keep="first").to_numpy()
    for i in np.flatnonzero(repeated):
        duplicates.append(
            table.problem(
                int(good_rows[i]),
                None,
                f"dubblett av rad {first_of[identities[i]]}; sparades en gång",
            )
        )
    good = good[~repeated]
    if len(good):
        stored_before = _stored_identities(session, good["at"].min(), good["at"].max())
        already = good["identity"].map(stored_before)
        for row, event_id in zip(good["row"][already.notna()], already.dropna(), strict=True):
            duplicates.append(
                table.problem(
                    int(row), None, f"finns redan i passageloggen (händelse {int(event_id)})"
                )
            )
        good = good[already.isna().to_numpy()]

    flagged: list[RowProblem] = []
    if len(good):
        known_keys = set(session.scalars(select(DigitalKey.key_code)))
        known_locks = set(session.scalars(select(Lock.serial).where(Lock.serial.is_not(None))))
        unknown_key = ~good["key"].isin(known_keys).to_numpy()
        unknown_lock = ~good["lock"].isin(known_locks).to_numpy()
        keys_left: list[str] = good["key"].tolist()
        locks_left: list[str] = good["lock"].tolist()
        rows_left: list[int] = good["row"].tolist()
        for i in np.flatnonzero(unknown_key | unknown_lock):
            what = []
            if unknown_key[i]:
                what.append(f"okänd nyckel {keys_left[i]!r}")
            if unknown_lock[i]:
                what.append(f"okänt lås {locks_left[i]!r}")
            flagged.append(
                table.problem(int(rows_left[i]), None, " och ".join(what) + "; sparad och flaggad")
            )

    good = good.sort_values(["at", "row"], kind="stable")
    first_id, last_id, last_hash = _append(session, good, file=file, imported_at=when)
    if first_id is not None:
        audit(
            session,
            entity="access_event",
            entity_id=int(last_id or 0),
            action=ANCHOR_ACTION,
            actor=actor,
            note=f"sista hash {last_hash}; {len(good)} händelser från {file}",
            at=when,
        )
    assumed = int((times.naive & keep).sum())
    log.info("access log %s: %d rows, %d stored", file, rows, len(good))
    return AccessLogImport(
        file=file,
        rows=rows,
        stored=len(good),
        first_id=first_id,
        last_id=last_id,
        last_hash=last_hash,
        assumed_zone=assumed,
        flagged=tuple(flagged),
        duplicates=tuple(duplicates),
        refused=tuple(refused),
    )


def _one_importer_at_a_time(session: Session) -> None:
    """On PostgreSQL, wait for any other import (in its transaction) to finish first, so that two
    imports neither fork the chain nor both store the same event. SQLite has one writer anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))


def _stored_identities(session: Session, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Events already stored between two times: event id by the import's ``identity``."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    low, high = start.to_pydatetime(), end.to_pydatetime()
    if session.get_bind().dialect.name == "sqlite":
        sql = (
            "SELECT id, occurred_at, key_code, lock_serial, result FROM access_event "
            "WHERE occurred_at >= ? AND occurred_at <= ?"
        )
        params: tuple[object, ...] = (
            low.strftime("%Y-%m-%d %H:%M:%S.%f"),
            high.strftime("%Y-%m-%d %H:%M:%S.%f"),
        )
    else:
        sql = (
            "SELECT id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), "
            "key_code, lock_serial, result FROM access_event "
            "WHERE occurred_at >= %s AND occurred_at <= %s"
        )
        params = (low, high)
    cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return pd.Series(dtype="int64")
    frame = pd.DataFrame(rows, columns=["id", "at", "key", "lock", "result"])
    at = frame["at"].astype(str)
    at = at.where(at.str.len() > 19, at + ".000000")
    identity = (
        at.str[:10]
        + "T"
        + at.str[11:26]
        + "|"
        + frame["key"]
        + "|"
        + frame["lock"]
        + "|"
        + frame["result"]
    )
    return pd.Series(frame["id"].to_numpy(), index=identity).groupby(level=0).first()


def _chain_head(session: Session) -> tuple[int, str]:
    """The last stored id and hash (0 and the genesis hash for an empty log)."""
    row = session.execute(
        select(AccessEvent.id, AccessEvent.hash).order_by(AccessEvent.id.desc()).limit(1)
    ).first()
    return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


def _append(
    session: Session, events: pd.DataFrame, *, file: str, imported_at: datetime
) -> tuple[int | None, int | None, str]:
    """Hash and insert ``events`` (already in chain order) after the current head."""
    dialect = session.get_bind().dialect.name
    head_id, head_hash = _chain_head(session)
    if not len(events):
        return None, None, head_hash
    stamps = events["stamp"].tolist()
    hashes = chain_hashes(
        head_hash,
        stamps,
        events["key"].tolist(),
        events["lock"].tolist(),
        events["result"].tolist(),
        file,
    )
    prevs = [head_hash, *hashes[:-1]]
    ids = range(head_id + 1, head_id + 1 + len(hashes))
    connection = session.connection()
    raw = connection.connection.driver_connection
    assert raw is not None
    source = file
    if dialect == "sqlite":
        imported = imported_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        rows: Iterator[tuple[object, ...]] = (
            (i, s[:10] + " " + s[11:], k, lk, r, source, imported, p, h)
            for i, s, k, lk, r, p, h in zip(
                ids,
                stamps,
                events["key"],
                events["lock"],
                events["result"],
                prevs,
                hashes,
                strict=True,
            )
        )
        cursor = raw.cursor()
        (cache,) = cursor.execute("PRAGMA cache_size").fetchone()
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MB: random inserts into the hash index
        try:
            batch: list[tuple[object, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) == _CHUNK:
                    cursor.executemany(_INSERT_SQLITE, batch)
                    batch = []
            if batch:
                cursor.executemany(_INSERT_SQLITE, batch)
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(cache)}")
            cursor.close()
    else:
        imported = imported_at.astimezone(UTC).isoformat()
        with raw.cursor() as cursor, cursor.copy(_COPY_POSTGRES) as copy:
            for i, s, k, lk, r, p, h in zip(
                ids,
                stamps,
                events["key"],
                events["lock"],
                events["result"],
                prevs,
                hashes,
                strict=True,
            ):
                copy.write_row((i, s + "+00", k, lk, r, source, imported, p, h))
        session.execute(
            select(func.setval(func.pg_get_serial_sequence("access_event", "id"), ids[-1], True))
        )
    return ids[0], ids[-1], hashes[-1]


_COLUMN_LIST = (
    "id, occurred_at, key_code, lock_serial, result, source, imported_at, prev_hash, hash"
)
_INSERT_SQLITE = f"INSERT INTO access_event ({_COLUMN_LIST}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_COPY_POSTGRES = f"COPY access_event ({_COLUMN_LIST}) FROM STDIN"


# --- verify -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the chain: how far it held, and the first broken link."""

    checked: int
    broken_id: int | None
    problem: str | None
    last_hash: str
    anchors_checked: int

    @property
    def ok(self) -> bool:
        return self.problem is None

    def lines(self) -> list[str]:
        if self.ok:
            return [
                f"Passageloggen är obruten: {self.checked} händelser kontrollerade, "
                f"{self.anchors_checked} inläsningar stämmer mot granskningsloggen. "
                f"Sista hash: {self.last_hash}."
            ]
        return [f"Passageloggen är bruten: {self.problem}"]


def verify_chain(session: Session) -> ChainReport:
    """Walk the access log in id order and recompute every hash; report the first broken link.

    A changed row no longer matches its own hash; a deleted row leaves the next row pointing at a
    hash that is not the one before it; events cut from the end are missed by the audit row their
    import wrote.
    """
    connection = session.connection()
    raw = connection.connection.driver_connection
    assert raw is not None
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        sql = (
            "SELECT id, occurred_at, key_code, lock_serial, result, source, prev_hash, hash "
            "FROM access_event ORDER BY id"
        )
    else:
        sql = (
            "SELECT id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), "
            "key_code, lock_serial, result, source, prev_hash, hash FROM access_event ORDER BY id"
        )
    # PostgreSQL: a server-side cursor, so that the log is streamed, not held in memory
    cursor = raw.cursor() if dialect == "sqlite" else raw.cursor(name="planner_verify_chain")
    expected = GENESIS_HASH
    previous_id = 0
    checked = 0
    sha = hashlib.sha256
    try:
        cursor.execute(sql)
        while True:
            rows = cursor.fetchmany(50_000)
            if not rows:
                break
            for event_id, at, key_code, serial, result, source, prev_hash, stored in rows:
                stamp = _stamp_from_db(at)
                if prev_hash != expected:
                    gap = (
                        f" (id {previous_id + 1}–{event_id - 1} saknas)"
                        if event_id > previous_id + 1
                        else ""
                    )
                    problem = (
                        f"händelse {event_id} pekar inte på händelsen före den{gap}: en händelse "
                        f"före id {event_id} har tagits bort eller ändrats."
                    )
                    return ChainReport(checked, int(event_id), problem, expected, 0)
                digest = sha(
                    f"{expected}\x1f{stamp}Z\x1f{key_code}\x1f{serial}\x1f{result}"
                    f"\x1f{source or ''}".encode()
                ).hexdigest()
                if digest != stored:
                    problem = (
                        f"händelse {event_id} ({stamp[:19].replace('T', ' ')} UTC, nyckel "
                        f"{key_code}, lås {serial}) stämmer inte med sin hash: raden har ändrats."
                    )
                    return ChainReport(checked, int(event_id), problem, expected, 0)
                expected = stored
                previous_id = event_id
                checked += 1
    finally:
        cursor.close()
    return _check_anchors(session, checked, previous_id, expected)


def _check_anchors(session: Session, checked: int, last_id: int, last_hash: str) -> ChainReport:
    anchors = session.execute(
        select(AuditEvent.entity_id, AuditEvent.note, AuditEvent.at)
        .where(AuditEvent.entity == "access_event", AuditEvent.action == ANCHOR_ACTION)
        .order_by(AuditEvent.id)
    ).all()
    hashes: dict[int, str] = {}
    wanted = [a.entity_id for a in anchors]
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        hashes.update(
            session.execute(
                select(AccessEvent.id, AccessEvent.hash).where(AccessEvent.id.in_(part))
            ).all()
        )
    for event_id, note, at in anchors:
        match = _ANCHOR.search(note or "")
        if match is None:
            continue
        if event_id not in hashes:
            problem = (
                f"händelse {event_id}, den sista i inläsningen {at:%Y-%m-%d %H:%M} UTC, saknas: "
                f"passageloggen slutar vid id {last_id}, händelser har tagits bort från slutet."
            )
            return ChainReport(checked, int(event_id), problem, last_hash, 0)
        if hashes[event_id] != match.group(1):
            problem = (
                f"händelse {event_id} har inte den hash som inläsningen {at:%Y-%m-%d %H:%M} UTC "
                "registrerade: kedjan har räknats om efter en ändring."
            )
            return ChainReport(checked, int(event_id), problem, last_hash, 0)
    return ChainReport(checked, None, None, last_hash, len(anchors))


def _stamp_from_db(value: object) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffff`` from what the database returned for ``occurred_at``."""
    if isinstance(value, datetime):
        return (
            value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
            if value.tzinfo
            else (value.strftime("%Y-%m-%dT%H:%M:%S.%f"))
        )
    text = str(value)
    if len(text) == 19:
        text += ".000000"
    return text[:10] + "T" + text[11:26]
