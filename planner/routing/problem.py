"""The routing problem: jobs, crews, working days and an integer travel-time matrix.

A frozen, typed description in the style of PyVRP's ``ProblemData``: plain dataclasses, no
database objects and no solver objects. ``planner.routing.solver.solve`` turns it into a
``RoutePlan``.

Times of day are integer seconds since local midnight (Europe/Stockholm) of the day they belong
to; days are ``datetime.date``. Locations are indices into ``RoutingProblem.duration_s``, the
square matrix of travel seconds built by a provider in ``planner.routing.travel``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property
from zoneinfo import ZoneInfo

import holidays
import numpy as np
from numpy.typing import NDArray

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SECONDS_PER_DAY = 86_400


def hhmm(text: str) -> int:
    """Seconds since midnight of a clock time written ``"HH:MM"``."""
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


class JobKind(StrEnum):
    """What a job is; decides its default skill, service time and whether consent is needed."""

    ENTRANCE_DOOR = "entrance_door"
    APARTMENT_DOOR = "apartment_door"
    REFUSE_ROOM = "refuse_room"
    LAUNDRY_ROOM = "laundry_room"
    FAULT_REPAIR = "fault_repair"
    DEACTIVATION = "deactivation"
    REACTIVATION = "reactivation"
    REMOVAL = "removal"


class Skill(StrEnum):
    """What a crew is certified for. Crews and jobs may also use other plain strings."""

    LOCKSMITH = "locksmith"
    TRYGGHETSJOUR = "trygghetsjour"


DEFAULT_SERVICE_MIN: Mapping[JobKind, int] = {
    JobKind.ENTRANCE_DOOR: 45,
    JobKind.APARTMENT_DOOR: 30,
    JobKind.REFUSE_ROOM: 30,
    JobKind.LAUNDRY_ROOM: 30,
    JobKind.FAULT_REPAIR: 45,
    JobKind.DEACTIVATION: 15,
    JobKind.REACTIVATION: 15,
    JobKind.REMOVAL: 45,
}

DEFAULT_SKILL: Mapping[JobKind, str] = {
    JobKind.ENTRANCE_DOOR: Skill.LOCKSMITH,
    JobKind.APARTMENT_DOOR: Skill.TRYGGHETSJOUR,
    JobKind.REFUSE_ROOM: Skill.LOCKSMITH,
    JobKind.LAUNDRY_ROOM: Skill.LOCKSMITH,
    JobKind.FAULT_REPAIR: Skill.LOCKSMITH,
    JobKind.DEACTIVATION: Skill.LOCKSMITH,
    JobKind.REACTIVATION: Skill.LOCKSMITH,
    JobKind.REMOVAL: Skill.TRYGGHETSJOUR,
}

#: Building doors: no work before the property owner's consent is received.
NEEDS_CONSENT: frozenset[JobKind] = frozenset(
    {JobKind.ENTRANCE_DOOR, JobKind.REFUSE_ROOM, JobKind.LAUNDRY_ROOM}
)


@dataclass(frozen=True, slots=True)
class Appointment:
    """A time agreed with the customer; the whole visit (start to end of service) lies inside."""

    day: dt.date
    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_s <= self.end_s <= SECONDS_PER_DAY:
            msg = f"Ogiltig bokad tid {self.start_s}–{self.end_s} s den {self.day}"
            raise ValueError(msg)

    @classmethod
    def from_datetimes(cls, start: dt.datetime, end: dt.datetime) -> Appointment:
        """From two datetimes on the same local day (naive ones are taken as Stockholm time)."""
        local_start = _to_local(start)
        local_end = _to_local(end)
        day = local_start.date()
        end_s = _seconds_of_day(local_end)
        if local_end.date() != day:
            if local_end.date() == day + dt.timedelta(days=1) and end_s == 0:
                end_s = SECONDS_PER_DAY
            else:
                msg = f"En bokad tid måste ligga inom en dag: {start} – {end}"
                raise ValueError(msg)
        return cls(day=day, start_s=_seconds_of_day(local_start), end_s=end_s)


def _to_local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=STOCKHOLM)
    return moment.astimezone(STOCKHOLM)


def _seconds_of_day(moment: dt.datetime) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


@dataclass(frozen=True, slots=True)
class LunchBreak:
    """A break of ``duration_s`` that lies wholly inside ``[window_start_s, window_end_s]``."""

    window_start_s: int = hhmm("11:00")
    window_end_s: int = hhmm("13:00")
    duration_s: int = 30 * 60

    def __post_init__(self) -> None:
        if self.duration_s < 0 or self.window_start_s + self.duration_s > self.window_end_s:
            msg = "Lunchen ryms inte i sitt fönster"
            raise ValueError(msg)

    @property
    def latest_start_s(self) -> int:
        return self.window_end_s - self.duration_s


@dataclass(frozen=True, slots=True)
class Job:
    """One visit to plan (arbetsorder).

    ``location`` is ``None`` when the address has no position; such a job is left out with that
    reason. ``consent_received`` matters for building doors (``NEEDS_CONSENT``). Date limits are
    inclusive; ``deadline`` is a hard last day like ``latest_day``. ``priority`` raises the cost
    of leaving the job out (0 normal, higher more urgent). ``load`` is material the crew must
    carry (lock units), checked against ``Crew.capacity``.
    """

    id: str
    kind: JobKind
    location: int | None
    service_s: int
    skill: str
    appointment: Appointment | None = None
    requires_appointment: bool = False
    consent_received: bool = True
    earliest_day: dt.date | None = None
    latest_day: dt.date | None = None
    preferred_day: dt.date | None = None
    deadline: dt.date | None = None
    pinned_crew: str | None = None
    pinned_day: dt.date | None = None
    priority: int = 0
    load: int = 0

    def __post_init__(self) -> None:
        if self.service_s < 0 or self.load < 0 or self.priority < 0:
            msg = f"Jobb {self.id}: servicetid, last och prioritet får inte vara negativa"
            raise ValueError(msg)

    @classmethod
    def create(
        cls,
        id: str,
        kind: JobKind | str,
        location: int | None,
        *,
        service_min: float | None = None,
        skill: str | None = None,
        service_min_by_kind: Mapping[JobKind, int] | None = None,
        **options: object,
    ) -> Job:
        """A job with the default service time and skill of its kind unless given."""
        job_kind = JobKind(kind)
        minutes = service_min
        if minutes is None:
            minutes = (service_min_by_kind or DEFAULT_SERVICE_MIN)[job_kind]
        return cls(
            id=id,
            kind=job_kind,
            location=location,
            service_s=round(minutes * 60),
            skill=skill if skill is not None else DEFAULT_SKILL[job_kind],
            **options,  # type: ignore[arg-type]
        )

    @property
    def needs_consent(self) -> bool:
        return self.kind in NEEDS_CONSENT

    @property
    def last_day(self) -> dt.date | None:
        """The hard last day: the earlier of ``latest_day`` and ``deadline``."""
        candidates = [d for d in (self.latest_day, self.deadline) if d is not None]
        return min(candidates) if candidates else None


@dataclass(frozen=True, slots=True)
class Crew:
    """A crew (one vehicle) of an organisation: its skills, depot, shift and lunch.

    ``depot`` and ``end_depot`` are location indices; the crew ends where it starts unless
    ``end_depot`` is given. ``days_off`` removes single days (sickness, leave).
    """

    id: str
    skills: frozenset[str]
    depot: int
    shift_start_s: int = hhmm("07:00")
    shift_end_s: int = hhmm("16:00")
    lunch: LunchBreak | None = field(default_factory=LunchBreak)
    max_jobs_per_day: int | None = None
    capacity: int | None = None
    end_depot: int | None = None
    days_off: frozenset[dt.date] = frozenset()
    organisation: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.shift_start_s < self.shift_end_s <= SECONDS_PER_DAY:
            msg = f"Lag {self.id}: arbetspasset måste börja före det slutar"
            raise ValueError(msg)

    @property
    def final_depot(self) -> int:
        return self.depot if self.end_depot is None else self.end_depot

    def works_on(self, day: dt.date) -> bool:
        return day not in self.days_off

    @property
    def longest_visit_s(self) -> int:
        """The longest single visit that fits in the shift together with the lunch."""
        length = self.shift_end_s - self.shift_start_s
        if self.lunch is None:
            return length
        before = min(self.lunch.latest_start_s, self.shift_end_s) - self.shift_start_s
        after = self.shift_end_s - max(
            self.lunch.window_start_s + self.lunch.duration_s, self.shift_start_s
        )
        return max(before, after, 0)


@dataclass(frozen=True, slots=True)
class Objective:
    """Weights of the objective, all integers (cost units).

    Fewest crew-days first (``crew_day_cost`` is far above any driving a crew-day can save),
    then least driving, then balance: ``balance_cost_per_s`` is paid per second a route ends
    after the mean end of its day's routes (0 turns balancing off), so work is spread over the
    crews in use rather than piled on a few. ``drop_cost`` (× (1 + priority)) makes leaving a
    job out dearer than opening another crew-day. ``move_cost`` is paid, when re-planning, for
    every job put on another crew or day than before; ``preferred_day_cost`` for a job off its
    preferred day.
    """

    crew_day_cost: int = 2_000_000
    driving_cost_per_s: int = 10
    balance_cost_per_s: int = 1
    drop_cost: int = 20_000_000
    move_cost: int = 100_000
    preferred_day_cost: int = 50_000

    def drop_penalty(self, job: Job) -> int:
        return self.drop_cost * (1 + job.priority)


@dataclass(frozen=True, slots=True)
class PreviousVisit:
    """Where a job was in the plan being revised. ``done`` visits stay exactly as they were."""

    crew_id: str
    day: dt.date
    position: int = 0
    start_s: int | None = None
    done: bool = False


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """Everything the solver needs; immutable.

    ``duration_s[i, j]`` is the travel time in whole seconds from location ``i`` to ``j``
    (parking and walking included). ``days`` are the candidate days of the wave; weekends and
    Swedish public and de facto holidays among them are never used (see ``working_days``).
    ``previous`` maps job ids to their place in an earlier plan, for re-planning.
    """

    jobs: tuple[Job, ...]
    crews: tuple[Crew, ...]
    days: tuple[dt.date, ...]
    duration_s: NDArray[np.int64]
    objective: Objective = field(default_factory=Objective)
    previous: Mapping[str, PreviousVisit] = field(default_factory=dict)

    def __post_init__(self) -> None:
        matrix = np.asarray(self.duration_s, dtype=np.int64)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            msg = "Restidsmatrisen måste vara kvadratisk"
            raise ValueError(msg)
        if (matrix < 0).any():
            msg = "Restidsmatrisen får inte ha negativa tider"
            raise ValueError(msg)
        matrix.setflags(write=False)
        object.__setattr__(self, "duration_s", matrix)
        object.__setattr__(self, "jobs", tuple(self.jobs))
        object.__setattr__(self, "crews", tuple(self.crews))
        object.__setattr__(self, "days", tuple(sorted(set(self.days))))
        size = matrix.shape[0]
        ids = [job.id for job in self.jobs]
        if len(set(ids)) != len(ids):
            msg = "Jobb-id måste vara unika"
            raise ValueError(msg)
        crew_ids = [crew.id for crew in self.crews]
        if len(set(crew_ids)) != len(crew_ids):
            msg = "Lag-id måste vara unika"
            raise ValueError(msg)
        for job in self.jobs:
            if job.location is not None and not 0 <= job.location < size:
                msg = f"Jobb {job.id}: plats {job.location} finns inte i restidsmatrisen"
                raise ValueError(msg)
        for crew in self.crews:
            for depot in (crew.depot, crew.final_depot):
                if not 0 <= depot < size:
                    msg = f"Lag {crew.id}: depå {depot} finns inte i restidsmatrisen"
                    raise ValueError(msg)

    @property
    def working_days(self) -> tuple[dt.date, ...]:
        """The days that can be worked: no weekends, no Swedish public or de facto holidays."""
        return tuple(day for day in self.days if is_working_day(day))

    @cached_property
    def jobs_by_id(self) -> Mapping[str, Job]:
        return {job.id: job for job in self.jobs}

    @cached_property
    def crews_by_id(self) -> Mapping[str, Crew]:
        return {crew.id: crew for crew in self.crews}

    def replace(self, **changes: object) -> RoutingProblem:
        """A copy with some fields changed (like ``dataclasses.replace``)."""
        values: dict[str, object] = {
            "jobs": self.jobs,
            "crews": self.crews,
            "days": self.days,
            "duration_s": self.duration_s,
            "objective": self.objective,
            "previous": self.previous,
        }
        values.update(changes)
        return RoutingProblem(**values)  # type: ignore[arg-type]


@cache
def _swedish_days_off(year: int) -> frozenset[dt.date]:
    calendar = holidays.Sweden(years=year, categories=("public", "de_facto"))
    return frozenset(calendar.keys())


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and neither a Swedish public holiday nor a de facto one.

    Public holidays come from ``holidays.Sweden``; the de facto days off (midsommarafton,
    julafton, nyårsafton) are included because no crew works them.
    """
    return day.weekday() < 5 and day not in _swedish_days_off(day.year)


def working_days(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    """The working days from ``first`` to ``last`` inclusive."""
    count = (last - first).days + 1
    candidates = (first + dt.timedelta(days=offset) for offset in range(max(count, 0)))
    return tuple(day for day in candidates if is_working_day(day))


def next_working_days(first: dt.date, count: int) -> tuple[dt.date, ...]:
    """The first ``count`` working days from ``first`` on."""
    days: list[dt.date] = []
    day = first
    while len(days) < count:
        if is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return tuple(days)
