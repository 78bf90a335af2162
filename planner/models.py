"""The ORM tables: SQLAlchemy 2 typed mappings with GeoAlchemy2 geometry.

Coordinates are stored in WGS 84 (EPSG:4326); distances are measured in SWEREF 99 TM (EPSG:3006)
by ``planner.geo.crs`` or on the ellipsoid in the database. Times are stored in UTC and come back
timezone-aware on both engines. Customers carry a pseudonymous id and never a personal identity
number.
"""

from __future__ import annotations

import builtins
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from planner.locks.states import (
    ConsentState,
    FaultState,
    JobState,
    KeyState,
    LockState,
    WaveState,
)

SRID = 4326


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that always comes back timezone-aware.

    SQLite has no time zones; PostgreSQL has. Naive datetimes are refused so that a local time can
    never be stored as if it were UTC by accident.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = f"naive datetime {value!r}: give it a time zone"
            raise ValueError(msg)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _enum(cls: type[StrEnum]) -> Enum:
    """Store a StrEnum by value, as plain text, on both engines (the rules live in Python)."""
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        values_callable=lambda e: [m.value for m in e],
        length=32,
        validate_strings=True,
    )


def _point() -> Geometry:
    return Geometry("POINT", srid=SRID, spatial_index=True)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# --- vocabularies -------------------------------------------------------------------------------


class OrgKind(StrEnum):
    CITY = "city"
    LOCKSMITH = "locksmith"
    TRYGGHETSJOUR = "trygghetsjour"
    SUPPLIER = "supplier"
    HOME_CARE_PROVIDER = "home_care_provider"


class Skill(StrEnum):
    """What a crew can do; a job needs one skill."""

    ENTRANCE = "entrance"  # entrance, refuse and laundry doors (the locksmith firm)
    APARTMENT = "apartment"  # apartment doors, by appointment (Trygghetsjour)
    REPAIR = "repair"  # fault repairs, deactivations and reactivations


class OwnerKind(StrEnum):
    COMPANY = "company"  # e.g. a large housing company
    MUNICIPAL = "municipal"  # the city's own housing companies
    HOUSING_ASSOCIATION = "housing_association"  # bostadsrättsförening
    PRIVATE = "private"


class DoorKind(StrEnum):
    ENTRANCE = "entrance"
    APARTMENT = "apartment"
    REFUSE = "refuse"
    LAUNDRY = "laundry"


class Cylinder(StrEnum):
    ROUND = "round"
    OVAL = "oval"
    UNKNOWN = "unknown"


class ConsentChannel(StrEnum):
    POST = "post"
    EMAIL = "email"
    OTHER = "other"


class JobKind(StrEnum):
    INSTALL_ENTRANCE = "install_entrance"
    INSTALL_APARTMENT = "install_apartment"
    INSTALL_REFUSE = "install_refuse"
    INSTALL_LAUNDRY = "install_laundry"
    REPAIR = "repair"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"
    REMOVE = "remove"


class FaultSeverity(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class AccessResult(StrEnum):
    GRANTED = "granted"
    DENIED = "denied"


class Role(StrEnum):
    ROLLOUT_MANAGER = "rollout_manager"
    LOCKSMITH = "locksmith"
    TRYGGHETSJOUR = "trygghetsjour"
    DISTRICT_VIEWER = "district_viewer"


# --- districts and waves ------------------------------------------------------------------------


class DistrictSet(Base):
    """One drawing of the city's districts (the 13 areas of 2020, the 11 of 2023, …)."""

    __tablename__ = "district_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(Text)

    districts: Mapped[list[District]] = relationship(back_populates="district_set")


class District(Base):
    """A stadsdelsområde in one district set."""

    __tablename__ = "district"
    __table_args__ = (UniqueConstraint("set_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("district_set.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    population: Mapped[int | None] = mapped_column(Integer)
    est_customers: Mapped[int | None] = mapped_column(Integer)
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True))

    district_set: Mapped[DistrictSet] = relationship(back_populates="districts")


class Wave(Base):
    """A group of districts rolled out together."""

    __tablename__ = "wave"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    state: Mapped[WaveState] = mapped_column(_enum(WaveState), default=WaveState.NOT_STARTED)
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)

    districts: Mapped[list[District]] = relationship(secondary="wave_district")


class WaveDistrict(Base):
    __tablename__ = "wave_district"

    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), primary_key=True)


# --- organisations and crews --------------------------------------------------------------------


class Organisation(Base):
    """The city, a locksmith firm, Trygghetsjouren, the lock supplier or a home-care provider."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrgKind] = mapped_column(_enum(OrgKind))
    org_number: Mapped[str | None] = mapped_column(String(20))

    crews: Mapped[list[Crew]] = relationship(back_populates="organisation")


class Crew(Base):
    """A team that drives a route: depot, skills, shift, lunch."""

    __tablename__ = "crew"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    depot_address: Mapped[str | None] = mapped_column(String(200))
    depot: Mapped[Any] = mapped_column(_point())
    shift_start: Mapped[time] = mapped_column(Time, default=time(7, 0))
    shift_end: Mapped[time] = mapped_column(Time, default=time(16, 0))
    lunch_earliest: Mapped[time] = mapped_column(Time, default=time(11, 0))
    lunch_latest: Mapped[time] = mapped_column(Time, default=time(13, 0))
    lunch_min: Mapped[int] = mapped_column(Integer, default=30)
    max_jobs_per_day: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    organisation: Mapped[Organisation] = relationship(back_populates="crews")


# --- owners, properties, entrances, doors, customers --------------------------------------------


class PropertyOwner(Base):
    """A fastighetsägare: a company or a housing association, identified by org number."""

    __tablename__ = "property_owner"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OwnerKind] = mapped_column(_enum(OwnerKind))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    postal_address: Mapped[str | None] = mapped_column(String(300))

    properties: Mapped[list[Property]] = relationship(back_populates="owner")


class Property(Base):
    """A fastighet, e.g. "Stockholm Kungsholmen 1:23" or "BLOCK 12:3"."""

    __tablename__ = "property"

    id: Mapped[int] = mapped_column(primary_key=True)
    designation: Mapped[str] = mapped_column(String(120), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("property_owner.id"), index=True)

    owner: Mapped[PropertyOwner] = relationship(back_populates="properties")
    entrances: Mapped[list[Entrance]] = relationship(back_populates="property")
    consents: Mapped[list[Consent]] = relationship(back_populates="property")


def street_address(
    street: str, number: int | str, letter: str | None = None, suffix: str | None = None
) -> str:
    """An entrance's address as written on a letter: "Götgatan 12 A UH"."""
    house = f"{number}{' ' + letter if letter else ''}"
    return f"{street} {house}{' ' + suffix if suffix else ''}"


class Entrance(Base):
    """An addressable entrance (port): street, number, letter, entrance suffix, point."""

    __tablename__ = "entrance"
    __table_args__ = (UniqueConstraint("street", "number", "letter", "suffix", "postcode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    street: Mapped[str] = mapped_column(String(120))
    number: Mapped[int] = mapped_column(Integer)
    letter: Mapped[str] = mapped_column(String(4), default="")
    suffix: Mapped[str] = mapped_column(String(8), default="")
    postcode: Mapped[str] = mapped_column(String(6))  # "NNN NN"
    postort: Mapped[str] = mapped_column(String(60))
    geom: Mapped[Any] = mapped_column(_point())
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    geocode_source: Mapped[str | None] = mapped_column(String(40))
    geocode_score: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)

    property: Mapped[Property] = relationship(back_populates="entrances")
    district: Mapped[District | None] = relationship()
    doors: Mapped[list[Door]] = relationship(back_populates="entrance")
    customers: Mapped[list[Customer]] = relationship(back_populates="entrance")

    @builtins.property
    def address(self) -> str:
        """The street address as written on a letter: "Götgatan 12 A"."""
        return street_address(self.street, self.number, self.letter, self.suffix)


class Door(Base):
    """A door that may carry a lock: entrance, apartment, refuse room or laundry room."""

    __tablename__ = "door"
    __table_args__ = (UniqueConstraint("entrance_id", "kind", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entrance_id: Mapped[int] = mapped_column(ForeignKey("entrance.id"), index=True)
    kind: Mapped[DoorKind] = mapped_column(_enum(DoorKind))
    label: Mapped[str] = mapped_column(String(60), default="")  # apartment number, "gård", …
    cylinder: Mapped[Cylinder] = mapped_column(_enum(Cylinder), default=Cylinder.UNKNOWN)
    notes: Mapped[str | None] = mapped_column(Text)

    entrance: Mapped[Entrance] = relationship(back_populates="doors")
    locks: Mapped[list[Lock]] = relationship(back_populates="door")


class Customer(Base):
    """A home-care customer: sensitive personal data, known here by a pseudonymous id only."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True)
    entrance_id: Mapped[int] = mapped_column(ForeignKey("entrance.id"), index=True)
    apartment_number: Mapped[str | None] = mapped_column(String(8))  # "1101": floor, position
    apartment_door_id: Mapped[int | None] = mapped_column(ForeignKey("door.id"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    active_from: Mapped[date] = mapped_column(Date)
    active_to: Mapped[date | None] = mapped_column(Date)
    # What Trygghetsjour needs to book the visit; never shown to the locksmith firm.
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(40))

    entrance: Mapped[Entrance] = relationship(back_populates="customers")
    apartment_door: Mapped[Door | None] = relationship()
    provider: Mapped[Organisation | None] = relationship()


class Consent(Base):
    """The owner's medgivande for one property."""

    __tablename__ = "consent"
    __table_args__ = (UniqueConstraint("owner_id", "property_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("property_owner.id"), index=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    state: Mapped[ConsentState] = mapped_column(
        _enum(ConsentState), default=ConsentState.NOT_REQUESTED
    )
    reply_reference: Mapped[str | None] = mapped_column(String(40), unique=True)
    requested_on: Mapped[date | None] = mapped_column(Date)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    answered_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    channel: Mapped[ConsentChannel | None] = mapped_column(_enum(ConsentChannel))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    document_path: Mapped[str | None] = mapped_column(String(400))
    document_sha256: Mapped[str | None] = mapped_column(String(64))

    property: Mapped[Property] = relationship(back_populates="consents")
    owner: Mapped[PropertyOwner] = relationship()


# --- locks and jobs -----------------------------------------------------------------------------


class Lock(Base):
    """One fitted (or planned) lock accessory on one door."""

    __tablename__ = "lock"

    id: Mapped[int] = mapped_column(primary_key=True)
    door_id: Mapped[int] = mapped_column(ForeignKey("door.id"), index=True)
    serial: Mapped[str | None] = mapped_column(String(40), unique=True)
    variant: Mapped[Cylinder] = mapped_column(_enum(Cylinder), default=Cylinder.UNKNOWN)
    state: Mapped[LockState] = mapped_column(
        _enum(LockState), default=LockState.PLANNED, index=True
    )
    installer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    planned_on: Mapped[date | None] = mapped_column(Date)
    installed_on: Mapped[date | None] = mapped_column(Date)
    activated_on: Mapped[date | None] = mapped_column(Date)
    deactivated_on: Mapped[date | None] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)

    door: Mapped[Door] = relationship(back_populates="locks")
    installer: Mapped[Organisation | None] = relationship()


class Job(Base):
    """An arbetsorder: install, repair, deactivate, reactivate or remove, at one door."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(_enum(JobKind))
    door_id: Mapped[int] = mapped_column(ForeignKey("door.id"), index=True)
    lock_id: Mapped[int | None] = mapped_column(ForeignKey("lock.id"))
    fault_id: Mapped[int | None] = mapped_column(ForeignKey("fault_report.id"))
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("wave.id"), index=True)
    state: Mapped[JobState] = mapped_column(_enum(JobState), default=JobState.UNPLANNED, index=True)
    service_min: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    earliest_date: Mapped[date | None] = mapped_column(Date)
    latest_date: Mapped[date | None] = mapped_column(Date)
    preferred_date: Mapped[date | None] = mapped_column(Date)
    appointment_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crew.id"), index=True)
    planned_date: Mapped[date | None] = mapped_column(Date, index=True)
    position: Mapped[int | None] = mapped_column(Integer)
    planned_arrival: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)

    door: Mapped[Door] = relationship()
    lock: Mapped[Lock | None] = relationship()
    crew: Mapped[Crew | None] = relationship()
    wave: Mapped[Wave | None] = relationship()


# --- keys, shifts, access log -------------------------------------------------------------------


class HomeCareStaff(Base):
    """A member of home-care staff, known by a staff code; bound to one provider."""

    __tablename__ = "home_care_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_code: Mapped[str] = mapped_column(String(32), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    provider: Mapped[Organisation] = relationship()
    keys: Mapped[list[DigitalKey]] = relationship(back_populates="staff")
    shifts: Mapped[list[Shift]] = relationship(back_populates="staff")


class DigitalKey(Base):
    """A personal digital key; valid only inside its holder's shifts."""

    __tablename__ = "digital_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_code: Mapped[str] = mapped_column(String(40), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("home_care_staff.id"), index=True)
    state: Mapped[KeyState] = mapped_column(_enum(KeyState), default=KeyState.ACTIVE)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[HomeCareStaff] = relationship(back_populates="keys")


class Shift(Base):
    """An arbetspass: the window in which the holder's key opens doors."""

    __tablename__ = "shift"
    __table_args__ = (Index("ix_shift_staff_starts", "staff_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("home_care_staff.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    staff: Mapped[HomeCareStaff] = relationship(back_populates="shifts")


class AccessEvent(Base):
    """One opening (or refused opening) from the lock system's log. Append-only, hash-chained.

    ``key_code`` and ``lock_serial`` are kept as the log wrote them, so that an event for a key or
    lock planner does not know is still stored (and flagged), never dropped.
    """

    __tablename__ = "access_event"
    __table_args__ = (
        Index("ix_access_event_lock_time", "lock_serial", "occurred_at"),
        Index("ix_access_event_key_time", "key_code", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    key_code: Mapped[str] = mapped_column(String(40))
    lock_serial: Mapped[str] = mapped_column(String(40))
    result: Mapped[AccessResult] = mapped_column(_enum(AccessResult))
    source: Mapped[str | None] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


# --- faults and key returns ---------------------------------------------------------------------


class FaultReport(Base):
    """A felanmälan about a lock, from home care or an owner."""

    __tablename__ = "fault_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    lock_id: Mapped[int] = mapped_column(ForeignKey("lock.id"), index=True)
    category: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(120))
    reporter_kind: Mapped[str] = mapped_column(String(40))  # hemtjänst, fastighetsägare, …
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    severity: Mapped[FaultSeverity] = mapped_column(
        _enum(FaultSeverity), default=FaultSeverity.NORMAL
    )
    state: Mapped[FaultState] = mapped_column(
        _enum(FaultState), default=FaultState.OPEN, index=True
    )
    assigned_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)

    lock: Mapped[Lock] = relationship()
    assigned_org: Mapped[Organisation | None] = relationship()


class KeyReturn(Base):
    """Physical keys, tags and door codes handed back to the owner for one entrance."""

    __tablename__ = "key_return"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrance_id: Mapped[int] = mapped_column(ForeignKey("entrance.id"), index=True)
    returned_on: Mapped[date] = mapped_column(Date)
    keys_count: Mapped[int] = mapped_column(Integer, default=0)
    tags_count: Mapped[int] = mapped_column(Integer, default=0)
    codes_removed: Mapped[bool] = mapped_column(Boolean, default=False)
    received_by: Mapped[str | None] = mapped_column(String(120))
    recorded_by: Mapped[str] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)

    entrance: Mapped[Entrance] = relationship()


# --- audit trail and users ----------------------------------------------------------------------


class AuditEvent(Base):
    """One state change: who, when, what, from, to. Append-only."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)


class AppUser(Base):
    """A local user of the app (password hashed); OIDC users are mapped onto the same roles."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    district_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


APPEND_ONLY_TABLES = ("access_event", "audit_event")


# --- imports, address register and geocoding review (issue 3) -----------------------------------


class ReviewState(StrEnum):
    """A geocoding review item: open until a manager has chosen the point."""

    OPEN = "open"
    RESOLVED = "resolved"


class ImportRun(Base):
    """One import that changed the database: the file, its kind, who ran it, when, the counts.

    An import that changes nothing (the same file again) leaves no run behind.
    """

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    review: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str | None] = mapped_column(Text)


class RegisterAddress(Base):
    """One point of an address register (Lantmäteriet's belägenhetsadresser, OpenStreetMap).

    The reference the geocoder matches against. ``street_key`` is
    :func:`planner.geo.addresses.street_key` of the street, for lookups by normalised name.
    The stable key of a row is (source, source_id, number, letter, entrance): a house-number
    range in the source ("31A-D") becomes one row per address with the same ``source_id``.
    """

    __tablename__ = "register_address"
    __table_args__ = (
        UniqueConstraint("source", "source_id", "number", "letter", "entrance"),
        Index("ix_register_address_street_key_number", "street_key", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    street: Mapped[str] = mapped_column(String(120))
    street_key: Mapped[str] = mapped_column(String(120))
    number: Mapped[int] = mapped_column(Integer)
    letter: Mapped[str] = mapped_column(String(4), default="")
    entrance: Mapped[str] = mapped_column(String(8), default="")
    postcode: Mapped[str] = mapped_column(String(6), default="")  # "NNN NN" or ""
    postort: Mapped[str] = mapped_column(String(60), default="")
    geom: Mapped[Any] = mapped_column(_point())
    source: Mapped[str] = mapped_column(String(20))  # "lantmateriet" | "osm"
    source_id: Mapped[str] = mapped_column(String(80))
    source_row: Mapped[int | None] = mapped_column(Integer)


class GeocodeReview(Base):
    """An address the geocoder could not place with confidence, waiting for a manager.

    ``payload`` holds the validated import row, so that the entrance is created as soon as the
    point is chosen; ``candidates`` the register rows the matcher proposed, best first
    (``label``, ``lat``, ``lon``, ``score``, ``register_id``). ``choice_key`` is the normalised
    address the choice is remembered under (see :class:`GeocodeChoice`).
    """

    __tablename__ = "geocode_review"
    __table_args__ = (Index("ix_geocode_review_state_choice_key", "state", "choice_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_run.id"), index=True)
    import_kind: Mapped[str] = mapped_column(String(20))
    source_file: Mapped[str] = mapped_column(String(300))
    source_row: Mapped[int] = mapped_column(Integer)
    raw_address: Mapped[str] = mapped_column(Text)
    choice_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[str | None] = mapped_column(Text)
    state: Mapped[ReviewState] = mapped_column(_enum(ReviewState), default=ReviewState.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    chosen_geom: Mapped[Any] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=False), nullable=True
    )
    chosen_register_id: Mapped[int | None] = mapped_column(ForeignKey("register_address.id"))
    chosen_label: Mapped[str | None] = mapped_column(String(200))
    chosen_by: Mapped[str | None] = mapped_column(String(120))
    chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entrance_id: Mapped[int | None] = mapped_column(ForeignKey("entrance.id"))

    import_run: Mapped[ImportRun] = relationship()


class GeocodeChoice(Base):
    """A remembered choice: this normalised address is at this point, on every later import."""

    __tablename__ = "geocode_choice"

    id: Mapped[int] = mapped_column(primary_key=True)
    choice_key: Mapped[str] = mapped_column(String(200), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=False))
    register_id: Mapped[int | None] = mapped_column(ForeignKey("register_address.id"))
    chosen_by: Mapped[str] = mapped_column(String(120))
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- route planning (issue 4) --------------------------------------------------------------------


class PlanRun(Base):
    """One planning run of a wave: who ran it, when, over which days, and what came out of it.

    The routes themselves live on the jobs (crew, day, position, planned arrival); a run keeps
    the summary a manager reads later, and its left-out jobs with their reasons
    (:class:`PlanLeftOut`).
    """

    __tablename__ = "plan_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer, default=0)
    crews: Mapped[int] = mapped_column(Integer, default=0)
    provider: Mapped[str] = mapped_column(String(300))
    engine: Mapped[str] = mapped_column(String(40))
    time_limit_s: Mapped[float] = mapped_column(Float)
    wall_s: Mapped[float] = mapped_column(Float, default=0.0)
    jobs_considered: Mapped[int] = mapped_column(Integer, default=0)
    jobs_placed: Mapped[int] = mapped_column(Integer, default=0)
    jobs_left_out: Mapped[int] = mapped_column(Integer, default=0)
    jobs_moved: Mapped[int] = mapped_column(Integer, default=0)
    jobs_kept: Mapped[int] = mapped_column(Integer, default=0)
    crew_days: Mapped[int] = mapped_column(Integer, default=0)
    driving_s: Mapped[int] = mapped_column(Integer, default=0)
    distance_m: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(Text)

    wave: Mapped[Wave] = relationship()
    left_out: Mapped[list[PlanLeftOut]] = relationship(back_populates="run")


class PlanLeftOut(Base):
    """A job a planning run could not place, with the reason (code and Swedish text)."""

    __tablename__ = "plan_left_out"
    __table_args__ = (UniqueConstraint("run_id", "job_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_run.id"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)

    run: Mapped[PlanRun] = relationship(back_populates="left_out")
    job: Mapped[Job] = relationship()
