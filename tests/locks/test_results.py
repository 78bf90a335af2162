"""Field results: one at a time and from the locksmith firm's CSV, all or nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from planner.locks.errors import FileRejected, InvalidValue
from planner.locks.lifecycle import transition
from planner.locks.results import (
    import_results,
    record_done,
    record_failed,
    record_installed,
)
from planner.locks.states import FaultState, JobState, LockState
from planner.models import (
    AuditEvent,
    Cylinder,
    Door,
    FaultReport,
    Job,
    JobKind,
    Lock,
)
from tests.locks.city import DAY, City, fit, local, planned_job


def _jobs(sessions: sessionmaker[Session], city: City) -> tuple[int, int, int]:
    """An entrance fitting at Götgatan 12 and apartment fittings for 1101 and 1102."""
    with sessions.begin() as session:
        entrance_lock = Lock(door_id=city.g12_door, state=LockState.PLANNED)
        session.add(entrance_lock)
        session.flush()
        a = planned_job(
            session,
            JobKind.INSTALL_ENTRANCE,
            city.g12_door,
            city.entrance_crew,
            lock_id=entrance_lock.id,
        )
        b = planned_job(session, JobKind.INSTALL_APARTMENT, city.door_1101, city.apartment_crew)
        c = planned_job(session, JobKind.INSTALL_APARTMENT, city.door_1102, city.apartment_crew)
        return a.id, b.id, c.id


def test_an_installed_job_leaves_an_active_lock_with_its_serial_and_variant(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    entrance, _, _ = _jobs(sessions, bare_city)
    with sessions.begin() as session:
        record_installed(
            session,
            entrance,
            serial="SL-100",
            variant=Cylinder.OVAL,
            at=local(DAY, 10),
            actor="låssmed",
        )
    with sessions() as session:
        job = session.get(Job, entrance)
        assert job is not None and job.state is JobState.DONE and job.completed_at is not None
        lock = session.get(Lock, job.lock_id)
        assert lock is not None and (lock.serial, lock.variant, lock.state) == (
            "SL-100",
            Cylinder.OVAL,
            LockState.ACTIVE,
        )
        assert lock.installed_on == lock.activated_on == DAY
        assert session.get(Door, bare_city.g12_door).cylinder is Cylinder.OVAL  # type: ignore[union-attr]
        transitions = session.scalars(
            select(AuditEvent.to_state).where(AuditEvent.entity == "lock").order_by(AuditEvent.id)
        ).all()
        assert transitions == ["installed", "active"]


def test_a_failed_job_returns_to_planning_with_its_reason(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    _, apartment, _ = _jobs(sessions, bare_city)
    with sessions.begin() as session:
        record_failed(
            session,
            apartment,
            reason="kund_ej_hemma",
            comment="Ringde två gånger",
            at=local(DAY, 11),
            actor="tekniker",
        )
    with sessions() as session:
        job = session.get(Job, apartment)
        assert job is not None and job.state is JobState.FAILED and job.attempts == 1
        assert job.outcome == "Kunden var inte hemma: Ringde två gånger"
        assert (job.crew_id, job.planned_date, job.position, job.pinned) == (
            None,
            None,
            None,
            False,
        )
        note = session.scalars(
            select(AuditEvent.note).where(
                AuditEvent.entity == "job", AuditEvent.to_state == "failed"
            )
        ).one()
        assert "TJ 1" in (note or "") and "2026-11-20" in (note or "")


def test_an_unknown_reason_or_a_bare_annat_is_refused(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    _, apartment, _ = _jobs(sessions, bare_city)
    with sessions.begin() as session:
        with pytest.raises(InvalidValue, match="Okänd orsak"):
            record_failed(session, apartment, reason="regn", at=local(DAY, 11), actor="t")
        with pytest.raises(InvalidValue, match="kommentar"):
            record_failed(session, apartment, reason="annat", at=local(DAY, 11), actor="t")


RESULTS = """arbetsorder;resultat;datum;serienummer;variant;orsak;kommentar
{a};monterat;2026-11-20;SL-200;rund;;
{b};monterat;2026-11-20 13:05;SL-201;rund;;Kunden nöjd
{c};misslyckat;2026-11-20;;;Dörren är olämplig för låset;Säkerhetsdörr
"""


def test_a_results_file_is_recorded_row_by_row(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    a, b, c = _jobs(sessions, bare_city)
    data = RESULTS.format(a=a, b=b, c=c).encode()
    with sessions.begin() as session:
        report = import_results(session, data, file="resultat.csv", actor="import")
    assert report.recorded == {"monterat": 2, "misslyckat": 1, "utfört": 0}
    assert any("tidszon" in note for note in report.notes)  # the one time given without zone
    with sessions() as session:
        states = {j.id: j.state for j in session.scalars(select(Job))}
        assert states == {a: JobState.DONE, b: JobState.DONE, c: JobState.FAILED}
        serials = set(session.scalars(select(Lock.serial).where(Lock.state == LockState.ACTIVE)))
        assert serials == {"SL-200", "SL-201"}


def test_reimporting_a_results_file_changes_nothing(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    a, b, c = _jobs(sessions, bare_city)
    data = RESULTS.format(a=a, b=b, c=c).encode()
    with sessions.begin() as session:
        import_results(session, data, file="resultat.csv", actor="import")
    with sessions() as session:
        audit_rows = session.scalar(select(func.count()).select_from(AuditEvent))
    with sessions.begin() as session:
        again = import_results(session, data, file="resultat.csv", actor="import")
    assert again.unchanged == 3 and sum(again.recorded.values()) == 0
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == audit_rows


def test_a_failure_already_recorded_is_not_counted_again_after_replanning(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    _a, _b, c = _jobs(sessions, bare_city)
    data = f"arbetsorder;resultat;datum;orsak\n{c};misslyckat;2026-11-20;kund_ej_hemma\n".encode()
    with sessions.begin() as session:
        import_results(session, data, file="r.csv", actor="import")
    with sessions.begin() as session:  # the planner puts it on a new route
        job = session.get(Job, c)
        assert job is not None
        job.crew_id, job.planned_date = bare_city.apartment_crew, date(2026, 11, 25)
        transition(session, job, JobState.PLANNED, actor="planerare")
    with sessions.begin() as session:
        again = import_results(session, data, file="r.csv", actor="import")
    assert again.unchanged == 1
    with sessions() as session:
        job = session.get(Job, c)
        assert job is not None and job.state is JobState.PLANNED and job.attempts == 1


def test_a_results_file_with_a_bad_row_is_refused_whole_naming_file_row_and_column(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    a, b, c = _jobs(sessions, bare_city)
    data = (
        "arbetsorder;resultat;datum;serienummer;variant;orsak;kommentar\n"
        f"{a};monterat;2026-11-20;SL-300;rund;;\n"
        f"{b};monterat;2026-11-20;;rund;;\n"  # no serial
        f"{c};misslyckat;2026-11-20;;;åska;\n"  # not a reason on the list
        "9999;monterat;2026-11-20;SL-302;oval;;\n"  # no such job
        f"{a};monterat;2026-11-20;SL-303;fyrkantig;;\n"  # twice, and no such variant
    ).encode()
    with sessions.begin() as session, pytest.raises(FileRejected) as raised:
        import_results(session, data, file="resultat.csv", actor="import")
    problems = [(p.row, p.column) for p in raised.value.problems]
    assert problems == [(3, "serienummer"), (4, "orsak"), (5, "arbetsorder"), (6, "arbetsorder")]
    assert str(raised.value.problems[0]).startswith("resultat.csv, rad 3, kolumn 'serienummer':")
    assert "inget sparades" in str(raised.value)
    with sessions() as session:
        assert set(session.scalars(select(Job.state))) == {JobState.PLANNED}
        assert session.scalars(select(Lock.serial).where(Lock.serial.is_not(None))).all() == []


def test_skipping_bad_rows_records_the_good_ones(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    a, b, _ = _jobs(sessions, bare_city)
    data = (
        "arbetsorder;resultat;datum;serienummer;variant\n"
        f"{a};monterat;2026-11-20;SL-400;oval\n"
        f"{b};monterat;2030-01-01;SL-401;rund\n"
    ).encode()
    with sessions.begin() as session:
        report = import_results(session, data, file="r.csv", actor="import", skip_bad_rows=True)
    assert report.recorded["monterat"] == 1
    assert [(p.row, p.column) for p in report.skipped] == [(3, "datum")]


def test_a_serial_already_on_another_lock_is_refused(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    _a, b, _ = _jobs(sessions, bare_city)
    with sessions.begin() as session:
        fit(session, bare_city.g14_door, "SL-500")
    with sessions.begin() as session, pytest.raises(InvalidValue, match="sitter redan på lås"):
        record_installed(
            session, b, serial="SL-500", variant=Cylinder.ROUND, at=local(DAY, 9), actor="t"
        )


def test_done_removal_deactivation_and_repair_jobs_change_their_lock_and_fault(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    with sessions.begin() as session:
        apartment = fit(session, bare_city.door_1101, "SL-600")
        entrance = fit(session, bare_city.g12_door, "SL-601")
        remove = planned_job(
            session,
            JobKind.REMOVE,
            bare_city.door_1101,
            bare_city.apartment_crew,
            lock_id=apartment.id,
        )
        deactivate = planned_job(
            session,
            JobKind.DEACTIVATE,
            bare_city.g12_door,
            bare_city.repair_crew,
            lock_id=entrance.id,
        )
        fault = FaultReport(
            lock_id=entrance.id,
            category="Låset går trögt",
            reported_by="Anna",
            reporter_kind="hemtjänst",
            reported_at=local(DAY, 8),
            state=FaultState.ASSIGNED,
        )
        session.add(fault)
        session.flush()
        repair = planned_job(
            session, JobKind.REPAIR, bare_city.g12_door, bare_city.repair_crew, lock_id=entrance.id
        )
        repair.fault_id = fault.id
        ids = remove.id, deactivate.id, repair.id, apartment.id, entrance.id, fault.id
    with sessions.begin() as session:
        record_done(session, ids[2], at=local(DAY, 14), actor="tekniker", comment="Smort låshuset")
        record_done(session, ids[0], at=local(DAY, 15), actor="tekniker")
        record_done(session, ids[1], at=local(DAY, 16), actor="tekniker")
    with sessions() as session:
        assert session.get(Lock, ids[3]).state is LockState.REMOVED  # type: ignore[union-attr]
        assert session.get(Lock, ids[4]).state is LockState.DEACTIVATED  # type: ignore[union-attr]
        fault_row = session.get(FaultReport, ids[5])
        assert fault_row is not None and fault_row.state is FaultState.CLOSED
        assert fault_row.resolution == "Smort låshuset"


def test_an_install_reported_as_done_is_refused(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    a, _, _ = _jobs(sessions, bare_city)
    with sessions.begin() as session, pytest.raises(InvalidValue, match="montering"):
        record_done(session, a, at=local(DAY, 9), actor="t")
