"""Wave planning on plain data: which districts go together, how many crew-days, when done.

Everything here is arithmetic a manager can check by hand; no database, no solver.

* ``order_waves`` orders districts by consent readiness (the share of buildings whose owner has
  given consent: those can start at once), the readiest first and, among equals, the smaller
  first, and groups them into waves of at most ``max_days`` working days each with the crews
  given.
* ``forecast`` takes waves as given (from the database, say) and computes each one's crew-days
  and dates: waves follow one another, each starting on the first working day after the
  previous one ends (and not before its own planned start, if it has one).
* A wave's length is set by its slower trade: entrance doors need locksmith crew-days
  (``ceil(entrance jobs / jobs per crew-day)``), apartment doors Trygghetsjouren crew-days; the
  working days are the larger of the two divided by the number of crews of that trade (rounded
  up). Weekends and Swedish public holidays are not working days.
* ``what_if`` repeats the forecast for other numbers of crews.

The jobs a crew does in a day come from ``Capacity``; ``jobs_per_crew_day`` derives them from
the service time, a typical drive between stops and the working time of a shift.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from planner.routing.problem import next_working_days


def jobs_per_crew_day(
    service_min: float, *, travel_min: float = 12.0, working_h: float = 8.5, fill: float = 0.93
) -> float:
    """Visits a crew makes in a day: ``fill`` of the working time over (service + drive)."""
    return working_h * 60 * fill / (service_min + travel_min)


@dataclass(frozen=True)
class Capacity:
    """The crews of each trade and the jobs one crew does in a day."""

    locksmith_crews: int
    trygghetsjour_crews: int
    entrance_per_crew_day: float = round(jobs_per_crew_day(45), 1)
    apartment_per_crew_day: float = round(jobs_per_crew_day(30, travel_min=10), 1)

    def __post_init__(self) -> None:
        if self.locksmith_crews < 0 or self.trygghetsjour_crews < 0:
            msg = "Antalet lag kan inte vara negativt."
            raise ValueError(msg)
        if self.entrance_per_crew_day <= 0 or self.apartment_per_crew_day <= 0:
            msg = "Jobb per lagdag måste vara fler än noll."
            raise ValueError(msg)


@dataclass(frozen=True)
class DistrictWork:
    """Work left in a district: doors to fit, and the share of buildings with consent."""

    district: str
    entrance_jobs: int
    apartment_jobs: int
    consent_ready: float = 1.0

    @property
    def jobs(self) -> int:
        return self.entrance_jobs + self.apartment_jobs


@dataclass(frozen=True)
class WaveWork:
    """A wave as the database knows it: number, name, districts, and when it may start."""

    number: int
    name: str
    districts: tuple[DistrictWork, ...]
    earliest_start: dt.date | None = None


@dataclass(frozen=True)
class WaveForecast:
    number: int
    name: str
    districts: tuple[str, ...]
    entrance_jobs: int
    apartment_jobs: int
    consent_ready: float
    locksmith_crew_days: int
    trygghetsjour_crew_days: int
    working_days: int
    start: dt.date
    end: dt.date

    @property
    def crew_days(self) -> int:
        return self.locksmith_crew_days + self.trygghetsjour_crew_days


def _readiness(districts: Sequence[DistrictWork]) -> float:
    """Consent readiness weighted by the entrance work of each district."""
    weight = sum(d.entrance_jobs for d in districts)
    if weight == 0:
        return 1.0 if not districts else sum(d.consent_ready for d in districts) / len(districts)
    return sum(d.consent_ready * d.entrance_jobs for d in districts) / weight


def crew_days(districts: Sequence[DistrictWork], capacity: Capacity) -> tuple[int, int]:
    """Locksmith and Trygghetsjouren crew-days for the districts' work."""
    entrance = sum(d.entrance_jobs for d in districts)
    apartment = sum(d.apartment_jobs for d in districts)
    return (
        math.ceil(entrance / capacity.entrance_per_crew_day),
        math.ceil(apartment / capacity.apartment_per_crew_day),
    )


def working_days_needed(districts: Sequence[DistrictWork], capacity: Capacity) -> int:
    """Working days the slower trade needs (at least one when there is work)."""
    locksmith, trygghetsjour = crew_days(districts, capacity)
    needs = []
    for days_of_work, crews, trade in (
        (locksmith, capacity.locksmith_crews, "låssmedslag"),
        (trygghetsjour, capacity.trygghetsjour_crews, "Trygghetsjourens lag"),
    ):
        if days_of_work == 0:
            continue
        if crews == 0:
            msg = f"Det finns arbete men inga {trade}."
            raise ValueError(msg)
        needs.append(math.ceil(days_of_work / crews))
    return max(needs, default=0)


def _wave(
    number: int,
    name: str,
    districts: Sequence[DistrictWork],
    capacity: Capacity,
    start: dt.date,
) -> WaveForecast:
    days = working_days_needed(districts, capacity)
    calendar = next_working_days(start, max(days, 1))
    locksmith, trygghetsjour = crew_days(districts, capacity)
    return WaveForecast(
        number=number,
        name=name,
        districts=tuple(d.district for d in districts),
        entrance_jobs=sum(d.entrance_jobs for d in districts),
        apartment_jobs=sum(d.apartment_jobs for d in districts),
        consent_ready=_readiness(districts),
        locksmith_crew_days=locksmith,
        trygghetsjour_crew_days=trygghetsjour,
        working_days=days,
        start=calendar[0],
        end=calendar[-1] if days else calendar[0],
    )


def order_waves(
    districts: Sequence[DistrictWork],
    capacity: Capacity,
    *,
    start: dt.date,
    max_days: int = 60,
) -> list[WaveForecast]:
    """Group districts into waves of at most ``max_days`` working days, readiest first.

    A district that alone needs more than ``max_days`` makes a wave of its own.
    """
    ordered = sorted(districts, key=lambda d: (-round(d.consent_ready, 6), d.jobs, d.district))
    groups: list[list[DistrictWork]] = []
    for district in ordered:
        if groups and working_days_needed([*groups[-1], district], capacity) <= max_days:
            groups[-1].append(district)
        else:
            groups.append([district])
    waves = [
        WaveWork(number, f"Våg {number}: " + ", ".join(d.district for d in group), tuple(group))
        for number, group in enumerate(groups, start=1)
    ]
    return forecast(waves, capacity, start=start)


def forecast(
    waves: Sequence[WaveWork], capacity: Capacity, *, start: dt.date
) -> list[WaveForecast]:
    """Crew-days and dates of each wave, one after the other from ``start``."""
    result: list[WaveForecast] = []
    begin = start
    for wave in waves:
        if wave.earliest_start is not None and wave.earliest_start > begin:
            begin = wave.earliest_start
        planned = _wave(wave.number, wave.name, wave.districts, capacity, begin)
        result.append(planned)
        if planned.working_days:
            begin = planned.end + dt.timedelta(days=1)
    return result


def what_if(
    waves: Sequence[WaveWork],
    capacity: Capacity,
    *,
    start: dt.date,
    crews: Sequence[tuple[int, int]],
) -> pd.DataFrame:
    """When the last wave is done with other numbers of (locksmith, Trygghetsjour) crews."""
    rows = []
    for locksmiths, trygghetsjour in crews:
        changed = replace(capacity, locksmith_crews=locksmiths, trygghetsjour_crews=trygghetsjour)
        planned = forecast(waves, changed, start=start)
        last = max((w.end for w in planned if w.working_days), default=start)
        rows.append(
            {
                "Låssmedslag": locksmiths,
                "Trygghetsjourens lag": trygghetsjour,
                "Lagdagar": sum(w.crew_days for w in planned),
                "Arbetsdagar": sum(w.working_days for w in planned),
                "Klart": last,
            }
        )
    return pd.DataFrame(
        rows, columns=["Låssmedslag", "Trygghetsjourens lag", "Lagdagar", "Arbetsdagar", "Klart"]
    )


def to_frame(waves: Sequence[WaveForecast]) -> pd.DataFrame:
    """One row per wave with Swedish column names."""
    return pd.DataFrame(
        [
            {
                "Våg": w.number,
                "Namn": w.name,
                "Stadsdelsområden": ", ".join(w.districts),
                "Medgivanden klara": f"{w.consent_ready:.0%}",
                "Entrédörrar": w.entrance_jobs,
                "Lägenhetsdörrar": w.apartment_jobs,
                "Lagdagar låssmed": w.locksmith_crew_days,
                "Lagdagar Trygghetsjouren": w.trygghetsjour_crew_days,
                "Arbetsdagar": w.working_days,
                "Start": w.start,
                "Klart": w.end,
            }
            for w in waves
        ],
        columns=[
            "Våg",
            "Namn",
            "Stadsdelsområden",
            "Medgivanden klara",
            "Entrédörrar",
            "Lägenhetsdörrar",
            "Lagdagar låssmed",
            "Lagdagar Trygghetsjouren",
            "Arbetsdagar",
            "Start",
            "Klart",
        ],
    )
