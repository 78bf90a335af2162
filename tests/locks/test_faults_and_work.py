"""Faults from intake to closing, and the work that customers ending and arriving create."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from planner.locks.errors import InvalidValue
from planner.locks.faults import (
    DEADLINE_HOURS,
    assign_fault,
    close_fault,
    fault_list,
    report_fault,
    triage_fault,
)
from planner.locks.results import record_done
from planner.locks.states import FaultState, JobState, LockState
from planner.locks.work import end_service, reconcile_work, start_service
from planner.models import Customer, FaultReport, FaultSeverity, Job, JobKind, Lock
from tests.locks.city import DAY, City, fit, local, planned_job

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def test_a_fault_gets_a_deadline_from_its_severity_and_triage_can_change_it(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions.begin() as session:
        fault = report_fault(
            session,
            lock="SL-G12",
            category="Dörren går inte att låsa",
            description="Regeln fastnar",
            reported_by="Anna Hem",
            reporter_kind="hemtjänst",
            reported_at=local(DAY, 8),
            actor="kundtjänst",
        )
        assert fault.severity is FaultSeverity.CRITICAL
        assert fault.deadline == local(DAY, 8) + timedelta(hours=4)
        triage_fault(session, fault.id, severity=FaultSeverity.NORMAL, actor="chef")
        assert fault.state is FaultState.TRIAGED
        assert fault.deadline == local(DAY, 8) + timedelta(
            hours=DEADLINE_HOURS[FaultSeverity.NORMAL]
        )


def test_an_assigned_fault_becomes_a_repair_job_the_router_can_place(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions.begin() as session:
        fault = report_fault(
            session,
            lock="SL-1101",
            category="Nyckeln öppnar inte",
            description=None,
            reported_by="Brf Eken",
            reporter_kind="fastighetsägare",
            reported_at=local(DAY, 8),
            actor="kundtjänst",
        )
        job = assign_fault(session, fault.id, organisation_id=city.city_org, actor="chef")
        assert (job.kind, job.state, job.priority) == (JobKind.REPAIR, JobState.UNPLANNED, 3)
        assert job.deadline == fault.deadline and job.latest_date == DAY + timedelta(days=1)
        assert job.door_id == city.door_1101 and job.fault_id == fault.id
        # a re-assignment keeps the same job; a higher severity raises its priority
        again = assign_fault(session, fault.id, organisation_id=city.supplier, actor="chef")
        assert again.id == job.id and "Swedlock" in (again.notes or "")
        triage_fault(session, fault.id, severity=FaultSeverity.CRITICAL, actor="chef")
        assert job.priority == 5 and job.deadline == local(DAY, 12)
        faults = fault_list(session, at=local(DAY, 13))
        assert list(faults["försenad"]) == ["ja"] and list(faults["tilldelad"]) == ["Swedlock"]


def test_closing_a_fault_cancels_its_repair_and_a_done_repair_closes_its_fault(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions.begin() as session:
        first, second = (
            report_fault(
                session,
                lock=serial,
                category="Låset går trögt",
                description=None,
                reported_by="Anna",
                reporter_kind="hemtjänst",
                actor="t",
            )
            for serial in ("SL-G12", "SL-G14")
        )
        job1 = assign_fault(session, first.id, organisation_id=city.city_org, actor="t")
        job2 = assign_fault(session, second.id, organisation_id=city.locksmith, actor="t")
        close_fault(session, first.id, resolution="Löste sig själv", actor="t")
        assert job1.state is JobState.CANCELLED and first.closed_at is not None
        job2.crew_id, job2.planned_date = city.repair_crew, DAY
        from planner.locks.lifecycle import transition

        transition(session, job2, JobState.PLANNED, actor="planerare")
        record_done(session, job2.id, at=local(DAY, 10), actor="tekniker", comment="Justerat")
        assert session.get(FaultReport, second.id).state is FaultState.CLOSED  # type: ignore[union-attr]


def test_a_fault_needs_a_known_category_and_a_fitted_lock(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions.begin() as session:
        with pytest.raises(InvalidValue, match="Okänd kategori"):
            report_fault(
                session,
                lock="SL-G12",
                category="Trasig",
                description=None,
                reported_by="A",
                reporter_kind="hemtjänst",
                actor="t",
            )
        session.add(Lock(door_id=city.g16_door, state=LockState.PLANNED, serial="SL-G16"))
        with pytest.raises(InvalidValue, match="monterade"):
            report_fault(
                session,
                lock="SL-G16",
                category="Annat",
                description=None,
                reported_by="A",
                reporter_kind="hemtjänst",
                actor="t",
            )


# --- events that create work -------------------------------------------------------------------


def _open_jobs(session: Session) -> set[tuple[JobKind, int]]:
    return {
        (j.kind, j.door_id)
        for j in session.scalars(select(Job).where(Job.state == JobState.UNPLANNED))
    }


def test_a_customer_whose_service_ends_gets_a_removal_of_the_apartment_lock(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions.begin() as session:
        work = end_service(session, city.c1, last_day=date(2026, 11, 30), actor="handläggare")
        assert len(work.removals) == 1 and not work.deactivations
        job = session.get(Job, work.removals[0])
        assert job is not None and job.door_id == city.door_1101
        assert job.earliest_date == date(2026, 12, 1)
        assert "återställ dörren" in (job.notes or "")


def test_the_last_customer_in_a_building_leads_to_a_deactivation_proposal(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions.begin() as session:
        work = end_service(session, city.c3, last_day=date(2026, 11, 30), actor="handläggare")
        assert len(work.removals) == 1 and len(work.deactivations) == 1
        proposal = session.get(Job, work.deactivations[0])
        assert proposal is not None and proposal.kind is JobKind.DEACTIVATE
        assert proposal.door_id == city.g14_door and "Förslag" in (proposal.notes or "")
        lock = session.get(Lock, proposal.lock_id)
        assert lock is not None and lock.state is LockState.ACTIVE  # kept until the job is done


def test_a_new_customer_behind_a_deactivated_entrance_lock_gets_a_reactivation_only(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    with sessions.begin() as session:
        entrance = fit(session, bare_city.g16_door, "SL-G16", state=LockState.DEACTIVATED)
        customer, work = start_service(
            session,
            pseudonym="HK-0000009",
            entrance_id=bare_city.g16,
            apartment_number="1301",
            provider_id=bare_city.norr,
            active_from=date(2026, 12, 7),
            actor="handläggare",
        )
        assert len(work.reactivations) == 1
        job = session.get(Job, work.reactivations[0])
        assert (
            job is not None and job.lock_id == entrance.id and job.latest_date == date(2026, 12, 7)
        )
        kinds = {j.kind for j in session.scalars(select(Job))}
        assert JobKind.INSTALL_ENTRANCE not in kinds  # no new fitting at the door
        assert len(work.apartment_installs) == 1  # the new customer's own door
        assert customer.apartment_door_id is not None


def test_a_new_customer_cancels_a_pending_deactivation_proposal(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions.begin() as session:
        work = end_service(session, city.c3, last_day=date(2026, 11, 30), actor="h")
        proposal = work.deactivations[0]
        _, later = start_service(
            session,
            pseudonym="HK-0000010",
            entrance_id=city.g14,
            apartment_number="1202",
            provider_id=city.syd,
            active_from=date(2026, 12, 10),
            actor="h",
        )
        assert later.cancelled == (proposal,) and not later.reactivations


def test_reconciling_the_city_twice_creates_the_work_once(
    sessions: sessionmaker[Session], city: City
) -> None:
    with sessions.begin() as session:
        for customer_id in (city.c1, city.c2):
            session.get(Customer, customer_id).active_to = date(2026, 10, 1)  # type: ignore[union-attr]
        planned_job(session, JobKind.INSTALL_ENTRANCE, city.g16_door, city.entrance_crew)
    with sessions.begin() as session:
        first = reconcile_work(session, on=DAY, actor="t")
        assert len(first.removals) == 2 and len(first.deactivations) == 1
        second = reconcile_work(session, on=DAY, actor="t")
        assert second.removals == second.deactivations == second.cancelled == ()
        assert (JobKind.DEACTIVATE, city.g12_door) in _open_jobs(session)
