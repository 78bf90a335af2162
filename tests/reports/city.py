"""A small city for the report tests, counted by hand: the lifecycle tests' city, grown by a wave.

Södermalm (wave 1, planned start 2026-09-01) is ``tests.locks.city`` with a history:

* Stockholm Eken 1:1 (Brf Eken): consent requested 2026-09-01, received 2026-09-10 (date
  columns only, no audit trail). Götgatan 12: entrance door and refuse room fitted 2026-09-21,
  C1's door 1101 fitted 2026-09-22, C2's door 1102 fitted 2026-10-12 (lock without audit trail:
  its date columns count). Keys returned 2026-10-20: 3 keys, 1 tag, code removed.
* Stockholm Linden 2:3 (Stadshem AB): consent requested 2026-09-01, reminded 2026-10-01,
  received 2026-10-05 (audit trail). Götgatan 14: entrance door fitted 2026-10-19; C3's door
  1201 only planned (a failed visit is not recorded; the fitting is booked for 2026-11-24).
  Götgatan 16 has no customers; its entrance lock was fitted and deactivated 2026-10-19.
* Faults: SL-G12 reported 2026-10-01 10:00, closed 2026-10-02 10:00 (24 h, audit trail);
  SL-1102 reported 2026-10-20 08:00, closed 14:00 (6 h, no audit trail); SL-1101 reported
  2026-11-18 08:00, still open.
* Access log: 2026-10-01 12:00 unknown key K-X98 at SL-G14 (denied); 2026-11-19 03:00 K-N1 opens
  SL-1101 outside every shift; 2026-11-20 08:00 K-N1 opens SL-G12 (fine); 09:00 unknown key K-X99
  at SL-G12 (denied); 10:00 K-N1 opens SL-XXXX, a lock planner does not know (no district).

Kungsholmen (wave 2, not started, planned start 2026-12-01):

* Stockholm Vinkeln 3:1 (Brf Vinkeln), Fleminggatan 5: C4 in 1101; C5 in 1201 until 2026-06-30.
  Consent requested 2026-11-02, no answer.
* Stockholm Pilen 4:2 (Stadshem AB), Fleminggatan 7: C8 in 1401 from 2025-03-01; C6 in 1301
  from 2026-11-25. Consent not requested.
* Stockholm Kronan 5:5 (Brf Kronan), Hantverkargatan 9: C7 in 1001. Consent requested
  2026-11-02, refused 2026-11-10.

Bromma: a district in no wave, with nothing in it.

Crews (from ``tests.locks.city``): Lås 1 (entrance), TJ 1 (apartment), Tekniker 1 (repair). Done
installation jobs: entrance doors Götgatan 12 on 2026-09-21 and 14 on 2026-10-19 by Lås 1 (and the
refuse room 2026-09-21); apartment doors 1101 on 2026-09-22 and 1102 on 2026-10-12 by TJ 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.locks.accesslog import import_access_log
from planner.locks.keyreturns import record_key_return
from planner.locks.lifecycle import transition
from planner.locks.states import ConsentState, FaultState, JobState, LockState, WaveState
from planner.models import (
    AuditEvent,
    Consent,
    Customer,
    Cylinder,
    District,
    Door,
    DoorKind,
    Entrance,
    FaultReport,
    FaultSeverity,
    Job,
    JobKind,
    Lock,
    OwnerKind,
    Property,
    PropertyOwner,
    Wave,
    WaveDistrict,
)
from tests.locks.city import City, build_city, fit, local

ON = date(2026, 11, 20)  # a Friday
EARLIER = date(2026, 10, 15)
BEFORE = date(2024, 6, 1)
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
KUNGSHOLMEN_SQUARE = (
    "SRID=4326;MULTIPOLYGON(((17.98 59.32, 18.04 59.32, 18.04 59.34, 17.98 59.34, 17.98 59.32)))"
)
BROMMA_SQUARE = (
    "SRID=4326;MULTIPOLYGON(((17.90 59.33, 17.97 59.33, 17.97 59.36, 17.90 59.36, 17.90 59.33)))"
)


@dataclass
class ReportCity:
    base: City
    sodermalm: int
    kungsholmen: int
    bromma: int
    wave1: int
    wave2: int


def build_report_city(session: Session) -> ReportCity:
    base = build_city(session)
    sodermalm = session.get(District, base.district)
    assert sodermalm is not None
    wave1 = session.get(Wave, base.wave)
    assert wave1 is not None
    wave1.planned_start = date(2026, 9, 1)

    # Södermalm's consents: Eken by date columns only, Linden through the lifecycle
    eken = session.get(Consent, base.eken_consent)
    assert eken is not None
    eken.state = ConsentState.RECEIVED
    eken.requested_on = date(2026, 9, 1)
    eken.answered_on = date(2026, 9, 10)
    linden = session.get(Consent, base.linden_consent)
    assert linden is not None
    linden.reply_reference = "MG-2026-00002"
    transition(session, linden, ConsentState.REQUESTED, actor="t", at=local(date(2026, 9, 1), 10))
    transition(session, linden, ConsentState.REMINDED, actor="t", at=local(date(2026, 10, 1), 10))
    transition(session, linden, ConsentState.RECEIVED, actor="t", at=local(date(2026, 10, 5), 10))

    # Södermalm's locks
    fit(session, base.g12_door, "SL-G12", on=date(2026, 9, 21))
    fit(session, base.g12_refuse, "SL-R12", on=date(2026, 9, 21))
    fit(session, base.door_1101, "SL-1101", on=date(2026, 9, 22))
    session.add(  # no audit trail: the date columns tell its story
        Lock(
            door_id=base.door_1102,
            serial="SL-1102",
            state=LockState.ACTIVE,
            variant=Cylinder.ROUND,
            planned_on=date(2026, 10, 5),
            installed_on=date(2026, 10, 12),
            activated_on=date(2026, 10, 12),
        )
    )
    fit(session, base.g14_door, "SL-G14", on=date(2026, 10, 19))
    fit(session, base.g16_door, "SL-G16", state=LockState.DEACTIVATED, on=date(2026, 10, 19))
    planned = fit(
        session, base.door_1201, "SL-P1201", state=LockState.PLANNED, on=date(2026, 11, 10)
    )
    planned.serial = None
    session.flush()

    # installation jobs (what the forecast measures the pace on)
    for kind, door, crew, day in (
        (JobKind.INSTALL_ENTRANCE, base.g12_door, base.entrance_crew, date(2026, 9, 21)),
        (JobKind.INSTALL_REFUSE, base.g12_refuse, base.entrance_crew, date(2026, 9, 21)),
        (JobKind.INSTALL_ENTRANCE, base.g14_door, base.entrance_crew, date(2026, 10, 19)),
        (JobKind.INSTALL_APARTMENT, base.door_1101, base.apartment_crew, date(2026, 9, 22)),
        (JobKind.INSTALL_APARTMENT, base.door_1102, base.apartment_crew, date(2026, 10, 12)),
    ):
        session.add(
            Job(
                kind=kind,
                door_id=door,
                state=JobState.DONE,
                service_min=30,
                crew_id=crew,
                planned_date=day,
                position=1,
            )
        )
    session.add(
        Job(
            kind=JobKind.INSTALL_APARTMENT,
            door_id=base.door_1201,
            lock_id=planned.id,
            state=JobState.PLANNED,
            service_min=30,
            crew_id=base.apartment_crew,
            planned_date=date(2026, 11, 24),
            position=1,
        )
    )
    session.flush()

    record_key_return(
        session,
        base.g12,
        returned_on=date(2026, 10, 20),
        keys_count=3,
        tags_count=1,
        codes_removed=True,
        received_by="Karin Ek",
        actor="t",
    )
    _faults(session)

    # Kungsholmen and Bromma
    kungsholmen = District(set_id=sodermalm.set_id, name="Kungsholmen", geom=KUNGSHOLMEN_SQUARE)
    bromma = District(set_id=sodermalm.set_id, name="Bromma", geom=BROMMA_SQUARE)
    wave2 = Wave(
        number=2, name="Våg 2", state=WaveState.NOT_STARTED, planned_start=date(2026, 12, 1)
    )
    session.add_all([kungsholmen, bromma, wave2])
    session.flush()
    session.add(WaveDistrict(wave_id=wave2.id, district_id=kungsholmen.id))
    vinkeln_owner = PropertyOwner(
        org_number="769600-0003", name="Brf Vinkeln", kind=OwnerKind.HOUSING_ASSOCIATION
    )
    kronan_owner = PropertyOwner(
        org_number="769600-0004", name="Brf Kronan", kind=OwnerKind.HOUSING_ASSOCIATION
    )
    vinkeln = Property(designation="Stockholm Vinkeln 3:1", owner=vinkeln_owner)
    pilen = Property(designation="Stockholm Pilen 4:2", owner_id=base.linden_owner)
    kronan = Property(designation="Stockholm Kronan 5:5", owner=kronan_owner)
    session.add_all([vinkeln_owner, kronan_owner, vinkeln, pilen, kronan])
    session.flush()
    people = (
        (
            vinkeln,
            "Fleminggatan",
            5,
            "112 26",
            (
                ("HK-0000004", "1101", date(2025, 1, 1), None),
                ("HK-0000005", "1201", date(2025, 1, 1), date(2026, 6, 30)),
            ),
        ),
        (
            pilen,
            "Fleminggatan",
            7,
            "112 26",
            (
                ("HK-0000008", "1401", date(2025, 3, 1), None),
                ("HK-0000006", "1301", date(2026, 11, 25), None),
            ),
        ),
        (kronan, "Hantverkargatan", 9, "112 21", (("HK-0000007", "1001", date(2025, 1, 1), None),)),
    )
    for prop, street, number, postcode, customers in people:
        entrance = Entrance(
            property_id=prop.id,
            street=street,
            number=number,
            postcode=postcode,
            postort="Stockholm",
            geom=f"SRID=4326;POINT(18.0{number} 59.33)",
            district_id=kungsholmen.id,
        )
        session.add(entrance)
        session.flush()
        session.add(Door(entrance_id=entrance.id, kind=DoorKind.ENTRANCE))
        for pseudonym, apartment, start, end in customers:
            door = Door(entrance_id=entrance.id, kind=DoorKind.APARTMENT, label=apartment)
            session.add(door)
            session.flush()
            session.add(
                Customer(
                    pseudonym=pseudonym,
                    entrance_id=entrance.id,
                    apartment_number=apartment,
                    apartment_door_id=door.id,
                    provider_id=base.norr,
                    active_from=start,
                    active_to=end,
                )
            )
    vinkeln_consent = Consent(owner_id=vinkeln_owner.id, property_id=vinkeln.id)
    kronan_consent = Consent(owner_id=kronan_owner.id, property_id=kronan.id)
    pilen_consent = Consent(owner_id=base.linden_owner, property_id=pilen.id)
    session.add_all([vinkeln_consent, kronan_consent, pilen_consent])
    session.flush()
    when = local(date(2026, 11, 2), 10)
    transition(session, vinkeln_consent, ConsentState.REQUESTED, actor="t", at=when)
    transition(session, kronan_consent, ConsentState.REQUESTED, actor="t", at=when)
    transition(
        session,
        kronan_consent,
        ConsentState.REFUSED,
        actor="t",
        at=local(date(2026, 11, 10), 10),
    )
    session.flush()
    write_access_log(session)
    return ReportCity(
        base=base,
        sodermalm=base.district,
        kungsholmen=kungsholmen.id,
        bromma=bromma.id,
        wave1=base.wave,
        wave2=wave2.id,
    )


def _faults(session: Session) -> None:
    serial = {
        s: i
        for i, s in session.execute(
            select(Lock.id, Lock.serial).where(Lock.serial.in_(("SL-G12", "SL-1101", "SL-1102")))
        )
    }
    audited = FaultReport(
        lock_id=serial["SL-G12"],
        category="Låset går trögt",
        reported_by="Nora Norr",
        reporter_kind="hemtjänst",
        reported_at=local(date(2026, 10, 1), 10),
        severity=FaultSeverity.NORMAL,
        state=FaultState.CLOSED,
        closed_at=local(date(2026, 10, 2), 10),
    )
    plain = FaultReport(  # no audit trail: reported_at and closed_at tell its story
        lock_id=serial["SL-1102"],
        category="Cylindern sitter löst",
        reported_by="Sam Syd",
        reporter_kind="hemtjänst",
        reported_at=local(date(2026, 10, 20), 8),
        severity=FaultSeverity.NORMAL,
        state=FaultState.CLOSED,
        closed_at=local(date(2026, 10, 20), 14),
    )
    still_open = FaultReport(
        lock_id=serial["SL-1101"],
        category="Nyckeln öppnar inte",
        reported_by="Nora Norr",
        reporter_kind="hemtjänst",
        reported_at=local(date(2026, 11, 18), 8),
        severity=FaultSeverity.HIGH,
        state=FaultState.OPEN,
    )
    session.add_all([audited, plain, still_open])
    session.flush()
    for fault, steps in (
        (
            audited,
            (
                (None, FaultState.OPEN, local(date(2026, 10, 1), 10)),
                (FaultState.OPEN, FaultState.CLOSED, local(date(2026, 10, 2), 10)),
            ),
        ),
        (still_open, ((None, FaultState.OPEN, local(date(2026, 11, 18), 8)),)),
    ):
        for old, new, at in steps:
            session.add(
                AuditEvent(
                    at=at,
                    actor="t",
                    entity="fault_report",
                    entity_id=fault.id,
                    action="transition" if old else "created",
                    from_state=old.value if old else None,
                    to_state=new.value,
                )
            )
    session.flush()


def write_access_log(session: Session) -> None:
    rows = (
        ("K-X98", "SL-G14", local(date(2026, 10, 1), 12), "nekad"),
        ("K-N1", "SL-1101", local(date(2026, 11, 19), 3), "beviljad"),
        ("K-N1", "SL-G12", local(ON, 8), "beviljad"),
        ("K-X99", "SL-G12", local(ON, 9), "nekad"),
        ("K-N1", "SL-XXXX", local(ON, 10), "beviljad"),
    )
    lines = ["nyckel;lås;tid;resultat"] + [
        f"{key};{lock};{at.isoformat()};{result}" for key, lock, at, result in rows
    ]
    import_access_log(session, "\n".join(lines).encode(), file="logg.csv", actor="t", at=NOW)
