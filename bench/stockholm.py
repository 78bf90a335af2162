"""A generated Stockholm wave: entrance and apartment doors around real neighbourhood centres.

No database: buildings are drawn around a dozen neighbourhood centres (hard-coded latitude and
longitude), each building gets an entrance-door job (locksmith, 45 min) with the probability
of the wave's entrance share, and apartment-door jobs (Trygghetsjour, 30 min) for its home-care
customers, some of them with a two-hour appointment. Two depots: the locksmith firm in Årsta
and Trygghetsjouren on Kungsholmen. Shifts 07:00–16:00 with a 30-minute lunch inside
11:00–13:00; travel times are straight line × 1.35 at 25 km/h (``TRAVEL``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from planner.routing.problem import (
    Appointment,
    Crew,
    Job,
    JobKind,
    RoutingProblem,
    Skill,
    hhmm,
    next_working_days,
)
from planner.routing.travel import StraightLine

# Neighbourhood centres: name, latitude, longitude, spread of buildings in metres, weight.
CENTRES: tuple[tuple[str, float, float, float, float], ...] = (
    ("Södermalm", 59.3150, 18.0700, 900, 3.0),
    ("Kungsholmen", 59.3320, 18.0300, 700, 2.0),
    ("Vasastan", 59.3440, 18.0480, 700, 2.5),
    ("Östermalm", 59.3400, 18.0850, 700, 2.0),
    ("Bromma", 59.3380, 17.9400, 1400, 1.5),
    ("Hägersten", 59.2980, 17.9800, 1000, 1.5),
    ("Årsta", 59.2980, 18.0500, 800, 1.0),
    ("Enskede", 59.2850, 18.0700, 900, 1.2),
    ("Farsta", 59.2430, 18.0900, 1000, 1.2),
    ("Skarpnäck", 59.2670, 18.1330, 800, 0.8),
    ("Kista", 59.4030, 17.9430, 900, 1.0),
    ("Vällingby", 59.3630, 17.8720, 1000, 1.2),
    ("Skärholmen", 59.2770, 17.9070, 800, 0.8),
)

LOCKSMITH_DEPOT = (59.2960, 18.0420)  # Årsta industrial area
TRYGGHETSJOUR_DEPOT = (59.3330, 18.0200)  # Kungsholmen

#: As in RECIPES' measurement: straight line × 1.35 at 25 km/h, no extra time per stop.
TRAVEL = StraightLine(circuity=1.35, inner_speed_kmh=25.0, outer_speed_kmh=25.0, stop_s=0)

APPOINTMENT_STARTS = (hhmm("08:00"), hhmm("09:00"), hhmm("10:00"), hhmm("13:00"), hhmm("14:00"))


@dataclass(frozen=True)
class WaveSpec:
    jobs: int
    days: int
    locksmith_crews: int
    trygghetsjour_crews: int
    entrance_share: float = 0.285
    appointment_share: float = 0.61  # of apartment doors: ~43.5 % of all jobs
    first_day: dt.date = dt.date(2025, 3, 3)
    seed: int = 7


WAVE_400 = WaveSpec(jobs=400, days=1, locksmith_crews=14, trygghetsjour_crews=26)
WAVE_2000 = WaveSpec(jobs=2000, days=10, locksmith_crews=7, trygghetsjour_crews=14)


def _offset(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    return (
        lat + north_m / 111_320.0,
        lon + east_m / (111_320.0 * math.cos(math.radians(lat))),
    )


def generate(spec: WaveSpec) -> RoutingProblem:
    rng = np.random.default_rng(spec.seed)
    days = next_working_days(spec.first_day, spec.days)
    weights = np.array([centre[4] for centre in CENTRES])
    weights /= weights.sum()
    points: list[tuple[float, float]] = [LOCKSMITH_DEPOT, TRYGGHETSJOUR_DEPOT]
    jobs: list[Job] = []
    entrance_target = round(spec.jobs * spec.entrance_share)
    apartment_target = spec.jobs - entrance_target
    entrances = 0
    apartments = 0
    building = 0
    while entrances < entrance_target or apartments < apartment_target:
        _name, lat, lon, spread_m, _ = CENTRES[rng.choice(len(CENTRES), p=weights)]
        east, north = rng.normal(0.0, spread_m, size=2)
        points.append(_offset(lat, lon, float(east), float(north)))
        location = len(points) - 1
        building += 1
        if entrances < entrance_target and rng.random() < 0.6:
            entrances += 1
            jobs.append(Job.create(f"E{entrances:04d}", JobKind.ENTRANCE_DOOR, location))
        for _ in range(int(rng.integers(0, 3))):
            if apartments >= apartment_target:
                break
            apartments += 1
            appointment = None
            if rng.random() < spec.appointment_share:
                day = days[int(rng.integers(len(days)))]
                start = int(rng.choice(APPOINTMENT_STARTS))
                appointment = Appointment(day, start, start + 2 * 3600)
            jobs.append(
                Job.create(
                    f"A{apartments:04d}",
                    JobKind.APARTMENT_DOOR,
                    location,
                    appointment=appointment,
                )
            )
    crews = [
        Crew(f"L{k + 1:02d}", frozenset({Skill.LOCKSMITH}), depot=0, organisation="Låsfirman")
        for k in range(spec.locksmith_crews)
    ] + [
        Crew(
            f"T{k + 1:02d}",
            frozenset({Skill.TRYGGHETSJOUR}),
            depot=1,
            organisation="Trygghetsjouren",
        )
        for k in range(spec.trygghetsjour_crews)
    ]
    matrix = TRAVEL.matrix(points)
    return RoutingProblem(tuple(jobs), tuple(crews), days, matrix.duration_s)


def lower_bound_crew_days(problem: RoutingProblem) -> float:
    """Total service time ÷ working time of a shift (shift minus lunch): no crew-day does more."""
    service_s = sum(job.service_s for job in problem.jobs)
    crew = problem.crews[0]
    lunch_s = crew.lunch.duration_s if crew.lunch is not None else 0
    return service_s / (crew.shift_end_s - crew.shift_start_s - lunch_s)
