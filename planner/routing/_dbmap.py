"""The vocabulary between the database and the routing core: kinds, skills, crews, local times.

The database says what a job is (``planner.models.JobKind``) and what a crew can do
(``planner.models.Skill``: entrance, apartment, repair); the routing core has its own
``JobKind`` and plain skill strings. This module is the one place that maps one onto the other.
"""

from __future__ import annotations

import datetime as dt

from planner.models import Crew as CrewRow
from planner.models import DoorKind, JobKind, Skill
from planner.routing import problem as rp

ROUTING_KIND: dict[JobKind, rp.JobKind] = {
    JobKind.INSTALL_ENTRANCE: rp.JobKind.ENTRANCE_DOOR,
    JobKind.INSTALL_APARTMENT: rp.JobKind.APARTMENT_DOOR,
    JobKind.INSTALL_REFUSE: rp.JobKind.REFUSE_ROOM,
    JobKind.INSTALL_LAUNDRY: rp.JobKind.LAUNDRY_ROOM,
    JobKind.REPAIR: rp.JobKind.FAULT_REPAIR,
    JobKind.DEACTIVATE: rp.JobKind.DEACTIVATION,
    JobKind.REACTIVATE: rp.JobKind.REACTIVATION,
    JobKind.REMOVE: rp.JobKind.REMOVAL,
}

#: The crew skill a job needs. Removals restore apartment doors: Trygghetsjouren's work.
SKILL_OF: dict[JobKind, str] = {
    JobKind.INSTALL_ENTRANCE: Skill.ENTRANCE.value,
    JobKind.INSTALL_REFUSE: Skill.ENTRANCE.value,
    JobKind.INSTALL_LAUNDRY: Skill.ENTRANCE.value,
    JobKind.INSTALL_APARTMENT: Skill.APARTMENT.value,
    JobKind.REMOVE: Skill.APARTMENT.value,
    JobKind.REPAIR: Skill.REPAIR.value,
    JobKind.DEACTIVATE: Skill.REPAIR.value,
    JobKind.REACTIVATE: Skill.REPAIR.value,
}

#: Jobs of the running city (not of a rollout wave); planned with a wave when in its districts.
SERVICE_KINDS = frozenset({JobKind.REPAIR, JobKind.DEACTIVATE, JobKind.REACTIVATE, JobKind.REMOVE})

KIND_LABELS: dict[JobKind, str] = {
    JobKind.INSTALL_ENTRANCE: "Montering entrédörr",
    JobKind.INSTALL_APARTMENT: "Montering lägenhetsdörr",
    JobKind.INSTALL_REFUSE: "Montering soprumsdörr",
    JobKind.INSTALL_LAUNDRY: "Montering tvättstugedörr",
    JobKind.REPAIR: "Felavhjälpning",
    JobKind.DEACTIVATE: "Avaktivering entrélås",
    JobKind.REACTIVATE: "Återaktivering entrélås",
    JobKind.REMOVE: "Borttagning lägenhetslås, återställ dörren",
}

DOOR_LABELS: dict[DoorKind, str] = {
    DoorKind.ENTRANCE: "Entrédörr",
    DoorKind.APARTMENT: "Lägenhetsdörr",
    DoorKind.REFUSE: "Soprum",
    DoorKind.LAUNDRY: "Tvättstuga",
}

SKILL_LABELS: dict[str, str] = {
    Skill.ENTRANCE.value: "entrédörrar",
    Skill.APARTMENT.value: "lägenhetsdörrar",
    Skill.REPAIR.value: "service och felavhjälpning",
}


def seconds_of(clock: dt.time) -> int:
    return clock.hour * 3600 + clock.minute * 60 + clock.second


def local_seconds(moment: dt.datetime) -> int:
    """Seconds since local midnight (Stockholm) of an aware datetime."""
    local = moment.astimezone(rp.STOCKHOLM)
    return local.hour * 3600 + local.minute * 60 + local.second


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(rp.STOCKHOLM).date()


def at_local(day: dt.date, seconds: int) -> dt.datetime:
    """The aware datetime ``seconds`` after local midnight of ``day``."""
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=rp.STOCKHOLM)
    return midnight + dt.timedelta(seconds=seconds)


def clock_text(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def routing_crew(
    row: CrewRow, depot: int, *, days_off: frozenset[dt.date] = frozenset()
) -> rp.Crew:
    """The routing core's crew for a crew row whose depot is location ``depot``."""
    lunch = None
    if row.lunch_min:
        lunch = rp.LunchBreak(
            window_start_s=seconds_of(row.lunch_earliest),
            window_end_s=seconds_of(row.lunch_latest),
            duration_s=row.lunch_min * 60,
        )
    return rp.Crew(
        id=str(row.id),
        skills=frozenset(row.skills or ()),
        depot=depot,
        shift_start_s=seconds_of(row.shift_start),
        shift_end_s=seconds_of(row.shift_end),
        lunch=lunch,
        max_jobs_per_day=row.max_jobs_per_day,
        days_off=days_off,
        organisation=str(row.organisation_id),
    )
