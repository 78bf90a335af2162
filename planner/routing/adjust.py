"""Adjust a plan by hand: pin a job, un-pin it, move it to another crew or day.

A pinned job stays on its crew and day when the wave is re-planned (``planner.routing.wave``);
the planner pins a job booked with a customer, and a manager pins whatever must not move. A
job moved by hand is pinned where it was put (unless told otherwise), is inserted where it adds
the least driving to its new route, and both routes it leaves and joins get new positions and
times (``planner.routing.timing``). A move that does not fit (the day ends after the shift, a
booked time is missed) is made all the same and reported: the manager decides, or re-plans.

Every change is written in the caller's transaction with an audit row naming the user; an
unplanned or failed job moved onto a route goes through ``lifecycle.transition``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planner.errors import PlannerError
from planner.locks.lifecycle import audit, transition
from planner.locks.states import JobState, label
from planner.models import Crew as CrewRow
from planner.models import Door, Entrance, Job
from planner.routing import problem as rp
from planner.routing._dbmap import (
    KIND_LABELS,
    ROUTING_KIND,
    SKILL_LABELS,
    SKILL_OF,
    at_local,
    routing_crew,
)
from planner.routing.planning import left_out_reason
from planner.routing.timing import cheapest_position, time_route
from planner.routing.travel import StraightLine, TravelTimeProvider

_MOVABLE = (JobState.UNPLANNED, JobState.PLANNED, JobState.FAILED)


class AdjustmentRefused(PlannerError):
    """A change to the plan that cannot be made (a done job, a crew without the skill, …)."""


@dataclass(frozen=True)
class Adjustment:
    """What a change did, in Swedish: the changes made and what no longer fits."""

    job_id: int
    changes: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def _job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        msg = f"Arbetsorder {job_id} finns inte."
        raise AdjustmentRefused(msg)
    return job


def _crew_name(session: Session, crew_id: int | None) -> str:
    if crew_id is None:
        return "–"
    crew = session.get(CrewRow, crew_id)
    return crew.name if crew is not None else f"lag {crew_id}"


def describe_job(session: Session, job_id: int) -> dict[str, str]:
    """A job's planning facts with Swedish labels, for the page that adjusts it."""
    job = _job(session, job_id)
    door = session.get(Door, job.door_id)
    entrance = session.get(Entrance, door.entrance_id) if door is not None else None
    appointment = "–"
    if job.appointment_start is not None and job.appointment_end is not None:
        start = job.appointment_start.astimezone(rp.STOCKHOLM)
        end = job.appointment_end.astimezone(rp.STOCKHOLM)
        appointment = f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    arrival = (
        job.planned_arrival.astimezone(rp.STOCKHOLM).strftime("%H:%M")
        if job.planned_arrival is not None
        else "–"
    )
    facts = {
        "Arbetsorder": str(job.id),
        "Typ": KIND_LABELS[job.kind],
        "Adress": entrance.address if entrance is not None else "–",
        "Status": label(job.state),
        "Lag": _crew_name(session, job.crew_id),
        "Dag": job.planned_date.isoformat() if job.planned_date else "–",
        "Plats i rutten": str(job.position) if job.position else "–",
        "Planerad tid": arrival,
        "Låst till lag och dag": "ja" if job.pinned else "nej",
        "Bokad tid": appointment,
        "Kräver behörighet": SKILL_LABELS[SKILL_OF[job.kind]],
    }
    reason = left_out_reason(session, job.id)
    if reason:
        facts["Utanför planen"] = reason
    return facts


def pin_job(session: Session, job_id: int, *, actor: str) -> Adjustment:
    """Keep a planned job on its crew and day when the wave is re-planned."""
    job = _job(session, job_id)
    if job.state is not JobState.PLANNED or job.crew_id is None or job.planned_date is None:
        msg = (
            f"Arbetsorder {job.id} är inte planerad ({label(job.state)}); "
            "bara planerade jobb kan låsas."
        )
        raise AdjustmentRefused(msg)
    if job.pinned:
        return Adjustment(job.id, (f"Arbetsorder {job.id} var redan låst.",))
    job.pinned = True
    where = f"{_crew_name(session, job.crew_id)} {job.planned_date}"
    audit(session, entity="job", entity_id=job.id, action="pinned", actor=actor, note=where)
    return Adjustment(job.id, (f"Arbetsorder {job.id} är låst till {where}.",))


def unpin_job(session: Session, job_id: int, *, actor: str) -> Adjustment:
    """Let the next re-plan move the job again."""
    job = _job(session, job_id)
    if not job.pinned:
        return Adjustment(job.id, (f"Arbetsorder {job.id} var inte låst.",))
    job.pinned = False
    audit(session, entity="job", entity_id=job.id, action="unpinned", actor=actor)
    notes: tuple[str, ...] = ()
    if job.appointment_start is not None:
        notes = ("Jobbet har en bokad tid med kunden; den gäller fortfarande.",)
    return Adjustment(job.id, (f"Arbetsorder {job.id} är inte längre låst.",), notes)


def move_job(
    session: Session,
    job_id: int,
    *,
    crew_id: int,
    day: dt.date,
    actor: str,
    pin: bool = True,
    provider: TravelTimeProvider | None = None,
) -> Adjustment:
    """Put the job on ``crew_id``'s route on ``day`` (see the module docstring)."""
    job = _job(session, job_id)
    if job.state not in _MOVABLE:
        msg = f"Arbetsorder {job.id} är {label(job.state)} och kan inte flyttas."
        raise AdjustmentRefused(msg)
    crew = session.get(CrewRow, crew_id)
    if crew is None or not crew.active:
        msg = f"Laget {crew_id} finns inte eller är inte aktivt."
        raise AdjustmentRefused(msg)
    skill = SKILL_OF[job.kind]
    if skill not in (crew.skills or ()):
        msg = (
            f"Laget {crew.name} saknar behörighet för {SKILL_LABELS[skill]} "
            f"({KIND_LABELS[job.kind].lower()})."
        )
        raise AdjustmentRefused(msg)
    if not rp.is_working_day(day):
        msg = f"{day} är ingen arbetsdag (helg eller helgdag)."
        raise AdjustmentRefused(msg)
    if job.appointment_start is not None:
        booked = job.appointment_start.astimezone(rp.STOCKHOLM).date()
        if booked != day:
            msg = (
                f"Arbetsorder {job.id} har en bokad tid med kunden {booked}; "
                "boka om tiden innan jobbet flyttas till en annan dag."
            )
            raise AdjustmentRefused(msg)
    old = (job.crew_id, job.planned_date) if job.state is JobState.PLANNED else (None, None)
    provider = provider or StraightLine()
    target = _route_jobs(session, crew_id, day, leaving=job.id)
    placed = _insert(session, crew, day, target, job, provider)
    changes = [
        f"Arbetsorder {job.id}: {_crew_name(session, old[0])} {old[1] or '–'} → {crew.name} "
        f"{day}, plats {placed.index(job) + 1}"
    ]
    job.crew_id, job.planned_date = crew_id, day
    if job.state is JobState.PLANNED:
        audit(
            session,
            entity="job",
            entity_id=job.id,
            action="moved",
            actor=actor,
            from_state=JobState.PLANNED.value,
            to_state=JobState.PLANNED.value,
            note=changes[0] + " (flyttad för hand)",
        )
    else:
        job.position = placed.index(job) + 1
        transition(session, job, JobState.PLANNED, actor=actor, note=changes[0] + " (för hand)")
    if pin and not job.pinned:
        job.pinned = True
        changes.append(f"Arbetsorder {job.id} är låst till {crew.name} {day}.")
    warnings = list(_retime(session, crew, day, placed, provider))
    if old[0] is not None and old[1] is not None and old != (crew_id, day):
        old_crew = session.get(CrewRow, old[0])
        if old_crew is not None:
            remaining = _route_jobs(session, old[0], old[1], leaving=job.id)
            warnings.extend(_retime(session, old_crew, old[1], remaining, provider))
            changes.append(f"Rutten för {old_crew.name} {old[1]} har fått nya tider.")
    changes.append(f"Rutten för {crew.name} {day} har fått nya tider.")
    session.flush()
    return Adjustment(job.id, tuple(changes), tuple(warnings))


def _route_jobs(session: Session, crew_id: int, day: dt.date, *, leaving: int) -> list[Job]:
    return list(
        session.scalars(
            select(Job)
            .where(
                Job.crew_id == crew_id,
                Job.planned_date == day,
                Job.state.in_((JobState.PLANNED, JobState.DONE)),
                Job.id != leaving,
            )
            .order_by(Job.position, Job.id)
        )
    )


def _points(session: Session, crew: CrewRow, jobs: list[Job]) -> list[tuple[float, float]]:
    depot = session.execute(
        select(func.ST_Y(CrewRow.depot), func.ST_X(CrewRow.depot)).where(CrewRow.id == crew.id)
    ).one()
    doors = [job.door_id for job in jobs]
    found = dict(
        (door_id, (float(lat), float(lon)))
        for door_id, lat, lon in session.execute(
            select(Door.id, func.ST_Y(Entrance.geom), func.ST_X(Entrance.geom))
            .join(Entrance, Entrance.id == Door.entrance_id)
            .where(Door.id.in_(doors or [-1]))
        )
    )
    return [(float(depot[0]), float(depot[1])), *(found[door] for door in doors)]


def _routing_jobs(jobs: list[Job]) -> list[rp.Job]:
    result = []
    for i, job in enumerate(jobs, start=1):
        appointment = None
        if job.appointment_start is not None and job.appointment_end is not None:
            try:
                appointment = rp.Appointment.from_datetimes(
                    job.appointment_start, job.appointment_end
                )
            except ValueError:
                appointment = None
        result.append(
            rp.Job.create(
                str(job.id),
                ROUTING_KIND[job.kind],
                i,
                service_min=job.service_min,
                skill=SKILL_OF[job.kind],
                appointment=appointment,
            )
        )
    return result


def _matrix(
    session: Session, crew: CrewRow, jobs: list[Job], provider: TravelTimeProvider
) -> np.ndarray:
    return provider.matrix(_points(session, crew, jobs)).duration_s


def _insert(
    session: Session,
    crew: CrewRow,
    day: dt.date,
    route: list[Job],
    job: Job,
    provider: TravelTimeProvider,
) -> list[Job]:
    everything = [*route, job]
    matrix = _matrix(session, crew, everything, provider)
    routing = _routing_jobs(everything)
    crew_model = routing_crew(crew, 0)
    # Done visits stay where they were; the new job goes after the last of them.
    after = max((i + 1 for i, row in enumerate(route) if row.state is JobState.DONE), default=0)
    movable = routing[after:-1]
    index = after + cheapest_position(matrix, crew_model, movable, routing[-1])
    return [*route[:index], job, *route[index:]]


def _retime(
    session: Session, crew: CrewRow, day: dt.date, route: list[Job], provider: TravelTimeProvider
) -> tuple[str, ...]:
    if not route:
        return ()
    matrix = _matrix(session, crew, route, provider)
    timed = time_route(
        matrix, routing_crew(crew, 0), _routing_jobs(route), label=f"{crew.name} {day}"
    )
    for position, (row, stop) in enumerate(zip(route, timed.stops, strict=True), start=1):
        if row.state is JobState.DONE:
            continue
        row.position = position
        row.planned_arrival = at_local(day, stop.start_s)
    return timed.warnings
