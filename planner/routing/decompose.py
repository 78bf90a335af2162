"""Assign a large wave's jobs to days before routing each day on its own.

A wave of 2,000 jobs over 10 days and 16-20 crews is too big for one routing model on two cores
in two minutes, but each day (about 200 jobs and its crews) is not. ``assign_days`` decides
which day each job is done, so that each day's jobs fit its crews and lie in compact areas:

1. When re-planning, a job whose place in the previous plan is still allowed keeps that day,
   and its work is taken from its crew's room that day: the previous plan is the starting
   point, and the day's model starts from the previous routes.
2. Each other job's work is estimated as its service time plus the drive from its nearest
   neighbours of the same skill (the mean of the two shortest legs). Days are taken in order.
   Each day takes the jobs that must be done that day (appointment, pinned day, last allowed
   day) or wish to be (preferred day, or the day of the previous plan when its crew may no
   longer take it), plus, per skill, an equal share of the work of the other open jobs over
   the days they have left. When the crews have room to spare (``SLACK``) the share is
   rounded to whole crew-days with the day's fixed and urgent work, so a long wave is not
   spread thin over half-used crew-days; a tight wave is levelled as it is. Levelling matters when
   appointments are spread over the wave: every day needs crews for its appointments anyway,
   and movable jobs fill the gaps around them instead of piling onto the first days.
3. Each working crew gets a bin of ``FILL`` × its shift minus lunch, less the drive from its
   depot to the bin's first job and back. A bin is seeded with the job that most needs the day
   (must, then wish, then the nearest last day, the highest priority, and the farthest from
   the depot, outlying areas first as in sweep heuristics) and grows by the job nearest to any
   job already in it while its estimated work fits and the day's share for that skill is not
   used up. Crews are opened one at a time and filled, so a day uses as few crews as it can.
4. Crews are taken in order of the days they already have (fewest first), so crew-days are
   spread evenly over the crews when not every crew is needed.
5. Jobs that must be done on a day but fit no bin go to the nearest bin, the most urgent
   first and at most ``OVERFLOW`` of a bin's size more: the day's solve decides, and the
   solver's repair round or the reasons step deals with what is left.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner.routing.eligibility import Eligibility
from planner.routing.problem import Crew, RoutingProblem

logger = logging.getLogger(__name__)

#: Share of a crew-day's working time that the estimate fills: routes also wait for
#: appointments, which the estimate does not see.
FILL = 0.93

#: Jobs that must be done on a day but fit no bin: each bin takes at most this share of its
#: own size more (at least one).
OVERFLOW = 0.25

#: A wave whose work left fills less than this share of its crews' days has room to spare: a
#: day's budget is then rounded to whole crew-days, and a crew is not opened for less than
#: ``SLIVER`` of its day (that work waits for a later day).
SLACK = 0.75
SLIVER = 0.15

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
    fixed_load: dict[tuple[str, dt.date], float] = {}
    day_load: dict[tuple[str, dt.date], float] = {}  # by skill: work already on the day
    for job_id, (key, _) in eligibility.fixed.items():
        service = problem.jobs_by_id[job_id].service_s
        fixed_load[key] = fixed_load.get(key, 0.0) + service
        skill_day = (problem.jobs_by_id[job_id].skill, key[1])
        day_load[skill_day] = day_load.get(skill_day, 0.0) + service
    # Re-planning: a job keeps the day of the previous plan when it still may have it; its
    # work counts against its crew's room that day.
    work = dict(zip(movable, estimate_work_s(problem, movable), strict=True))
    staying = []
    for job_id in movable:
        previous = problem.previous.get(job_id)
        if previous is None or (previous.crew_id, previous.day) not in eligibility.allowed[job_id]:
            continue
        key = (previous.crew_id, previous.day)
        result[job_id] = previous.day
        fixed_load[key] = fixed_load.get(key, 0.0) + float(work[job_id])
        skill_day = (problem.jobs_by_id[job_id].skill, previous.day)
        day_load[skill_day] = day_load.get(skill_day, 0.0) + float(work[job_id])
        staying.append(job_id)
    movable = [job_id for job_id in movable if job_id not in result]
    if not movable:
        return result
    days = sorted({day for job_id in movable for _, day in eligibility.allowed[job_id]})
    number = {day: i for i, day in enumerate(days)}
    jobs = _arrays(problem, eligibility, movable, number)
    if staying:
        logger.info("%d jobs keep the day of the previous plan", len(staying))
    crew_days = {crew.id: 0 for crew in problem.crews}
    skills = sorted(set(jobs.skill.tolist()))

    crew_s = _crew_day_s(problem, skills, fill)
    seats = {  # per skill: crews with the skill at work on each day
        skill: np.array(
            [sum(1 for c in problem.crews if skill in c.skills and c.works_on(day)) for day in days]
        )
        for skill in skills
    }
    for day in days:
        d = number[day]
        must = jobs.open & (jobs.last_day == d)
        wished = jobs.open & (jobs.wished_day == d)
        budget: dict[str, float] = {}
        for skill in skills:
            of_skill = jobs.open & (jobs.skill == skill)
            rest = of_skill & ~(must | wished) & jobs.allowed_on[:, d]
            days_left = jobs.allowed_on[rest, d:].sum(axis=1)
            share = float((jobs.work[rest] / np.maximum(days_left, 1)).sum())
            budget[skill] = share
            # With room to spare, whole crew-days: the day's fixed and urgent work plus its
            # share, rounded to full crews (a crew less when only a sliver would be left for it).
            room = crew_s[skill] * float(seats[skill][d:].sum())
            left = float(jobs.work[of_skill].sum()) + sum(
                load for (k, on), load in day_load.items() if k == skill and on >= day
            )
            if share > 0 and left < SLACK * room:
                urgent = float(jobs.work[of_skill & (must | wished)].sum())
                urgent += day_load.get((skill, day), 0.0)
                crews = math.ceil((urgent + share) / crew_s[skill] - SLIVER)
                budget[skill] = max(crews * crew_s[skill] - urgent, 0.0)
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
        # Jobs that cannot wait past today go to the nearest bin that may take them, the most
        # urgent first, a few per bin: more would only crowd the day's model with jobs it
        # must leave out anyway (the repair round and the reasons step see them).
        extra = {id(members): max(1, round(OVERFLOW * len(members))) for _, members in bins}
        late_jobs = np.flatnonzero(jobs.open & (jobs.last_day == d))
        for late in late_jobs[np.argsort(-jobs.priority[late_jobs], kind="stable")]:
            i = int(late)
            candidates = [
                members
                for crew, members in bins
                if (crew.id, day) in jobs.allowed[i] and extra[id(members)] > 0
            ]
            if not candidates:
                continue
            gaps = [float(jobs.legs[members, i].min()) for members in candidates]
            nearest = candidates[int(np.argmin(gaps))]
            nearest.append(i)
            extra[id(nearest)] -= 1
            jobs.open[i] = False
            result[jobs.ids[i]] = day
    left = int(jobs.open.sum())
    if left:
        logger.info("%d jobs found no room on any of their days before routing", left)
    return result


def _crew_day_s(problem: RoutingProblem, skills: Sequence[str], fill: float) -> dict[str, float]:
    """Per skill: the work a crew with that skill does in a day (the mean over such crews)."""
    result: dict[str, float] = {}
    for skill in skills:
        spans = [
            (crew.shift_end_s - crew.shift_start_s)
            - (crew.lunch.duration_s if crew.lunch is not None else 0)
            for crew in problem.crews
            if skill in crew.skills
        ]
        result[skill] = max(fill * float(np.mean(spans)) if spans else 1.0, 1.0)
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
