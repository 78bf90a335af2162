"""Fault reports (felanmälan): intake, triage, assignment, repair, closing.

A fault is reported by home care, an owner, a customer or a technician about one lock (by its
serial number or id), with a category and a description. Its severity starts from the category
(``FAULT_CATEGORIES``) and is set at triage; the deadline follows the severity, counted from when
the fault was reported:

=========== ======== ===================== ===================
severity    label    deadline (hours)      repair job priority
=========== ======== ===================== ===================
critical    akut     4                     5
high        hög      24                    3
normal      normal   72 (3 days)           1
low         låg      240 (10 days)         0
=========== ======== ===================== ===================

Assigning the fault to the city's technicians or the supplier's (or locksmith firm's) locksmith
creates a ``Job`` of kind repair at the lock's door with that priority and deadline, which the
router places like any other job (crews with the repair skill). Closing the fault cancels its
repair job if that was not done; recording the repair job as done closes the fault
(``results.record_done``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.locks._csvfile import STOCKHOLM
from planner.locks.errors import InvalidValue, UnknownRecord
from planner.locks.keys import DOOR_LABELS
from planner.locks.lifecycle import audit, now, transition
from planner.locks.states import FaultState, JobState, LockState, label
from planner.models import (
    District,
    Door,
    Entrance,
    FaultReport,
    FaultSeverity,
    Job,
    JobKind,
    Lock,
    Organisation,
    OrgKind,
)

FAULT_CATEGORIES: dict[str, FaultSeverity] = {
    "Låset går trögt": FaultSeverity.NORMAL,
    "Nyckeln öppnar inte": FaultSeverity.HIGH,
    "Cylindern sitter löst": FaultSeverity.NORMAL,
    "Dörren går inte att låsa": FaultSeverity.CRITICAL,
    "Skadegörelse på låshuset": FaultSeverity.HIGH,
    "Fel i passageloggen": FaultSeverity.LOW,
    "Annat": FaultSeverity.NORMAL,
}
REPORTER_KINDS = ("hemtjänst", "fastighetsägare", "kund eller anhörig", "tekniker", "annan")
SEVERITY_LABELS: dict[FaultSeverity, str] = {
    FaultSeverity.CRITICAL: "akut",
    FaultSeverity.HIGH: "hög",
    FaultSeverity.NORMAL: "normal",
    FaultSeverity.LOW: "låg",
}
DEADLINE_HOURS: dict[FaultSeverity, int] = {
    FaultSeverity.CRITICAL: 4,
    FaultSeverity.HIGH: 24,
    FaultSeverity.NORMAL: 72,
    FaultSeverity.LOW: 240,
}
REPAIR_PRIORITY: dict[FaultSeverity, int] = {
    FaultSeverity.CRITICAL: 5,
    FaultSeverity.HIGH: 3,
    FaultSeverity.NORMAL: 1,
    FaultSeverity.LOW: 0,
}
REPAIR_SERVICE_MIN = 40
ASSIGNEE_KINDS = (OrgKind.CITY, OrgKind.SUPPLIER, OrgKind.LOCKSMITH)
_OPEN_JOB = (JobState.UNPLANNED, JobState.PLANNED, JobState.FAILED)


def deadline_for(severity: FaultSeverity, reported_at: datetime) -> datetime:
    return reported_at + timedelta(hours=DEADLINE_HOURS[severity])


def get_fault(session: Session, fault_id: int) -> FaultReport:
    fault = session.get(FaultReport, fault_id)
    if fault is None:
        msg = f"Felanmälan {fault_id} finns inte."
        raise UnknownRecord(msg)
    return fault


def find_lock(session: Session, lock: int | str) -> Lock:
    """A lock by id or by serial number."""
    row: Lock | None
    if isinstance(lock, int) or (isinstance(lock, str) and lock.strip().isdigit()):
        row = session.get(Lock, int(lock))
    else:
        row = session.scalars(select(Lock).where(Lock.serial == lock.strip())).first()
    if row is None:
        msg = f"Låset {lock!r} finns inte; ange serienumret som står på låset."
        raise UnknownRecord(msg)
    return row


def report_fault(
    session: Session,
    *,
    lock: int | str,
    category: str,
    description: str | None,
    reported_by: str,
    reporter_kind: str,
    actor: str,
    reported_at: datetime | None = None,
    severity: FaultSeverity | None = None,
) -> FaultReport:
    """Take in a fault about one fitted lock; severity (and deadline) from the category."""
    row = find_lock(session, lock)
    if row.state in (LockState.PLANNED, LockState.REMOVED):
        msg = (
            f"Låset {row.serial or row.id} är {label(row.state)!r}; "
            "bara monterade lås kan felanmälas."
        )
        raise InvalidValue(msg)
    if category not in FAULT_CATEGORIES:
        msg = f"Okänd kategori {category!r}. Välj en av: {', '.join(FAULT_CATEGORIES)}."
        raise InvalidValue(msg)
    if reporter_kind not in REPORTER_KINDS:
        msg = f"Okänd anmälare {reporter_kind!r}. Välj en av: {', '.join(REPORTER_KINDS)}."
        raise InvalidValue(msg)
    if not reported_by.strip():
        msg = "Ange vem som gjorde felanmälan."
        raise InvalidValue(msg)
    when = reported_at or now()
    if when > now():
        msg = "Tiden för felanmälan ligger i framtiden."
        raise InvalidValue(msg)
    level = severity or FAULT_CATEGORIES[category]
    fault = FaultReport(
        lock_id=row.id,
        category=category,
        description=(description or "").strip() or None,
        reported_by=reported_by.strip(),
        reporter_kind=reporter_kind,
        reported_at=when,
        severity=level,
        state=FaultState.OPEN,
        deadline=deadline_for(level, when),
    )
    session.add(fault)
    session.flush()
    audit(
        session,
        entity="fault_report",
        entity_id=fault.id,
        action="created",
        actor=actor,
        to_state=FaultState.OPEN.value,
        note=f"{category} ({reporter_kind}: {reported_by})",
    )
    return fault


def _repair_job(session: Session, fault: FaultReport) -> Job | None:
    return session.scalars(
        select(Job).where(
            Job.fault_id == fault.id, Job.kind == JobKind.REPAIR, Job.state.in_(_OPEN_JOB)
        )
    ).first()


def triage_fault(
    session: Session,
    fault_id: int,
    *,
    severity: FaultSeverity,
    actor: str,
    note: str | None = None,
    at: datetime | None = None,
) -> FaultReport:
    """Judge the fault: set its severity (and so its deadline). An open fault becomes triaged;
    an assigned one keeps its state and its repair job follows the new priority and deadline."""
    fault = get_fault(session, fault_id)
    if fault.state is FaultState.CLOSED:
        msg = f"Felanmälan {fault.id} är stängd; öppna den igen först."
        raise InvalidValue(msg)
    old = fault.severity
    fault.severity = severity
    fault.deadline = deadline_for(severity, fault.reported_at)
    text = f"allvarlighet {SEVERITY_LABELS[old]} → {SEVERITY_LABELS[severity]}" + (
        f"; {note.strip()}" if note and note.strip() else ""
    )
    if fault.state is FaultState.OPEN:
        transition(session, fault, FaultState.TRIAGED, actor=actor, at=at, note=text)
    else:
        audit(
            session,
            entity="fault_report",
            entity_id=fault.id,
            action="edited",
            actor=actor,
            note=text,
            at=at,
        )
    job = _repair_job(session, fault)
    if job is not None:
        job.priority = REPAIR_PRIORITY[severity]
        job.deadline = fault.deadline
    return fault


def assignees(session: Session) -> list[Organisation]:
    """Who can repair: the city (its technicians), the supplier and the locksmith firm."""
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind.in_(ASSIGNEE_KINDS))
            .order_by(Organisation.kind, Organisation.name)
        )
    )


def assign_fault(
    session: Session,
    fault_id: int,
    *,
    organisation_id: int,
    actor: str,
    at: datetime | None = None,
) -> Job:
    """Assign the fault; its repair job (created now, or kept) is what the router places."""
    fault = get_fault(session, fault_id)
    org = session.get(Organisation, organisation_id)
    if org is None or org.kind not in ASSIGNEE_KINDS:
        msg = "Välj stadens tekniker, leverantören eller låsfirman."
        raise InvalidValue(msg)
    transition(
        session, fault, FaultState.ASSIGNED, actor=actor, at=at, note=f"tilldelad {org.name}"
    )
    fault.assigned_org_id = org.id
    lock = session.get(Lock, fault.lock_id)
    assert lock is not None
    note = f"Felanmälan {fault.id}: {fault.category}. Tilldelad {org.name}."
    job = _repair_job(session, fault)
    if job is None:
        job = Job(
            kind=JobKind.REPAIR,
            door_id=lock.door_id,
            lock_id=lock.id,
            fault_id=fault.id,
            state=JobState.UNPLANNED,
            service_min=REPAIR_SERVICE_MIN,
            priority=REPAIR_PRIORITY[fault.severity],
            deadline=fault.deadline,
            latest_date=fault.deadline.astimezone(STOCKHOLM).date() if fault.deadline else None,
            notes=note,
        )
        session.add(job)
        session.flush()
        audit(
            session,
            entity="job",
            entity_id=job.id,
            action="created",
            actor=actor,
            to_state=JobState.UNPLANNED.value,
            note=note,
            at=at,
        )
    else:
        job.notes = note
    return job


def start_repair(
    session: Session, fault_id: int, *, actor: str, at: datetime | None = None
) -> FaultReport:
    fault = get_fault(session, fault_id)
    transition(session, fault, FaultState.IN_PROGRESS, actor=actor, at=at)
    return fault


def close_fault(
    session: Session,
    fault_id: int,
    *,
    resolution: str,
    actor: str,
    at: datetime | None = None,
) -> tuple[FaultReport, Job | None]:
    """Close the fault with what was done; a repair job not yet done is cancelled."""
    fault = get_fault(session, fault_id)
    if not resolution.strip():
        msg = "Beskriv vad som gjordes (eller varför felanmälan stängs)."
        raise InvalidValue(msg)
    transition(session, fault, FaultState.CLOSED, actor=actor, at=at, note=resolution.strip())
    fault.resolution = resolution.strip()
    job = _repair_job(session, fault)
    if job is not None:
        transition(
            session,
            job,
            JobState.CANCELLED,
            actor=actor,
            at=at,
            note=f"felanmälan {fault.id} stängd",
        )
    return fault, job


def reopen_fault(
    session: Session, fault_id: int, *, actor: str, note: str, at: datetime | None = None
) -> FaultReport:
    fault = get_fault(session, fault_id)
    transition(session, fault, FaultState.OPEN, actor=actor, at=at, note=note)
    fault.closed_at = None
    return fault


FAULT_COLUMNS = [
    "id",
    "anmäld",
    "status",
    "allvarlighet",
    "kategori",
    "lås",
    "dörr",
    "adress",
    "stadsdelsområde",
    "anmälare",
    "tilldelad",
    "senast åtgärdad",
    "försenad",
]


def fault_list(
    session: Session, *, open_only: bool = True, at: datetime | None = None
) -> pd.DataFrame:
    """Faults (open ones by default), the earliest deadline first, with Swedish columns."""
    when = at or now()
    stmt = (
        select(FaultReport, Lock.serial, Door.kind, Entrance, District.name, Organisation.name)
        .join(Lock, Lock.id == FaultReport.lock_id)
        .join(Door, Door.id == Lock.door_id)
        .join(Entrance, Entrance.id == Door.entrance_id)
        .outerjoin(District, District.id == Entrance.district_id)
        .outerjoin(Organisation, Organisation.id == FaultReport.assigned_org_id)
    )
    if open_only:
        stmt = stmt.where(FaultReport.state != FaultState.CLOSED)
    rows = []
    for fault, serial, kind, entrance, district, org in session.execute(stmt):
        rows.append(
            (
                fault.id,
                fault.reported_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M"),
                label(fault.state),
                SEVERITY_LABELS[fault.severity],
                fault.category,
                serial or "",
                DOOR_LABELS[kind],
                f"{entrance.address}, {entrance.postort}",
                district or "",
                f"{fault.reported_by} ({fault.reporter_kind})",
                org or "",
                fault.deadline.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
                if fault.deadline
                else "",
                "ja"
                if fault.deadline and fault.state is not FaultState.CLOSED and fault.deadline < when
                else "nej",
            )
        )
    frame = pd.DataFrame(rows, columns=FAULT_COLUMNS)
    return frame.sort_values(["senast åtgärdad", "id"]).reset_index(drop=True)


def local_time(value: datetime | None) -> str:
    """A time as Stockholm wall-clock text, ``2026-11-20 12:00``."""
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") if value else "–"


class FaultAction(StrEnum):
    """What the app can do to a fault."""

    TRIAGE = "triage"
    ASSIGN = "assign"
    START = "start"
    CLOSE = "close"
    REOPEN = "reopen"

    @property
    def label(self) -> str:
        return {
            FaultAction.TRIAGE: "Bedöm",
            FaultAction.ASSIGN: "Tilldela",
            FaultAction.START: "Påbörja",
            FaultAction.CLOSE: "Stäng",
            FaultAction.REOPEN: "Öppna igen",
        }[self]


def act_on_fault(
    session: Session,
    fault_id: int,
    action: FaultAction,
    *,
    actor: str,
    severity: FaultSeverity | None = None,
    organisation_id: int | None = None,
    text: str = "",
) -> str:
    """Apply one action and say, in Swedish, what changed."""
    if action is FaultAction.TRIAGE:
        if severity is None:
            msg = "Välj allvarlighet."
            raise InvalidValue(msg)
        fault = triage_fault(session, fault_id, severity=severity, actor=actor, note=text)
        return (
            f"Felanmälan {fault.id} bedömd som {SEVERITY_LABELS[severity]}; ska vara åtgärdad "
            f"senast {local_time(fault.deadline)}."
        )
    if action is FaultAction.ASSIGN:
        if organisation_id is None:
            msg = "Välj vem som ska åtgärda felet."
            raise InvalidValue(msg)
        job = assign_fault(session, fault_id, organisation_id=organisation_id, actor=actor)
        org = session.get(Organisation, organisation_id)
        return (
            f"Felanmälan {fault_id} tilldelad {org.name if org else organisation_id}; "
            f"arbetsorder {job.id} (reparation, prioritet {job.priority}, senast "
            f"{local_time(job.deadline)}) väntar på planering."
        )
    if action is FaultAction.START:
        start_repair(session, fault_id, actor=actor)
        return f"Felanmälan {fault_id} åtgärdas."
    if action is FaultAction.CLOSE:
        closed, repair = close_fault(session, fault_id, resolution=text, actor=actor)
        cancelled = f" Arbetsorder {repair.id} avbröts." if repair is not None else ""
        return f"Felanmälan {closed.id} stängd.{cancelled}"
    if not text.strip():
        msg = "Skriv varför felanmälan öppnas igen."
        raise InvalidValue(msg)
    reopen_fault(session, fault_id, actor=actor, note=text.strip())
    return f"Felanmälan {fault_id} är öppen igen."
