"""The solver-neutral model that both search engines read: vehicles and visits on one time axis.

A vehicle is a crew on a day. Time is absolute seconds from midnight of the problem's first
day, so a multi-day model is one model; ``Vehicle.offset_s`` is the midnight of its day.
Nothing here imports OR-Tools or PyVRP; the model pickles, so days can be solved in worker
processes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from planner.routing.eligibility import CrewDay
from planner.routing.problem import SECONDS_PER_DAY, Crew, Job, Objective, RoutingProblem


@dataclass(frozen=True)
class Vehicle:
    crew: Crew
    day: dt.date
    offset_s: int
    fixed_cost: int

    @property
    def key(self) -> CrewDay:
        return (self.crew.id, self.day)

    @property
    def start_depot(self) -> int:
        return self.crew.depot

    @property
    def end_depot(self) -> int:
        return self.crew.final_depot

    @property
    def earliest_s(self) -> int:
        return self.offset_s + self.crew.shift_start_s

    @property
    def latest_s(self) -> int:
        return self.offset_s + self.crew.shift_end_s

    @property
    def lunch_window(self) -> tuple[int, int, int] | None:
        """Absolute earliest start, latest start and length of the lunch, if any."""
        lunch = self.crew.lunch
        if lunch is None:
            return None
        return (
            self.offset_s + lunch.window_start_s,
            self.offset_s + lunch.latest_start_s,
            lunch.duration_s,
        )


@dataclass(frozen=True)
class Visit:
    """A job in a model: where, how long, its start window, who may take it, what skipping costs.

    ``window`` bounds the start of service (absolute seconds). ``vehicles`` lists the vehicle
    positions allowed (``None``: all). ``penalty`` is the price of leaving it out (``None``
    would make it mandatory; the solver never builds such visits, so bad data cannot make a
    model infeasible). ``extra_cost`` adds a cost when the visit is on a vehicle: re-planning
    moves and preferred days.
    """

    job: Job
    location: int
    service_s: int
    window: tuple[int, int] | None
    vehicles: tuple[int, ...] | None
    penalty: int | None
    extra_cost: Mapping[int, int]
    load: int


@dataclass(frozen=True, eq=False)
class Model:
    vehicles: tuple[Vehicle, ...]
    visits: tuple[Visit, ...]
    duration_s: NDArray[np.int64]
    objective: Objective
    initial_routes: tuple[tuple[int, ...], ...] | None = None

    @property
    def horizon_s(self) -> int:
        latest = max((v.latest_s for v in self.vehicles), default=SECONDS_PER_DAY)
        return latest + SECONDS_PER_DAY

    @property
    def has_lunch(self) -> bool:
        return any(v.crew.lunch is not None for v in self.vehicles)

    @property
    def has_day_cap(self) -> bool:
        return any(v.crew.max_jobs_per_day is not None for v in self.vehicles)

    @property
    def has_load(self) -> bool:
        return any(visit.load for visit in self.visits) and any(
            v.crew.capacity is not None for v in self.vehicles
        )

    @property
    def has_extra_cost(self) -> bool:
        return any(visit.extra_cost for visit in self.visits)


def day_offset_s(problem: RoutingProblem, day: dt.date) -> int:
    first = problem.days[0] if problem.days else day
    return (day - first).days * SECONDS_PER_DAY


def build_model(
    problem: RoutingProblem,
    *,
    job_ids: Sequence[str],
    allowed: Mapping[str, frozenset[CrewDay]],
    fixed: Mapping[str, tuple[CrewDay, int]],
    vehicle_keys: Sequence[CrewDay],
    initial: Mapping[CrewDay, Sequence[str]] | None = None,
) -> Model:
    """A model of some jobs on some crew-days.

    ``initial`` gives routes (job ids per crew-day) to start the search from.
    """
    weights = problem.objective
    crews = problem.crews_by_id
    rotation = _rotation(problem)
    vehicles = tuple(
        Vehicle(
            crew=crews[crew_id],
            day=day,
            offset_s=day_offset_s(problem, day),
            fixed_cost=weights.crew_day_cost + rotation.get((crew_id, day), 0),
        )
        for crew_id, day in vehicle_keys
    )
    position = {vehicle.key: i for i, vehicle in enumerate(vehicles)}
    jobs = problem.jobs_by_id
    visits: list[Visit] = []
    for job_id in job_ids:
        job = jobs[job_id]
        assert job.location is not None
        if job_id in fixed:
            key, start_s = fixed[job_id]
            at = position.get(key)
            if at is None:
                continue
            absolute = vehicles[at].offset_s + start_s
            # Not mandatory: a done visit that no longer fits (changed data) must not make the
            # whole model infeasible; its price makes keeping it the first concern.
            visits.append(
                Visit(
                    job=job,
                    location=job.location,
                    service_s=job.service_s,
                    window=(absolute, absolute),
                    vehicles=(at,),
                    penalty=100 * weights.drop_penalty(job),
                    extra_cost={},
                    load=job.load,
                )
            )
            continue
        keys = [key for key in allowed[job_id] if key in position]
        if not keys:
            continue
        allowed_positions = tuple(sorted(position[key] for key in keys))
        window = None
        if job.appointment is not None:
            offset = day_offset_s(problem, job.appointment.day)
            window = (
                offset + job.appointment.start_s,
                offset + job.appointment.end_s - job.service_s,
            )
        extra: dict[int, int] = {}
        previous = problem.previous.get(job_id)
        for at in allowed_positions:
            cost = 0
            vehicle = vehicles[at]
            if previous is not None and (previous.crew_id, previous.day) != vehicle.key:
                cost += weights.move_cost
            if job.preferred_day is not None and vehicle.day != job.preferred_day:
                cost += weights.preferred_day_cost
            if cost:
                extra[at] = cost
        visits.append(
            Visit(
                job=job,
                location=job.location,
                service_s=job.service_s,
                window=window,
                vehicles=None if len(allowed_positions) == len(vehicles) else allowed_positions,
                # A job that can go on one day only is kept before one that may move to
                # another day (the decomposed wave's repair round moves those); a job of the
                # previous plan is kept before a new one (leaving it out is a move, too).
                penalty=weights.drop_penalty(job) * (2 if _single_day(allowed[job_id]) else 1)
                + (weights.move_cost if previous is not None else 0),
                extra_cost=extra,
                load=job.load,
            )
        )
    initial_routes = None
    if initial:
        index = {visit.job.id: i for i, visit in enumerate(visits)}
        initial_routes = tuple(
            tuple(index[job_id] for job_id in initial.get(vehicle.key, ()) if job_id in index)
            for vehicle in vehicles
        )
    return Model(
        vehicles=vehicles,
        visits=tuple(visits),
        duration_s=problem.duration_s,
        objective=weights,
        initial_routes=initial_routes,
    )


def _single_day(keys: frozenset[CrewDay]) -> bool:
    return len({day for _, day in keys}) == 1


def _rotation(problem: RoutingProblem) -> dict[CrewDay, int]:
    """A small extra cost per crew-day that rotates which of several alike crews is cheapest.

    Among crews with the same skills, crew ``i`` costs ``((i - d) mod n)`` units more on the
    ``d``-th working day, so when a day needs only some of them a different crew is first in
    line each day and crew-days spread evenly over the wave (models of different days are
    solved apart, so this cannot depend on what other days used). A unit is 1/100,000 of a
    crew-day (a couple of seconds of driving): it only breaks ties between alike crews.
    """
    unit = problem.objective.crew_day_cost // 100_000
    if unit == 0:
        return {}  # crew-days cost (next to) nothing: nothing to share out
    groups: dict[frozenset[str], list[str]] = {}
    for crew in problem.crews:
        groups.setdefault(crew.skills, []).append(crew.id)
    costs: dict[CrewDay, int] = {}
    for members in groups.values():
        for d, day in enumerate(problem.working_days):
            for i, crew_id in enumerate(members):
                costs[(crew_id, day)] = ((i - d) % len(members)) * unit
    return costs
