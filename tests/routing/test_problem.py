"""The routing problem's building blocks: working days, appointments, job defaults."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from planner.routing.problem import (
    Appointment,
    Crew,
    JobKind,
    RoutingProblem,
    Skill,
    hhmm,
    next_working_days,
    working_days,
)
from tests.routing.city import apartment, entrance


def test_working_days_skip_weekends_and_swedish_holidays() -> None:
    days = working_days(dt.date(2025, 5, 26), dt.date(2025, 6, 1))
    # Thursday 29 May is Ascension Day.
    assert days == tuple(dt.date(2025, 5, d) for d in (26, 27, 28, 30))
    # Midsummer Eve, Christmas Eve and New Year's Eve are days off in practice too.
    assert dt.date(2025, 6, 20) not in working_days(dt.date(2025, 6, 16), dt.date(2025, 6, 22))
    assert next_working_days(dt.date(2025, 12, 23), 2) == (
        dt.date(2025, 12, 23),
        dt.date(2025, 12, 29),
    )


def test_appointment_from_utc_times_is_kept_in_stockholm_time() -> None:
    start = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)  # 10:00 in Stockholm (CET)
    booked = Appointment.from_datetimes(start, start + dt.timedelta(hours=2))
    assert booked == Appointment(dt.date(2025, 3, 3), hhmm("10:00"), hhmm("12:00"))
    naive = Appointment.from_datetimes(dt.datetime(2025, 7, 1, 8), dt.datetime(2025, 7, 1, 10))
    assert (naive.start_s, naive.end_s) == (hhmm("08:00"), hhmm("10:00"))


def test_jobs_get_the_service_time_and_skill_of_their_kind() -> None:
    door = entrance("E", 2)
    home = apartment("A", 3)
    assert (door.service_s, door.skill, door.needs_consent) == (45 * 60, Skill.LOCKSMITH, True)
    assert (home.service_s, home.skill, home.needs_consent) == (
        30 * 60,
        Skill.TRYGGHETSJOUR,
        False,
    )
    custom = entrance("R", 2, service_min=20)
    assert custom.service_s == 20 * 60 and custom.kind == JobKind.ENTRANCE_DOOR


def test_longest_visit_of_a_crew_leaves_room_for_lunch() -> None:
    crew = Crew("L", frozenset({Skill.LOCKSMITH}), depot=0)
    # 07:00 to a 12:30 lunch start is the longest stretch of the 07-16 shift.
    assert crew.longest_visit_s == hhmm("05:30")


def test_problem_refuses_a_job_at_a_place_the_matrix_does_not_have() -> None:
    with pytest.raises(ValueError, match="finns inte i restidsmatrisen"):
        RoutingProblem(
            jobs=(entrance("E", 7),),
            crews=(Crew("L", frozenset({Skill.LOCKSMITH}), depot=0),),
            days=(dt.date(2025, 3, 3),),
            duration_s=np.zeros((3, 3), dtype=np.int64),
        )
