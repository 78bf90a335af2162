"""The access log: import with the hash chain, bad rows reported, tampering found."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from planner.locks.accesslog import (
    GENESIS_HASH,
    chain_hashes,
    event_hash,
    import_access_log,
    verify_chain,
)
from planner.locks.errors import FileRejected
from planner.models import AccessEvent
from tests.locks.city import City

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def csv(*rows: str, header: str = "nyckel;lås;tid;resultat") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def _import(sessions: sessionmaker[Session], data: bytes, file: str = "export.csv"):  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        return import_access_log(session, data, file=file, actor="test", at=NOW)


def _events(sessions: sessionmaker[Session]) -> list[AccessEvent]:
    with sessions() as session:
        return list(session.scalars(select(AccessEvent).order_by(AccessEvent.id)))


def _tamper(engine: Engine, statement: str, trigger: str) -> None:
    """What an attacker with database access does: drop the guard, then change the table."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"DROP TRIGGER {trigger} ON access_event"))
        else:
            conn.execute(text(f"DROP TRIGGER {trigger}"))
        conn.execute(text(statement))


def test_the_fast_chain_is_the_chain_the_demo_uses() -> None:
    rng = random.Random(7)
    stamps, keys, locks, results = [], [], [], []
    for _ in range(50):
        at = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(microseconds=rng.randrange(10**12))
        stamps.append(at.strftime("%Y-%m-%dT%H:%M:%S.%f"))
        keys.append(f"K{rng.randrange(100)}")
        locks.append(f"SL-{rng.randrange(100)}")
        results.append(rng.choice(["granted", "denied"]))
    fast = chain_hashes(GENESIS_HASH, stamps, keys, locks, results, "x.csv")
    prev = GENESIS_HASH
    for i, stamp in enumerate(stamps):
        prev = event_hash(
            prev,
            occurred_at=datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC),
            key_code=keys[i],
            lock_serial=locks[i],
            result=results[i],
            source="x.csv",
        )
        assert fast[i] == prev


def test_an_imported_log_is_stored_in_time_order_and_chained_from_the_last_hash(
    sessions: sessionmaker[Session], city: City
) -> None:
    first = _import(
        sessions,
        csv(
            "K-N1;SL-G12;2026-11-20T10:05:00+01:00;beviljad",
            "K-N1;SL-G12;2026-11-20T10:00:00+01:00;beviljad",
        ),
        "dag1.csv",
    )
    second = _import(sessions, csv("K-N1;SL-1101;2026-11-20T10:07:00+01:00;granted"), "dag2.csv")
    assert (first.stored, second.stored) == (2, 1)
    events = _events(sessions)
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
    assert events[0].prev_hash == GENESIS_HASH
    assert events[2].prev_hash == events[1].hash == first.last_hash
    assert events[2].source == "dag2.csv"
    with sessions() as session:
        report = verify_chain(session)
    assert report.ok and report.checked == 3 and report.anchors_checked == 2


def test_unknown_keys_and_locks_are_stored_and_flagged(
    sessions: sessionmaker[Session], city: City
) -> None:
    report = _import(
        sessions,
        csv(
            "K-N1;SL-G12;2026-11-20 10:00;beviljad",
            "K-OKÄND;SL-G12;2026-11-20 10:01;nekad",
            "K-N1;SL-OKÄNT;2026-11-20 10:02;beviljad",
        ),
    )
    assert report.stored == 3
    flagged = {p.row: p.message for p in report.flagged}
    assert set(flagged) == {3, 4}
    assert "okänd nyckel 'K-OKÄND'" in flagged[3] and "sparad och flaggad" in flagged[3]
    assert "okänt lås 'SL-OKÄNT'" in flagged[4]
    assert {e.key_code for e in _events(sessions)} == {"K-N1", "K-OKÄND"}


def test_duplicates_are_reported_by_row_and_never_stored_twice(
    sessions: sessionmaker[Session], city: City
) -> None:
    data = csv(
        "K-N1;SL-G12;2026-11-20 10:00;beviljad",
        "K-N1;SL-G12;2026-11-20T09:00:00Z;granted",  # the same moment, written another way
        "K-N1;SL-1101;2026-11-20 10:01;beviljad",
    )
    first = _import(sessions, data)
    assert first.stored == 2
    assert [(p.row, p.message) for p in first.duplicates] == [
        (3, "dubblett av rad 2; sparades en gång")
    ]
    again = _import(sessions, data)
    assert again.stored == 0
    assert {p.row for p in again.duplicates} == {2, 3, 4}
    assert any("finns redan i passageloggen" in p.message for p in again.duplicates)
    assert len(_events(sessions)) == 2
    with sessions() as session:
        assert verify_chain(session).ok


def test_times_in_the_future_are_refused_and_reported(
    sessions: sessionmaker[Session], city: City
) -> None:
    report = _import(
        sessions,
        csv("K-N1;SL-G12;2026-11-20 10:00;beviljad", "K-N1;SL-G12;2026-12-24 10:00;beviljad"),
    )
    assert report.stored == 1
    [refused] = report.refused
    assert (refused.row, refused.column) == (3, "tid") and "i framtiden" in refused.message


def test_times_without_zone_are_taken_as_stockholm_time_and_said(
    sessions: sessionmaker[Session], city: City
) -> None:
    report = _import(
        sessions,
        csv("K-N1;SL-G12;2026-07-01 10:00;beviljad", "K-N1;SL-G12;2026-11-20 10:00+01:00;beviljad"),
    )
    assert report.assumed_zone == 1
    assert any("Europe/Stockholm" in line for line in report.lines())
    summer = _events(sessions)[0]
    assert summer.occurred_at == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # CEST is UTC+2


def test_a_local_time_that_does_not_exist_or_is_unreadable_is_refused(
    sessions: sessionmaker[Session], city: City
) -> None:
    report = _import(
        sessions,
        csv(
            "K-N1;SL-G12;2026-03-29 02:30;beviljad",  # the hour skipped in spring
            "K-N1;SL-G12;i går;beviljad",
            ";SL-G12;2026-11-20 10:00;beviljad",
            "K-N1;SL-G12;2026-11-20 10:00;kanske",
        ),
    )
    assert report.stored == 0
    messages = {p.row: (p.column, p.message) for p in report.refused}
    assert "sommartid" in messages[2][1]
    assert messages[3][0] == "tid"
    assert messages[4] == ("nyckel", "nyckel saknas")
    assert messages[5][0] == "resultat"


def test_a_file_without_the_columns_is_refused_whole(
    sessions: sessionmaker[Session], city: City
) -> None:
    with pytest.raises(FileRejected, match="kolumnen 'resultat' saknas"):
        _import(sessions, csv("K-N1;SL-G12;2026-11-20 10:00", header="nyckel;lås;tid"))
    assert _events(sessions) == []


def test_english_headers_commas_and_a_bom_are_understood(
    sessions: sessionmaker[Session], city: City
) -> None:
    data = "\ufeffkey,lock,time,result\nK-N1,SL-G12,2026-11-20T09:00:00Z,granted\n".encode()
    assert _import(sessions, data).stored == 1


@pytest.fixture
def logged(sessions: sessionmaker[Session], city: City) -> list[AccessEvent]:
    _import(
        sessions,
        csv(*(f"K-N1;SL-G12;2026-11-20 10:{m:02d};beviljad" for m in range(5))),
        "a.csv",
    )
    _import(sessions, csv("K-S1;SL-1102;2026-11-20 11:00;beviljad"), "b.csv")
    return _events(sessions)


def test_a_changed_access_event_breaks_the_chain(
    engine: Engine, sessions: sessionmaker[Session], logged: list[AccessEvent]
) -> None:
    target = logged[2].id
    _tamper(
        engine,
        f"UPDATE access_event SET key_code = 'K-S1' WHERE id = {target}",
        "access_event_no_update",
    )
    with sessions() as session:
        report = verify_chain(session)
    assert not report.ok
    assert report.broken_id == target
    assert "har ändrats" in (report.problem or "")


def test_a_deleted_access_event_breaks_the_chain(
    engine: Engine, sessions: sessionmaker[Session], logged: list[AccessEvent]
) -> None:
    target = logged[1].id
    _tamper(engine, f"DELETE FROM access_event WHERE id = {target}", "access_event_no_delete")
    with sessions() as session:
        report = verify_chain(session)
    assert not report.ok
    assert report.broken_id == logged[2].id
    assert f"id {target}–{target} saknas" in (report.problem or "")


def test_events_cut_from_the_end_of_the_log_are_noticed(
    engine: Engine, sessions: sessionmaker[Session], logged: list[AccessEvent]
) -> None:
    last = logged[-1].id
    _tamper(engine, f"DELETE FROM access_event WHERE id = {last}", "access_event_no_delete")
    with sessions() as session:
        report = verify_chain(session)
    assert not report.ok
    assert report.broken_id == last
    assert "tagits bort från slutet" in (report.problem or "")


def test_an_untouched_log_verifies(
    sessions: sessionmaker[Session], logged: list[AccessEvent]
) -> None:
    with sessions() as session:
        report = verify_chain(session)
        count = session.scalar(select(func.count()).select_from(AccessEvent))
    assert report.ok and report.checked == count == 6
    assert report.last_hash == logged[-1].hash


def test_a_rewritten_chain_is_caught_by_the_imports_in_the_audit_trail(
    engine: Engine, sessions: sessionmaker[Session], logged: list[AccessEvent]
) -> None:
    """An attacker who changes an event and recomputes every later hash still leaves the
    audit trail (append-only too) naming the last hash of each import."""
    _tamper(engine, "SELECT 1", "access_event_no_update")
    prev = GENESIS_HASH
    with engine.begin() as conn:
        for event in logged:
            key = "K-S1" if event.id == logged[1].id else event.key_code
            digest = event_hash(
                prev,
                occurred_at=event.occurred_at,
                key_code=key,
                lock_serial=event.lock_serial,
                result=event.result.value,
                source=event.source,
            )
            conn.execute(
                text(
                    "UPDATE access_event SET key_code = :k, prev_hash = :p, hash = :h WHERE id = :i"
                ),
                {"k": key, "p": prev, "h": digest, "i": event.id},
            )
            prev = digest
    with sessions() as session:
        report = verify_chain(session)
    assert not report.ok
    assert "räknats om" in (report.problem or "")
