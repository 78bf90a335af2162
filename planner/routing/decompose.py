"""Assign a large wave's jobs to days before routing each day on its own.

A wave of 2,000 jobs over 10 days and 16-20 crews is too big for one routing model on two cores
in two minutes, but each day (about 200 jobs and its crews) is not. ``assign_days`` decides
which day each job is done, so that each day's jobs fit its crews and lie in compact areas:

1. Each job's work is estimated as its service time plus the drive from its nearest
   neighbours of the same skill (the mean of the two shortest legs).
2. Days are taken in order. Each day takes the jobs that must be done that day (appointment,
   pinned day, last allowed day) or wish to be (preferred day, or the day of the previous plan
   when re-planning), plus, per skill, an equal share of the work of the other open jobs over
   the days they have left. Levelling matters when appointments are spread over
   the wave: every day needs crews for its appointments anyway, and movable jobs fill the gaps
   around them instead of piling onto the first days.
3. Each working crew gets a bin of ``FILL`` × its shift minus lunch, less the drive from its
   depot to the bin's first job and back. A bin is seeded with the job that most needs the day
   (must, then wish, then the nearest last day, the highest priority, and the farthest from
   the depot, outlying areas first as in sweep heuristics) and grows by the job nearest to any
   job already in it while its estimated work fits and the day's share for that skill is not
   used up. Crews are opened one at a time and filled, so a day uses as few crews as it can.
4. Crews are taken in order of the days they already have (fewest first), so crew-days are
   spread evenly over the crews when not every crew is needed.
5. Jobs that must be done on a day but fit no bin go to the nearest bin: the day's solve
   decides, and the solver's repair round or the reasons step deals with what is left.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner.routing.eligibility import Eligibility
from planner.routing.problem import Crew, RoutingProblem

logger = logging.getLogger(__name__)

#: Share of a crew-day's working time that the estimate fills: routes also wait for
#: appointments, which the estimate does not see.
FILL = 0.93

#: A job that must (or wishes to) be done today is preferred when it is at most this much
#: farther than the nearest other candidate, in seconds.
URGENCY_BONUS_S = 600.0


def estimate_work_s(problem: RoutingProblem, job_ids: Sequence[str]) -> np.ndarray:
    """Service plus the mean of the two shortest legs to other jobs of the same skill."""
    jobs = [problem.jobs_by_id[job_id] for job_id in job_ids]
    locations = np.array([job.location for job in jobs], dtype=np.int64)
    matrix = problem.duration_s[np.ix_(locations, locations)]
    legs = (matrix + matrix.T) / 2
    skills = np.array([job.skill for job in jobs])
    work = np.array([job.service_s for job in jobs], dtype=np.float64)
    for skill in np.unique(skills):
        members = np.flatnonzero(skills == skill)
        if len(members) < 2:
            continue
        block = legs[np.ix_(members, members)].astype(np.float64)
        np.fill_diagonal(block, np.inf)
        nearest = np.sort(block, axis=1)[:, : min(2, len(members) - 1)]
        work[members] += nearest.mean(axis=1)
    return work


@dataclass
class _Jobs:
    """The movable jobs of the wave as arrays (index = position in ``ids``)."""

    ids: list[str]
    skill: np.ndarray
    work: np.ndarray
    priority: np.ndarray
    legs: np.ndarray
    locations: np.ndarray
    last_day: np.ndarray
    wished_day: np.ndarray
    allowed: list[frozenset[tuple[str, dt.date]]]
    allowed_on: np.ndarray  # job × day
    open: np.ndarray


def assign_days(
    problem: RoutingProblem,
    eligibility: Eligibility,
    job_ids: Sequence[str],
    *,
    fill: float = FILL,
) -> dict[str, dt.date]:
    """The day of each job; jobs with no room on any of their days are left out of the map."""
    result: dict[str, dt.date] = {}
    for job_id in job_ids:
        if job_id in eligibility.fixed:
            result[job_id] = eligibility.fixed[job_id][0][1]
    movable = [job_id for job_id in job_ids if job_id not in eligibility.fixed]
    if not movable:
        return result
    days = sorted({day for job_id in movable for _, day in eligibility.allowed[job_id]})
    number = {day: i for i, day in enumerate(days)}
    jobs = _arrays(problem, eligibility, movable, number)
    fixed_load: dict[tuple[str, dt.date], float] = {}
    for job_id, (key, _) in eligibility.fixed.items():
        fixed_load[key] = fixed_load.get(key, 0.0) + problem.jobs_by_id[job_id].service_s
    crew_days = {crew.id: 0 for crew in problem.crews}
    skills = sorted(set(jobs.skill.tolist()))

    for day in days:
        d = number[day]
        must = jobs.open & (jobs.last_day == d)
        wished = jobs.open & (jobs.wished_day == d)
        budget: dict[str, float] = {}
        for skill in skills:
            of_skill = jobs.open & (jobs.skill == skill)
            rest = of_skill & ~(must | wished) & jobs.allowed_on[:, d]
            days_left = jobs.allowed_on[rest, d:].sum(axis=1)
            budget[skill] = float((jobs.work[rest] / np.maximum(days_left, 1)).sum())
        today = [crew for crew in problem.crews if crew.works_on(day)]
        today.sort(key=lambda c: (len(c.skills), crew_days[c.id], c.id))
        bins: list[tuple[Crew, list[int]]] = []
        for crew in today:
            eligible = jobs.open & np.array(
                [(crew.id, day) in keys for keys in jobs.allowed], dtype=bool
            )
            if not eligible.any():
                continue
            members = _fill_bin(
                crew,
                jobs,
                eligible=eligible,
                urgent=must | wished,
                must=must,
                budget=budget,
                depot_out=problem.duration_s[crew.depot, jobs.locations],
                depot_back=problem.duration_s[jobs.locations, crew.final_depot],
                already_s=fixed_load.get((crew.id, day), 0.0),
                fill=fill,
            )
            if members:
                jobs.open[members] = False
                crew_days[crew.id] += 1
                bins.append((crew, members))
                for i in members:
                    result[jobs.ids[i]] = day
        # Jobs that cannot wait past today go to the nearest bin that may take them.
        for late in np.flatnonzero(jobs.open & (jobs.last_day == d)):
            i = int(late)
            candidates = [members for crew, members in bins if (crew.id, day) in jobs.allowed[i]]
            if not candidates:
                continue
            gaps = [float(jobs.legs[members, i].min()) for members in candidates]
            nearest = candidates[int(np.argmin(gaps))]
            nearest.append(i)
            jobs.open[i] = False
            result[jobs.ids[i]] = day
    left = int(jobs.open.sum())
    if left:
        logger.info("%d jobs found no room on any of their days before routing", left)
    return result


def _arrays(
    problem: RoutingProblem,
    eligibility: Eligibility,
    movable: list[str],
    number: dict[dt.date, int],
) -> _Jobs:
    jobs = [problem.jobs_by_id[job_id] for job_id in movable]
    locations = np.array([job.location for job in jobs], dtype=np.int64)
    allowed = [eligibility.allowed[job_id] for job_id in movable]
    allowed_days = [{number[day] for _, day in keys} for keys in allowed]
    allowed_on = np.zeros((len(jobs), len(number)), dtype=bool)
    for i, days in enumerate(allowed_days):
        allowed_on[i, sorted(days)] = True
    wished = np.full(len(jobs), -1)
    for i, job in enumerate(jobs):
        previous = problem.previous.get(job.id)
        wish = previous.day if previous is not None else job.preferred_day
        if wish is not None and wish in number and number[wish] in allowed_days[i]:
            wished[i] = number[wish]
    return _Jobs(
        ids=movable,
        skill=np.array([job.skill for job in jobs]),
        work=estimate_work_s(problem, movable),
        priority=np.array([job.priority for job in jobs]),
        legs=problem.duration_s[np.ix_(locations, locations)],
        locations=locations,
        last_day=np.array([max(days) for days in allowed_days]),
        wished_day=wished,
        allowed=allowed,
        allowed_on=allowed_on,
        open=np.ones(len(jobs), dtype=bool),
    )


def _fill_bin(
    crew: Crew,
    jobs: _Jobs,
    *,
    eligible: np.ndarray,
    urgent: np.ndarray,
    must: np.ndarray,
    budget: dict[str, float],
    depot_out: np.ndarray,
    depot_back: np.ndarray,
    already_s: float,
    fill: float,
) -> list[int]:
    working_s = crew.shift_end_s - crew.shift_start_s
    if crew.lunch is not None:
        working_s -= crew.lunch.duration_s
    capacity = working_s * fill - already_s
    cap_jobs = crew.max_jobs_per_day if crew.max_jobs_per_day is not None else len(jobs.work)

    def allowed_now(i: int) -> bool:
        return bool(urgent[i]) or budget[str(jobs.skill[i])] >= jobs.work[i]

    candidates = [int(i) for i in np.flatnonzero(eligible) if allowed_now(int(i))]
    if not candidates:
        return []
    index = np.array(candidates)
    order = np.lexsort(
        (
            -(depot_out[index] + depot_back[index]),
            -jobs.priority[index],
            jobs.last_day[index],
            ~urgent[index],
            ~must[index],
        )
    )
    seed = int(index[order[0]])
    used = float(depot_out[seed] + depot_back[seed]) + jobs.work[seed]
    if used > capacity and not must[seed]:
        return []
    members = [seed]
    if not urgent[seed]:
        budget[str(jobs.skill[seed])] -= jobs.work[seed]
    available = eligible.copy()
    available[seed] = False
    distance = np.minimum(jobs.legs[seed, :], jobs.legs[:, seed]).astype(np.float64)
    while len(members) < cap_jobs:
        score = np.where(available, distance, np.inf) - np.where(urgent, URGENCY_BONUS_S, 0.0)
        chosen = None
        for candidate in np.argsort(score)[:12]:
            j = int(candidate)
            if not np.isfinite(score[j]):
                break
            if used + jobs.work[j] <= capacity and allowed_now(j):
                chosen = j
                break
        if chosen is None:
            break
        used += jobs.work[chosen]
        if not urgent[chosen]:
            budget[str(jobs.skill[chosen])] -= jobs.work[chosen]
        members.append(chosen)
        available[chosen] = False
        distance = np.minimum(distance, np.minimum(jobs.legs[chosen, :], jobs.legs[:, chosen]))
    return members
