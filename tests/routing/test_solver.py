"""What a planner user sees of the solver: where jobs go, when, and why some are left out."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from planner.routing import solver
from planner.routing.check import check_plan
from planner.routing.plan import RoutePlan
from planner.routing.problem import (
    Appointment,
    PreviousVisit,
    RoutingProblem,
    hhmm,
)
from planner.routing.reasons import DropReason
from planner.routing.solver import Progress, solve
from tests.routing.city import (
    MONDAY,
    TUESDAY,
    WEDNESDAY,
    apartment,
    entrance,
    grid_matrix,
    locksmith,
    make_problem,
    trygghetsjour,
)

FAST = 0.5


def plan_checked(problem: RoutingProblem, **options: object) -> RoutePlan:
    plan = solve(problem, time_limit_s=options.pop("time_limit_s", FAST), **options)  # type: ignore[arg-type]
    report = check_plan(problem, plan)
    assert report.ok, report.violations
    return plan


def reason_of(plan: RoutePlan, job_id: str) -> DropReason:
    return plan.dropped_reasons()[job_id]


@pytest.mark.parametrize("engine", ["auto", "ortools", "pyvrp"])
def test_every_engine_plans_every_job_of_a_small_wave(
    small_wave: RoutingProblem, engine: solver.Engine
) -> None:
    plan = plan_checked(small_wave, engine=engine)
    assert plan.planned_job_ids == {job.id for job in small_wave.jobs}
    assert not plan.dropped


def test_entrance_doors_go_to_locksmiths_and_apartment_doors_to_trygghetsjour(
    small_wave: RoutingProblem,
) -> None:
    plan = plan_checked(small_wave)
    for route in plan.routes:
        kinds = {job_id[0] for job_id in route.job_ids}
        assert kinds == ({"E"} if route.crew_id.startswith("L") else {"A"})


def test_lunch_is_taken_inside_its_window_and_between_visits() -> None:
    jobs = [apartment(f"A{site}", site, service_min=45) for site in range(2, 11)]
    plan = plan_checked(make_problem(jobs, [trygghetsjour()]))
    (route,) = plan.routes
    assert route.end_s > hhmm("13:00")  # a full day, so the lunch falls inside it
    assert route.lunch_start_s is not None and route.lunch_end_s is not None
    assert hhmm("11:00") <= route.lunch_start_s
    assert route.lunch_end_s <= hhmm("13:00")
    for stop in route.stops:
        assert stop.end_s <= route.lunch_start_s or stop.start_s >= route.lunch_end_s


def test_visit_lies_inside_the_appointment_agreed_with_the_customer() -> None:
    booked = Appointment(MONDAY, hhmm("13:00"), hhmm("14:00"))
    jobs = [apartment("A2", 2), apartment("A3", 3, appointment=booked), apartment("A4", 4)]
    plan = plan_checked(make_problem(jobs, [trygghetsjour()]))
    stop = next(s for route in plan.routes for s in route.stops if s.job_id == "A3")
    assert hhmm("13:00") <= stop.start_s and stop.end_s <= hhmm("14:00")


def test_pinned_job_stays_on_its_crew_and_day() -> None:
    jobs = [entrance(f"E{site}", site) for site in (2, 3, 4)]
    jobs.append(entrance("E5", 5, pinned_crew="L2", pinned_day=TUESDAY))
    problem = make_problem(jobs, [locksmith("L1"), locksmith("L2")], (MONDAY, TUESDAY))
    plan = plan_checked(problem)
    route = plan.route_of("E5")
    assert route is not None
    assert (route.crew_id, route.day) == ("L2", TUESDAY)


def test_job_longer_than_a_shift_is_left_out_with_that_reason() -> None:
    jobs = [entrance("E2", 2), entrance("LONG", 3, service_min=6 * 60)]
    plan = plan_checked(make_problem(jobs, [locksmith()]))
    assert reason_of(plan, "LONG") == DropReason.LONGER_THAN_SHIFT
    assert "arbetspass" in plan.dropped[0].text
    assert plan.planned_job_ids == {"E2"}


def test_entrance_door_without_the_owners_consent_is_left_out_with_the_consent_reason() -> None:
    jobs = [entrance("E2", 2), entrance("E3", 3, consent_received=False)]
    plan = plan_checked(make_problem(jobs, [locksmith()]))
    assert reason_of(plan, "E3") == DropReason.NO_CONSENT
    assert plan.dropped[0].text.startswith("Fastighetsägarens medgivande saknas")


@pytest.mark.parametrize(
    ("job", "reason"),
    [
        (apartment("X", 3, requires_appointment=True), DropReason.NO_APPOINTMENT),
        (apartment("X", None), DropReason.NO_POSITION),
        (apartment("X", 3, skill="electrician"), DropReason.NO_CREW_WITH_SKILL),
        (
            apartment("X", 3, earliest_day=dt.date(2025, 3, 8), latest_day=dt.date(2025, 3, 9)),
            DropReason.NO_DAY_IN_RANGE,
        ),
        (
            apartment("X", 3, appointment=Appointment(MONDAY, hhmm("17:00"), hhmm("18:00"))),
            DropReason.OUTSIDE_EVERY_WINDOW,
        ),
        (
            apartment("X", 3, appointment=Appointment(WEDNESDAY, hhmm("9:00"), hhmm("10:00"))),
            DropReason.OUTSIDE_EVERY_WINDOW,
        ),
        (apartment("X", 3, pinned_crew="T9"), DropReason.PINNED_UNAVAILABLE),
    ],
)
def test_job_that_breaks_a_rule_is_left_out_with_the_rule_as_reason(
    job: object, reason: DropReason
) -> None:
    problem = make_problem([apartment("A2", 2), job], [trygghetsjour()])  # type: ignore[list-item]
    plan = plan_checked(problem)
    assert reason_of(plan, "X") == reason
    assert plan.planned_job_ids == {"A2"}


def test_public_holiday_is_never_worked() -> None:
    wednesday, ascension_day, friday = (dt.date(2025, 5, 28 + i) for i in range(3))
    # Each job needs most of a day, and one crew: three jobs, two working days.
    jobs = [entrance(f"E{site}", site, service_min=5 * 60) for site in (2, 3, 4)]
    jobs.append(entrance("PINNED", 5, pinned_day=ascension_day))
    problem = make_problem(jobs, [locksmith()], (wednesday, ascension_day, friday))
    plan = plan_checked(problem)
    assert {route.day for route in plan.routes} == {wednesday, friday}
    assert reason_of(plan, "PINNED") == DropReason.PINNED_UNAVAILABLE
    left = [drop for drop in plan.dropped if drop.job_id != "PINNED"]
    assert [drop.reason for drop in left] == [DropReason.NO_CAPACITY]


def test_crew_is_not_planned_on_its_day_off() -> None:
    jobs = [entrance("E2", 2), entrance("E3", 3)]
    crew = locksmith(days_off=frozenset({MONDAY}))
    plan = plan_checked(make_problem(jobs, [crew], (MONDAY, TUESDAY)))
    assert {route.day for route in plan.routes} == {TUESDAY}


def test_cap_on_jobs_a_day_holds() -> None:
    jobs = [entrance(f"E{site}", site, service_min=15) for site in (2, 3, 4, 5)]
    crew = locksmith(max_jobs_per_day=2)
    plan = plan_checked(make_problem(jobs, [crew], (MONDAY, TUESDAY)))
    assert sorted(len(route.stops) for route in plan.routes) == [2, 2]


def test_one_crew_day_is_used_when_one_is_enough() -> None:
    jobs = [entrance(f"E{site}", site) for site in (2, 3, 4, 5)]
    crews = [locksmith("L1"), locksmith("L2"), locksmith("L3")]
    plan = plan_checked(make_problem(jobs, crews, (MONDAY, TUESDAY)))
    assert plan.crew_days == 1


def test_jobs_beyond_the_waves_capacity_are_left_out_as_no_capacity() -> None:
    jobs = [entrance(f"E{site}", site, service_min=90) for site in range(2, 12)]
    plan = plan_checked(make_problem(jobs, [locksmith()]))
    assert 4 <= len(plan.planned_job_ids) <= 6
    assert {drop.reason for drop in plan.dropped} == {DropReason.NO_CAPACITY}
    assert all("ingen kapacitet" in drop.text.lower() for drop in plan.dropped)


def test_job_that_cannot_be_reached_even_alone_is_reported_so() -> None:
    matrix = grid_matrix()
    matrix[:, 6] += 4 * 3600  # site 6 lies four hours away from everything
    matrix[6, 6] = 0
    early = Appointment(MONDAY, hhmm("07:00"), hhmm("09:00"))
    jobs = [entrance("E2", 2), entrance("FAR", 6, appointment=early)]
    plan = plan_checked(make_problem(jobs, [locksmith()], matrix=matrix))
    assert reason_of(plan, "FAR") == DropReason.UNREACHABLE_ALONE


def test_preferred_day_is_kept_when_there_is_room() -> None:
    jobs = [entrance("E2", 2), entrance("E3", 3, preferred_day=TUESDAY)]
    plan = plan_checked(make_problem(jobs, [locksmith()], (MONDAY, TUESDAY)))
    route = plan.route_of("E3")
    assert route is not None and route.day == TUESDAY


def test_replan_after_a_crew_falls_ill_moves_only_that_crews_jobs(
    small_wave: RoutingProblem,
) -> None:
    first = plan_checked(small_wave)
    sick = next(route.crew_id for route in first.routes if route.crew_id.startswith("T"))
    crews = tuple(
        dataclasses.replace(crew, days_off=frozenset({MONDAY})) if crew.id == sick else crew
        for crew in small_wave.crews
    )
    jobs = (*small_wave.jobs, apartment("NEW", 3))
    problem = small_wave.replace(crews=crews, jobs=jobs, previous=first.to_previous())
    second = plan_checked(problem)
    for route in first.routes:
        if route.crew_id == sick:
            continue
        for job_id in route.job_ids:
            moved_to = second.route_of(job_id)
            assert moved_to is not None
            assert (moved_to.crew_id, moved_to.day) == (route.crew_id, route.day)
    sick_jobs = {job_id for r in first.routes if r.crew_id == sick for job_id in r.job_ids}
    assert second.moved_job_ids == sick_jobs
    assert "NEW" in second.planned_job_ids


def test_done_visit_stays_exactly_where_and_when_it_was() -> None:
    jobs = [entrance(f"E{site}", site) for site in (2, 3, 4)]
    done = PreviousVisit(crew_id="L2", day=MONDAY, position=0, start_s=hhmm("09:00"), done=True)
    problem = make_problem(jobs, [locksmith("L1"), locksmith("L2")], previous={"E3": done})
    plan = plan_checked(problem)
    route = plan.route_of("E3")
    assert route is not None and (route.crew_id, route.day) == ("L2", MONDAY)
    stop = next(s for s in route.stops if s.job_id == "E3")
    assert stop.start_s == hhmm("09:00")


def test_large_wave_is_planned_day_by_day_with_progress_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(solver, "JOINT_MAX_JOBS", 2)
    jobs = [entrance(f"E{site}", site, service_min=120) for site in range(2, 8)]
    jobs += [apartment(f"A{site}", site, service_min=120) for site in range(2, 8)]
    crews = [locksmith("L1"), locksmith("L2"), trygghetsjour("T1")]
    problem = make_problem(jobs, crews, (MONDAY, TUESDAY, WEDNESDAY))
    events: list[Progress] = []
    plan = plan_checked(problem, time_limit_s=4.0, progress=events.append, workers=2)
    assert plan.planned_job_ids == {job.id for job in jobs}
    fractions = [event.fraction for event in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(event.message.startswith("Dag ") for event in events)


def test_plan_becomes_one_row_per_stop_in_route_order(small_wave: RoutingProblem) -> None:
    plan = plan_checked(small_wave)
    frame = plan.to_frame()
    assert len(frame) == len(small_wave.jobs)
    assert list(frame.columns[:4]) == ["crew_id", "day", "position", "job_id"]
    for _, rows in frame.groupby("crew_id"):
        assert list(rows["position"]) == list(range(1, len(rows) + 1))
        assert (rows["start"].diff().dropna() > dt.timedelta(0)).all()
    assert str(frame["start"].dt.tz) == "Europe/Stockholm"
    assert "10 jobb planerade" in plan.summary()
    assert plan.cost() == (
        plan.objective.crew_day_cost * plan.crew_days
        + plan.objective.driving_cost_per_s * plan.driving_s
    )


def test_alike_crews_take_turns_when_each_day_needs_only_one() -> None:
    days = (MONDAY, TUESDAY, WEDNESDAY)
    jobs = [entrance(f"E{day.day}-{site}", site, pinned_day=day) for day in days for site in (2, 3)]
    crews = [locksmith("L1"), locksmith("L2"), locksmith("L3")]
    plan = plan_checked(make_problem(jobs, crews, days))
    assert plan.crew_days == 3
    assert {route.crew_id for route in plan.routes} == {"L1", "L2", "L3"}


def test_a_single_day_with_more_jobs_than_fit_is_filled_day_by_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # one day, far more work than the crews can do: the jobs for the day are chosen first,
    # so the search never faces the whole list (which on a real wave found nothing in time)
    monkeypatch.setattr(solver, "JOINT_MAX_JOBS", 4)
    jobs = [entrance(f"E{site}-{n}", site, service_min=60) for site in range(2, 12) for n in (1, 2)]
    events: list[Progress] = []
    plan = plan_checked(
        make_problem(jobs, [locksmith("L1"), locksmith("L2")]),
        time_limit_s=3.0,
        progress=events.append,
    )
    assert 10 <= len(plan.planned_job_ids) <= 16  # two crews, 8 h 30 min each
    assert any(event.message.startswith("Dag ") for event in events)
    assert {drop.reason for drop in plan.dropped} == {DropReason.NO_CAPACITY}
