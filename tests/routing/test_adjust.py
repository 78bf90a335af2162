"""Adjusting a stored plan by hand: pin, un-pin, move; a re-plan respects what was pinned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from planner.db import make_engine, session_factory
from planner.locks.states import JobState
from planner.migrations import upgrade
from planner.models import AuditEvent, Job
from planner.routing.adjust import AdjustmentRefused, describe_job, move_job, pin_job, unpin_job
from planner.routing.planning import plan_wave
from planner.routing.problem import STOCKHOLM
from planner.routing.wave import PlanningOptions
from tests.routing.dbcity import START, TODAY, DbCity, build_db_city

OPTIONS = PlanningOptions(start=START, days=5)


@pytest.fixture
def planned(tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], DbCity]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'plan.sqlite'}")
    upgrade(engine)
    factory = session_factory(engine)
    with factory.begin() as session:
        city = build_db_city(session)
        plan_wave(session, 1, actor="anna", options=OPTIONS, time_limit_s=0.5, today=TODAY)
    yield factory, city
    engine.dispose()


def test_a_job_moved_by_hand_is_pinned_retimed_and_stays_there_when_replanned(
    planned: tuple[sessionmaker[Session], DbCity],
) -> None:
    factory, city = planned
    job_id = city.jobs["entrance_14"]
    target = date(2026, 12, 3)
    with factory.begin() as session:
        job = session.get(Job, job_id)
        assert job is not None
        other = city.lock1 if job.crew_id == city.lock2 else city.lock2
        result = move_job(session, job_id, crew_id=other, day=target, actor="bertil")
    assert result.changes[0].startswith(f"Arbetsorder {job_id}: ")
    assert any("låst" in line for line in result.changes)
    with factory() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert (job.crew_id, job.planned_date, job.pinned) == (other, target, True)
        arrival = job.planned_arrival.astimezone(STOCKHOLM)  # type: ignore[union-attr]
        assert arrival.date() == target and 7 <= arrival.hour < 16
        route = session.scalars(
            select(Job)
            .where(Job.crew_id == other, Job.planned_date == target)
            .order_by(Job.position)
        ).all()
        assert [j.position for j in route] == list(range(1, len(route) + 1))
        notes = session.scalars(
            select(AuditEvent.note).where(
                AuditEvent.entity_id == job_id, AuditEvent.action == "moved"
            )
        ).all()
        assert notes and "flyttad för hand" in notes[0]
        assert describe_job(session, job_id)["Låst till lag och dag"] == "ja"
    with factory.begin() as session:
        again = plan_wave(session, 1, actor="anna", options=OPTIONS, time_limit_s=0.5, today=TODAY)
        assert again.moved == 0
        job = session.get(Job, job_id)
        assert job is not None and (job.crew_id, job.planned_date) == (other, target)


def test_pin_and_unpin_are_recorded_and_refused_where_they_make_no_sense(
    planned: tuple[sessionmaker[Session], DbCity],
) -> None:
    factory, city = planned
    with factory.begin() as session:
        pinned = pin_job(session, city.jobs["entrance"], actor="bertil")
        assert "låst till" in pinned.changes[0]
        freed = unpin_job(session, city.jobs["pinned"], actor="bertil")
        assert freed.warnings == ("Jobbet har en bokad tid med kunden; den gäller fortfarande.",)
        with pytest.raises(AdjustmentRefused, match="inte planerad"):
            pin_job(session, city.jobs["no_consent"], actor="bertil")
    with factory() as session:
        actions = set(
            session.execute(
                select(AuditEvent.action, AuditEvent.actor).where(AuditEvent.actor == "bertil")
            ).all()
        )
        assert actions == {("pinned", "bertil"), ("unpinned", "bertil")}


def test_a_move_is_refused_for_the_wrong_crew_a_holiday_or_another_day_than_the_booking(
    planned: tuple[sessionmaker[Session], DbCity],
) -> None:
    factory, city = planned
    with factory.begin() as session:
        with pytest.raises(AdjustmentRefused, match="saknar behörighet för lägenhetsdörrar"):
            move_job(session, city.jobs["booked"], crew_id=city.lock1, day=START, actor="b")
        with pytest.raises(AdjustmentRefused, match="ingen arbetsdag"):
            move_job(
                session,
                city.jobs["entrance"],
                crew_id=city.lock1,
                day=date(2026, 12, 25),
                actor="b",
            )
        with pytest.raises(AdjustmentRefused, match="bokad tid med kunden 2026-12-01"):
            move_job(session, city.jobs["booked"], crew_id=city.tj1, day=START, actor="b")
        with pytest.raises(AdjustmentRefused, match="utförd"):
            move_job(session, city.jobs["done"], crew_id=city.tj2, day=START, actor="b")


def test_an_unplanned_job_moved_onto_a_route_is_planned_and_an_overfull_day_is_reported(
    planned: tuple[sessionmaker[Session], DbCity],
) -> None:
    factory, city = planned
    with factory.begin() as session:
        job = session.get(Job, city.jobs["late_booking"])
        assert job is not None and job.state is JobState.UNPLANNED
        result = move_job(session, job.id, crew_id=city.tj1, day=date(2026, 12, 1), actor="bertil")
        assert job.state is JobState.PLANNED and job.crew_id == city.tj1
        # its booking is 17:00–19:00, after the shift: made, but reported
        assert any("efter arbetspassets slut" in w for w in result.warnings)
