"""Return of physical keys, tags and door codes once a building is fully live (DESIGN §1 step 4).

A building (entrance) is fully live when all its current customers are keyless-ready
(``planner.locks.readiness``). Then home care hands the owner back the keys and tags it held and
the door codes are removed. A return is recorded per entrance; a building may return in several
batches. ``pending_key_returns`` lists the fully-live buildings that have returned nothing yet.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planner.locks.errors import InvalidValue, UnknownRecord
from planner.locks.lifecycle import audit
from planner.locks.readiness import readiness
from planner.models import (
    Customer,
    District,
    Door,
    DoorKind,
    Entrance,
    KeyReturn,
    Lock,
    LockState,
    Property,
    PropertyOwner,
)


def record_key_return(
    session: Session,
    entrance_id: int,
    *,
    returned_on: date,
    keys_count: int,
    tags_count: int,
    codes_removed: bool,
    received_by: str | None,
    actor: str,
    notes: str | None = None,
) -> KeyReturn:
    """Record what was handed back for one entrance; refused unless it is fully live that day."""
    entrance = session.get(Entrance, entrance_id)
    if entrance is None:
        msg = f"Entrén {entrance_id} finns inte."
        raise UnknownRecord(msg)
    if keys_count < 0 or tags_count < 0:
        msg = "Antalet nycklar och taggar kan inte vara negativt."
        raise InvalidValue(msg)
    if keys_count == 0 and tags_count == 0 and not codes_removed:
        msg = "Ange minst en nyckel, en tagg eller att portkoden har tagits bort."
        raise InvalidValue(msg)
    state = readiness(session, on=returned_on, historical=True)
    if entrance_id not in state.fully_live_entrance_ids:
        customers = [c for c, e in state.entrance_of_customer.items() if e == entrance_id]
        waiting = len([c for c in customers if c not in state.ready_customer_ids])
        why = (
            "det finns inga aktuella kunder där"
            if not customers
            else f"{waiting} av {len(customers)} kunder saknar aktiva lås på vägen in"
        )
        msg = (
            f"{entrance.address} är inte helt nyckelfri {returned_on.isoformat()} ({why}); "
            "nycklar lämnas tillbaka först när alla kunder i huset är nyckelfria."
        )
        raise InvalidValue(msg)
    row = KeyReturn(
        entrance_id=entrance_id,
        returned_on=returned_on,
        keys_count=keys_count,
        tags_count=tags_count,
        codes_removed=codes_removed,
        received_by=received_by,
        recorded_by=actor,
        notes=notes,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        entity="key_return",
        entity_id=row.id,
        action="created",
        actor=actor,
        note=f"{entrance.address}: {keys_count} nycklar, {tags_count} taggar"
        + (", portkod borttagen" if codes_removed else ""),
    )
    return row


PENDING_COLUMNS = [
    "entrance_id",
    "adress",
    "fastighet",
    "fastighetsägare",
    "stadsdelsområde",
    "kunder",
    "nyckelfri sedan",
]


def pending_key_returns(session: Session, *, on: date, historical: bool = False) -> pd.DataFrame:
    """Fully-live entrances on ``on`` with no key return recorded up to that day."""
    state = readiness(session, on=on, historical=historical)
    returned = set(
        session.scalars(select(KeyReturn.entrance_id).where(KeyReturn.returned_on <= on))
    )
    pending = sorted(state.fully_live_entrance_ids - returned)
    if not pending:
        return pd.DataFrame(columns=PENDING_COLUMNS)
    customers: dict[int, int] = {}
    for entrance_id in state.entrance_of_customer.values():
        customers[entrance_id] = customers.get(entrance_id, 0) + 1
    live_since = _live_since(session, pending)
    rows: list[tuple[Entrance, str, str, str | None]] = []
    for start in range(0, len(pending), 900):
        part = pending[start : start + 900]
        rows.extend(
            session.execute(
                select(Entrance, Property.designation, PropertyOwner.name, District.name)
                .join(Property, Property.id == Entrance.property_id)
                .join(PropertyOwner, PropertyOwner.id == Property.owner_id)
                .outerjoin(District, District.id == Entrance.district_id)
                .where(Entrance.id.in_(part))
            )
        )
    frame = pd.DataFrame(
        [
            (
                e.id,
                f"{e.address}, {e.postort}",
                designation,
                owner,
                district or "",
                customers.get(e.id, 0),
                live_since.get(e.id),
            )
            for e, designation, owner, district in rows
        ],
        columns=PENDING_COLUMNS,
    )
    return frame.sort_values(["stadsdelsområde", "adress"]).reset_index(drop=True)


def _live_since(session: Session, entrance_ids: list[int]) -> dict[int, date]:
    """The latest activation among each entrance's building-door and apartment-door locks."""
    out: dict[int, date] = {}
    for start in range(0, len(entrance_ids), 900):
        part = entrance_ids[start : start + 900]
        building = (
            select(Door.entrance_id, func.max(Lock.activated_on))
            .join(Lock, Lock.door_id == Door.id)
            .where(
                Door.entrance_id.in_(part),
                Door.kind == DoorKind.ENTRANCE,
                Lock.state == LockState.ACTIVE,
            )
            .group_by(Door.entrance_id)
        )
        apartments = (
            select(Customer.entrance_id, func.max(Lock.activated_on))
            .join(Lock, Lock.door_id == Customer.apartment_door_id)
            .where(Customer.entrance_id.in_(part), Lock.state == LockState.ACTIVE)
            .group_by(Customer.entrance_id)
        )
        for stmt in (building, apartments):
            for entrance_id, day in session.execute(stmt):
                if day is not None and (entrance_id not in out or day > out[entrance_id]):
                    out[entrance_id] = day
    return out


RETURN_COLUMNS = ["datum", "adress", "nycklar", "taggar", "portkod borttagen", "mottagare"]


def key_returns(session: Session, *, until: date | None = None) -> pd.DataFrame:
    """Recorded returns (up to ``until``), newest first, with Swedish column names."""
    stmt = select(KeyReturn, Entrance).join(Entrance, Entrance.id == KeyReturn.entrance_id)
    if until is not None:
        stmt = stmt.where(KeyReturn.returned_on <= until)
    rows = [
        (
            r.returned_on,
            f"{e.address}, {e.postort}",
            r.keys_count,
            r.tags_count,
            "ja" if r.codes_removed else "nej",
            r.received_by or "",
        )
        for r, e in session.execute(stmt.order_by(KeyReturn.returned_on.desc()))
    ]
    return pd.DataFrame(rows, columns=RETURN_COLUMNS)
