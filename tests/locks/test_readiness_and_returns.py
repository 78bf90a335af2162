"""Keyless-ready customers and fully-live buildings at any date; the return of physical keys."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker

from planner.locks.errors import InvalidValue
from planner.locks.history import lock_states_on
from planner.locks.keyreturns import key_returns, pending_key_returns, record_key_return
from planner.locks.lifecycle import transition
from planner.locks.readiness import readiness
from planner.locks.states import LockState
from planner.models import Lock
from tests.locks.city import City, fit, local


def _fit_eken(session: Session, city: City) -> Lock:
    """Götgatan 12: the entrance in June, 1101 in June, 1102 in September."""
    entrance = fit(session, city.g12_door, "SL-G12", on=date(2026, 6, 1))
    fit(session, city.door_1101, "SL-1101", on=date(2026, 6, 3))
    fit(session, city.door_1102, "SL-1102", on=date(2026, 9, 10))
    return entrance


def test_readiness_on_an_earlier_date_follows_the_locks_of_that_day(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    with sessions.begin() as session:
        entrance = _fit_eken(session, bare_city)
        transition(
            session, entrance, LockState.DEACTIVATED, actor="t", at=local(date(2026, 10, 1), 9)
        )
        transition(session, entrance, LockState.ACTIVE, actor="t", at=local(date(2026, 10, 5), 9))
    with sessions() as session:

        def ready(day: date) -> tuple[set[int], set[int]]:
            r = readiness(session, on=day, historical=True)
            return set(r.ready_customer_ids), set(r.fully_live_entrance_ids)

        c = bare_city
        assert ready(date(2026, 5, 31)) == (set(), set())
        assert ready(date(2026, 6, 3)) == ({c.c1}, set())
        assert ready(date(2026, 9, 10)) == ({c.c1, c.c2}, {c.g12})
        assert ready(date(2026, 10, 2)) == (set(), set())  # the entrance was switched off
        assert ready(date(2026, 10, 5)) == ({c.c1, c.c2}, {c.g12})
        today = readiness(session, on=date(2026, 11, 28))
        assert set(today.fully_live_entrance_ids) == {c.g12}
        assert lock_states_on(session, date(2026, 10, 2))[entrance.id] is LockState.DEACTIVATED


def test_keys_are_returned_only_for_fully_live_buildings(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    with sessions.begin() as session:
        _fit_eken(session, bare_city)
    with sessions.begin() as session:
        with pytest.raises(InvalidValue, match="1 av 2 kunder"):
            record_key_return(
                session,
                bare_city.g12,
                returned_on=date(2026, 8, 1),
                keys_count=3,
                tags_count=1,
                codes_removed=False,
                received_by="Karin Ek",
                actor="t",
            )
        pending = pending_key_returns(session, on=date(2026, 11, 28))
        assert list(pending["adress"]) == ["Götgatan 12, Stockholm"]
        assert pending["nyckelfri sedan"].iloc[0] == date(2026, 9, 10)
        record_key_return(
            session,
            bare_city.g12,
            returned_on=date(2026, 9, 20),
            keys_count=3,
            tags_count=1,
            codes_removed=True,
            received_by="Karin Ek",
            actor="t",
        )
    with sessions() as session:
        assert pending_key_returns(session, on=date(2026, 11, 28)).empty
        assert not pending_key_returns(session, on=date(2026, 9, 15), historical=True).empty
        assert list(key_returns(session)["nycklar"]) == [3]
