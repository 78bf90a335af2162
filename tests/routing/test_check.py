"""The independent checker catches what a broken solver could produce."""

from __future__ import annotations

from planner.routing.check import check_routes
from planner.routing.problem import Appointment, hhmm
from tests.routing.city import MONDAY, apartment, entrance, locksmith, make_problem, trygghetsjour


def test_checker_accepts_a_sound_route_and_counts_its_driving() -> None:
    problem = make_problem([entrance("E2", 2), entrance("E3", 3)], [locksmith("L1")])
    report = check_routes(problem, {("L1", MONDAY): ["E2", "E3"]})
    assert report.ok, report.violations
    # depot (0,0) → (2,1) → (3,1) → depot: 3 + 1 + 4 km at two minutes a kilometre.
    assert report.driving_s == 8 * 120
    assert (report.crew_days, report.planned) == (1, 2)


def test_checker_catches_a_visit_outside_its_appointment() -> None:
    booked = Appointment(MONDAY, hhmm("07:00"), hhmm("07:40"))
    jobs = [apartment("A2", 2, service_min=60), apartment("A3", 3, appointment=booked)]
    problem = make_problem(jobs, [trygghetsjour("T1")])
    report = check_routes(problem, {("T1", MONDAY): ["A2", "A3"]})
    assert not report.ok


def test_checker_catches_a_crew_without_the_skill_and_a_job_planned_twice() -> None:
    problem = make_problem([entrance("E2", 2)], [locksmith("L1"), trygghetsjour("T1")])
    report = check_routes(problem, {("L1", MONDAY): ["E2"], ("T1", MONDAY): ["E2"]})
    assert any("needs skill" in text for text in report.violations)
    assert any("planned twice" in text for text in report.violations)


def test_checker_catches_a_day_with_no_room_for_lunch() -> None:
    # Three 2-hour visits from 07:00 and no gap after 11:00 long enough for the lunch.
    jobs = [entrance(f"E{site}", site, service_min=170) for site in (2, 3, 4)]
    problem = make_problem(jobs, [locksmith("L1")])
    report = check_routes(problem, {("L1", MONDAY): ["E2", "E3", "E4"]})
    assert any("times do not work out" in text for text in report.violations)
