"""Apply a lifecycle transition to a row and write its audit event, in the caller's transaction.

``transition(session, row, target, actor=...)`` checks the rules of ``planner.locks.states`` and the
few rules that depend on more than the state (an entrance lock is never removed; entrance-door
work is planned only after the owner's consent; an installed lock has a serial). An illegal
transition raises ``IllegalTransition`` (or ``ConsentMissing``) before anything is changed; a legal
one sets the state, stamps the matching date, and adds the audit row to the same session, so both
are committed or rolled back together by the caller.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Date, select
from sqlalchemy.orm import Session

from planner.errors import ConsentMissing, IllegalTransition
from planner.locks.states import KIND_LABELS, allowed, key, label, next_states
from planner.models import (
    AuditEvent,
    Consent,
    ConsentState,
    Door,
    DoorKind,
    Entrance,
    FaultState,
    Job,
    JobKind,
    JobState,
    KeyState,
    Lock,
    LockState,
)


class Stateful(Protocol):
    __tablename__: str
    id: Any
    state: Any


# Which column a transition stamps with its date (dates) or time (datetimes). Keyed through
# ``states.key`` because members of different enums with equal values compare equal.
_STAMPS: tuple[tuple[StrEnum, str], ...] = (
    (ConsentState.REQUESTED, "requested_on"),
    (ConsentState.REMINDED, "reminded_on"),
    (ConsentState.RECEIVED, "answered_on"),
    (ConsentState.REFUSED, "answered_on"),
    (ConsentState.WITHDRAWN, "withdrawn_on"),
    (LockState.PLANNED, "planned_on"),
    (LockState.INSTALLED, "installed_on"),
    (LockState.ACTIVE, "activated_on"),
    (LockState.DEACTIVATED, "deactivated_on"),
    (LockState.REMOVED, "removed_on"),
    (JobState.DONE, "completed_at"),
    (JobState.FAILED, "completed_at"),
    (KeyState.ACTIVE, "activated_at"),
    (KeyState.DEACTIVATED, "deactivated_at"),
    (KeyState.REVOKED, "deactivated_at"),
    (FaultState.CLOSED, "closed_at"),
)

STAMPS: dict[tuple[type[StrEnum], str], str] = {key(s): column for s, column in _STAMPS}

ENTRANCE_SIDE_JOBS = frozenset(
    {JobKind.INSTALL_ENTRANCE, JobKind.INSTALL_REFUSE, JobKind.INSTALL_LAUNDRY}
)


def now() -> datetime:
    return datetime.now(UTC)


def audit(
    session: Session,
    *,
    entity: str,
    entity_id: int,
    action: str,
    actor: str,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one audit row (also for changes that are not state transitions: created, edited, …)."""
    event = AuditEvent(
        at=at or now(),
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
    )
    session.add(event)
    return event


def transition(
    session: Session,
    row: Stateful,
    target: StrEnum,
    *,
    actor: str,
    note: str | None = None,
    at: datetime | None = None,
) -> None:
    """Move ``row`` to ``target`` if the rules allow it, and record who did it and when."""
    current = row.state
    _check(session, row, current, target)
    when = at or now()
    if row.id is None:
        session.flush()
    row.state = target
    stamp = STAMPS.get(key(target))
    if stamp is not None:
        _stamp(row, stamp, when)
    if target is JobState.FAILED:
        row.attempts = (row.attempts or 0) + 1  # type: ignore[attr-defined]
    audit(
        session,
        entity=row.__tablename__,
        entity_id=row.id,
        action="transition",
        actor=actor,
        from_state=current.value,
        to_state=target.value,
        note=note,
        at=when,
    )


def _stamp(row: Stateful, column: str, when: datetime) -> None:
    column_type = type(row).__table__.c[column].type  # type: ignore[attr-defined]
    value: date | datetime = _local_date(when) if isinstance(column_type, Date) else when
    setattr(row, column, value)


def _local_date(when: datetime) -> date:
    from zoneinfo import ZoneInfo

    return when.astimezone(ZoneInfo("Europe/Stockholm")).date()


def _describe(row: Stateful) -> str:
    kind = KIND_LABELS.get(type(row.state), row.__tablename__)
    return f"{kind} {row.id}" if row.id is not None else kind


def _check(session: Session, row: Stateful, current: StrEnum, target: StrEnum) -> None:
    if not allowed(current, target):
        options = ", ".join(sorted(label(s) for s in next_states(current))) or "inga"
        msg = (
            f"Otillåten ändring av {_describe(row)}: från {label(current)!r} till "
            f"{label(target)!r}. Tillåtet härifrån: {options}."
        )
        raise IllegalTransition(msg)
    if isinstance(row, Lock):
        _check_lock(session, row, target)
    elif isinstance(row, Job) and target is JobState.PLANNED:
        _check_job_planned(session, row)


def _check_lock(session: Session, lock: Lock, target: StrEnum) -> None:
    if target is LockState.REMOVED:
        door = lock.door if lock.door is not None else session.get(Door, lock.door_id)
        if door is not None and door.kind is not DoorKind.APARTMENT:
            msg = (
                f"Lås {lock.id} sitter på en {_door_word(door.kind)} och tas inte bort: "
                "avaktivera det i stället (det sitter kvar för snabb återaktivering)."
            )
            raise IllegalTransition(msg)
    if target is LockState.INSTALLED and not lock.serial:
        msg = f"Lås {lock.id} kan inte markeras som monterat utan serienummer."
        raise IllegalTransition(msg)


def _door_word(kind: DoorKind) -> str:
    return {
        DoorKind.ENTRANCE: "entrédörr",
        DoorKind.APARTMENT: "lägenhetsdörr",
        DoorKind.REFUSE: "soprumsdörr",
        DoorKind.LAUNDRY: "tvättstugedörr",
    }[kind]


def _check_job_planned(session: Session, job: Job) -> None:
    if job.crew_id is None or job.planned_date is None:
        msg = f"Arbetsorder {job.id} kan inte planeras utan team och dag."
        raise IllegalTransition(msg)
    if job.kind in ENTRANCE_SIDE_JOBS and not consent_received_for_door(session, job.door_id):
        msg = (
            f"Arbetsorder {job.id} gäller en dörr i en fastighet utan mottaget medgivande "
            "från fastighetsägaren; den kan planeras först när medgivandet har kommit in."
        )
        raise ConsentMissing(msg)


def consent_received_for_door(session: Session, door_id: int) -> bool:
    """Whether the owner of the property this door belongs to has given consent."""
    stmt = (
        select(Consent.id)
        .join(Entrance, Entrance.property_id == Consent.property_id)
        .join(Door, Door.entrance_id == Entrance.id)
        .where(Door.id == door_id, Consent.state == ConsentState.RECEIVED)
        .limit(1)
    )
    return session.execute(stmt).first() is not None
