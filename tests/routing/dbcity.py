"""A tiny Södermalm wave in the database, for the planning, sheet and page tests.

Wave 1 (Södermalm, planned 2026-11-30 – 2026-12-11) has, around Götgatan and Medborgarplatsen:

* Brf Eken (consent received, contact Karin Ek 070-111 11 11) with Götgatan 12 (entrance door,
  refuse room) and Götgatan 14; Stadshem AB (consent only requested) with Folkungagatan 50;
* customers HK-0000001 Greta Gustafsson (Götgatan 12, 1101), HK-0000002 Harald Holm (Götgatan
  14, 1201), HK-0000003 Ingrid Isaksson (Götgatan 12, 1102), HK-0000004 Jan Jonsson
  (Folkungagatan 50, 1301), HK-0000005 Karl Karlsson (Götgatan 14, 1202);
* crews: Lås 1 (entrance), Lås 2 (entrance and repair) of Låsfirman AB; TJ 1 and TJ 2
  (apartment) of Trygghetsjouren; all from a depot at Ringvägen.

Jobs (``DbCity`` names them):

* ``entrance``: Götgatan 12's entrance door, unplanned, consent received;
* ``refuse``: Götgatan 12's refuse room, unplanned;
* ``entrance_14``: Götgatan 14's entrance door, unplanned;
* ``no_consent``: Folkungagatan 50's entrance door, unplanned: the owner has not consented;
* ``booked``: 1101, unplanned, booked with the customer 2026-12-01 09:00–11:00;
* ``pinned``: 1201, planned and pinned on TJ 2 2026-12-02, booked 10:00–12:00;
* ``failed``: 1102, failed on TJ 1 2026-11-26 (comes back to planning);
* ``late_booking``: 1301, booked 2026-12-01 17:00–19:00, after every shift;
* ``done``: 1202, done by TJ 1 on 2026-11-30 at 08:00;
* ``waiting``: the laundry room of Götgatan 14, planned on Lås 1 2026-11-27 and not yet
  reported;
* ``far``: Folkungagatan 50's laundry room, planned on Lås 1 2026-12-21 (after the days planned;
  its owner has not consented, but that job was planned before and is not this run's business);
* ``repair``: a repair (no wave) of Götgatan 14's entrance lock, priority 2, deadline
  2026-12-02, for a crew with the repair skill.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from planner.locks.states import ConsentState, JobState, LockState, WaveState
from planner.models import (
    Consent,
    Crew,
    Customer,
    Cylinder,
    District,
    DistrictSet,
    Door,
    DoorKind,
    Entrance,
    Job,
    JobKind,
    Lock,
    Organisation,
    OrgKind,
    OwnerKind,
    Property,
    PropertyOwner,
    Wave,
    WaveDistrict,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
START = date(2026, 11, 30)
TODAY = date(2026, 11, 28)
SQUARE = (
    "SRID=4326;MULTIPOLYGON(((18.03 59.30, 18.11 59.30, 18.11 59.33, 18.03 59.33, 18.03 59.30)))"
)
CUSTOMER_NAMES = (
    "Greta Gustafsson",
    "Harald Holm",
    "Ingrid Isaksson",
    "Jan Jonsson",
    "Karl Karlsson",
)
PSEUDONYMS = tuple(f"HK-000000{i}" for i in range(1, 6))
APARTMENTS = ("1101", "1201", "1102", "1301", "1202")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM).astimezone(UTC)


@dataclass
class DbCity:
    wave: int
    wave_number: int
    locksmith: int
    trygghetsjour: int
    lock1: int
    lock2: int
    tj1: int
    tj2: int
    jobs: dict[str, int]


def build_db_city(session: Session) -> DbCity:
    org_city = Organisation(name="Stockholms stad", kind=OrgKind.CITY)
    locksmith = Organisation(name="Låsfirman AB", kind=OrgKind.LOCKSMITH)
    trygghetsjour = Organisation(name="Trygghetsjouren", kind=OrgKind.TRYGGHETSJOUR)
    provider = Organisation(name="Hemtjänst Söder AB", kind=OrgKind.HOME_CARE_PROVIDER)
    session.add_all([org_city, locksmith, trygghetsjour, provider])
    depot = "SRID=4326;POINT(18.0600 59.3100)"

    def crew(name: str, org: Organisation, skills: list[str]) -> Crew:
        return Crew(
            organisation=org,
            name=name,
            skills=skills,
            depot=depot,
            depot_address="Ringvägen 100, Stockholm",
        )

    crews = [
        crew("Lås 1", locksmith, ["entrance"]),
        crew("Lås 2", locksmith, ["entrance", "repair"]),
        crew("TJ 1", trygghetsjour, ["apartment"]),
        crew("TJ 2", trygghetsjour, ["apartment"]),
    ]
    session.add_all(crews)
    district_set = DistrictSet(name="Test", is_current=True)
    district = District(district_set=district_set, name="Södermalm", geom=SQUARE)
    wave = Wave(
        number=1,
        name="Våg 1: Södermalm",
        state=WaveState.IN_PROGRESS,
        planned_start=START,
        planned_end=date(2026, 12, 11),
    )
    session.add_all([district_set, district, wave])
    session.flush()
    session.add(WaveDistrict(wave_id=wave.id, district_id=district.id))
    eken = PropertyOwner(
        org_number="769600-0001",
        name="Brf Eken",
        kind=OwnerKind.HOUSING_ASSOCIATION,
        contact_name="Styrelsen",
    )
    stadshem = PropertyOwner(org_number="556000-0002", name="Stadshem AB", kind=OwnerKind.MUNICIPAL)
    p_eken = Property(designation="Stockholm Eken 1:1", owner=eken)
    p_linden = Property(designation="Stockholm Linden 2:3", owner=stadshem)
    session.add_all([eken, stadshem, p_eken, p_linden])
    session.flush()

    def entrance(prop: Property, street: str, number: int, lon: float, lat: float) -> Entrance:
        return Entrance(
            property=prop,
            street=street,
            number=number,
            postcode="118 46",
            postort="Stockholm",
            geom=f"SRID=4326;POINT({lon} {lat})",
            district_id=district.id,
            notes="Portkod hos fastighetsägaren" if number == 12 else None,
        )

    g12 = entrance(p_eken, "Götgatan", 12, 18.0720, 59.3170)
    g14 = entrance(p_eken, "Götgatan", 14, 18.0722, 59.3160)
    f50 = entrance(p_linden, "Folkungagatan", 50, 18.0800, 59.3150)
    doors = {
        "g12": Door(
            entrance=g12, kind=DoorKind.ENTRANCE, cylinder=Cylinder.OVAL, notes="Tung dörr"
        ),
        "g12_refuse": Door(entrance=g12, kind=DoorKind.REFUSE, label="gård"),
        "g14": Door(entrance=g14, kind=DoorKind.ENTRANCE, cylinder=Cylinder.ROUND),
        "g14_laundry": Door(entrance=g14, kind=DoorKind.LAUNDRY, label="källare"),
        "f50": Door(entrance=f50, kind=DoorKind.ENTRANCE),
        "f50_laundry": Door(entrance=f50, kind=DoorKind.LAUNDRY),
    }
    homes = ((g12, "1101"), (g14, "1201"), (g12, "1102"), (f50, "1301"), (g14, "1202"))
    for home, number in homes:
        doors[number] = Door(entrance=home, kind=DoorKind.APARTMENT, label=number)
    session.add_all([g12, g14, f50, *doors.values()])
    session.flush()
    for (home, number), pseudonym, name in zip(homes, PSEUDONYMS, CUSTOMER_NAMES, strict=True):
        session.add(
            Customer(
                pseudonym=pseudonym,
                entrance_id=home.id,
                apartment_number=number,
                apartment_door_id=doors[number].id,
                provider_id=provider.id,
                active_from=date(2025, 1, 1),
                contact_name=name,
                contact_phone=f"070-{number}00 00",
            )
        )
    session.add_all(
        [
            Consent(
                owner_id=eken.id,
                property_id=p_eken.id,
                state=ConsentState.RECEIVED,
                answered_on=date(2026, 10, 1),
                contact_name="Karin Ek",
                contact_phone="070-111 11 11",
            ),
            Consent(
                owner_id=stadshem.id,
                property_id=p_linden.id,
                state=ConsentState.REQUESTED,
                requested_on=date(2026, 10, 1),
            ),
        ]
    )
    g14_lock = Lock(door_id=doors["g14"].id, serial="SL-G14", state=LockState.ACTIVE)
    session.add(g14_lock)
    session.flush()
    lock1, lock2, tj1, tj2 = (c.id for c in crews)

    def job(kind: JobKind, door: str, minutes: int = 30, **values: object) -> int:
        row = Job(
            kind=kind,
            door_id=doors[door].id,
            wave_id=values.pop("wave_id", wave.id),
            service_min=minutes,
            **values,
        )
        session.add(row)
        session.flush()
        return row.id

    jobs = {
        "entrance": job(JobKind.INSTALL_ENTRANCE, "g12", 45),
        "refuse": job(JobKind.INSTALL_REFUSE, "g12_refuse"),
        "entrance_14": job(JobKind.INSTALL_ENTRANCE, "g14", 45),
        "no_consent": job(JobKind.INSTALL_ENTRANCE, "f50", 45),
        "booked": job(
            JobKind.INSTALL_APARTMENT,
            "1101",
            appointment_start=local(date(2026, 12, 1), 9),
            appointment_end=local(date(2026, 12, 1), 11),
        ),
        "pinned": job(
            JobKind.INSTALL_APARTMENT,
            "1201",
            state=JobState.PLANNED,
            crew_id=tj2,
            planned_date=date(2026, 12, 2),
            position=1,
            planned_arrival=local(date(2026, 12, 2), 10),
            pinned=True,
            appointment_start=local(date(2026, 12, 2), 10),
            appointment_end=local(date(2026, 12, 2), 12),
        ),
        "failed": job(
            JobKind.INSTALL_APARTMENT,
            "1102",
            state=JobState.FAILED,
            crew_id=tj1,
            planned_date=date(2026, 11, 26),
            attempts=1,
            outcome="Kunden inte hemma",
        ),
        "late_booking": job(
            JobKind.INSTALL_APARTMENT,
            "1301",
            appointment_start=local(date(2026, 12, 1), 17),
            appointment_end=local(date(2026, 12, 1), 19),
        ),
        "done": job(
            JobKind.INSTALL_APARTMENT,
            "1202",
            state=JobState.DONE,
            crew_id=tj1,
            planned_date=START,
            position=1,
            planned_arrival=local(START, 8),
            completed_at=local(START, 9),
        ),
        "waiting": job(
            JobKind.INSTALL_LAUNDRY,
            "g14_laundry",
            state=JobState.PLANNED,
            crew_id=lock1,
            planned_date=date(2026, 11, 27),
            position=1,
            planned_arrival=local(date(2026, 11, 27), 8),
        ),
        "far": job(
            JobKind.INSTALL_LAUNDRY,
            "f50_laundry",
            state=JobState.PLANNED,
            crew_id=lock1,
            planned_date=date(2026, 12, 21),
            position=1,
            planned_arrival=local(date(2026, 12, 21), 8),
        ),
        "repair": job(
            JobKind.REPAIR,
            "g14",
            40,
            wave_id=None,
            lock_id=g14_lock.id,
            priority=2,
            deadline=local(date(2026, 12, 2), 16),
            notes="Låset kärvar, anmält av HK-0000002 (Harald Holm) i lgh 1201",
        ),
    }
    session.flush()
    return DbCity(
        wave=wave.id,
        wave_number=wave.number,
        locksmith=locksmith.id,
        trygghetsjour=trygghetsjour.id,
        lock1=lock1,
        lock2=lock2,
        tj1=tj1,
        tj2=tj2,
        jobs=jobs,
    )
