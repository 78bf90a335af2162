"""Which crew-days may take each job, and the reason when none may, found before solving.

Candidate crew-days start as every crew with the job's skill (or only the pinned crew) on every
working day it works; each rule then narrows them. The first rule that leaves none decides the
reason, so a user reads the cause that actually excludes the job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from planner.routing.problem import Crew, Job, RoutingProblem
from planner.routing.reasons import DropReason

CrewDay = tuple[str, dt.date]


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A job left out before the solve, with the rule that excluded it."""

    reason: DropReason
    detail: str


@dataclass(frozen=True)
class Eligibility:
    allowed: Mapping[str, frozenset[CrewDay]]
    excluded: Mapping[str, Exclusion]
    fixed: Mapping[str, tuple[CrewDay, int]]
    """Done visits kept exactly: crew-day and start second."""


def _fits_appointment(job: Job, crew: Crew) -> bool:
    appointment = job.appointment
    if appointment is None:
        return True
    start = max(appointment.start_s, crew.shift_start_s)
    end = min(appointment.end_s, crew.shift_end_s)
    return start + job.service_s <= end


def find_eligibility(problem: RoutingProblem) -> Eligibility:
    days = problem.working_days
    allowed: dict[str, frozenset[CrewDay]] = {}
    excluded: dict[str, Exclusion] = {}
    fixed: dict[str, tuple[CrewDay, int]] = {}
    crews_by_id = problem.crews_by_id
    for job in problem.jobs:
        previous = problem.previous.get(job.id)
        if previous is not None and previous.done:
            if (
                previous.day in days
                and previous.crew_id in crews_by_id
                and previous.start_s is not None
            ):
                fixed[job.id] = ((previous.crew_id, previous.day), previous.start_s)
            continue
        verdict = _check(job, problem, days)
        if isinstance(verdict, Exclusion):
            excluded[job.id] = verdict
        else:
            allowed[job.id] = verdict
    return Eligibility(allowed=allowed, excluded=excluded, fixed=fixed)


def _check(
    job: Job, problem: RoutingProblem, days: tuple[dt.date, ...]
) -> Exclusion | frozenset[CrewDay]:
    if job.location is None:
        return Exclusion(DropReason.NO_POSITION, "Jobbet har ingen plats i restidsmatrisen")
    if job.needs_consent and not job.consent_received:
        return Exclusion(DropReason.NO_CONSENT, "Entrédörrar och andra husdörrar kräver medgivande")
    if job.requires_appointment and job.appointment is None:
        return Exclusion(DropReason.NO_APPOINTMENT, "Jobbet kräver en bokad tid med kunden")

    crews = [crew for crew in problem.crews if job.skill in crew.skills]
    if not crews:
        return Exclusion(DropReason.NO_CREW_WITH_SKILL, f"Behörighet som krävs: {job.skill}")
    if job.pinned_crew is not None:
        crews = [crew for crew in crews if crew.id == job.pinned_crew]
        if not crews:
            return Exclusion(
                DropReason.PINNED_UNAVAILABLE,
                f"Låst lag {job.pinned_crew} finns inte i vågen eller saknar behörigheten",
            )
    crews = [crew for crew in crews if crew.capacity is None or job.load <= crew.capacity]
    if not crews:
        return Exclusion(DropReason.LOAD_TOO_LARGE, f"Material som krävs: {job.load}")
    crews = [crew for crew in crews if job.service_s <= crew.longest_visit_s]
    if not crews:
        return Exclusion(DropReason.LONGER_THAN_SHIFT, f"Jobbet tar {job.service_s // 60} minuter")

    candidates = {(crew.id, day) for crew in crews for day in days if crew.works_on(day)}
    crew_of = {crew.id: crew for crew in crews}
    rules: list[tuple[Callable[[str, dt.date], bool], DropReason, str]] = []
    if job.pinned_day is not None:
        pinned = job.pinned_day
        rules.append(
            (lambda _c, d: d == pinned, DropReason.PINNED_UNAVAILABLE, f"Låst dag {pinned}")
        )
    first, last = job.earliest_day, job.last_day
    if first is not None or last is not None:
        rules.append(
            (
                lambda _c, d: (first is None or d >= first) and (last is None or d <= last),
                DropReason.NO_DAY_IN_RANGE,
                f"Datumintervall {first or '…'} – {last or '…'}",
            )
        )
    appointment = job.appointment
    if appointment is not None:
        text = (
            f"Bokad tid {appointment.day} {_clock(appointment.start_s)}–{_clock(appointment.end_s)}"
        )
        rules.append(
            (
                lambda c, d: d == appointment.day and _fits_appointment(job, crew_of[c]),
                DropReason.OUTSIDE_EVERY_WINDOW,
                text,
            )
        )
    if not candidates:
        return Exclusion(
            DropReason.NO_DAY_IN_RANGE, "Inget lag med behörigheten arbetar någon dag i vågen"
        )
    for rule, reason, detail in rules:
        candidates = {(c, d) for c, d in candidates if rule(c, d)}
        if not candidates:
            return Exclusion(reason, detail)
    return frozenset(candidates)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
