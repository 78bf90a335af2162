"""Planning a wave from the database and back: the problem, the stored plan, re-plans, reasons."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from planner.errors import PlannerError
from planner.locks.states import JobState
from planner.models import AuditEvent, Consent, ConsentState, Job, PlanLeftOut, PlanRun
from planner.routing.planning import PlanOutcome, left_out_frame, left_out_reason, plan_wave
from planner.routing.problem import STOCKHOLM
from planner.routing.reasons import DropReason
from planner.routing.wave import PlanningOptions, find_wave, load_wave_problem
from tests.routing.dbcity import START, TODAY, DbCity, build_db_city, local

OPTIONS = PlanningOptions(start=START, days=5)


@pytest.fixture
def city(sessions: sessionmaker[Session]) -> DbCity:
    with sessions.begin() as session:
        return build_db_city(session)


def _plan(sessions: sessionmaker[Session], *, actor: str = "anna") -> PlanOutcome:
    with sessions.begin() as session:
        return plan_wave(session, 1, actor=actor, options=OPTIONS, time_limit_s=0.5, today=TODAY)


def test_the_problem_from_the_database_respects_consent_appointments_pins_and_done_work(
    sessions: sessionmaker[Session], city: DbCity
) -> None:
    with sessions() as session:
        wave = load_wave_problem(session, 1, options=OPTIONS, today=TODAY)
    problem = wave.problem
    jobs = {int(job.id): job for job in problem.jobs}
    ids = city.jobs
    assert problem.working_days == (
        date(2026, 11, 30),
        date(2026, 12, 1),
        date(2026, 12, 2),
        date(2026, 12, 3),
        date(2026, 12, 4),
    )
    assert {crew.id for crew in problem.crews} == {
        str(c) for c in (city.lock1, city.lock2, city.tj1, city.tj2)
    }
    # consent comes from the owner's consent of the door's property
    assert jobs[ids["entrance"]].consent_received
    assert not jobs[ids["no_consent"]].consent_received
    # the appointment becomes a window in Stockholm time
    booked = jobs[ids["booked"]].appointment
    assert booked is not None
    assert (booked.day, booked.start_s, booked.end_s) == (date(2026, 12, 1), 9 * 3600, 11 * 3600)
    # the pinned job stays on its crew and day, and is the previous plan
    pinned = jobs[ids["pinned"]]
    assert (pinned.pinned_crew, pinned.pinned_day) == (str(city.tj2), date(2026, 12, 2))
    assert problem.previous[str(ids["pinned"])].crew_id == str(city.tj2)
    # done work is kept with its crew, day and time
    done = problem.previous[str(ids["done"])]
    assert done.done and (done.crew_id, done.day, done.start_s) == (str(city.tj1), START, 8 * 3600)
    # a failed job comes back like an unplanned one
    assert str(ids["failed"]) not in problem.previous
    assert jobs[ids["failed"]].pinned_crew is None
    # the repair (no wave) is planned with its priority and deadline, for the repair skill
    repair = jobs[ids["repair"]]
    assert (repair.skill, repair.priority, repair.deadline) == ("repair", 2, date(2026, 12, 2))
    assert jobs[ids["refuse"]].skill == "entrance"
    # jobs waiting for their result and planned after the days are not part of the run
    assert wave.awaiting_result == (ids["waiting"],)
    assert wave.beyond_horizon == (ids["far"],)
    assert ids["waiting"] not in jobs and ids["far"] not in jobs
    # jobs at one entrance share a location; the depot comes first
    assert jobs[ids["entrance"]].location == jobs[ids["refuse"]].location
    assert problem.crews[0].depot == 0


def test_a_wave_is_found_by_number_or_name_and_unknown_ones_are_named(
    sessions: sessionmaker[Session], city: DbCity
) -> None:
    with sessions() as session:
        assert find_wave(session, "1").id == city.wave
        assert find_wave(session, "Våg 1: Södermalm").id == city.wave
        with pytest.raises(PlannerError, match=r"Det finns ingen våg '7'\. Vågor: 1"):
            find_wave(session, 7)
        with pytest.raises(PlannerError, match="Okända eller inaktiva lag: Lås 9"):
            load_wave_problem(session, 1, options=PlanningOptions(start=START, crews=("Lås 9",)))


def test_a_plan_is_stored_with_the_users_name_and_left_out_jobs_keep_their_reasons(
    sessions: sessionmaker[Session], city: DbCity
) -> None:
    outcome = _plan(sessions)
    ids = city.jobs
    with sessions() as session:
        job = {name: session.get(Job, job_id) for name, job_id in ids.items()}
        for name in ("entrance", "refuse", "entrance_14", "booked", "failed", "repair"):
            placed = job[name]
            assert placed is not None and placed.state is JobState.PLANNED, name
            assert placed.crew_id is not None and placed.position and placed.planned_arrival
        assert job["entrance"].crew_id in (city.lock1, city.lock2)
        assert job["repair"].crew_id == city.lock2  # the only crew with the repair skill
        assert job["repair"].planned_date <= date(2026, 12, 2)
        booked = job["booked"]
        arrival = booked.planned_arrival.astimezone(STOCKHOLM)
        assert booked.planned_date == date(2026, 12, 1)
        assert 9 * 60 <= arrival.hour * 60 + arrival.minute <= 10 * 60 + 30
        assert (job["pinned"].crew_id, job["pinned"].planned_date) == (city.tj2, date(2026, 12, 2))
        assert job["done"].state is JobState.DONE and job["done"].position == 1
        assert job["waiting"].planned_date == date(2026, 11, 27)
        assert job["far"].planned_date == date(2026, 12, 21)
        assert job["no_consent"].state is JobState.UNPLANNED
        # who planned it is in the audit trail
        actors = set(
            session.scalars(
                select(AuditEvent.actor).where(
                    AuditEvent.entity == "job", AuditEvent.entity_id == ids["entrance"]
                )
            )
        )
        assert actors == {"anna"}
        run = session.scalars(select(PlanRun)).one()
        assert (run.actor, run.wave_id, run.first_day) == ("anna", city.wave, START)
        assert run.jobs_left_out == 2 and run.jobs_placed == outcome.placed
        assert run.crew_days >= 3 and run.driving_s > 0 and run.jobs_kept == 3
        reasons = dict(session.execute(select(PlanLeftOut.job_id, PlanLeftOut.reason)).all())
        assert reasons == {
            ids["no_consent"]: DropReason.NO_CONSENT.value,
            ids["late_booking"]: DropReason.OUTSIDE_EVERY_WINDOW.value,
        }
        frame = left_out_frame(session, run.id)
        assert list(frame["Arbetsorder"]) == [ids["no_consent"], ids["late_booking"]]
        assert frame["Orsak"].iloc[0].startswith("Fastighetsägarens medgivande saknas")
        assert "17:00–19:00" in frame["Orsak"].iloc[1]
        assert left_out_reason(session, ids["no_consent"]).startswith("Fastighetsägarens")
        assert left_out_reason(session, ids["entrance"]) is None


def test_a_replan_keeps_pinned_and_done_jobs_and_moves_nothing_without_a_reason(
    sessions: sessionmaker[Session], city: DbCity
) -> None:
    _plan(sessions)
    with sessions() as session:
        before = {
            job.id: (job.crew_id, job.planned_date)
            for job in session.scalars(select(Job).where(Job.state == JobState.PLANNED))
        }
    again = _plan(sessions, actor="bertil")
    assert again.moved == 0 and again.newly_planned == 0
    with sessions() as session:
        after = {
            job.id: (job.crew_id, job.planned_date)
            for job in session.scalars(select(Job).where(Job.state == JobState.PLANNED))
        }
        assert after == before
        assert session.get(Job, city.jobs["done"]).state is JobState.DONE  # type: ignore[union-attr]
        assert len(session.scalars(select(PlanRun)).all()) == 2
        # the reasons of the new run are there too
        latest = session.scalars(select(PlanRun).order_by(PlanRun.id.desc())).first()
        assert latest is not None and latest.actor == "bertil"
        assert len(left_out_frame(session, latest.id)) == 2
        # planning afresh keeps only pinned and done jobs as they were
        fresh = load_wave_problem(
            session, 1, options=replace(OPTIONS, keep_planned=False), today=TODAY
        )
        kept = {int(job_id) for job_id in fresh.problem.previous}
        assert kept == {city.jobs["pinned"], city.jobs["done"]}


def test_a_planned_job_that_no_longer_fits_goes_back_to_unplanned_with_its_reason(
    sessions: sessionmaker[Session], city: DbCity
) -> None:
    _plan(sessions)
    with sessions.begin() as session:
        for consent in session.scalars(select(Consent)):
            consent.state = ConsentState.WITHDRAWN
    _plan(sessions)
    with sessions() as session:
        entrance = session.get(Job, city.jobs["entrance"])
        assert entrance is not None and entrance.state is JobState.UNPLANNED
        assert entrance.crew_id is None and entrance.planned_date is None
        assert left_out_reason(session, entrance.id).startswith("Fastighetsägarens medgivande")


def test_an_overdue_repair_is_wanted_on_the_first_day_not_left_out(
    sessions: sessionmaker[Session], city: DbCity
) -> None:
    with sessions.begin() as session:
        repair = session.get(Job, city.jobs["repair"])
        assert repair is not None
        repair.deadline = local(date(2026, 11, 20), 16)
    with sessions() as session:
        problem = load_wave_problem(session, 1, options=OPTIONS, today=TODAY).problem
    job = next(j for j in problem.jobs if j.id == str(city.jobs["repair"]))
    assert (job.deadline, job.preferred_day, job.priority) == (None, START, 5)
    _plan(sessions)
    with sessions() as session:
        planned = session.get(Job, city.jobs["repair"])
        assert planned is not None
        assert (planned.state, planned.planned_date) == (JobState.PLANNED, START)


def test_a_wave_that_starts_later_is_planned_from_its_own_start(
    sessions: sessionmaker[Session], city: DbCity
) -> None:
    later = date(2027, 3, 1)
    with sessions.begin() as session:
        find_wave(session, 1).planned_start = later
    with sessions() as session:
        problem = load_wave_problem(
            session, 1, options=PlanningOptions(days=3), today=TODAY
        ).problem
    assert problem.working_days == (later, date(2027, 3, 2), date(2027, 3, 3))
