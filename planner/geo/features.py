"""What the map says about a clicked feature, and the actions that fit it.

A map feature carries a ``ref`` ("property:12", "entrance:34", "fault:5", "district:3").
``describe`` turns it into a title, a few facts and the actions the user's role allows (each action
names the page to open and what to fill in there). Customers are never listed: a building shows
counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planner.auth import Permission, User, can, district_ids
from planner.geo.layers import SEVERITY_LABELS
from planner.locks.readiness import current_customers_clause
from planner.locks.states import JobState, LockState, label
from planner.models import (
    Consent,
    Customer,
    District,
    Door,
    DoorKind,
    Entrance,
    FaultReport,
    GeocodeReview,
    Job,
    Lock,
    Organisation,
    Property,
    PropertyOwner,
    Wave,
    WaveDistrict,
)

JOB_LABELS = {
    "install_entrance": "montering entrédörr",
    "install_apartment": "montering lägenhetsdörr",
    "install_refuse": "montering soprum",
    "install_laundry": "montering tvättstuga",
    "repair": "reparation",
    "deactivate": "avaktivering",
    "reactivate": "återaktivering",
    "remove": "borttagning",
}


@dataclass(frozen=True)
class Action:
    """A button under the facts: open ``page`` with ``prefill`` (widget key → value) set."""

    label: str
    page: str
    prefill: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class FeatureFacts:
    title: str
    facts: tuple[tuple[str, str], ...]
    actions: tuple[Action, ...] = ()


def describe(session: Session, ref: str, *, user: User, on: date) -> FeatureFacts | None:
    """Facts and actions for a clicked feature; None if unknown or outside the user's scope."""
    kind, _, raw_id = ref.partition(":")
    if not raw_id.isdigit() or not can(user, Permission.VIEW_MAP):
        return None
    key = int(raw_id)
    handlers = {
        "review": _review,
        "property": _property,
        "entrance": _entrance,
        "fault": _fault,
        "district": _district,
    }
    handler = handlers.get(kind)
    if handler is None:
        return None
    allowed = district_ids(session, user)
    return handler(session, key, user=user, on=on, allowed=allowed)


def _in_scope(district_id: int | None, allowed: set[int] | None) -> bool:
    return allowed is None or district_id in allowed


def _customers(session: Session, entrance_ids: list[int], on: date) -> int:
    if not entrance_ids:
        return 0
    return int(
        session.scalar(
            select(func.count(Customer.id)).where(
                Customer.entrance_id.in_(entrance_ids),
                current_customers_clause(on),  # type: ignore[arg-type]
            )
        )
        or 0
    )


def _property(
    session: Session, key: int, *, user: User, on: date, allowed: set[int] | None
) -> FeatureFacts | None:
    prop = session.get(Property, key)
    if prop is None:
        return None
    entrances = list(session.scalars(select(Entrance).where(Entrance.property_id == key)))
    if not any(_in_scope(e.district_id, allowed) for e in entrances):
        return None
    owner = session.get(PropertyOwner, prop.owner_id)
    consent = session.scalars(select(Consent).where(Consent.property_id == key)).first()
    facts: list[tuple[str, str]] = [
        ("Ägare", f"{owner.name} ({owner.org_number})" if owner else "–"),
        ("Adresser", ", ".join(e.address for e in entrances) or "–"),
        ("Hemtjänstkunder", str(_customers(session, [e.id for e in entrances], on))),
    ]
    if consent is not None:
        facts.append(("Medgivande", label(consent.state)))
        if consent.reply_reference:
            facts.append(("Svarsreferens", consent.reply_reference))
        if consent.answered_on:
            facts.append(("Besvarat", consent.answered_on.isoformat()))
        if consent.contact_name and can(user, Permission.VIEW_PROPERTIES):
            facts.append(("Kontaktperson", f"{consent.contact_name} {consent.contact_phone or ''}"))
    else:
        facts.append(("Medgivande", "ej tillfrågad"))
    actions = []
    if can(user, Permission.EDIT_CONSENTS):
        actions.append(
            Action(
                "Registrera eller ändra medgivande",
                "app_pages/medgivanden.py",
                {"query": prop.designation},
            )
        )
    return FeatureFacts(prop.designation, tuple(facts), tuple(actions))


def _entrance(
    session: Session, key: int, *, user: User, on: date, allowed: set[int] | None
) -> FeatureFacts | None:
    entrance = session.get(Entrance, key)
    if entrance is None or not _in_scope(entrance.district_id, allowed):
        return None
    prop = session.get(Property, entrance.property_id)
    locks = session.execute(
        select(Door.kind, Lock.state, Lock.serial, Lock.id)
        .join(Lock, Lock.door_id == Door.id)
        .where(Door.entrance_id == key)
        .order_by(Lock.id)
    ).all()
    entrance_lock = [row for row in locks if row.kind is DoorKind.ENTRANCE]
    apartment = [row for row in locks if row.kind is DoorKind.APARTMENT]
    facts: list[tuple[str, str]] = [
        ("Fastighet", prop.designation if prop else "–"),
        ("Hemtjänstkunder", str(_customers(session, [key], on))),
    ]
    if entrance_lock:
        last = entrance_lock[-1]
        facts.append(("Entrélås", f"{label(last.state)} ({last.serial or 'serienummer saknas'})"))
    else:
        facts.append(("Entrélås", "inget ännu"))
    if apartment:
        counts: dict[LockState, int] = {}
        for row in apartment:
            counts[row.state] = counts.get(row.state, 0) + 1
        facts.append(
            ("Lägenhetslås", ", ".join(f"{n} {label(s)}" for s, n in sorted(counts.items())))
        )
    jobs = session.execute(
        select(Job.id, Job.kind, Job.state, Job.planned_date)
        .join(Door, Door.id == Job.door_id)
        .where(
            Door.entrance_id == key,
            Job.state.in_((JobState.UNPLANNED, JobState.PLANNED, JobState.FAILED)),
        )
        .order_by(Job.id)
    ).all()
    for job in jobs[:6]:
        when = f", {job.planned_date.isoformat()}" if job.planned_date else ""
        facts.append(
            (f"Arbetsorder {job.id}", f"{JOB_LABELS[job.kind.value]}: {label(job.state)}{when}")
        )
    actions = []
    if can(user, Permission.RECORD_RESULTS) and jobs:
        actions.append(
            Action(
                "Registrera monteringsresultat", "app_pages/installationer.py", {"job": jobs[0].id}
            )
        )
    if can(user, Permission.MANAGE_FAULTS) and entrance_lock and entrance_lock[-1].serial:
        actions.append(
            Action(
                "Anmäl fel på entrélåset",
                "app_pages/felanmalningar.py",
                {"serial": entrance_lock[-1].serial},
            )
        )
    return FeatureFacts(entrance.address, tuple(facts), tuple(actions))


def _fault(
    session: Session, key: int, *, user: User, on: date, allowed: set[int] | None
) -> FeatureFacts | None:
    fault = session.get(FaultReport, key)
    if fault is None:
        return None
    lock = session.get(Lock, fault.lock_id)
    door = session.get(Door, lock.door_id) if lock else None
    entrance = session.get(Entrance, door.entrance_id) if door else None
    if entrance is None or not _in_scope(entrance.district_id, allowed):
        return None
    assigned = session.get(Organisation, fault.assigned_org_id) if fault.assigned_org_id else None
    facts = (
        ("Adress", entrance.address),
        ("Dörr", "lägenhetsdörr" if door and door.kind is DoorKind.APARTMENT else "entrédörr"),
        ("Allvar", SEVERITY_LABELS[fault.severity]),
        ("Status", label(fault.state)),
        ("Anmäld", fault.reported_at.date().isoformat()),
        ("Åtgärdas senast", fault.deadline.date().isoformat() if fault.deadline else "–"),
        ("Tilldelad", assigned.name if assigned else "ingen ännu"),
    )
    actions: tuple[Action, ...] = ()
    if can(user, Permission.MANAGE_FAULTS) and lock is not None and lock.serial:
        actions = (
            Action("Hantera felanmälan", "app_pages/felanmalningar.py", {"serial": lock.serial}),
        )
    return FeatureFacts(f"Felanmälan {fault.id}: {fault.category}", facts, actions)


def _review(
    session: Session, key: int, *, user: User, on: date, allowed: set[int] | None
) -> FeatureFacts | None:
    if not can(user, Permission.IMPORT_DATA):
        return None
    item = session.get(GeocodeReview, key)
    if item is None:
        return None
    facts = (
        ("Fil", f"{item.source_file}, rad {item.source_row}"),
        ("Säkerhet", f"{item.confidence:.0%}"),
        ("Förslag", str(len(item.candidates or []))),
        ("Varför", item.reasons or "–"),
    )
    action = Action("Granska adressen", "app_pages/geokodning.py")
    return FeatureFacts(item.raw_address, facts, (action,))


def _district(
    session: Session, key: int, *, user: User, on: date, allowed: set[int] | None
) -> FeatureFacts | None:
    district = session.get(District, key)
    if district is None or not _in_scope(key, allowed):
        return None
    wave = session.execute(
        select(Wave.name, Wave.state, Wave.planned_start, Wave.planned_end)
        .join(WaveDistrict, WaveDistrict.wave_id == Wave.id)
        .where(WaveDistrict.district_id == key)
    ).first()
    entrance_ids = list(session.scalars(select(Entrance.id).where(Entrance.district_id == key)))
    facts: list[tuple[str, str]] = [
        ("Hemtjänstkunder", str(_customers(session, entrance_ids, on))),
        (
            "Befolkning",
            f"{district.population:,}".replace(",", " ") if district.population else "–",
        ),
    ]
    if wave is not None:
        facts.append(("Våg", f"{wave.name} ({label(wave.state)})"))
        if wave.planned_start and wave.planned_end:
            facts.append(
                ("Planerad", f"{wave.planned_start.isoformat()} – {wave.planned_end.isoformat()}")
            )
    return FeatureFacts(district.name, tuple(facts))
