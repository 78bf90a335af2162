"""Derived states of DESIGN §4: keyless-ready customers and fully-live buildings.

A customer is keyless-ready when every door on the way in (the entrance door(s) of their entrance
and their apartment door) has an active lock. An entrance (building) is fully live when all its
current customers are keyless-ready; then its physical keys can be returned.

By default the lock states are today's (the ``state`` column). With ``historical=True`` they are
the states at the end of ``on`` as the audit trail records them (``planner.locks.history``), so
that reports can give the figures for any date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from planner.locks.history import lock_states_on
from planner.models import Customer, Door, DoorKind, Lock, LockState


def current_customers_clause(on: date) -> object:
    """SQL condition: the customer receives home care on that day."""
    return and_(
        Customer.active_from <= on,
        or_(Customer.active_to.is_(None), Customer.active_to >= on),
    )


@dataclass(frozen=True)
class Readiness:
    """Who is keyless-ready and which entrances are fully live, on one day."""

    customer_ids: frozenset[int]  # current customers
    ready_customer_ids: frozenset[int]
    fully_live_entrance_ids: frozenset[int]
    entrance_of_customer: dict[int, int]


def readiness(session: Session, *, on: date, historical: bool = False) -> Readiness:
    """Compute readiness on ``on`` (one pass over doors and locks).

    Customers are those served on ``on``; lock states are the current ones, or with
    ``historical=True`` those at the end of ``on`` from the audit trail.
    """
    active_doors = (
        _active_doors(session, on)
        if historical
        else set(session.scalars(select(Lock.door_id).where(Lock.state == LockState.ACTIVE)).all())
    )
    entrance_doors: dict[int, list[int]] = {}
    for door_id, entrance_id in session.execute(
        select(Door.id, Door.entrance_id).where(Door.kind == DoorKind.ENTRANCE)
    ):
        entrance_doors.setdefault(entrance_id, []).append(door_id)
    rows = session.execute(
        select(Customer.id, Customer.entrance_id, Customer.apartment_door_id).where(
            current_customers_clause(on)  # type: ignore[arg-type]
        )
    ).all()
    ready: set[int] = set()
    by_entrance: dict[int, list[bool]] = {}
    entrance_of: dict[int, int] = {}
    for customer_id, entrance_id, apartment_door_id in rows:
        doors = entrance_doors.get(entrance_id, [])
        ok = (
            bool(doors)
            and all(d in active_doors for d in doors)
            and apartment_door_id is not None
            and apartment_door_id in active_doors
        )
        if ok:
            ready.add(customer_id)
        by_entrance.setdefault(entrance_id, []).append(ok)
        entrance_of[customer_id] = entrance_id
    live = {e for e, flags in by_entrance.items() if flags and all(flags)}
    return Readiness(
        customer_ids=frozenset(entrance_of),
        ready_customer_ids=frozenset(ready),
        fully_live_entrance_ids=frozenset(live),
        entrance_of_customer=entrance_of,
    )


def _active_doors(session: Session, on: date) -> set[int]:
    states = lock_states_on(session, on)
    door_of = dict(session.execute(select(Lock.id, Lock.door_id)).all())
    return {door_of[i] for i, state in states.items() if state is LockState.ACTIVE and i in door_of}
