"""Counts per district and state: what `planner status` prints and the app's overview shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from planner.geo.spatial import current_district_set_id
from planner.locks.readiness import current_customers_clause, readiness
from planner.locks.states import ConsentState, FaultState, JobState, LockState, label
from planner.models import (
    AuditEvent,
    Consent,
    Customer,
    District,
    DistrictSet,
    Door,
    Entrance,
    FaultReport,
    Job,
    Lock,
)

NO_DISTRICT = "(utan stadsdelsområde)"
LOCK_COLUMNS = (LockState.ACTIVE, LockState.INSTALLED, LockState.PLANNED, LockState.DEACTIVATED)


@dataclass(frozen=True)
class Status:
    on: date
    district_set: str | None
    by_district: pd.DataFrame  # one row per district, Swedish column names
    jobs: pd.DataFrame  # job state → count
    totals: dict[str, int]


def _district_names(session: Session) -> dict[int | None, str]:
    set_id = current_district_set_id(session)
    names: dict[int | None, str] = {
        i: n
        for i, n in session.execute(
            select(District.id, District.name).where(District.set_id == set_id)
        )
    }
    names[None] = NO_DISTRICT
    return names


def status(session: Session, *, on: date, district_ids: set[int] | None = None) -> Status:
    """Counts for ``on``; with ``district_ids`` only those districts (a district viewer's scope)."""
    names = _district_names(session)
    if district_ids is not None:
        names = {k: v for k, v in names.items() if k in district_ids}
    set_name = session.scalar(select(DistrictSet.name).where(DistrictSet.is_current.is_(True)))

    def by_district(stmt: object) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for district_id, key, count in session.execute(stmt):  # type: ignore[call-overload]
            if district_id not in names:
                continue
            name = names[district_id]
            out[(name, str(key))] = out.get((name, str(key)), 0) + int(count)
        return out

    customers = by_district(
        select(Entrance.district_id, literal("kunder"), func.count(Customer.id))
        .join(Customer, Customer.entrance_id == Entrance.id)
        .where(current_customers_clause(on))  # type: ignore[arg-type]
        .group_by(Entrance.district_id)
    )
    consents = by_district(
        select(Entrance.district_id, Consent.state, func.count(func.distinct(Consent.id)))
        .join(Entrance, Entrance.property_id == Consent.property_id)
        .group_by(Entrance.district_id, Consent.state)
    )
    locks = by_district(
        select(Entrance.district_id, Lock.state, func.count(Lock.id))
        .join(Door, Door.id == Lock.door_id)
        .join(Entrance, Entrance.id == Door.entrance_id)
        .group_by(Entrance.district_id, Lock.state)
    )
    faults = by_district(
        select(Entrance.district_id, literal("fel"), func.count(FaultReport.id))
        .join(Lock, Lock.id == FaultReport.lock_id)
        .join(Door, Door.id == Lock.door_id)
        .join(Entrance, Entrance.id == Door.entrance_id)
        .where(FaultReport.state != FaultState.CLOSED)
        .group_by(Entrance.district_id)
    )
    ready = readiness(session, on=on)
    entrance_district = dict(session.execute(select(Entrance.id, Entrance.district_id)).all())
    ready_by: dict[str, int] = {}
    for customer_id in ready.ready_customer_ids:
        district_id = entrance_district[ready.entrance_of_customer[customer_id]]
        if district_id in names:
            ready_by[names[district_id]] = ready_by.get(names[district_id], 0) + 1

    rows = []
    for name in sorted(set(names.values())):
        row: dict[str, object] = {"Stadsdelsområde": name}
        row["Kunder"] = sum(v for (n, _), v in customers.items() if n == name)
        row["Nyckelfria kunder"] = ready_by.get(name, 0)
        for state in (ConsentState.RECEIVED, ConsentState.REQUESTED, ConsentState.REFUSED):
            row[f"Medgivanden: {label(state)}"] = consents.get((name, state.value), 0)
        for lock_state in LOCK_COLUMNS:
            row[f"Lås: {label(lock_state)}"] = locks.get((name, lock_state.value), 0)
        row["Öppna fel"] = sum(v for (n, _), v in faults.items() if n == name)
        rows.append(row)
    frame = pd.DataFrame(rows)
    numeric = frame.drop(columns="Stadsdelsområde")
    frame = frame[(numeric.sum(axis=1) > 0) | (frame["Stadsdelsområde"] != NO_DISTRICT)]
    job_counts = select(Job.state, func.count(Job.id)).group_by(Job.state).order_by(Job.state)
    if district_ids is not None:
        job_counts = (
            job_counts.join(Door, Door.id == Job.door_id)
            .join(Entrance, Entrance.id == Door.entrance_id)
            .where(Entrance.district_id.in_(district_ids))
        )
    jobs = pd.DataFrame(
        [
            {"Arbetsorder": label(JobState(state)), "Antal": int(count)}
            for state, count in session.execute(job_counts)
        ]
    )
    live = [e for e in ready.fully_live_entrance_ids if entrance_district.get(e) in names]
    totals = {
        "Kunder": int(frame["Kunder"].sum()) if len(frame) else 0,
        "Nyckelfria kunder": int(frame["Nyckelfria kunder"].sum()) if len(frame) else 0,
        "Fullt driftsatta entréer": len(live),
    }
    return Status(
        on=on,
        district_set=set_name,
        by_district=frame.reset_index(drop=True),
        jobs=jobs,
        totals=totals,
    )


def data_version(session: Session) -> tuple[int, int, int]:
    """Changes whenever planner data changes through planner (for caching map layers)."""
    audit = session.scalar(select(func.max(AuditEvent.id))) or 0
    entrances = session.scalar(select(func.count(Entrance.id))) or 0
    customers = session.scalar(select(func.count(Customer.id))) or 0
    return int(audit), int(entrances), int(customers)
