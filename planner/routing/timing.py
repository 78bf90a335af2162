"""Times of a route whose order is given: for routes changed by hand.

When a manager moves a job to another crew or day, the routes it leaves and joins keep their
order but need new times. ``time_route`` drives the route as early as it can: leave the depot at
the start of the shift, wait for appointments, take the lunch at the first gap after its window
opens (or, if the next visit would end after the lunch's latest start, before that visit), and
come home. It never refuses: what does not fit (a visit after its booked time, a day that ends
after the shift, a late lunch) is reported in Swedish in ``warnings``, for the manager to judge
or to leave to the next re-plan.

``cheapest_position`` finds where a job adds the least driving to such a route.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from planner.routing.problem import Crew, Job


@dataclass(frozen=True, slots=True)
class TimedStop:
    job_id: str
    arrival_s: int
    start_s: int
    end_s: int
    travel_s: int


@dataclass(frozen=True)
class TimedRoute:
    stops: tuple[TimedStop, ...]
    start_s: int
    end_s: int
    lunch_start_s: int | None
    warnings: tuple[str, ...]

    @property
    def fits(self) -> bool:
        return not self.warnings


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def time_route(
    duration_s: NDArray[np.int64], crew: Crew, jobs: Sequence[Job], *, label: str = ""
) -> TimedRoute:
    """Earliest times for the jobs in this order (every job needs a location)."""
    lunch = crew.lunch
    lunch_start: int | None = None
    clock = crew.shift_start_s
    here = crew.depot
    stops: list[TimedStop] = []
    warnings: list[str] = []
    prefix = f"{label}: " if label else ""

    def take_lunch(at: int) -> int:
        nonlocal lunch_start
        assert lunch is not None
        lunch_start = max(at, lunch.window_start_s)
        if lunch_start > lunch.latest_start_s:
            warnings.append(f"{prefix}lunchen börjar först {_clock(lunch_start)}")
        return lunch_start + lunch.duration_s

    for job in jobs:
        assert job.location is not None
        travel = int(duration_s[here, job.location])
        opens = job.appointment.start_s if job.appointment is not None else 0
        if lunch is not None and lunch_start is None:
            would_end = max(clock + travel, opens) + job.service_s
            if clock >= lunch.window_start_s or would_end > lunch.latest_start_s:
                clock = take_lunch(clock)
        arrival = clock + travel
        start = max(arrival, opens)
        if job.appointment is not None and start + job.service_s > job.appointment.end_s:
            warnings.append(
                f"{prefix}arbetsorder {job.id} hinns inte inom den bokade tiden "
                f"{_clock(job.appointment.start_s)}–{_clock(job.appointment.end_s)}"
            )
        stops.append(TimedStop(job.id, arrival, start, start + job.service_s, travel))
        clock = start + job.service_s
        here = job.location
    home_s = int(duration_s[here, crew.final_depot])
    back = clock + home_s
    if lunch is not None and lunch_start is None and stops and back > lunch.latest_start_s:
        back = take_lunch(clock) + home_s  # a day that ends before the lunch needs none
    if back > crew.shift_end_s:
        warnings.append(
            f"{prefix}dagen slutar {_clock(back)}, efter arbetspassets slut "
            f"{_clock(crew.shift_end_s)}"
        )
    return TimedRoute(
        stops=tuple(stops),
        start_s=crew.shift_start_s,
        end_s=back,
        lunch_start_s=lunch_start,
        warnings=tuple(warnings),
    )


def cheapest_position(
    duration_s: NDArray[np.int64], crew: Crew, jobs: Sequence[Job], new: Job
) -> int:
    """The index to insert ``new`` at: the one that keeps the route in time, least driving.

    Positions where the route's times still work come first; among them (or among all, when
    none works) the one that adds the least driving wins.
    """
    assert new.location is not None
    places = [crew.depot, *(job.location for job in jobs), crew.final_depot]
    best: tuple[bool, int, int] | None = None
    for index in range(len(jobs) + 1):
        before, after = places[index], places[index + 1]
        assert before is not None and after is not None
        added = int(
            duration_s[before, new.location]
            + duration_s[new.location, after]
            - duration_s[before, after]
        )
        trial = [*jobs[:index], new, *jobs[index:]]
        fits = time_route(duration_s, crew, trial).fits
        key = (not fits, added, index)
        if best is None or key < best:
            best = key
    assert best is not None
    return best[2]
