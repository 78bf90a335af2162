"""Anomalies in the access log and coverage gaps: the tiny city by hand, the demo city in full."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from planner.locks.accesslog import import_access_log, verify_chain
from planner.locks.anomalies import NO_CUSTOMERS, NO_KEYS, coverage_gaps, find_anomalies
from planner.locks.keys import deactivate_key, locks_for_key
from planner.locks.lifecycle import transition
from planner.locks.states import KeyState, LockState
from planner.models import (
    AccessEvent,
    Customer,
    DigitalKey,
    Door,
    DoorKind,
    HomeCareStaff,
    Lock,
    Shift,
)
from tests.locks.city import DAY, STOCKHOLM, City, local

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def log(sessions: sessionmaker[Session], *rows: tuple[str, str, datetime, str]) -> None:
    lines = ["nyckel;lås;tid;resultat"] + [
        f"{key};{lock};{at.isoformat()};{result}" for key, lock, at, result in rows
    ]
    with sessions.begin() as session:
        import_access_log(session, "\n".join(lines).encode(), file="log.csv", actor="t", at=NOW)


def kinds(sessions: sessionmaker[Session]) -> set[tuple[str, str, str]]:
    """(key, lock, kind) of every anomaly found."""
    with sessions() as session:
        found = find_anomalies(session)
    return set(zip(found["key_code"], found["lock_serial"], found["kind"], strict=True))


def test_a_normal_working_day_has_no_anomalies(sessions: sessionmaker[Session], city: City) -> None:
    log(
        sessions,
        ("K-N1", "SL-G12", local(DAY, 9), "beviljad"),
        ("K-N1", "SL-1101", local(DAY, 9, 2), "beviljad"),
        ("K-S1", "SL-G12", local(DAY, 10), "beviljad"),
        ("K-S1", "SL-1102", local(DAY, 10, 1), "beviljad"),
        ("K-N1", "SL-G14", local(DAY, 11), "beviljad"),
        ("K-N1", "SL-1201", local(DAY, 11, 1), "beviljad"),
        ("K-N1", "SL-R12", local(DAY, 11, 30), "beviljad"),  # the refuse room of a customer
    )
    assert kinds(sessions) == set()


def test_a_door_opened_outside_the_shift_is_an_anomaly(
    sessions: sessionmaker[Session], city: City
) -> None:
    log(
        sessions,
        ("K-N1", "SL-G12", local(DAY, 3, 10), "beviljad"),  # night: no shift
        ("K-N1", "SL-G12", local(DAY, 16, 30), "beviljad"),  # after the shift ended
        ("K-N1", "SL-G12", local(DAY, 3, 15), "nekad"),  # refused: the lock did its job
    )
    with sessions() as session:
        found = find_anomalies(session)
    assert list(found["kind"]) == ["outside_shift", "outside_shift"]
    assert set(found["label"]) == {"Öppning utanför arbetspass"}
    assert set(found["staff_code"]) == {"N-1"} and set(found["district"]) == {"Södermalm"}


def test_an_opening_inside_one_of_overlapping_shifts_is_not_an_anomaly(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions.begin() as session:  # a long evening shift and a short one inside it
        session.add(Shift(staff_id=city.staff_n1, starts_at=local(DAY, 15), ends_at=local(DAY, 23)))
        session.add(Shift(staff_id=city.staff_n1, starts_at=local(DAY, 17), ends_at=local(DAY, 18)))
    log(sessions, ("K-N1", "SL-G12", local(DAY, 20), "beviljad"))
    assert kinds(sessions) == set()


def test_a_deactivated_key_used_is_an_anomaly_from_the_moment_it_was_deactivated(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions.begin() as session:
        deactivate_key(session, "K-S1", actor="test", at=local(DAY, 12), note="borttappad")
    log(
        sessions,
        ("K-S1", "SL-1102", local(DAY, 11), "beviljad"),
        ("K-S1", "SL-1102", local(DAY, 13), "nekad"),
    )
    with sessions() as session:
        found = find_anomalies(session)
    assert list(found["kind"]) == ["inactive_key"]
    assert found["occurred_at"].iloc[0] == pd.Timestamp(local(DAY, 13))


def test_a_deactivated_lock_used_is_an_anomaly(sessions: sessionmaker[Session], city: City) -> None:
    with sessions.begin() as session:
        lock = session.scalars(select(Lock).where(Lock.serial == "SL-G14")).one()
        transition(session, lock, LockState.DEACTIVATED, actor="test", at=local(DAY, 8))
    log(sessions, ("K-N1", "SL-G14", local(DAY, 9), "beviljad"))
    assert kinds(sessions) == {("K-N1", "SL-G14", "inactive_lock")}


def test_an_unknown_key_and_an_unknown_lock_are_anomalies(
    sessions: sessionmaker[Session], city: City
) -> None:
    log(
        sessions,
        ("X-99", "SL-G12", local(DAY, 9), "nekad"),
        ("K-N1", "SL-999", local(DAY, 9, 1), "beviljad"),
    )
    assert kinds(sessions) == {
        ("X-99", "SL-G12", "unknown_key"),
        ("K-N1", "SL-999", "unknown_lock"),
    }


def test_a_door_opened_by_staff_of_a_provider_without_that_customer_is_an_anomaly(
    sessions: sessionmaker[Session], city: City
) -> None:
    log(
        sessions,
        ("K-S1", "SL-G12", local(DAY, 9), "beviljad"),  # Syd serves C2 in this building: fine
        ("K-S1", "SL-1101", local(DAY, 9, 1), "beviljad"),  # but C1's door is Norr's
        ("K-S1", "SL-G14", local(DAY, 9, 30), "beviljad"),  # and Syd has nobody at Götgatan 14
    )
    with sessions() as session:
        found = find_anomalies(session)
    assert set(zip(found["lock_serial"], found["kind"], strict=True)) == {
        ("SL-1101", "wrong_provider"),
        ("SL-G14", "wrong_provider"),
    }
    assert set(found["provider"]) == {"Hemtjänst Syd AB"}
    assert "Götgatan 14, Stockholm" in set(found["address"])


def test_a_door_opened_after_the_customer_left_is_an_anomaly(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions.begin() as session:
        session.get(Customer, city.c3).active_to = DAY - timedelta(days=1)  # type: ignore[union-attr]
    log(sessions, ("K-N1", "SL-1201", local(DAY, 9), "beviljad"))
    assert kinds(sessions) == {("K-N1", "SL-1201", "wrong_provider")}


def test_a_key_opens_the_building_and_apartment_doors_of_its_providers_customers(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions() as session:
        norr = locks_for_key(session, "K-N1", on=DAY)
        syd = locks_for_key(session, "K-S1", on=DAY)
    assert set(norr.locks["serienummer"]) == {"SL-G12", "SL-R12", "SL-1101", "SL-G14", "SL-1201"}
    assert set(syd.locks["serienummer"]) == {"SL-G12", "SL-R12", "SL-1102"}
    assert norr.usable and norr.provider == "Hemtjänst Norr AB"
    with sessions.begin() as session:
        deactivate_key(session, "K-S1", actor="test")
    with sessions() as session:
        assert locks_for_key(session, "K-S1", on=DAY).locks.empty


def test_active_locks_no_current_key_can_open_are_listed(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions() as session:
        assert coverage_gaps(session, on=DAY).empty
    with sessions.begin() as session:
        deactivate_key(session, "K-S1", actor="test")  # Syd has no key now: C2's door is shut
        lock = Lock(door_id=city.g16_door, serial="SL-G16", state=LockState.ACTIVE)
        session.add(lock)  # Götgatan 16 has no customers at all
    with sessions() as session:
        gaps = coverage_gaps(session, on=DAY)
    reasons = dict(zip(gaps["serienummer"], gaps["orsak"], strict=True))
    assert reasons == {"SL-1102": NO_KEYS, "SL-G16": NO_CUSTOMERS}
    assert set(gaps["dörr"]) == {"lägenhetsdörr", "entrédörr"}


# --- the demo city ----------------------------------------------------------------------------


def _reference_anomalies(session: Session) -> set[tuple[int, str]]:
    """The same rules, written the slow obvious way, event by event."""
    holder_of = dict(session.execute(select(DigitalKey.key_code, DigitalKey.staff_id)).all())
    provider_of = dict(session.execute(select(HomeCareStaff.id, HomeCareStaff.provider_id)).all())
    door_of = dict(
        session.execute(select(Lock.serial, Lock.door_id).where(Lock.serial.is_not(None))).all()
    )
    doors = {d.id: d for d in session.execute(select(Door.id, Door.kind, Door.entrance_id))}
    shifts: dict[int, list[tuple[datetime, datetime]]] = {}
    for staff_id, starts, ends in session.execute(
        select(Shift.staff_id, Shift.starts_at, Shift.ends_at)
    ):
        shifts.setdefault(staff_id, []).append((starts, ends))
    by_door: dict[int, list[tuple[int, date, date | None]]] = {}
    by_entrance: dict[int, list[tuple[int, date, date | None]]] = {}
    for entrance_id, door_id, provider_id, starts_on, ends_on in session.execute(
        select(
            Customer.entrance_id,
            Customer.apartment_door_id,
            Customer.provider_id,
            Customer.active_from,
            Customer.active_to,
        )
    ):
        by_entrance.setdefault(entrance_id, []).append((provider_id, starts_on, ends_on))
        if door_id is not None:
            by_door.setdefault(door_id, []).append((provider_id, starts_on, ends_on))
    out: set[tuple[int, str]] = set()
    events = session.execute(
        select(
            AccessEvent.id,
            AccessEvent.occurred_at,
            AccessEvent.key_code,
            AccessEvent.lock_serial,
            AccessEvent.result,
        )
    ).all()
    for event_id, occurred_at, key_code, serial, result in events:
        staff_id = holder_of.get(key_code)
        door_id = door_of.get(serial)
        if staff_id is None:
            out.add((event_id, "unknown_key"))
        if door_id is None:
            out.add((event_id, "unknown_lock"))
        if staff_id is None or result.value != "granted":
            continue
        if not any(a <= occurred_at <= b for a, b in shifts.get(staff_id, [])):
            out.add((event_id, "outside_shift"))
        if door_id is None:
            continue
        door = doors[door_id]
        day = occurred_at.astimezone(STOCKHOLM).date()
        behind = (
            by_door.get(door.id, [])
            if door.kind is DoorKind.APARTMENT
            else by_entrance.get(door.entrance_id, [])
        )
        served = any(
            provider == provider_of[staff_id]
            and starts_on <= day
            and (ends_on is None or day <= ends_on)
            for provider, starts_on, ends_on in behind
        )
        if not served:
            out.add((event_id, "wrong_provider"))
    return out


def test_the_demo_city_log_verifies_and_its_anomalies_are_found(
    demo_sessions: sessionmaker[Session],
) -> None:
    with demo_sessions() as session:
        report = verify_chain(session)
        found = find_anomalies(session)
        expected = _reference_anomalies(session)
        stored = session.scalar(select(func.count()).select_from(AccessEvent))
    assert report.ok and report.checked == stored > 40_000
    got = set(zip(found["event_id"], found["kind"], strict=True))
    checked_kinds = {"unknown_key", "unknown_lock", "outside_shift", "wrong_provider"}
    assert {g for g in got if g[1] in checked_kinds} == expected
    counts = found["kind"].value_counts()
    # the demo plants unknown keys, keys that were switched off, night openings and strangers
    for kind in ("unknown_key", "inactive_key", "outside_shift", "wrong_provider"):
        assert counts.get(kind, 0) > 0, kind
    # the demo's unknown keys were all refused by the locks
    assert set(found.loc[found["kind"] == "unknown_key", "result"]) == {"denied"}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_key_state_at_the_moment_of_the_event_counts(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions.begin() as session:
        deactivate_key(session, "K-N1", actor="t", at=local(DAY, 8))
        key = session.scalars(select(DigitalKey).where(DigitalKey.key_code == "K-N1")).one()
        transition(session, key, KeyState.ACTIVE, actor="t", at=local(DAY, 10))
    log(
        sessions,
        ("K-N1", "SL-G12", local(DAY, 9), "nekad"),  # while it was off
        ("K-N1", "SL-G12", local(DAY, 11), "beviljad"),  # after it was switched on again
    )
    with sessions() as session:
        found = find_anomalies(session)
    assert list(found["kind"]) == ["inactive_key"]
    assert found["occurred_at"].iloc[0] == pd.Timestamp(local(DAY, 9))


def test_a_time_window_limits_the_scan(sessions: sessionmaker[Session], city: City) -> None:
    log(
        sessions,
        ("X-1", "SL-G12", local(DAY, 9), "nekad"),
        ("X-2", "SL-G12", local(date(2026, 11, 21), 9), "nekad"),
    )
    with sessions() as session:
        found = find_anomalies(session, since=local(date(2026, 11, 21), 0))
    assert list(found["key_code"]) == ["X-2"]
