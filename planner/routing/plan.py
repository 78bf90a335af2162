"""The result of routing: routes per crew-day, with times, and the jobs left out with reasons.

Times are seconds since local midnight of the route's day; ``Route.datetime_of`` turns them into
aware datetimes in Stockholm time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from planner.routing.problem import STOCKHOLM, Objective, PreviousVisit
from planner.routing.reasons import DropReason


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit: arrival (after driving and any lunch on the way), service start and end."""

    job_id: str
    location: int
    arrival_s: int
    start_s: int
    end_s: int
    travel_s: int

    @property
    def wait_s(self) -> int:
        return self.start_s - self.arrival_s


@dataclass(frozen=True, slots=True)
class Route:
    """A crew's day: leave the depot, visit the stops in order, come back.

    ``lunch_start_s`` is set when the lunch falls inside the working day; ``lunch_after`` is
    the number of stops made before it (0: before the first stop). ``return_travel_s`` is the
    drive from the last stop back to the depot.
    """

    crew_id: str
    day: dt.date
    start_s: int
    end_s: int
    stops: tuple[Stop, ...]
    return_travel_s: int
    lunch_start_s: int | None = None
    lunch_end_s: int | None = None
    lunch_after: int | None = None

    @property
    def driving_s(self) -> int:
        return sum(stop.travel_s for stop in self.stops) + self.return_travel_s

    @property
    def service_s(self) -> int:
        return sum(stop.end_s - stop.start_s for stop in self.stops)

    @property
    def duration_s(self) -> int:
        return self.end_s - self.start_s

    @property
    def job_ids(self) -> tuple[str, ...]:
        return tuple(stop.job_id for stop in self.stops)

    def datetime_of(self, seconds: int) -> dt.datetime:
        midnight = dt.datetime.combine(self.day, dt.time(), tzinfo=STOCKHOLM)
        return midnight + dt.timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class DroppedJob:
    job_id: str
    reason: DropReason
    detail: str = ""

    @property
    def text(self) -> str:
        """The Swedish message shown to the user."""
        return f"{self.reason.text}. {self.detail}" if self.detail else self.reason.text


@dataclass(frozen=True)
class RoutePlan:
    """Routes (only crew-days that work), dropped jobs, and how the plan was made."""

    routes: tuple[Route, ...]
    dropped: tuple[DroppedJob, ...]
    objective: Objective = field(default_factory=Objective)
    engine: str = ""
    wall_s: float = 0.0
    moved_job_ids: frozenset[str] = frozenset()

    @property
    def crew_days(self) -> int:
        return sum(1 for route in self.routes if route.stops)

    @property
    def driving_s(self) -> int:
        return sum(route.driving_s for route in self.routes)

    @property
    def planned_job_ids(self) -> frozenset[str]:
        return frozenset(stop.job_id for route in self.routes for stop in route.stops)

    def route_of(self, job_id: str) -> Route | None:
        for route in self.routes:
            if job_id in route.job_ids:
                return route
        return None

    def dropped_reasons(self) -> Mapping[str, DropReason]:
        return {drop.job_id: drop.reason for drop in self.dropped}

    def cost(self, *, penalties: Mapping[str, int] | None = None) -> int:
        """Crew-days, driving and balance weighed by the objective, plus drop penalties.

        ``penalties`` gives the cost of each dropped job; without it every dropped job costs
        ``objective.drop_cost`` (priorities are then not known to the plan).
        """
        weights = self.objective
        total = weights.crew_day_cost * self.crew_days
        total += weights.driving_cost_per_s * self.driving_s
        for drop in self.dropped:
            total += (penalties or {}).get(drop.job_id, weights.drop_cost)
        return total

    def summary(self) -> str:
        """A short Swedish summary for logs and the app."""
        crews = len({route.crew_id for route in self.routes if route.stops})
        days = len({route.day for route in self.routes if route.stops})
        jobs = sum(len(route.stops) for route in self.routes)
        service_h = sum(route.service_s for route in self.routes) / 3600
        lines = [
            f"{jobs} jobb planerade på {self.crew_days} lagdagar ({crews} lag, {days} dagar)",
            f"körtid {self.driving_s / 3600:.1f} h, arbetstid på plats {service_h:.1f} h",
            f"{len(self.dropped)} jobb utanför planen",
        ]
        by_reason: dict[DropReason, int] = {}
        for drop in self.dropped:
            by_reason[drop.reason] = by_reason.get(drop.reason, 0) + 1
        lines.extend(f"  {count} × {reason.text}" for reason, count in sorted(by_reason.items()))
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per stop, in route order: crew, day, position, times and driving."""
        rows = []
        for route in sorted(self.routes, key=lambda r: (r.day, r.crew_id)):
            for position, stop in enumerate(route.stops, start=1):
                rows.append(
                    {
                        "crew_id": route.crew_id,
                        "day": route.day,
                        "position": position,
                        "job_id": stop.job_id,
                        "location": stop.location,
                        "arrival": route.datetime_of(stop.arrival_s),
                        "start": route.datetime_of(stop.start_s),
                        "end": route.datetime_of(stop.end_s),
                        "travel_s": stop.travel_s,
                        "wait_s": stop.wait_s,
                        "lunch_before": route.lunch_after == position - 1,
                    }
                )
        columns = [
            "crew_id",
            "day",
            "position",
            "job_id",
            "location",
            "arrival",
            "start",
            "end",
            "travel_s",
            "wait_s",
            "lunch_before",
        ]
        return pd.DataFrame(rows, columns=columns)

    def dropped_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"job_id": d.job_id, "reason": str(d.reason), "text": d.text} for d in self.dropped],
            columns=["job_id", "reason", "text"],
        )

    def to_previous(self) -> dict[str, PreviousVisit]:
        """This plan as the ``previous`` of a re-plan (nothing marked done)."""
        return {
            stop.job_id: PreviousVisit(
                crew_id=route.crew_id, day=route.day, position=position, start_s=stop.start_s
            )
            for route in self.routes
            for position, stop in enumerate(route.stops)
        }
