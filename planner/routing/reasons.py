"""Why a job was left out of a plan: codes and their Swedish texts.

Every reason is found, never guessed: the first ones by checks before the solve (see
``planner.routing.eligibility``), the last two by solving the job alone on every crew-day it may
use after the plan is made (see ``planner.routing.solver``).
"""

from __future__ import annotations

from enum import StrEnum


class DropReason(StrEnum):
    """Reason codes (stored as their English value, shown as ``text``)."""

    NO_POSITION = "no_position"
    NO_CONSENT = "no_consent"
    NO_APPOINTMENT = "no_appointment"
    NO_CREW_WITH_SKILL = "no_crew_with_skill"
    PINNED_UNAVAILABLE = "pinned_unavailable"
    LOAD_TOO_LARGE = "load_too_large"
    LONGER_THAN_SHIFT = "longer_than_shift"
    NO_DAY_IN_RANGE = "no_day_in_range"
    OUTSIDE_EVERY_WINDOW = "outside_every_window"
    UNREACHABLE_ALONE = "unreachable_alone"
    NO_CAPACITY = "no_capacity"

    @property
    def text(self) -> str:
        return _TEXTS[self]

    @property
    def found_before_solve(self) -> bool:
        return self not in {DropReason.UNREACHABLE_ALONE, DropReason.NO_CAPACITY}


_TEXTS: dict[DropReason, str] = {
    DropReason.NO_POSITION: "Adressen saknar position (koordinater)",
    DropReason.NO_CONSENT: "Fastighetsägarens medgivande saknas",
    DropReason.NO_APPOINTMENT: "Ingen tid är bokad med kunden",
    DropReason.NO_CREW_WITH_SKILL: "Inget lag har den behörighet som jobbet kräver",
    DropReason.PINNED_UNAVAILABLE: "Det låsta laget eller den låsta dagen finns inte i vågen",
    DropReason.LOAD_TOO_LARGE: "Jobbet kräver mer material än något lag kan ta med sig",
    DropReason.LONGER_THAN_SHIFT: "Jobbet tar längre tid än vad som ryms i ett arbetspass",
    DropReason.NO_DAY_IN_RANGE: "Ingen arbetsdag i vågen ligger inom jobbets datumintervall",
    DropReason.OUTSIDE_EVERY_WINDOW: "Den bokade tiden ligger utanför alla arbetspass i vågen",
    DropReason.UNREACHABLE_ALONE: (
        "Jobbet hinns inte med i något arbetspass ens som enda jobb "
        "(restid från depån, tidsfönster och lunch)"
    ),
    DropReason.NO_CAPACITY: "Ingen kapacitet kvar i vågens arbetsdagar",
}
