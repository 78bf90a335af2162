"""An independent checker for routes and plans.

It shares nothing with the search code but the problem's data classes: it re-reads the rules
from the jobs and crews and re-simulates each route from its order of visits alone, so a bug in
the model, in a search engine or in the plan's times shows up here. Benchmarks check every
solution with it; tests use it as the definition of a valid plan.

A route is feasible when, leaving the depot at the start of the shift and starting every visit
as early as possible, each visit starts and ends inside its appointment, the crew is back by
the end of the shift, and the lunch fits somewhere: before the first drive, in any gap between
visits (on the way if need be), on the way home, or after the crew is home, always starting
inside its window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from planner.routing.plan import RoutePlan
from planner.routing.problem import Crew, Job, RoutingProblem, is_working_day

CrewDay = tuple[str, dt.date]


@dataclass(frozen=True)
class CheckReport:
    violations: tuple[str, ...]
    crew_days: int
    driving_s: int
    planned: int

    @property
    def ok(self) -> bool:
        return not self.violations


def _job_rules(job: Job, crew: Crew, day: dt.date) -> list[str]:
    problems = []
    if job.location is None:
        problems.append("has no position")
    if job.skill not in crew.skills:
        problems.append(f"needs skill {job.skill}")
    if job.needs_consent and not job.consent_received:
        problems.append("has no consent")
    if job.requires_appointment and job.appointment is None:
        problems.append("has no appointment")
    if job.pinned_crew is not None and job.pinned_crew != crew.id:
        problems.append(f"is pinned to crew {job.pinned_crew}")
    if job.pinned_day is not None and job.pinned_day != day:
        problems.append(f"is pinned to {job.pinned_day}")
    if job.earliest_day is not None and day < job.earliest_day:
        problems.append(f"may not start before {job.earliest_day}")
    for last in (job.latest_day, job.deadline):
        if last is not None and day > last:
            problems.append(f"must be done by {last}")
    if job.appointment is not None and job.appointment.day != day:
        problems.append(f"is booked on {job.appointment.day}")
    return problems


def _window(job: Job) -> tuple[int, int] | None:
    if job.appointment is None:
        return None
    return job.appointment.start_s, job.appointment.end_s - job.service_s


def _simulate(
    problem: RoutingProblem, crew: Crew, jobs: Sequence[Job], lunch_gap: int | None
) -> tuple[bool, bool]:
    """Feasible with the lunch in gap ``lunch_gap`` (``None``: no lunch), with two outcomes
    for the last gap: lunch on the way home, or lunch after the crew is home."""
    matrix = problem.duration_s
    lunch = crew.lunch
    clock = crew.shift_start_s
    here = crew.depot
    for position, job in enumerate(jobs):
        assert job.location is not None
        travel = int(matrix[here, job.location])
        if lunch is not None and lunch_gap == position:
            start = max(clock, lunch.window_start_s)
            if start > lunch.latest_start_s:
                return False, False
            clock = max(clock + travel, start) + lunch.duration_s
        else:
            clock += travel
        window = _window(job)
        if window is not None:
            clock = max(clock, window[0])
            if clock > window[1]:
                return False, False
        clock += job.service_s
        here = job.location
    travel = int(matrix[here, crew.final_depot])
    if lunch is None or lunch_gap != len(jobs):
        return clock + travel <= crew.shift_end_s, False
    on_the_way = max(clock, lunch.window_start_s)
    way_ok = (
        on_the_way <= lunch.latest_start_s
        and max(clock + travel, on_the_way) + lunch.duration_s <= crew.shift_end_s
    )
    home = clock + travel
    after_ok = home <= crew.shift_end_s and max(home, lunch.window_start_s) <= lunch.latest_start_s
    return way_ok, after_ok


def route_is_feasible(problem: RoutingProblem, crew: Crew, jobs: Sequence[Job]) -> bool:
    if not jobs:
        return True
    if crew.lunch is None:
        return _simulate(problem, crew, jobs, None)[0]
    return any(any(_simulate(problem, crew, jobs, gap)) for gap in range(len(jobs) + 1))


def check_routes(problem: RoutingProblem, routes: Mapping[CrewDay, Sequence[str]]) -> CheckReport:
    """Check visit orders per crew-day against every rule of the problem."""
    violations: list[str] = []
    crews = {crew.id: crew for crew in problem.crews}
    jobs = {job.id: job for job in problem.jobs}
    seen: dict[str, CrewDay] = {}
    driving = 0
    crew_days = 0
    for (crew_id, day), job_ids in routes.items():
        if not job_ids:
            continue
        crew_days += 1
        crew = crews.get(crew_id)
        if crew is None:
            violations.append(f"{crew_id} {day}: no such crew")
            continue
        if day not in problem.days or not is_working_day(day) or day in crew.days_off:
            violations.append(f"{crew_id} {day}: not a working day of the crew")
        route_jobs = []
        for job_id in job_ids:
            job = jobs.get(job_id)
            if job is None:
                violations.append(f"{crew_id} {day}: unknown job {job_id}")
                continue
            if job_id in seen:
                violations.append(f"job {job_id} planned twice ({seen[job_id]} and {day})")
            seen[job_id] = (crew_id, day)
            previous = problem.previous.get(job_id)
            done_here = (
                previous is not None
                and previous.done
                and (previous.crew_id, previous.day) == (crew_id, day)
            )
            if not done_here:
                violations.extend(
                    f"job {job_id} on {crew_id} {day} {text}" for text in _job_rules(job, crew, day)
                )
            route_jobs.append(job)
        if crew.max_jobs_per_day is not None and len(route_jobs) > crew.max_jobs_per_day:
            violations.append(f"{crew_id} {day}: {len(route_jobs)} jobs over the cap")
        if crew.capacity is not None and sum(j.load for j in route_jobs) > crew.capacity:
            violations.append(f"{crew_id} {day}: load over the capacity")
        if any(job.location is None for job in route_jobs):
            continue
        if not route_is_feasible(problem, crew, route_jobs):
            violations.append(f"{crew_id} {day}: times do not work out {list(job_ids)}")
        here = crew.depot
        for job in route_jobs:
            assert job.location is not None
            driving += int(problem.duration_s[here, job.location])
            here = job.location
        driving += int(problem.duration_s[here, crew.final_depot])
    return CheckReport(tuple(violations), crew_days, driving, len(seen))


def check_plan(problem: RoutingProblem, plan: RoutePlan) -> CheckReport:
    """Check a plan: its visit orders, the times it reports, and that no job is lost."""
    routes = {(route.crew_id, route.day): list(route.job_ids) for route in plan.routes}
    report = check_routes(problem, routes)
    violations = list(report.violations)
    matrix = problem.duration_s
    crews = {crew.id: crew for crew in problem.crews}
    jobs = {job.id: job for job in problem.jobs}
    for route in plan.routes:
        crew = crews.get(route.crew_id)
        if crew is None or not route.stops:
            continue
        name = f"{route.crew_id} {route.day}"
        if route.start_s < crew.shift_start_s or route.end_s > crew.shift_end_s:
            violations.append(f"{name}: outside the shift")
        clock, here = route.start_s, crew.depot
        intervals: list[tuple[int, int]] = []
        for stop in route.stops:
            job = jobs[stop.job_id]
            if stop.travel_s != int(matrix[here, stop.location]) or stop.location != job.location:
                violations.append(f"{name}: wrong travel to {stop.job_id}")
            if stop.arrival_s < clock + stop.travel_s or stop.start_s < stop.arrival_s:
                violations.append(f"{name}: {stop.job_id} reached too early")
            if stop.end_s - stop.start_s != job.service_s:
                violations.append(f"{name}: {stop.job_id} has the wrong service time")
            window = _window(job)
            if window is not None and not window[0] <= stop.start_s <= window[1]:
                violations.append(f"{name}: {stop.job_id} outside its appointment")
            previous = problem.previous.get(stop.job_id)
            if previous is not None and previous.done and previous.start_s != stop.start_s:
                violations.append(f"{name}: done job {stop.job_id} moved in time")
            intervals.append((stop.start_s, stop.end_s))
            clock, here = stop.end_s, stop.location
        if route.end_s < clock + route.return_travel_s:
            violations.append(f"{name}: back at the depot too early")
        lunch = crew.lunch
        if lunch is not None and route.lunch_start_s is not None:
            start = route.lunch_start_s
            if not lunch.window_start_s <= start <= lunch.latest_start_s:
                violations.append(f"{name}: lunch outside its window")
            end = start + lunch.duration_s
            if any(start < b and a < end for a, b in intervals):
                violations.append(f"{name}: lunch during a visit")
            gap = route.lunch_after
            if gap is not None:
                stops = route.stops
                before_end = stops[gap - 1].end_s if gap > 0 else route.start_s
                after_start = stops[gap].start_s if gap < len(stops) else route.end_s
                travel = stops[gap].travel_s if gap < len(stops) else route.return_travel_s
                if after_start - before_end < travel + lunch.duration_s:
                    violations.append(f"{name}: no time for the lunch and the drive")
                if not before_end <= start <= after_start - lunch.duration_s:
                    violations.append(f"{name}: lunch not where the plan says")
        elif lunch is not None:
            # No lunch inside the day: the day must end before the lunch may start, or start
            # after it may end.
            before = route.end_s <= lunch.latest_start_s
            after = route.start_s >= lunch.window_start_s + lunch.duration_s
            if not (before or after):
                violations.append(f"{name}: no lunch")
    planned = [stop.job_id for route in plan.routes for stop in route.stops]
    dropped = [drop.job_id for drop in plan.dropped]
    counted = planned + dropped
    for job in problem.jobs:
        previous = problem.previous.get(job.id)
        if previous is not None and previous.done and previous.day not in problem.working_days:
            continue
        if counted.count(job.id) != 1:
            violations.append(f"job {job.id} appears {counted.count(job.id)} times in the plan")
    return CheckReport(tuple(violations), report.crew_days, report.driving_s, report.planned)
