"""A tiny city for the lock-lifecycle tests, small enough to count by hand.

Södermalm (wave 1) has two properties:

* Stockholm Eken 1:1, owned by Brf Eken: Götgatan 12 (entrance door and refuse room), with
  customer C1 in 1101 (served by Hemtjänst Norr) and C2 in 1102 (served by Hemtjänst Syd);
* Stockholm Linden 2:3, owned by Stadshem AB: Götgatan 14 with customer C3 in 1201 (Hemtjänst
  Norr), and Götgatan 16 with nobody.

Staff: N-1 (Hemtjänst Norr, key K-N1) and S-1 (Hemtjänst Syd, key K-S1), each on a 07–16 shift
on 2026-11-20 (Stockholm time). Locks are added by the tests that need them (``fit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from planner.locks.states import ConsentState, JobState, KeyState, LockState, WaveState
from planner.models import (
    AuditEvent,
    Consent,
    Crew,
    Customer,
    Cylinder,
    DigitalKey,
    District,
    DistrictSet,
    Door,
    DoorKind,
    Entrance,
    HomeCareStaff,
    Job,
    JobKind,
    Lock,
    Organisation,
    OrgKind,
    OwnerKind,
    Property,
    PropertyOwner,
    Shift,
    Wave,
    WaveDistrict,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DAY = date(2026, 11, 20)
SQUARE = "SRID=4326;MULTIPOLYGON(((18.0 59.30, 18.1 59.30, 18.1 59.33, 18.0 59.33, 18.0 59.30)))"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM).astimezone(UTC)


@dataclass
class City:
    city_org: int
    locksmith: int
    trygghetsjour: int
    supplier: int
    norr: int
    syd: int
    entrance_crew: int
    apartment_crew: int
    repair_crew: int
    district: int
    wave: int
    eken_owner: int
    linden_owner: int
    eken: int
    linden: int
    g12: int
    g14: int
    g16: int
    g12_door: int
    g12_refuse: int
    g14_door: int
    g16_door: int
    door_1101: int
    door_1102: int
    door_1201: int
    c1: int
    c2: int
    c3: int
    staff_n1: int
    staff_s1: int
    eken_consent: int
    linden_consent: int


def build_city(session: Session) -> City:
    org = {
        kind: Organisation(name=name, kind=kind)
        for kind, name in (
            (OrgKind.CITY, "Stockholms stad"),
            (OrgKind.LOCKSMITH, "Låsfirman AB"),
            (OrgKind.TRYGGHETSJOUR, "Trygghetsjouren"),
            (OrgKind.SUPPLIER, "Swedlock"),
        )
    }
    norr = Organisation(
        name="Hemtjänst Norr AB", kind=OrgKind.HOME_CARE_PROVIDER, org_number="559100-0001"
    )
    syd = Organisation(name="Hemtjänst Syd AB", kind=OrgKind.HOME_CARE_PROVIDER)
    session.add_all([*org.values(), norr, syd])
    depot = "SRID=4326;POINT(18.0 59.33)"
    crews = [
        Crew(organisation=org[OrgKind.LOCKSMITH], name="Lås 1", skills=["entrance"], depot=depot),
        Crew(
            organisation=org[OrgKind.TRYGGHETSJOUR], name="TJ 1", skills=["apartment"], depot=depot
        ),
        Crew(organisation=org[OrgKind.CITY], name="Tekniker 1", skills=["repair"], depot=depot),
    ]
    session.add_all(crews)
    district_set = DistrictSet(name="Test", is_current=True)
    district = District(district_set=district_set, name="Södermalm", geom=SQUARE)
    wave = Wave(number=1, name="Våg 1", state=WaveState.IN_PROGRESS)
    session.add_all([district_set, district, wave])
    session.flush()
    session.add(WaveDistrict(wave_id=wave.id, district_id=district.id))
    eken_owner = PropertyOwner(
        org_number="769600-0001",
        name="Brf Eken",
        kind=OwnerKind.HOUSING_ASSOCIATION,
        contact_name="Karin Ek",
    )
    linden_owner = PropertyOwner(
        org_number="556000-0002",
        name="Stadshem AB",
        kind=OwnerKind.MUNICIPAL,
        postal_address="Box 1, 100 00 Stockholm",
    )
    eken = Property(designation="Stockholm Eken 1:1", owner=eken_owner)
    linden = Property(designation="Stockholm Linden 2:3", owner=linden_owner)

    def entrance(prop: Property, number: int) -> Entrance:
        return Entrance(
            property=prop,
            street="Götgatan",
            number=number,
            postcode="118 46",
            postort="Stockholm",
            geom=f"SRID=4326;POINT(18.07{number} 59.314)",
            district_id=district.id,
        )

    g12, g14, g16 = entrance(eken, 12), entrance(linden, 14), entrance(linden, 16)
    doors = {
        "g12": Door(entrance=g12, kind=DoorKind.ENTRANCE, cylinder=Cylinder.UNKNOWN),
        "g12_refuse": Door(entrance=g12, kind=DoorKind.REFUSE, label="soprum"),
        "g14": Door(entrance=g14, kind=DoorKind.ENTRANCE),
        "g16": Door(entrance=g16, kind=DoorKind.ENTRANCE),
        "1101": Door(entrance=g12, kind=DoorKind.APARTMENT, label="1101"),
        "1102": Door(entrance=g12, kind=DoorKind.APARTMENT, label="1102"),
        "1201": Door(entrance=g14, kind=DoorKind.APARTMENT, label="1201"),
    }
    session.add_all([eken_owner, linden_owner, eken, linden, g12, g14, g16, *doors.values()])
    session.flush()

    def customer(
        pseudonym: str, entrance_row: Entrance, door: Door, provider: Organisation
    ) -> Customer:
        return Customer(
            pseudonym=pseudonym,
            entrance_id=entrance_row.id,
            apartment_number=door.label,
            apartment_door_id=door.id,
            provider_id=provider.id,
            active_from=date(2025, 1, 1),
        )

    c1 = customer("HK-0000001", g12, doors["1101"], norr)
    c2 = customer("HK-0000002", g12, doors["1102"], syd)
    c3 = customer("HK-0000003", g14, doors["1201"], norr)
    staff_n1 = HomeCareStaff(staff_code="N-1", provider_id=norr.id, display_name="Nora Norr")
    staff_s1 = HomeCareStaff(staff_code="S-1", provider_id=syd.id, display_name="Sam Syd")
    session.add_all([c1, c2, c3, staff_n1, staff_s1])
    session.flush()
    for staff, code in ((staff_n1, "K-N1"), (staff_s1, "K-S1")):
        key = DigitalKey(
            key_code=code,
            staff_id=staff.id,
            state=KeyState.ACTIVE,
            activated_at=local(date(2026, 1, 1), 8),
        )
        session.add(key)
        session.flush()
        session.add(
            AuditEvent(
                at=key.activated_at,
                actor="test",
                entity="digital_key",
                entity_id=key.id,
                action="created",
                to_state=KeyState.ACTIVE.value,
            )
        )
        session.add(Shift(staff_id=staff.id, starts_at=local(DAY, 7), ends_at=local(DAY, 16)))
    eken_consent = Consent(
        owner_id=eken_owner.id,
        property_id=eken.id,
        state=ConsentState.REQUESTED,
        requested_on=date(2026, 10, 1),
        reply_reference="MG-2026-00001",
    )
    linden_consent = Consent(
        owner_id=linden_owner.id, property_id=linden.id, state=ConsentState.NOT_REQUESTED
    )
    session.add_all([eken_consent, linden_consent])
    session.flush()
    return City(
        city_org=org[OrgKind.CITY].id,
        locksmith=org[OrgKind.LOCKSMITH].id,
        trygghetsjour=org[OrgKind.TRYGGHETSJOUR].id,
        supplier=org[OrgKind.SUPPLIER].id,
        norr=norr.id,
        syd=syd.id,
        entrance_crew=crews[0].id,
        apartment_crew=crews[1].id,
        repair_crew=crews[2].id,
        district=district.id,
        wave=wave.id,
        eken_owner=eken_owner.id,
        linden_owner=linden_owner.id,
        eken=eken.id,
        linden=linden.id,
        g12=g12.id,
        g14=g14.id,
        g16=g16.id,
        g12_door=doors["g12"].id,
        g12_refuse=doors["g12_refuse"].id,
        g14_door=doors["g14"].id,
        g16_door=doors["g16"].id,
        door_1101=doors["1101"].id,
        door_1102=doors["1102"].id,
        door_1201=doors["1201"].id,
        c1=c1.id,
        c2=c2.id,
        c3=c3.id,
        staff_n1=staff_n1.id,
        staff_s1=staff_s1.id,
        eken_consent=eken_consent.id,
        linden_consent=linden_consent.id,
    )


def fit(
    session: Session,
    door_id: int,
    serial: str,
    *,
    state: LockState = LockState.ACTIVE,
    on: date = date(2026, 6, 1),
) -> Lock:
    """A lock already fitted (with its audit history: planned, installed, active …)."""
    lock = Lock(door_id=door_id, serial=serial, state=state, variant=Cylinder.ROUND)
    path = [LockState.PLANNED, LockState.INSTALLED, LockState.ACTIVE]
    if state is LockState.DEACTIVATED:
        path.append(LockState.DEACTIVATED)
    elif state is LockState.PLANNED:
        path = [LockState.PLANNED]
    lock.planned_on = on
    if LockState.INSTALLED in path:
        lock.installed_on = on
    if LockState.ACTIVE in path:
        lock.activated_on = on
    if state is LockState.DEACTIVATED:
        lock.deactivated_on = on
    session.add(lock)
    session.flush()
    previous: str | None = None
    for step in path:
        session.add(
            AuditEvent(
                at=local(on, 12),
                actor="test",
                entity="lock",
                entity_id=lock.id,
                action="transition" if previous else "created",
                from_state=previous,
                to_state=step.value,
            )
        )
        previous = step.value
    session.flush()
    return lock


def planned_job(
    session: Session,
    kind: JobKind,
    door_id: int,
    crew_id: int,
    *,
    day: date = DAY,
    lock_id: int | None = None,
) -> Job:
    job = Job(
        kind=kind,
        door_id=door_id,
        lock_id=lock_id,
        state=JobState.PLANNED,
        service_min=30,
        crew_id=crew_id,
        planned_date=day,
        position=1,
    )
    session.add(job)
    session.flush()
    return job
