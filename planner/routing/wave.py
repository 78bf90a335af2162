"""Build the routing problem of a wave from the database.

``load_wave_problem(session, wave, ...)`` reads a wave's work and crews and returns a
``WaveProblem``: the frozen ``RoutingProblem`` the solver reads, the travel matrix it was built
from (computed once, by the chosen provider), and what each routing id stands for in the
database. Nothing is written.

Which jobs, and how:

* the wave's open jobs: unplanned, failed (a failed visit comes back to planning like an
  unplanned job: its old crew and day are history) and planned ones not yet done; with
  ``include_service_jobs`` also the open repairs, deactivations, reactivations and removals at
  entrances in the wave's districts (they belong to no wave);
* a planned job keeps its place as the starting point of the search (``previous``), so a
  re-plan moves as little as it can (unless ``keep_planned`` is off: then the wave is planned
  afresh around its pinned and done jobs); a **pinned** job (booked with a customer, or put
  there by hand) stays on its crew and day;
* jobs already **done** on one of the days keep their crew, day and time (they take room in
  that crew's day);
* planned jobs on a day before the first day wait for their result and planned jobs after the
  last day stay where they are: neither is touched. With a chosen set of crews, pinned jobs of
  other crews stay too, and jobs whose skill none of the chosen crews has are left alone;
* building doors need the owner's received consent; an apartment door is fitted inside the
  appointment agreed with the customer when there is one (and only then with
  ``require_appointments``); date ranges, preferred days, deadlines and priorities go over as
  they are.

Crews: the active crews (or the ones named) with their skills, depot, shift, lunch and cap on
jobs a day. Days: the working days (weekends and Swedish holidays off) from ``start`` on, either
``days`` of them or up to the wave's planned end.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from planner.errors import PlannerError
from planner.locks.states import ConsentState, JobState
from planner.models import Consent, Door, Entrance, Job, JobKind, Wave, WaveDistrict
from planner.models import Crew as CrewRow
from planner.routing import problem as rp
from planner.routing._dbmap import (
    ROUTING_KIND,
    SERVICE_KINDS,
    SKILL_OF,
    local_date,
    local_seconds,
    routing_crew,
)
from planner.routing.travel import LatLon, MatrixCache, StraightLine, TravelMatrix
from planner.routing.travel import TravelTimeProvider as Provider

logger = logging.getLogger(__name__)

#: Working days planned when neither ``days`` nor the wave's planned end says otherwise.
DEFAULT_DAYS = 10
OPEN_STATES = (JobState.UNPLANNED, JobState.PLANNED, JobState.FAILED)
#: Priority of a repair whose deadline has passed before the first planned day.
OVERDUE_PRIORITY = 5


class WaveNotFound(PlannerError):
    """No wave by that number or name."""


@dataclass(frozen=True)
class PlanningOptions:
    """How to plan a wave. ``crews`` are crew names or ids (empty: every active crew).

    ``keep_planned`` starts from the jobs' current crews and days and moves as few as it can;
    without it only pinned and done jobs stay, and the rest of the wave is planned afresh
    (for a rough plan made by hand, say).
    """

    start: dt.date | None = None
    days: int | None = None
    crews: tuple[str, ...] = ()
    include_service_jobs: bool = True
    require_appointments: bool = False
    keep_planned: bool = True
    days_off: Mapping[int, frozenset[dt.date]] = field(default_factory=dict)
    provider: Provider = field(default_factory=StraightLine)
    objective: rp.Objective = field(default_factory=rp.Objective)


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What the planner knew of a job row when it built the problem."""

    id: int
    kind: JobKind
    state: JobState
    crew_id: int | None
    day: dt.date | None
    position: int | None
    pinned: bool
    done: bool = False


@dataclass(frozen=True, eq=False)
class WaveProblem:
    """A wave's routing problem and what its ids mean in the database."""

    wave_id: int
    wave_name: str
    problem: rp.RoutingProblem
    matrix: TravelMatrix
    jobs: Mapping[str, JobFacts]
    crew_names: Mapping[str, str]
    first_day: dt.date
    last_day: dt.date
    awaiting_result: tuple[int, ...] = ()
    beyond_horizon: tuple[int, ...] = ()
    other_crews: tuple[int, ...] = ()
    not_covered: tuple[int, ...] = ()
    matrix_s: float = 0.0

    @property
    def kept(self) -> int:
        """Jobs left as they are: done ones on the days and the ones outside this run."""
        done = sum(1 for facts in self.jobs.values() if facts.done)
        return done + len(self.awaiting_result + self.beyond_horizon + self.other_crews)

    @property
    def open_jobs(self) -> int:
        return sum(1 for facts in self.jobs.values() if not facts.done)


def find_wave(session: Session, ref: int | str, *, by_id: bool = False) -> Wave:
    """A wave by its number (``3``) or its name, or by its row id for menus (``by_id``);
    a readable error otherwise."""
    text = str(ref).strip()
    wave = None
    if text.isdigit():
        wave = (
            session.get(Wave, int(text))
            if by_id
            else session.scalars(select(Wave).where(Wave.number == int(text))).first()
        )
    if wave is None:
        wave = session.scalars(select(Wave).where(Wave.name == text)).first()
    if wave is None:
        known = ", ".join(
            f"{number} ({name})"
            for number, name in session.execute(
                select(Wave.number, Wave.name).order_by(Wave.number)
            )
        )
        msg = f"Det finns ingen våg {text!r}. Vågor: {known or 'inga'}."
        raise WaveNotFound(msg)
    return wave


def next_working_day(after: dt.date) -> dt.date:
    """The first working day after ``after``."""
    return rp.next_working_days(after + dt.timedelta(days=1), 1)[0]


def default_start(wave: Wave, *, today: dt.date) -> dt.date:
    """The first day to plan when none is given: the next working day, or the wave's start."""
    start = next_working_day(today)
    if wave.planned_start is not None and wave.planned_start > start:
        return rp.next_working_days(wave.planned_start, 1)[0]
    return start


def planning_days(wave: Wave, *, start: dt.date, days: int | None) -> tuple[dt.date, ...]:
    """The working days to plan: ``days`` of them from ``start``, else up to the wave's end."""
    if days is not None:
        if days < 1:
            msg = "Antal dagar måste vara minst 1."
            raise PlannerError(msg)
        return rp.next_working_days(start, days)
    if wave.planned_end is not None and wave.planned_end >= start:
        found = rp.working_days(start, wave.planned_end)
        if found:
            return found
    return rp.next_working_days(start, DEFAULT_DAYS)


def select_crews(session: Session, names: Sequence[str]) -> list[CrewRow]:
    """The active crews, or those named (by name or id); unknown names are an error."""
    active = list(
        session.scalars(select(CrewRow).where(CrewRow.active.is_(True)).order_by(CrewRow.id))
    )
    if not names:
        return active
    by_key = {crew.name.casefold(): crew for crew in active}
    by_key.update({str(crew.id): crew for crew in active})
    chosen: list[CrewRow] = []
    unknown: list[str] = []
    for name in names:
        crew = by_key.get(name.strip().casefold())
        if crew is None:
            unknown.append(name)
        elif crew not in chosen:
            chosen.append(crew)
    if unknown:
        msg = (
            f"Okända eller inaktiva lag: {', '.join(unknown)}. "
            f"Aktiva lag: {', '.join(crew.name for crew in active) or 'inga'}."
        )
        raise PlannerError(msg)
    return chosen


def load_wave_problem(
    session: Session,
    wave: Wave | int | str,
    *,
    options: PlanningOptions | None = None,
    today: dt.date | None = None,
    cache: MatrixCache | None = None,
) -> WaveProblem:
    """The wave's routing problem as the database holds it now (see the module docstring)."""
    options = options or PlanningOptions()
    row = wave if isinstance(wave, Wave) else find_wave(session, wave)
    start = options.start or default_start(row, today=today or dt.date.today())
    days = planning_days(row, start=start, days=options.days)
    first, last = days[0], days[-1]
    crews = select_crews(session, options.crews)
    if not crews:
        msg = "Det finns inga aktiva lag att planera med."
        raise PlannerError(msg)
    crew_ids = {crew.id for crew in crews}
    skills = {skill for crew in crews for skill in crew.skills or ()}

    rows = _job_rows(session, row.id, first=first, last=last, options=options)
    consented = _consented_properties(session, {r.property_id for r in rows})

    awaiting: list[int] = []
    beyond: list[int] = []
    other_crews: list[int] = []
    not_covered: list[int] = []
    kept_rows: list[_JobRow] = []
    for r in rows:
        if r.state is JobState.DONE:
            if r.crew_id in crew_ids and r.arrival is not None:
                kept_rows.append(r)
            continue
        if options.crews and SKILL_OF[r.kind] not in skills:
            not_covered.append(r.id)
            continue
        if r.state is JobState.PLANNED and r.day is not None and r.crew_id is not None:
            if r.day < first:
                awaiting.append(r.id)
                continue
            if r.day > last:
                beyond.append(r.id)
                continue
            if r.pinned and r.crew_id not in crew_ids:
                other_crews.append(r.id)
                continue
        kept_rows.append(r)

    # Locations: depots first, then each entrance once (jobs at one door cost no travel).
    points: list[LatLon] = []
    index_of: dict[LatLon, int] = {}

    def location(point: LatLon) -> int:
        key = (round(point[0], 7), round(point[1], 7))
        if key not in index_of:
            index_of[key] = len(points)
            points.append(key)
        return index_of[key]

    routing_crews = [
        routing_crew(
            crew,
            location(_depot_point(session, crew)),
            days_off=options.days_off.get(crew.id, frozenset()),
        )
        for crew in crews
    ]
    jobs: list[rp.Job] = []
    facts: dict[str, JobFacts] = {}
    previous: dict[str, rp.PreviousVisit] = {}
    for r in kept_rows:
        job_id = str(r.id)
        done = r.state is JobState.DONE
        planned = (
            r.state is JobState.PLANNED
            and r.crew_id in crew_ids
            and r.day is not None
            and first <= r.day <= last
        )
        jobs.append(
            _routing_job(
                r,
                location=None if r.point is None else location(r.point),
                consent=r.property_id in consented,
                pinned=planned and r.pinned,
                options=options,
                first=first,
            )
        )
        facts[job_id] = JobFacts(
            id=r.id,
            kind=r.kind,
            state=r.state,
            crew_id=r.crew_id,
            day=r.day,
            position=r.position,
            pinned=r.pinned,
            done=done,
        )
        keep = planned and (options.keep_planned or r.pinned)
        if (done or keep) and r.crew_id is not None and r.day is not None:
            previous[job_id] = rp.PreviousVisit(
                crew_id=str(r.crew_id),
                day=r.day,
                position=r.position or 0,
                start_s=None if r.arrival is None else local_seconds(r.arrival),
                done=done,
            )
    provider = options.provider
    started = time.perf_counter()
    matrix = cache.get(provider, points) if cache is not None else provider.matrix(points)
    matrix_s = time.perf_counter() - started
    problem = rp.RoutingProblem(
        jobs=tuple(jobs),
        crews=tuple(routing_crews),
        days=days,
        duration_s=matrix.duration_s,
        objective=options.objective,
        previous=previous,
    )
    logger.info(
        "wave %s: %d jobs (%d done kept), %d crews, %d days, %d locations",
        row.number,
        len(jobs),
        len(previous) - sum(1 for v in previous.values() if not v.done),
        len(routing_crews),
        len(days),
        len(points),
    )
    return WaveProblem(
        wave_id=row.id,
        wave_name=row.name,
        problem=problem,
        matrix=matrix,
        jobs=facts,
        crew_names={str(crew.id): crew.name for crew in crews},
        first_day=first,
        last_day=last,
        awaiting_result=tuple(awaiting),
        beyond_horizon=tuple(beyond),
        other_crews=tuple(other_crews),
        not_covered=tuple(not_covered),
        matrix_s=matrix_s,
    )


@dataclass(frozen=True, slots=True)
class _JobRow:
    id: int
    kind: JobKind
    state: JobState
    service_min: int
    priority: int
    earliest: dt.date | None
    latest: dt.date | None
    preferred: dt.date | None
    deadline: dt.datetime | None
    appointment_start: dt.datetime | None
    appointment_end: dt.datetime | None
    crew_id: int | None
    day: dt.date | None
    position: int | None
    arrival: dt.datetime | None
    pinned: bool
    property_id: int
    point: LatLon | None


def _job_rows(
    session: Session, wave_id: int, *, first: dt.date, last: dt.date, options: PlanningOptions
) -> list[_JobRow]:
    in_wave = Job.wave_id == wave_id
    if options.include_service_jobs:
        districts = select(WaveDistrict.district_id).where(WaveDistrict.wave_id == wave_id)
        in_wave = or_(
            in_wave,
            (Job.wave_id.is_(None))
            & Job.kind.in_(sorted(SERVICE_KINDS))
            & Entrance.district_id.in_(districts),
        )
    done_on_days = (Job.state == JobState.DONE) & Job.planned_date.between(first, last)
    stmt = (
        select(
            Job.id,
            Job.kind,
            Job.state,
            Job.service_min,
            Job.priority,
            Job.earliest_date,
            Job.latest_date,
            Job.preferred_date,
            Job.deadline,
            Job.appointment_start,
            Job.appointment_end,
            Job.crew_id,
            Job.planned_date,
            Job.position,
            Job.planned_arrival,
            Job.pinned,
            Entrance.property_id,
            func.ST_Y(Entrance.geom),
            func.ST_X(Entrance.geom),
        )
        .join(Door, Door.id == Job.door_id)
        .join(Entrance, Entrance.id == Door.entrance_id)
        .where(in_wave, or_(Job.state.in_(OPEN_STATES), done_on_days))
        .order_by(Job.id)
    )
    rows = []
    for values in session.execute(stmt):
        (job_id, kind, state, service_min, priority, earliest, latest, preferred, deadline) = (
            values[:9]
        )
        (start, end, crew_id, day, position, arrival, pinned, property_id, lat, lon) = values[9:]
        rows.append(
            _JobRow(
                id=job_id,
                kind=kind,
                state=state,
                service_min=service_min,
                priority=priority or 0,
                earliest=earliest,
                latest=latest,
                preferred=preferred,
                deadline=deadline,
                appointment_start=start,
                appointment_end=end,
                crew_id=crew_id,
                day=day,
                position=position,
                arrival=arrival,
                pinned=bool(pinned),
                property_id=property_id,
                point=None if lat is None or lon is None else (float(lat), float(lon)),
            )
        )
    return rows


def _consented_properties(session: Session, property_ids: set[int]) -> set[int]:
    found: set[int] = set()
    ids = sorted(property_ids)
    for begin in range(0, len(ids), 900):
        found.update(
            session.scalars(
                select(Consent.property_id).where(
                    Consent.property_id.in_(ids[begin : begin + 900]),
                    Consent.state == ConsentState.RECEIVED,
                )
            )
        )
    return found


def _depot_point(session: Session, crew: CrewRow) -> LatLon:
    lat, lon = session.execute(
        select(func.ST_Y(CrewRow.depot), func.ST_X(CrewRow.depot)).where(CrewRow.id == crew.id)
    ).one()
    if lat is None or lon is None:
        msg = f"Laget {crew.name} saknar depå (position)."
        raise PlannerError(msg)
    return float(lat), float(lon)


def _routing_job(
    r: _JobRow,
    *,
    location: int | None,
    consent: bool,
    pinned: bool,
    options: PlanningOptions,
    first: dt.date,
) -> rp.Job:
    """The routing job of a row. A repair whose deadline has already passed is not left out
    for it: it is wanted on the first day, at the highest priority, as soon as a crew can."""
    deadline = None if r.deadline is None else local_date(r.deadline)
    preferred, priority = r.preferred, max(r.priority, 0)
    if deadline is not None and deadline < first:
        deadline, preferred, priority = None, first, max(priority, OVERDUE_PRIORITY)
    appointment = None
    if r.appointment_start is not None and r.appointment_end is not None:
        try:
            appointment = rp.Appointment.from_datetimes(r.appointment_start, r.appointment_end)
        except ValueError:
            logger.warning("job %d: appointment %s–%s ignored", r.id, *_pair(r))
    kind = ROUTING_KIND[r.kind]
    return rp.Job.create(
        str(r.id),
        kind,
        location,
        service_min=r.service_min,
        skill=SKILL_OF[r.kind],
        appointment=appointment,
        requires_appointment=options.require_appointments and r.kind is JobKind.INSTALL_APARTMENT,
        consent_received=consent,
        earliest_day=r.earliest,
        latest_day=r.latest,
        preferred_day=preferred,
        deadline=deadline,
        pinned_crew=str(r.crew_id) if pinned else None,
        pinned_day=r.day if pinned else None,
        priority=priority,
    )


def _pair(r: _JobRow) -> tuple[object, object]:
    return r.appointment_start, r.appointment_end
