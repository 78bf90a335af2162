"""Events that create work: customers who end and customers who arrive.

The rules (DESIGN §1 step 5):

* a customer's service ends → when nobody else is served behind that apartment door, a removal
  job for its lock (lock removed and the door restored), not before the day after the service
  ends; an apartment fitting not yet done is cancelled;
* the last customer in a building ends → a proposal to deactivate the entrance lock: a
  deactivate job (the lock stays fitted for fast reactivation); entrance-side fittings not yet
  done are cancelled;
* a new customer in a building whose entrance lock is deactivated → a reactivation job only, no
  new fitting; a pending deactivation proposal is cancelled instead when the lock is still active;
* a new customer in a building already fitted → an apartment fitting (planned lock + job).

``reconcile_work`` applies the rules to the whole city (or some entrances) as of a day (a
customer is served on ``on`` unless their service ended before it) and is idempotent: a job that
exists (open or done) is not created twice. ``end_service`` and ``start_service`` change
one customer and reconcile their building.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.locks.errors import InvalidValue, UnknownRecord
from planner.locks.lifecycle import ENTRANCE_SIDE_JOBS, audit, now, transition
from planner.locks.states import JobState, LockState
from planner.models import (
    Customer,
    Door,
    DoorKind,
    Entrance,
    Job,
    JobKind,
    Lock,
    Organisation,
    OrgKind,
    WaveDistrict,
)

SERVICE_MIN: dict[JobKind, int] = {
    JobKind.REMOVE: 45,
    JobKind.DEACTIVATE: 15,
    JobKind.REACTIVATE: 15,
    JobKind.INSTALL_APARTMENT: 30,
}
_OPEN = (JobState.UNPLANNED, JobState.PLANNED, JobState.FAILED)
_FITTED = (LockState.INSTALLED, LockState.ACTIVE, LockState.DEACTIVATED)


@dataclass(frozen=True)
class WorkCreated:
    removals: tuple[int, ...] = field(default=())
    deactivations: tuple[int, ...] = field(default=())
    reactivations: tuple[int, ...] = field(default=())
    apartment_installs: tuple[int, ...] = field(default=())
    cancelled: tuple[int, ...] = field(default=())

    def lines(self) -> list[str]:
        return [
            f"Borttagning av lägenhetslås: {len(self.removals)} nya arbetsordrar",
            f"Förslag att avaktivera entrélås: {len(self.deactivations)} nya arbetsordrar",
            f"Återaktivering av entrélås: {len(self.reactivations)} nya arbetsordrar",
            f"Montering av lägenhetslås för nya kunder: {len(self.apartment_installs)} nya",
            f"Avbrutna arbetsordrar som inte längre behövs: {len(self.cancelled)}",
        ]


def end_service(
    session: Session, customer_id: int, *, last_day: date, actor: str, at: datetime | None = None
) -> WorkCreated:
    """The customer's home care ends after ``last_day``; create the work that follows."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        msg = f"Kunden {customer_id} finns inte."
        raise UnknownRecord(msg)
    if last_day < customer.active_from:
        msg = (
            f"Sista dagen {last_day.isoformat()} ligger före insatsens start "
            f"{customer.active_from.isoformat()}."
        )
        raise InvalidValue(msg)
    old = customer.active_to
    customer.active_to = last_day
    audit(
        session,
        entity="customer",
        entity_id=customer.id,
        action="edited",
        actor=actor,
        note=f"insatsen slutar: {old.isoformat() if old else '–'} → {last_day.isoformat()}",
        at=at,
    )
    session.flush()
    # as of the first day without service, so the removal is ready to be planned for that day
    return reconcile_work(
        session,
        on=last_day + timedelta(days=1),
        actor=actor,
        entrance_ids=[customer.entrance_id],
        at=at,
    )


def start_service(
    session: Session,
    *,
    pseudonym: str,
    entrance_id: int,
    apartment_number: str,
    provider_id: int,
    active_from: date,
    actor: str,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    at: datetime | None = None,
) -> tuple[Customer, WorkCreated]:
    """A new customer; their apartment door is created if planner does not know it yet."""
    if session.get(Entrance, entrance_id) is None:
        msg = f"Entrén {entrance_id} finns inte."
        raise UnknownRecord(msg)
    provider = session.get(Organisation, provider_id)
    if provider is None or provider.kind is not OrgKind.HOME_CARE_PROVIDER:
        msg = "Välj en hemtjänstutförare."
        raise InvalidValue(msg)
    if session.scalars(select(Customer.id).where(Customer.pseudonym == pseudonym)).first():
        msg = f"Kunden {pseudonym!r} finns redan."
        raise InvalidValue(msg)
    door = session.scalars(
        select(Door).where(
            Door.entrance_id == entrance_id,
            Door.kind == DoorKind.APARTMENT,
            Door.label == apartment_number,
        )
    ).first()
    if door is None:
        door = Door(entrance_id=entrance_id, kind=DoorKind.APARTMENT, label=apartment_number)
        session.add(door)
        session.flush()
    customer = Customer(
        pseudonym=pseudonym,
        entrance_id=entrance_id,
        apartment_number=apartment_number,
        apartment_door_id=door.id,
        provider_id=provider_id,
        active_from=active_from,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    session.add(customer)
    session.flush()
    audit(
        session,
        entity="customer",
        entity_id=customer.id,
        action="created",
        actor=actor,
        note=f"insatsen börjar {active_from.isoformat()}",
        at=at,
    )
    work = reconcile_work(session, on=active_from, actor=actor, entrance_ids=[entrance_id], at=at)
    return customer, work


def reconcile_work(
    session: Session,
    *,
    on: date,
    actor: str,
    entrance_ids: list[int] | None = None,
    at: datetime | None = None,
) -> WorkCreated:
    """Create (and cancel) the jobs the customers' service periods call for, as of ``on``."""
    when = at or now()
    customers = _frame(
        session,
        select(
            Customer.id,
            Customer.entrance_id,
            Customer.apartment_door_id,
            Customer.active_from,
            Customer.active_to,
        ),
        ["customer_id", "entrance_id", "door_id", "active_from", "active_to"],
        Customer.entrance_id,
        entrance_ids,
    )
    locks = _frame(
        session,
        select(Lock.id, Lock.door_id, Lock.state, Door.kind, Door.entrance_id).join(
            Door, Door.id == Lock.door_id
        ),
        ["lock_id", "door_id", "state", "door_kind", "entrance_id"],
        Door.entrance_id,
        entrance_ids,
    )
    jobs = _frame(
        session,
        select(Job.id, Job.kind, Job.state, Job.door_id, Job.lock_id, Door.entrance_id).join(
            Door, Door.id == Job.door_id
        ),
        ["job_id", "kind", "state", "door_id", "lock_id", "entrance_id"],
        Door.entrance_id,
        entrance_ids,
    )
    needed = customers["active_to"].map(lambda d: d is None or pd.isna(d) or d >= on).astype(bool)
    open_jobs = jobs[jobs["state"].isin(_OPEN)]
    live_jobs = jobs[jobs["state"] != JobState.CANCELLED]
    removals: list[int] = []
    deactivations: list[int] = []
    reactivations: list[int] = []
    installs: list[int] = []
    cancelled: list[int] = []
    door_needed: dict[int, bool] = {}
    door_ended: dict[int, date] = {}
    entrance_needed: dict[int, bool] = {}
    entrance_ended: dict[int, date] = {}
    entrance_starts: dict[int, date] = {}
    for entrance_id, door_id, starts, ends, wanted in zip(
        customers["entrance_id"],
        customers["door_id"],
        customers["active_from"],
        customers["active_to"],
        needed,
        strict=True,
    ):
        entrance_needed[entrance_id] = entrance_needed.get(entrance_id, False) or wanted
        if wanted:
            entrance_starts[entrance_id] = max(starts, entrance_starts.get(entrance_id, starts))
        elif ends is not None and not pd.isna(ends):
            entrance_ended[entrance_id] = max(ends, entrance_ended.get(entrance_id, ends))
        if door_id is None or pd.isna(door_id):
            continue
        door_id = int(door_id)
        door_needed[door_id] = door_needed.get(door_id, False) or wanted
        if not wanted and ends is not None and not pd.isna(ends):
            door_ended[door_id] = max(ends, door_ended.get(door_id, ends))

    # 1. apartment doors nobody needs any more
    unneeded_doors = {d for d, wanted in door_needed.items() if not wanted}
    apartment_locks = locks[
        (locks["door_kind"] == DoorKind.APARTMENT)
        & locks["state"].isin((LockState.ACTIVE, LockState.DEACTIVATED))
    ]
    has_removal = set(live_jobs.loc[live_jobs["kind"] == JobKind.REMOVE, "lock_id"].dropna())
    for lock_id, door_id in apartment_locks[["lock_id", "door_id"]].itertuples(index=False):
        if door_id in unneeded_doors and lock_id not in has_removal:
            ended = door_ended[door_id]
            removals.append(
                _job(
                    session,
                    JobKind.REMOVE,
                    door_id,
                    lock_id,
                    actor=actor,
                    at=when,
                    earliest=ended + timedelta(days=1),
                    note=f"Kundens insats slutade {ended.isoformat()}: ta bort låset och "
                    "återställ dörren.",
                )
            )
    for job_id, door_id in open_jobs.loc[
        open_jobs["kind"] == JobKind.INSTALL_APARTMENT, ["job_id", "door_id"]
    ].itertuples(index=False):
        if door_id in unneeded_doors:
            cancelled.append(
                _cancel(session, job_id, actor=actor, at=when, note="kundens insats har slutat")
            )

    # 2./3. buildings: the last customer ends, or a customer arrives
    entrance_locks = locks[locks["door_kind"] == DoorKind.ENTRANCE]
    open_deactivate = open_jobs[open_jobs["kind"] == JobKind.DEACTIVATE]
    open_reactivate = open_jobs[open_jobs["kind"] == JobKind.REACTIVATE]
    for lock_id, door_id, state, entrance_id in entrance_locks[
        ["lock_id", "door_id", "state", "entrance_id"]
    ].itertuples(index=False):
        someone = entrance_needed.get(entrance_id, False)
        pending_off = open_deactivate.loc[open_deactivate["lock_id"] == lock_id, "job_id"].tolist()
        pending_on = open_reactivate.loc[open_reactivate["lock_id"] == lock_id, "job_id"].tolist()
        if state is LockState.ACTIVE and not someone and not pending_off:
            last = entrance_ended.get(entrance_id)
            deactivations.append(
                _job(
                    session,
                    JobKind.DEACTIVATE,
                    door_id,
                    lock_id,
                    actor=actor,
                    at=when,
                    earliest=last + timedelta(days=1) if last is not None else None,
                    note="Förslag: sista kunden i huset har slutat"
                    + (f" ({last.isoformat()})" if last is not None else "")
                    + ". Avaktivera entrélåset; det sitter kvar för snabb återaktivering.",
                )
            )
        elif state is LockState.ACTIVE and someone and pending_off:
            cancelled.extend(
                _cancel(session, j, actor=actor, at=when, note="ny kund i huset")
                for j in pending_off
            )
        elif state is LockState.DEACTIVATED and someone and not pending_on:
            starts = entrance_starts[entrance_id]
            reactivations.append(
                _job(
                    session,
                    JobKind.REACTIVATE,
                    door_id,
                    lock_id,
                    actor=actor,
                    at=when,
                    latest=starts if starts >= on else None,
                    note=f"Ny kund i huset (från {starts.isoformat()}): återaktivera entrélåset; "
                    "ingen ny montering behövs.",
                )
            )
    empty = {e for e, wanted in entrance_needed.items() if not wanted}
    for job_id, entrance_id in open_jobs.loc[
        open_jobs["kind"].isin(ENTRANCE_SIDE_JOBS), ["job_id", "entrance_id"]
    ].itertuples(index=False):
        if entrance_id in empty:
            cancelled.append(
                _cancel(session, job_id, actor=actor, at=when, note="inga kunder kvar i huset")
            )

    # 4. a new customer in a building that is already fitted
    fitted = set(entrance_locks.loc[entrance_locks["state"].isin(_FITTED), "entrance_id"])
    door_has_lock = set(locks.loc[locks["state"] != LockState.REMOVED, "door_id"])
    door_has_job = set(live_jobs.loc[live_jobs["kind"] == JobKind.INSTALL_APARTMENT, "door_id"])
    waves = dict(
        session.execute(
            select(Entrance.id, WaveDistrict.wave_id)
            .join(WaveDistrict, WaveDistrict.district_id == Entrance.district_id)
            .where(Entrance.id.in_(sorted(fitted) or [-1]))
        ).all()
    )
    arrivals = customers[
        needed & customers["entrance_id"].isin(fitted) & customers["door_id"].notna()
    ]
    for door_id, entrance_id, starts in arrivals[
        ["door_id", "entrance_id", "active_from"]
    ].itertuples(index=False):
        door_id = int(door_id)
        if door_id in door_has_lock or door_id in door_has_job:
            continue
        lock = Lock(door_id=door_id, state=LockState.PLANNED, planned_on=on)
        session.add(lock)
        session.flush()
        audit(
            session,
            entity="lock",
            entity_id=lock.id,
            action="created",
            actor=actor,
            to_state=LockState.PLANNED.value,
            note="ny kund i huset",
            at=when,
        )
        installs.append(
            _job(
                session,
                JobKind.INSTALL_APARTMENT,
                door_id,
                lock.id,
                actor=actor,
                at=when,
                wave_id=waves.get(entrance_id),
                earliest=None,
                note=f"Ny kund (från {starts.isoformat()}) i ett hus där entrén redan har lås.",
            )
        )
        door_has_lock.add(door_id)
    return WorkCreated(
        removals=tuple(removals),
        deactivations=tuple(deactivations),
        reactivations=tuple(reactivations),
        apartment_installs=tuple(installs),
        cancelled=tuple(cancelled),
    )


def _frame(
    session: Session,
    stmt: object,
    columns: list[str],
    entrance_column: object,
    ids: list[int] | None,
) -> pd.DataFrame:
    rows = []
    if ids is None:
        rows = session.execute(stmt).all()  # type: ignore[call-overload]
    else:
        for start in range(0, len(ids), 900):
            part = stmt.where(entrance_column.in_(ids[start : start + 900]))  # type: ignore[attr-defined]
            rows.extend(session.execute(part).all())
    return pd.DataFrame(rows, columns=columns)


def _job(
    session: Session,
    kind: JobKind,
    door_id: int,
    lock_id: int,
    *,
    actor: str,
    at: datetime,
    note: str,
    earliest: date | None = None,
    latest: date | None = None,
    wave_id: int | None = None,
) -> int:
    job = Job(
        kind=kind,
        door_id=int(door_id),
        lock_id=int(lock_id),
        wave_id=wave_id,
        state=JobState.UNPLANNED,
        service_min=SERVICE_MIN[kind],
        earliest_date=earliest,
        latest_date=latest,
        notes=note,
    )
    session.add(job)
    session.flush()
    audit(
        session,
        entity="job",
        entity_id=job.id,
        action="created",
        actor=actor,
        to_state=JobState.UNPLANNED.value,
        note=note,
        at=at,
    )
    return job.id


def _cancel(session: Session, job_id: int, *, actor: str, at: datetime, note: str) -> int:
    job = session.get(Job, int(job_id))
    assert job is not None
    transition(session, job, JobState.CANCELLED, actor=actor, at=at, note=note)
    return job.id
