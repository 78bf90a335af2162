"""Every lifecycle transition of DESIGN §4, legal and illegal, on both engines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from planner.errors import ConsentMissing, IllegalTransition
from planner.locks.lifecycle import transition
from planner.locks.states import (
    TRANSITIONS,
    ConsentState,
    FaultState,
    JobState,
    KeyState,
    LockState,
    WaveState,
    allowed,
    label,
)
from planner.models import (
    AuditEvent,
    Consent,
    Crew,
    DigitalKey,
    Door,
    DoorKind,
    Entrance,
    FaultReport,
    HomeCareStaff,
    Job,
    JobKind,
    Lock,
    Organisation,
    OrgKind,
    OwnerKind,
    Property,
    PropertyOwner,
    Wave,
)

ROW_OF: dict[type[StrEnum], type] = {
    ConsentState: Consent,
    LockState: Lock,
    JobState: Job,
    WaveState: Wave,
    KeyState: DigitalKey,
    FaultState: FaultReport,
}
LEGAL = [
    (cls, a, b)
    for cls, table in TRANSITIONS.items()
    for a, targets in table.items()
    for b in targets
]
ILLEGAL = [(cls, a, b) for cls in TRANSITIONS for a in cls for b in cls if not allowed(a, b)]


def _id(case: tuple[type[StrEnum], StrEnum, StrEnum]) -> str:
    cls, a, b = case
    return f"{cls.__name__}:{a.value}->{b.value}"


@dataclass
class World:
    owner_id: int
    property_id: int
    entrance_door_id: int
    apartment_door_id: int
    crew_id: int
    staff_id: int


def make_world(session: Session, *, consent: ConsentState = ConsentState.RECEIVED) -> World:
    org = Organisation(name="Låsfirman AB", kind=OrgKind.LOCKSMITH)
    provider = Organisation(name="Hemtjänst AB", kind=OrgKind.HOME_CARE_PROVIDER)
    owner = PropertyOwner(
        org_number="769600-0001", name="Brf Eken", kind=OwnerKind.HOUSING_ASSOCIATION
    )
    prop = Property(designation="Stockholm Eken 1:1", owner=owner)
    entrance = Entrance(
        property=prop,
        street="Götgatan",
        number=12,
        letter="",
        suffix="",
        postcode="118 46",
        postort="Stockholm",
        geom="SRID=4326;POINT(18.0736 59.3143)",
    )
    entrance_door = Door(entrance=entrance, kind=DoorKind.ENTRANCE, label="")
    apartment_door = Door(entrance=entrance, kind=DoorKind.APARTMENT, label="1101")
    crew = Crew(
        organisation=org, name="Lås 1", skills=["entrance"], depot="SRID=4326;POINT(18.0 59.33)"
    )
    staff = HomeCareStaff(staff_code="S-1", provider=provider)
    session.add_all(
        [org, provider, owner, prop, entrance, entrance_door, apartment_door, crew, staff]
    )
    session.flush()
    session.add(Consent(owner_id=owner.id, property_id=prop.id, state=consent))
    session.flush()
    return World(owner.id, prop.id, entrance_door.id, apartment_door.id, crew.id, staff.id)


def make_row(session: Session, world: World, state: StrEnum) -> object:
    """A row of the right table in ``state``, satisfying the rules that do not depend on state."""
    if isinstance(state, ConsentState):
        row = session.scalars(select(Consent)).one()
        row.state = state
        return row
    if isinstance(state, LockState):
        lock = Lock(door_id=world.apartment_door_id, state=state, serial="SL-1")
        session.add(lock)
        session.flush()
        return lock
    if isinstance(state, JobState):
        job = Job(
            kind=JobKind.INSTALL_ENTRANCE,
            door_id=world.entrance_door_id,
            state=state,
            service_min=45,
            crew_id=world.crew_id,
            planned_date=date(2026, 12, 1),
        )
        session.add(job)
        session.flush()
        return job
    if isinstance(state, WaveState):
        wave = Wave(number=1, name="Våg 1", state=state)
        session.add(wave)
        session.flush()
        return wave
    if isinstance(state, KeyState):
        key = DigitalKey(key_code="K-1", staff_id=world.staff_id, state=state)
        session.add(key)
        session.flush()
        return key
    assert isinstance(state, FaultState)
    lock = Lock(door_id=world.entrance_door_id, state=LockState.ACTIVE, serial="SL-2")
    session.add(lock)
    session.flush()
    fault = FaultReport(
        lock_id=lock.id,
        category="Låset går trögt",
        reported_by="Anna",
        reporter_kind="hemtjänst",
        reported_at=datetime(2026, 11, 1, tzinfo=UTC),
        state=state,
    )
    session.add(fault)
    session.flush()
    return fault


def _audit_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


@pytest.mark.parametrize("case", LEGAL, ids=[_id(c) for c in LEGAL])
def test_a_legal_transition_changes_state_and_writes_the_audit_row(
    sessions: sessionmaker[Session], case: tuple[type[StrEnum], StrEnum, StrEnum]
) -> None:
    _, current, target = case
    with sessions.begin() as session:
        world = make_world(session)
        row = make_row(session, world, current)
        row_id = row.id  # type: ignore[attr-defined]
        transition(session, row, target, actor="anna.rollout", note="test")  # type: ignore[arg-type]
    table = ROW_OF[type(current)]
    with sessions() as session:
        stored = session.get(table, row_id)
        assert stored.state == target
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event is not None
        assert (event.actor, event.entity, event.entity_id) == (
            "anna.rollout",
            table.__tablename__,
            row_id,
        )
        assert (event.from_state, event.to_state) == (current.value, target.value)
        assert event.at.tzinfo is not None


# the refusal happens before the database is touched, so one engine is enough here
@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("case", ILLEGAL, ids=[_id(c) for c in ILLEGAL])
def test_an_illegal_transition_is_refused_and_changes_nothing(
    sessions: sessionmaker[Session], case: tuple[type[StrEnum], StrEnum, StrEnum]
) -> None:
    _, current, target = case
    with sessions.begin() as session:
        world = make_world(session)
        row = make_row(session, world, current)
        before = _audit_count(session)
        with pytest.raises(IllegalTransition) as raised:
            transition(session, row, target, actor="anna.rollout")  # type: ignore[arg-type]
        assert row.state == current  # type: ignore[attr-defined]
        assert _audit_count(session) == before
    message = str(raised.value)
    assert label(current) in message and label(target) in message
    assert "Otillåten ändring" in message


def test_an_entrance_lock_is_deactivated_never_removed(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        world = make_world(session)
        lock = Lock(door_id=world.entrance_door_id, state=LockState.ACTIVE, serial="SL-9")
        session.add(lock)
        session.flush()
        with pytest.raises(IllegalTransition, match="avaktivera"):
            transition(session, lock, LockState.REMOVED, actor="anna")
        assert lock.state is LockState.ACTIVE
        transition(session, lock, LockState.DEACTIVATED, actor="anna")
        assert lock.deactivated_on is not None


def test_a_lock_without_serial_cannot_be_marked_installed(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        world = make_world(session)
        lock = Lock(door_id=world.entrance_door_id, state=LockState.PLANNED)
        session.add(lock)
        session.flush()
        with pytest.raises(IllegalTransition, match="serienummer"):
            transition(session, lock, LockState.INSTALLED, actor="låssmed")
        lock.serial = "SL-DUO-000001"
        transition(
            session,
            lock,
            LockState.INSTALLED,
            actor="låssmed",
            at=datetime(2026, 11, 27, 23, 30, tzinfo=UTC),
        )
        # stamped with the Stockholm date (00:30 local on the 28th)
        assert lock.installed_on == date(2026, 11, 28)


@pytest.mark.parametrize(
    "consent", [ConsentState.REQUESTED, ConsentState.REFUSED, ConsentState.WITHDRAWN]
)
def test_entrance_job_waits_for_consent(
    sessions: sessionmaker[Session], consent: ConsentState
) -> None:
    with sessions.begin() as session:
        world = make_world(session, consent=consent)
        job = Job(
            kind=JobKind.INSTALL_ENTRANCE,
            door_id=world.entrance_door_id,
            service_min=45,
            crew_id=world.crew_id,
            planned_date=date(2026, 12, 1),
        )
        session.add(job)
        session.flush()
        with pytest.raises(ConsentMissing, match="medgivande"):
            transition(session, job, JobState.PLANNED, actor="planerare")
        assert job.state is JobState.UNPLANNED


def test_apartment_job_is_planned_without_the_owners_consent(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        world = make_world(session, consent=ConsentState.REQUESTED)
        job = Job(
            kind=JobKind.INSTALL_APARTMENT,
            door_id=world.apartment_door_id,
            service_min=30,
            crew_id=world.crew_id,
            planned_date=date(2026, 12, 1),
        )
        session.add(job)
        session.flush()
        transition(session, job, JobState.PLANNED, actor="planerare")
        assert job.state is JobState.PLANNED


def test_a_job_needs_a_crew_and_a_day_to_be_planned(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        world = make_world(session)
        job = Job(kind=JobKind.INSTALL_APARTMENT, door_id=world.apartment_door_id, service_min=30)
        session.add(job)
        session.flush()
        with pytest.raises(IllegalTransition, match="team och dag"):
            transition(session, job, JobState.PLANNED, actor="planerare")


def test_a_failed_visit_counts_an_attempt_and_can_be_replanned(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        world = make_world(session)
        job = Job(
            kind=JobKind.INSTALL_APARTMENT,
            door_id=world.apartment_door_id,
            service_min=30,
            crew_id=world.crew_id,
            planned_date=date(2026, 12, 1),
        )
        session.add(job)
        session.flush()
        transition(session, job, JobState.PLANNED, actor="planerare")
        transition(session, job, JobState.FAILED, actor="tekniker", note="Kunden inte hemma")
        assert job.attempts == 1 and job.completed_at is not None
        transition(session, job, JobState.PLANNED, actor="planerare")
        assert job.state is JobState.PLANNED


def test_the_audit_row_is_rolled_back_with_the_callers_transaction(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        make_world(session)
    with sessions() as session:
        consent = session.scalars(select(Consent)).one()
        consent.state = ConsentState.REQUESTED
        session.commit()
        transition(session, consent, ConsentState.REFUSED, actor="anna", note="Styrelsen avvaktar")
        session.rollback()
    with sessions() as session:
        assert session.scalars(select(Consent)).one().state is ConsentState.REQUESTED
        assert _audit_count(session) == 0


def test_states_of_different_lifecycles_keep_their_own_labels() -> None:
    # LockState.PLANNED == JobState.PLANNED as strings; the labels must still differ
    assert label(LockState.PLANNED) == "planerat"
    assert label(JobState.PLANNED) == "planerad"
    assert label(WaveState.IN_PROGRESS) == "pågår"
    assert label(FaultState.IN_PROGRESS) == "åtgärdas"
