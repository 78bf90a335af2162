"""Route sheets (körlistor): one crew, one day, the stops in order with what the crew needs.

``route_sheet(session, user, crew_id, day)`` builds the sheet as plain data (``RouteSheet``);
``planner.routing.sheetfiles`` turns it into PDF, HTML, CSV, GPX and ICS.

Who may read which sheet is checked here, in the library, not only in the page that asks:
the rollout manager (``VIEW_ALL_ROUTE_SHEETS``) reads every crew's sheet; a locksmith firm or
Trygghetsjouren user (``VIEW_OWN_ROUTE_SHEETS``) only their own organisation's crews; anyone
else none (``AuthError``).

What a sheet carries depends on whose crew it is, never on who reads it:

* a **locksmith** crew's sheet (and that of any organisation not named below) carries the
  entrance facts: address, door, cylinder, door notes, the owner's contact person. It carries
  **no** customer names, pseudonyms, phone numbers or apartment numbers: an apartment door is
  "Lägenhetsdörr" only, and notes are cleaned of the names, numbers and pseudonyms of the
  customers at that entrance;
* a **Trygghetsjouren** crew's sheet adds, for apartment doors, the apartment number, the
  appointment window and the customer's contact name and phone, which it needs to keep the
  appointment (never the pseudonym);
* a **city** technicians' sheet adds the apartment number (to find the door), not the customer.

``wave_sheets`` gives the sheets of a wave's crew-days for the command line, whose user runs
planner with full database access anyway.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from planner.auth import AuthError, Permission, User, can
from planner.locks.states import ConsentState, JobState
from planner.models import (
    Consent,
    Customer,
    Cylinder,
    Door,
    DoorKind,
    Entrance,
    FaultReport,
    Job,
    Organisation,
    OrgKind,
    Property,
    PropertyOwner,
    Wave,
)
from planner.models import Crew as CrewRow
from planner.routing._dbmap import DOOR_LABELS, KIND_LABELS, clock_text, local_seconds
from planner.routing.travel import StraightLine, TravelTimeProvider

SHEET_STATES = (JobState.PLANNED, JobState.DONE)
CYLINDER_LABELS = {Cylinder.ROUND: "rund", Cylinder.OVAL: "oval", Cylinder.UNKNOWN: "okänd"}
ENTRANCE_SIDE = (DoorKind.ENTRANCE, DoorKind.REFUSE, DoorKind.LAUNDRY)


class Audience(StrEnum):
    """Whose crew a sheet is for; decides what it may carry."""

    LOCKSMITH = "locksmith"
    TRYGGHETSJOUR = "trygghetsjour"
    CITY = "city"

    @classmethod
    def of(cls, kind: OrgKind) -> Audience:
        if kind is OrgKind.TRYGGHETSJOUR:
            return cls.TRYGGHETSJOUR
        if kind is OrgKind.CITY:
            return cls.CITY
        return cls.LOCKSMITH  # the most careful: anyone else reads what a locksmith reads

    @property
    def sees_apartment(self) -> bool:
        return self is not Audience.LOCKSMITH

    @property
    def sees_customer(self) -> bool:
        return self is Audience.TRYGGHETSJOUR


@dataclass(frozen=True, slots=True)
class SheetStop:
    position: int
    job_id: int
    task: str
    door: str
    address: str
    lat: float
    lon: float
    arrival: dt.datetime | None
    service_min: int
    state: JobState
    cylinder: str | None = None
    appointment: str | None = None
    contact: str | None = None
    apartment: str | None = None
    customer: str | None = None
    notes: tuple[str, ...] = ()
    travel_s: int = 0
    distance_m: int | None = None

    @property
    def arrival_text(self) -> str:
        return "–" if self.arrival is None else clock_text(local_seconds(self.arrival))


@dataclass(frozen=True)
class RouteSheet:
    crew_id: int
    crew_name: str
    organisation: str
    audience: Audience
    day: dt.date
    depot_address: str
    depot_lat: float
    depot_lon: float
    shift: str
    lunch: str
    stops: tuple[SheetStop, ...]
    return_travel_s: int = 0
    return_distance_m: int | None = None

    @property
    def service_min(self) -> int:
        return sum(stop.service_min for stop in self.stops)

    @property
    def driving_s(self) -> int:
        return sum(stop.travel_s for stop in self.stops) + self.return_travel_s

    @property
    def distance_m(self) -> int | None:
        legs = [stop.distance_m for stop in self.stops] + [self.return_distance_m]
        if any(leg is None for leg in legs):
            return None
        return sum(leg for leg in legs if leg is not None)

    @property
    def title(self) -> str:
        return f"Körlista {self.crew_name} {self.day.isoformat()}"

    @property
    def slug(self) -> str:
        name = re.sub(r"[^a-z0-9]+", "-", self.crew_name.lower().translate(_ASCII)).strip("-")
        return f"korlista-{self.day.isoformat()}-{name or self.crew_id}"


_ASCII = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})

WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


def weekday(day: dt.date) -> str:
    return WEEKDAYS[day.weekday()]


# --- who may read what ------------------------------------------------------------------------


@dataclass(frozen=True)
class CrewChoice:
    crew_id: int
    name: str
    organisation: str
    stops: int


def visible_crew_ids(session: Session, user: User) -> set[int] | None:
    """The crews whose sheets the user may read; ``None``: all of them."""
    if can(user, Permission.VIEW_ALL_ROUTE_SHEETS):
        return None
    if not can(user, Permission.VIEW_OWN_ROUTE_SHEETS):
        msg = f"Din roll ({user.role_label}) har inte behörighet till körlistor."
        raise AuthError(msg)
    if user.organisation_id is None:
        return set()
    return set(
        session.scalars(select(CrewRow.id).where(CrewRow.organisation_id == user.organisation_id))
    )


def require_crew(session: Session, user: User, crew_id: int) -> CrewRow:
    """The crew, if the user may read its sheets; ``AuthError`` otherwise (also when unknown)."""
    allowed = visible_crew_ids(session, user)
    crew = session.get(CrewRow, crew_id)
    if crew is None or (allowed is not None and crew_id not in allowed):
        msg = "Du har inte behörighet till det lagets körlistor."
        raise AuthError(msg)
    return crew


def sheet_choices(session: Session, user: User, day: dt.date) -> list[CrewChoice]:
    """The crews with stops on ``day`` whose sheets the user may read, by name."""
    allowed = visible_crew_ids(session, user)
    stmt = (
        select(CrewRow.id, CrewRow.name, Organisation.name, func.count(Job.id))
        .join(Organisation, Organisation.id == CrewRow.organisation_id)
        .join(Job, Job.crew_id == CrewRow.id)
        .where(Job.planned_date == day, Job.state.in_(SHEET_STATES))
        .group_by(CrewRow.id, CrewRow.name, Organisation.name)
        .order_by(CrewRow.name)
    )
    if allowed is not None:
        stmt = stmt.where(CrewRow.id.in_(sorted(allowed) or [-1]))
    return [CrewChoice(int(i), name, org, int(n)) for i, name, org, n in session.execute(stmt)]


def sheet_days(
    session: Session, user: User, *, first: dt.date, last: dt.date, open_only: bool = False
) -> list[dt.date]:
    """Days from ``first`` to ``last`` on which the user may read at least one sheet (with
    ``open_only``: one with work still to do, not only finished jobs)."""
    allowed = visible_crew_ids(session, user)
    states = (JobState.PLANNED,) if open_only else SHEET_STATES
    stmt = (
        select(Job.planned_date)
        .where(
            Job.planned_date.between(first, last),
            Job.state.in_(states),
            Job.crew_id.is_not(None),
        )
        .distinct()
        .order_by(Job.planned_date)
    )
    if allowed is not None:
        stmt = stmt.where(Job.crew_id.in_(sorted(allowed) or [-1]))
    return [day for day in session.scalars(stmt) if day is not None]


def route_sheet(
    session: Session,
    user: User,
    crew_id: int,
    day: dt.date,
    *,
    provider: TravelTimeProvider | None = None,
) -> RouteSheet:
    """The sheet of one crew on one day, if the user may read it."""
    crew = require_crew(session, user, crew_id)
    return build_sheet(session, crew, day, provider=provider)


def day_routes(
    session: Session,
    user: User,
    day: dt.date,
    crew_ids: Sequence[int],
    *,
    provider: TravelTimeProvider | None = None,
) -> list[RouteSheet]:
    """The sheets of several crews on one day (for the map), each checked like ``route_sheet``."""
    return [route_sheet(session, user, crew_id, day, provider=provider) for crew_id in crew_ids]


def wave_sheets(
    session: Session,
    wave: Wave,
    *,
    days: Sequence[dt.date] = (),
    crews: Sequence[str] = (),
    provider: TravelTimeProvider | None = None,
) -> list[RouteSheet]:
    """Sheets of every crew-day with stops of the wave (a whole day per sheet)."""
    stmt = (
        select(Job.crew_id, Job.planned_date)
        .where(Job.wave_id == wave.id, Job.state.in_(SHEET_STATES), Job.crew_id.is_not(None))
        .distinct()
    )
    if days:
        stmt = stmt.where(Job.planned_date.in_(list(days)))
    pairs = {(int(c), d) for c, d in session.execute(stmt) if c is not None and d is not None}
    wanted = {name.strip().casefold() for name in crews}
    sheets = []
    for crew_id, day in sorted(pairs, key=lambda p: (p[1], p[0])):
        crew = session.get(CrewRow, crew_id)
        if crew is None:
            continue
        if wanted and crew.name.casefold() not in wanted and str(crew.id) not in wanted:
            continue
        sheets.append(build_sheet(session, crew, day, provider=provider))
    return sheets


# --- building a sheet -------------------------------------------------------------------------


def build_sheet(
    session: Session, crew: CrewRow, day: dt.date, *, provider: TravelTimeProvider | None = None
) -> RouteSheet:
    """The sheet as the crew's organisation may read it (no access check: see ``route_sheet``)."""
    organisation = session.get(Organisation, crew.organisation_id)
    audience = Audience.of(organisation.kind) if organisation is not None else Audience.LOCKSMITH
    depot_lat, depot_lon = session.execute(
        select(func.ST_Y(CrewRow.depot), func.ST_X(CrewRow.depot)).where(CrewRow.id == crew.id)
    ).one()
    rows = session.execute(
        select(Job, Door, Entrance, func.ST_Y(Entrance.geom), func.ST_X(Entrance.geom))
        .join(Door, Door.id == Job.door_id)
        .join(Entrance, Entrance.id == Door.entrance_id)
        .where(Job.crew_id == crew.id, Job.planned_date == day, Job.state.in_(SHEET_STATES))
        .order_by(Job.position, Job.planned_arrival, Job.id)
    ).all()
    entrance_ids = {entrance.id for _, _, entrance, _, _ in rows}
    contacts = _owner_contacts(session, {entrance.property_id for _, _, entrance, _, _ in rows})
    people = _customers(session, entrance_ids, day)
    faults = _faults(session, [job.fault_id for job, *_ in rows if job.fault_id is not None])

    stops: list[SheetStop] = []
    for position, (job, door, entrance, lat, lon) in enumerate(rows, start=1):
        here = people.get(entrance.id, [])
        behind_door = [c for c in here if c.apartment_door_id == door.id]
        apartment = None
        customer = None
        if door.kind is DoorKind.APARTMENT and audience.sees_apartment:
            apartment = door.label or None
        if door.kind is DoorKind.APARTMENT and audience.sees_customer:
            customer = (
                "; ".join(
                    " ".join(part for part in (c.contact_name, c.contact_phone) if part)
                    for c in behind_door
                    if c.contact_name or c.contact_phone
                )
                or None
            )
        door_text = DOOR_LABELS[door.kind]
        if door.label and (door.kind is not DoorKind.APARTMENT or audience.sees_apartment):
            door_text = f"{door_text} {door.label}"
        notes = [text for text in (entrance.notes, door.notes, job.notes) if text]
        fault = faults.get(job.fault_id) if job.fault_id is not None else None
        if fault:
            notes.append(fault)
        if audience is not Audience.TRYGGHETSJOUR:
            notes = [_scrub(text, here, keep_apartments=audience.sees_apartment) for text in notes]
        stops.append(
            SheetStop(
                position=position,
                job_id=job.id,
                task=KIND_LABELS[job.kind],
                door=door_text,
                address=f"{entrance.address}, {entrance.postcode} {entrance.postort}",
                lat=float(lat),
                lon=float(lon),
                arrival=job.planned_arrival,
                service_min=job.service_min,
                state=job.state,
                cylinder=CYLINDER_LABELS[door.cylinder] if door.kind in ENTRANCE_SIDE else None,
                appointment=_window(job),
                contact=contacts.get(entrance.property_id) if door.kind in ENTRANCE_SIDE else None,
                apartment=apartment,
                customer=customer,
                notes=tuple(notes),
            )
        )
    stops, back_s, back_m = _legs(
        (float(depot_lat), float(depot_lon)), stops, provider or StraightLine()
    )
    lunch = (
        f"{crew.lunch_min} min mellan {crew.lunch_earliest:%H:%M} och {crew.lunch_latest:%H:%M}"
        if crew.lunch_min
        else "ingen"
    )
    return RouteSheet(
        crew_id=crew.id,
        crew_name=crew.name,
        organisation=organisation.name if organisation is not None else "",
        audience=audience,
        day=day,
        depot_address=crew.depot_address or "",
        depot_lat=float(depot_lat),
        depot_lon=float(depot_lon),
        shift=f"{crew.shift_start:%H:%M}–{crew.shift_end:%H:%M}",
        lunch=lunch,
        stops=tuple(stops),
        return_travel_s=back_s,
        return_distance_m=back_m,
    )


def _window(job: Job) -> str | None:
    if job.appointment_start is None or job.appointment_end is None:
        return None
    start = local_seconds(job.appointment_start)
    end = local_seconds(job.appointment_end)
    return f"{clock_text(start)}–{clock_text(end)}"


def _owner_contacts(session: Session, property_ids: set[int]) -> dict[int, str]:
    """Per property: the contact person of the received consent, else the owner's contact."""
    if not property_ids:
        return {}
    found: dict[int, str] = {}
    rows = session.execute(
        select(
            Property.id,
            Consent.state,
            Consent.contact_name,
            Consent.contact_phone,
            PropertyOwner.name,
            PropertyOwner.contact_name,
            PropertyOwner.contact_phone,
        )
        .join(PropertyOwner, PropertyOwner.id == Property.owner_id)
        .outerjoin(Consent, Consent.property_id == Property.id)
        .where(Property.id.in_(sorted(property_ids)))
    ).all()
    for prop, state, name, phone, owner, owner_name, owner_phone in rows:
        if state is ConsentState.RECEIVED and (name or phone):
            person = ", ".join(part for part in (name, phone) if part)
            found[prop] = f"{person} ({owner})"
        elif prop not in found and (owner_name or owner_phone):
            person = ", ".join(part for part in (owner_name, owner_phone) if part)
            found[prop] = f"{person} ({owner})"
    return found


def _customers(
    session: Session, entrance_ids: Iterable[int], day: dt.date
) -> dict[int, list[Customer]]:
    ids = sorted(entrance_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(Customer).where(
            Customer.entrance_id.in_(ids),
            Customer.active_from <= day,
            or_(Customer.active_to.is_(None), Customer.active_to >= day),
        )
    )
    found: dict[int, list[Customer]] = {}
    for customer in rows:
        found.setdefault(customer.entrance_id, []).append(customer)
    return found


def _faults(session: Session, fault_ids: list[int]) -> dict[int, str]:
    if not fault_ids:
        return {}
    rows = session.execute(
        select(FaultReport.id, FaultReport.category, FaultReport.description).where(
            FaultReport.id.in_(fault_ids)
        )
    )
    return {
        fault_id: "Fel: " + category + (f" – {description}" if description else "")
        for fault_id, category, description in rows
    }


def _scrub(text: str, customers: Sequence[Customer], *, keep_apartments: bool) -> str:
    """The text without the names, phones, pseudonyms (and apartment numbers) of customers."""
    words: set[str] = set()
    for customer in customers:
        words.update(
            w for w in (customer.pseudonym, customer.contact_name, customer.contact_phone) if w
        )
        if not keep_apartments and customer.apartment_number:
            words.add(customer.apartment_number)
    for word in sorted(words, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", "…", text, flags=re.IGNORECASE)
    if not keep_apartments:
        text = re.sub(r"(?i)\b(lgh|lägenhet)\.?\s*\d{4}\b", r"\1 …", text)
    return re.sub(r"\bHK-\d+\b", "…", text)


def _legs(
    depot: tuple[float, float], stops: list[SheetStop], provider: TravelTimeProvider
) -> tuple[list[SheetStop], int, int | None]:
    """The stops with the drive to each, and the drive home, from the travel provider."""
    if not stops:
        return stops, 0, 0
    points = [depot, *((stop.lat, stop.lon) for stop in stops)]
    matrix = provider.matrix(points)
    distance = matrix.distance_m
    timed = []
    for i, stop in enumerate(stops, start=1):
        timed.append(
            replace(
                stop,
                travel_s=int(matrix.duration_s[i - 1, i]),
                distance_m=None if distance is None else int(distance[i - 1, i]),
            )
        )
    last = len(stops)
    back_m = None if distance is None else int(distance[last, 0])
    return timed, int(matrix.duration_s[last, 0]), back_m
