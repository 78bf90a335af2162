"""The demo city: a deterministic, mid-rollout Stockholm with approximate geography.

``build_demo(session, seed=..., today=...)`` fills an empty database with the 11 districts of
DESIGN §3b (outlines drawn for this project, see ``planner._demo_geography``), ~15,000 home-care
customers spread by the districts' estimated customers, ~3,200 property owners (a few large housing
companies owning hundreds of properties, many housing associations owning one), and the state of a
rollout in progress: two waves done, one under way, two not started; consents in every state;
locks fitted, active, deactivated and removed; jobs done, failed, planned and waiting; home-care
staff with keys and shifts; a week of access events; open and closed faults; key returns.

The same seed and the same ``today`` always give the same city. Every name, number and person in
it is made up; streets are real Stockholm street names placed approximately.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from shapely import wkt
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from planner import _demo_geography as geo
from planner.locks.accesslog import GENESIS_HASH, event_hash
from planner.models import (
    AccessEvent,
    AccessResult,
    AuditEvent,
    Base,
    Consent,
    ConsentChannel,
    ConsentState,
    Crew,
    Customer,
    Cylinder,
    DigitalKey,
    District,
    DistrictSet,
    Door,
    DoorKind,
    Entrance,
    FaultReport,
    FaultSeverity,
    FaultState,
    HomeCareStaff,
    Job,
    JobKind,
    JobState,
    KeyReturn,
    KeyState,
    Lock,
    LockState,
    Organisation,
    OrgKind,
    OwnerKind,
    Property,
    PropertyOwner,
    Role,
    Shift,
    Skill,
    Wave,
    WaveDistrict,
    WaveState,
)

log = logging.getLogger(__name__)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEMO_SET_NAME = "Stadsdelsområden 2023 (demo, ungefärliga gränser)"
DEMO_ACTOR = "demo"
LOCKSMITH_NAME = "Huvudstadens Lås & Säkerhet AB"
TRYGGHETSJOUR_NAME = "Stockholms Trygghetsjour"
SERVICE_MIN = {
    JobKind.INSTALL_ENTRANCE: 45,
    JobKind.INSTALL_APARTMENT: 30,
    JobKind.INSTALL_REFUSE: 30,
    JobKind.INSTALL_LAUNDRY: 30,
    JobKind.REPAIR: 40,
    JobKind.DEACTIVATE: 15,
    JobKind.REACTIVATE: 15,
    JobKind.REMOVE: 45,
}

# (wave number, districts, start and end relative to today in days, state)
WAVES: tuple[tuple[int, tuple[str, ...], int, int, WaveState], ...] = (
    (1, ("Kungsholmen", "Skärholmen"), -600, -430, WaveState.DONE),
    (2, ("Södermalm", "Farsta"), -400, -235, WaveState.DONE),
    (3, ("Norra innerstaden", "Hägersten-Älvsjö"), -60, 80, WaveState.IN_PROGRESS),
    (4, ("Enskede-Årsta-Vantör", "Skarpnäck", "Järva"), 110, 250, WaveState.NOT_STARTED),
    (5, ("Bromma", "Hässelby-Vällingby"), 270, 400, WaveState.NOT_STARTED),
)

BIG_OWNERS = (
    ("Stadshem AB", OwnerKind.MUNICIPAL, 0.10),
    ("Mälarbostäder AB", OwnerKind.MUNICIPAL, 0.08),
    ("Söderhus Fastigheter AB", OwnerKind.COMPANY, 0.05),
    ("Norrport Bostad AB", OwnerKind.COMPANY, 0.04),
    ("Järva Hem AB", OwnerKind.COMPANY, 0.04),
    ("Stockholms Hyreshus AB", OwnerKind.COMPANY, 0.02),
)

PROVIDERS = (
    ("Stockholms stad hemtjänst Innerstaden", ("Norra innerstaden", "Södermalm", "Kungsholmen")),
    ("Stockholms stad hemtjänst Söderort", ("Hägersten-Älvsjö", "Enskede-Årsta-Vantör", "Farsta")),
    ("Stockholms stad hemtjänst Västerort", ("Bromma", "Hässelby-Vällingby", "Järva")),
    ("Omsorg i Hemmet AB", ("Norra innerstaden", "Kungsholmen", "Bromma")),
    ("Trygga Händer Hemtjänst AB", ("Södermalm", "Skarpnäck", "Farsta", "Enskede-Årsta-Vantör")),
    ("Vårdkraft Hemtjänst AB", ("Hägersten-Älvsjö", "Skärholmen", "Södermalm")),
    ("Järva Omsorg AB", ("Järva", "Hässelby-Vällingby")),
    ("Nära Omsorg Stockholm AB", ("Norra innerstaden", "Bromma", "Skarpnäck", "Skärholmen")),
)


REPORT_CHANNELS = ("hemtjänstens app", "telefon", "e-post")
_WORDS = json.loads((geo.DEMO_DATA / "words.json").read_text(encoding="utf-8"))
KVARTER: tuple[str, ...] = tuple(_WORDS["kvarter"])
FIRST_NAMES: tuple[str, ...] = tuple(_WORDS["first_names"])
SURNAMES: tuple[str, ...] = tuple(_WORDS["surnames"])


@dataclass(frozen=True)
class DemoSummary:
    """What was built, for the CLI and the tests."""

    seed: int
    today: date
    districts: int
    owners: int
    properties: int
    entrances: int
    customers: int
    locks: int
    jobs: int
    staff: int
    access_events: int
    faults: int
    elapsed_s: float

    def lines(self) -> list[str]:
        return [
            f"Demostad byggd (slump-frö {self.seed}, dag {self.today.isoformat()}) "
            f"på {self.elapsed_s:.1f} s:",
            f"  {self.districts} stadsdelsområden, {self.owners} fastighetsägare, "
            f"{self.properties} fastigheter, {self.entrances} entréer",
            f"  {self.customers} hemtjänstkunder, {self.locks} lås, {self.jobs} arbetsordrar",
            f"  {self.staff} hemtjänstpersonal, {self.access_events} passagehändelser, "
            f"{self.faults} felanmälningar",
        ]


@dataclass
class _Rows:
    """Rows per table, with ids handed out in insert order."""

    by_table: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, model: type[Base], **values: Any) -> int:
        rows = self.by_table.setdefault(model.__tablename__, [])
        if "id" not in values:
            values["id"] = len(rows) + 1
        rows.append(values)
        return int(values["id"])

    def link(self, model: type[Base], **values: Any) -> None:
        """A row of an association table (no id of its own)."""
        self.by_table.setdefault(model.__tablename__, []).append(values)

    def count(self, model: type[Base]) -> int:
        return len(self.by_table.get(model.__tablename__, []))


def _ewkt(lon: float, lat: float) -> str:
    return f"SRID=4326;POINT({lon:.6f} {lat:.6f})"


def _local(day: date, at: time) -> datetime:
    """A Stockholm wall-clock time as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=STOCKHOLM).astimezone(UTC)


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def _org_number(prefix: str, serial: int) -> str:
    body = f"{prefix}{serial:0{9 - len(prefix)}d}"
    return f"{body[:6]}-{body[6:]}{_luhn_digit(body)}"


def _working_days(start: date, end: date) -> list[date]:
    import holidays

    off = holidays.country_holidays("SE", years=range(start.year, end.year + 1))
    days: list[date] = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in off:
            days.append(day)
        day += timedelta(days=1)
    return days


class _Builder:
    def __init__(self, *, seed: int, today: date, scale: float) -> None:
        self.seed = seed
        self.today = today
        self.scale = scale
        self.rng = np.random.default_rng(seed)
        self.rand = random.Random(seed)
        self.rows = _Rows()
        self.now = _local(today, time(9, 30))
        self.serial_counter = 0
        self.pseudonyms: set[str] = set()
        self.reference_counter = 0
        self.district_ids: dict[str, int] = {}
        self.wave_of_district: dict[str, tuple[int, WaveState, date, date]] = {}
        self.provider_ids: dict[str, int] = {}
        self.providers_of_district: dict[str, list[int]] = {}
        self.crews: dict[str, list[int]] = {}
        self.org_ids: dict[OrgKind, int] = {}
        # per entrance: (district, property_id, door ids, customers)
        self.entrance_district: dict[int, str] = {}
        self.entrance_point: dict[int, tuple[float, float]] = {}
        self.entrance_door: dict[int, int] = {}
        self.property_of_entrance: dict[int, int] = {}
        self.other_doors: dict[int, list[tuple[int, DoorKind]]] = {}
        self.customers_of_entrance: dict[int, list[dict[str, Any]]] = {}
        self.consent_state: dict[int, ConsentState] = {}
        self.active_lock_of_door: dict[int, dict[str, Any]] = {}

    # -- helpers ---------------------------------------------------------------------------------

    def person(self) -> str:
        return f"{self.rand.choice(FIRST_NAMES)} {self.rand.choice(SURNAMES)}"

    def phone(self) -> str:
        n = self.rand.randrange(1_000_000, 9_999_999)
        return f"08-{str(n)[:3]} {str(n)[3:5]} {str(n)[5:]}"

    def pseudonym(self) -> str:
        """A random, unique customer id: it says nothing about the person."""
        while True:
            candidate = f"HK-{self.rng.integers(0, 16**7):07X}"
            if candidate not in self.pseudonyms:
                self.pseudonyms.add(candidate)
                return candidate

    def serial(self) -> str:
        self.serial_counter += 1
        return f"SL-DUO-{self.serial_counter:06d}"

    def audit(
        self, entity: str, entity_id: int, old: str | None, new: str, at: datetime, note: str = ""
    ) -> None:
        self.rows.add(
            AuditEvent,
            at=at,
            actor=DEMO_ACTOR,
            entity=entity,
            entity_id=entity_id,
            action="transition" if old is not None else "created",
            from_state=old,
            to_state=new,
            note=note or None,
        )

    def history(self, entity: str, entity_id: int, steps: Iterable[tuple[str, datetime]]) -> None:
        """Audit a row's path through its lifecycle: [(state, when), ...]; first = birth."""
        previous: str | None = None
        for state, when in steps:
            self.audit(entity, entity_id, previous, state, when)
            previous = state

    def day_in(self, start: date, end: date) -> date:
        span = max(0, (end - start).days)
        return start + timedelta(days=int(self.rng.integers(0, span + 1)))

    # -- steps -----------------------------------------------------------------------------------

    def districts(self) -> None:
        set_id = self.rows.add(
            DistrictSet,
            name=DEMO_SET_NAME,
            valid_from=date(2023, 7, 1),
            is_current=True,
            source="planner demo: ungefärliga gränser ritade för projektet",
        )
        polygons = geo.district_polygons()
        for i, facts in enumerate(geo.DISTRICTS, start=1):
            self.district_ids[facts.name] = self.rows.add(
                District,
                set_id=set_id,
                code=f"SDO{i:02d}",
                name=facts.name,
                population=facts.population,
                est_customers=facts.est_customers,
                geom="SRID=4326;" + wkt.dumps(polygons[facts.name], rounding_precision=6),
            )

    def waves(self) -> None:
        for number, names, start, end, state in WAVES:
            wave_start = self.today + timedelta(days=start)
            wave_end = self.today + timedelta(days=end)
            wave_id = self.rows.add(
                Wave,
                number=number,
                name=f"Våg {number}: " + ", ".join(names),
                state=state,
                planned_start=wave_start,
                planned_end=wave_end,
            )
            history = [(WaveState.NOT_STARTED.value, _local(wave_start - timedelta(120), time(9)))]
            if state is not WaveState.NOT_STARTED:
                history.append((WaveState.IN_PROGRESS.value, _local(wave_start, time(7))))
            if state is WaveState.DONE:
                history.append((WaveState.DONE.value, _local(wave_end, time(16))))
            self.history("wave", wave_id, history)
            for name in names:
                self.rows.link(WaveDistrict, wave_id=wave_id, district_id=self.district_ids[name])
                self.wave_of_district[name] = (wave_id, state, wave_start, wave_end)

    def organisations(self) -> None:
        self.org_ids[OrgKind.CITY] = self.rows.add(
            Organisation,
            name="Stockholms stad, äldreförvaltningen",
            kind=OrgKind.CITY,
            org_number="212000-0142",
        )
        self.org_ids[OrgKind.LOCKSMITH] = self.rows.add(
            Organisation,
            name=LOCKSMITH_NAME,
            kind=OrgKind.LOCKSMITH,
            org_number=_org_number("5569", 41_207),
        )
        self.org_ids[OrgKind.TRYGGHETSJOUR] = self.rows.add(
            Organisation,
            name=TRYGGHETSJOUR_NAME,
            kind=OrgKind.TRYGGHETSJOUR,
            org_number="212000-0142-TJ",
        )
        self.org_ids[OrgKind.SUPPLIER] = self.rows.add(
            Organisation,
            name="Swedlock (leverantör)",
            kind=OrgKind.SUPPLIER,
            org_number=_org_number("5560", 77_341),
        )
        for i, (name, districts) in enumerate(PROVIDERS):
            org_id = self.rows.add(
                Organisation,
                name=name,
                kind=OrgKind.HOME_CARE_PROVIDER,
                org_number=_org_number("5591", 10_000 + i * 37),
            )
            self.provider_ids[name] = org_id
            for d in districts:
                self.providers_of_district.setdefault(d, []).append(org_id)

    def crew_rows(self) -> None:
        depots = {
            OrgKind.LOCKSMITH: ("Ulvsundavägen 106, Bromma", 17.9625, 59.3462),
            OrgKind.TRYGGHETSJOUR: ("Sankt Göransgatan 84, Stockholm", 18.0262, 59.3327),
            OrgKind.CITY: ("Västberga allé 36, Hägersten", 18.0105, 59.2938),
        }
        plan = (
            (OrgKind.LOCKSMITH, "Låsmontör", 8, [Skill.ENTRANCE.value]),
            (OrgKind.LOCKSMITH, "Låsservice", 2, [Skill.ENTRANCE.value, Skill.REPAIR.value]),
            (OrgKind.TRYGGHETSJOUR, "Trygghetsjouren", 10, [Skill.APARTMENT.value]),
            (OrgKind.CITY, "Stadens tekniker", 2, [Skill.REPAIR.value]),
        )
        for kind, prefix, count, skills in plan:
            address, lon, lat = depots[kind]
            for n in range(1, count + 1):
                crew_id = self.rows.add(
                    Crew,
                    organisation_id=self.org_ids[kind],
                    name=f"{prefix} {n}",
                    skills=skills,
                    depot_address=address,
                    depot=_ewkt(lon, lat),
                    shift_start=time(7, 0),
                    shift_end=time(16, 0),
                    lunch_earliest=time(11, 0),
                    lunch_latest=time(13, 0),
                    lunch_min=30,
                    max_jobs_per_day=None,
                    active=True,
                )
                self.crews.setdefault(skills[-1], []).append(crew_id)

    def owners(self, property_count: int) -> list[int]:
        """Owner id for each property index: big companies first, then associations."""
        owner_of: list[int] = []
        for i, (name, kind, share) in enumerate(BIG_OWNERS):
            owner_id = self.rows.add(
                PropertyOwner,
                org_number=_org_number("5560" if kind is OwnerKind.COMPANY else "5568", 1000 + i),
                name=name,
                kind=kind,
                contact_name=self.person(),
                contact_phone=self.phone(),
                contact_email=f"forvaltning@{name.split()[0].lower().replace('ö', 'o')}.se",
                postal_address="Box " + str(self.rand.randrange(1000, 9999)) + ", Stockholm",
            )
            owner_of.extend([owner_id] * int(property_count * share))
        small_companies = 100
        for i in range(small_companies):
            owner_id = self.rows.add(
                PropertyOwner,
                org_number=_org_number("5567", 20_000 + i),
                name=f"Fastighets AB {self.rand.choice(KVARTER)} {i + 1}",
                kind=OwnerKind.COMPANY,
                contact_name=self.person(),
                contact_phone=self.phone(),
            )
            owner_of.extend([owner_id] * int(self.rng.integers(2, 6)))
        serial = 0
        while len(owner_of) < property_count:
            serial += 1
            owner_id = self.rows.add(
                PropertyOwner,
                org_number=_org_number("7696", 30_000 + serial),
                name=f"Brf {self.rand.choice(KVARTER)} {serial}",
                kind=OwnerKind.HOUSING_ASSOCIATION,
                contact_name=self.person(),
                contact_phone=self.phone(),
            )
            owner_of.extend([owner_id] * (2 if self.rng.random() < 0.05 else 1))
        owner_of = owner_of[:property_count]
        order = self.rng.permutation(property_count)
        return [owner_of[i] for i in order]

    def city(self) -> None:
        """Properties, entrances, doors and customers, district by district."""
        hoods_by_district: dict[str, list[geo.Neighbourhood]] = {}
        for hood in geo.neighbourhoods():
            hoods_by_district.setdefault(hood.district, []).append(hood)

        # 1. customers per neighbourhood, then grouped into entrances and properties
        plan: list[tuple[geo.Neighbourhood, list[int]]] = []  # (hood, customers per entrance)
        for facts in geo.DISTRICTS:
            hoods = hoods_by_district[facts.name]
            total = max(len(hoods), round(facts.est_customers * self.scale))
            weights = self.rng.uniform(0.6, 1.4, len(hoods))
            counts = np.floor(weights / weights.sum() * total).astype(int)
            counts[: total - counts.sum()] += 1
            for hood, count in zip(hoods, counts, strict=True):
                groups: list[int] = []
                left = int(count)
                while left > 0:
                    size = min(left, int(self.rng.geometric(0.45)))
                    groups.append(size)
                    left -= size
                plan.append((hood, groups))
        # about 1.3 entrances per property; a property never spans two neighbourhoods
        property_sizes: list[list[int]] = []
        for _, groups in plan:
            sizes: list[int] = []
            while sum(sizes) < len(groups):
                want = 1 if self.rng.random() < 0.8 else int(self.rng.integers(2, 4))
                sizes.append(min(want, len(groups) - sum(sizes)))
            property_sizes.append(sizes)
        owner_of = iter(self.owners(sum(len(sizes) for sizes in property_sizes)))

        kvarter_counter: dict[str, int] = {}
        used_addresses: set[tuple[str, int, str, str]] = set()
        for (hood, groups), sizes in zip(plan, property_sizes, strict=True):
            lats, lons = geo.sample_points(hood, len(groups), self.rng)
            g = 0
            for size in sizes:
                kvarter = self.rand.choice(KVARTER)
                kvarter_counter[kvarter] = kvarter_counter.get(kvarter, 0) + 1
                block = kvarter_counter[kvarter]
                property_id = self.rows.add(
                    Property,
                    designation=f"Stockholm {kvarter} {block}:{int(self.rng.integers(1, 30))}",
                    owner_id=next(owner_of),
                )
                street = self.rand.choice(hood.streets)
                base = int(self.rng.integers(1, 120))
                postcode = f"{hood.postcode_prefix} {int(self.rng.integers(10, 99)):02d}"
                for e in range(size):
                    number, letter = base + 2 * e, ""
                    while (street, number, letter, postcode) in used_addresses:
                        letter = chr(ord(letter or "@") + 1)
                    used_addresses.add((street, number, letter, postcode))
                    lat = float(lats[g]) + e * 0.00012
                    lon = float(lons[g]) + e * 0.00018
                    self.entrance(
                        hood,
                        property_id,
                        street,
                        number,
                        letter,
                        postcode,
                        lat,
                        lon,
                        groups[g],
                        first=e == 0,
                    )
                    g += 1

    def entrance(
        self,
        hood: geo.Neighbourhood,
        property_id: int,
        street: str,
        number: int,
        letter: str,
        postcode: str,
        lat: float,
        lon: float,
        customers: int,
        *,
        first: bool,
    ) -> None:
        entrance_id = self.rows.add(
            Entrance,
            property_id=property_id,
            street=street,
            number=number,
            letter=letter,
            suffix="",
            postcode=postcode,
            postort=hood.postort,
            geom=_ewkt(lon, lat),
            district_id=self.district_ids[hood.district],
            geocode_source="demo",
            geocode_score=1.0,
            notes=None,
        )
        self.entrance_district[entrance_id] = hood.district
        self.entrance_point[entrance_id] = (lon, lat)
        self.property_of_entrance[entrance_id] = property_id
        cylinder = self.rand.choices(
            [Cylinder.ROUND, Cylinder.OVAL, Cylinder.UNKNOWN], weights=[60, 34, 6]
        )[0]
        self.entrance_door[entrance_id] = self.rows.add(
            Door,
            entrance_id=entrance_id,
            kind=DoorKind.ENTRANCE,
            label="",
            cylinder=cylinder,
            notes="Portkod finns hos fastighetsägaren" if self.rng.random() < 0.2 else None,
        )
        others: list[tuple[int, DoorKind]] = []
        if first and self.rng.random() < 0.12:
            others.append(
                (
                    self.rows.add(
                        Door,
                        entrance_id=entrance_id,
                        kind=DoorKind.REFUSE,
                        label="soprum",
                        cylinder=Cylinder.ROUND,
                        notes=None,
                    ),
                    DoorKind.REFUSE,
                )
            )
        if first and self.rng.random() < 0.05:
            others.append(
                (
                    self.rows.add(
                        Door,
                        entrance_id=entrance_id,
                        kind=DoorKind.LAUNDRY,
                        label="tvättstuga",
                        cylinder=Cylinder.ROUND,
                        notes=None,
                    ),
                    DoorKind.LAUNDRY,
                )
            )
        self.other_doors[entrance_id] = others
        used: set[str] = set()
        people: list[dict[str, Any]] = []
        district = hood.district
        for _ in range(customers):
            apartment = ""
            while not apartment or apartment in used:
                floor = 10 + min(6, int(self.rng.geometric(0.35)))
                apartment = f"{floor}{int(self.rng.integers(1, 7)):02d}"
            used.add(apartment)
            door_id = self.rows.add(
                Door,
                entrance_id=entrance_id,
                kind=DoorKind.APARTMENT,
                label=apartment,
                cylinder=Cylinder.UNKNOWN,
                notes=None,
            )
            active_from = self.today - timedelta(days=int(self.rng.integers(30, 2500)))
            active_to = None
            if self.rng.random() < 0.07:  # service ended: moved, died, no longer needs help
                active_to = self.today - timedelta(days=int(self.rng.integers(1, 500)))
                active_from = min(active_from, active_to - timedelta(days=60))
            customer = {
                "pseudonym": self.pseudonym(),
                "entrance_id": entrance_id,
                "apartment_number": apartment,
                "apartment_door_id": door_id,
                "provider_id": self.rand.choice(self.providers_of_district[district]),
                "active_from": active_from,
                "active_to": active_to,
                "contact_name": self.person(),
                "contact_phone": self.phone().replace("08-", "070-"),
            }
            customer["id"] = self.rows.add(Customer, **customer)
            people.append(customer)
        self.customers_of_entrance[entrance_id] = people

    def consents(self) -> None:
        properties = self.rows.by_table[Property.__tablename__]
        district_of_property: dict[int, str] = {}
        for entrance_id, property_id in self.property_of_entrance.items():
            district_of_property.setdefault(property_id, self.entrance_district[entrance_id])
        for prop in properties:
            _, state, start, _ = self.wave_of_district[district_of_property[prop["id"]]]
            roll = self.rng.random()
            if state is WaveState.DONE:
                path = (
                    "received"
                    if roll < 0.925
                    else "refused"
                    if roll < 0.975
                    else "withdrawn"
                    if roll < 0.982
                    else "requested"
                )
            elif state is WaveState.IN_PROGRESS:
                path = (
                    "received"
                    if roll < 0.72
                    else "reminded"
                    if roll < 0.82
                    else "requested"
                    if roll < 0.92
                    else "refused"
                    if roll < 0.98
                    else "not_requested"
                )
            elif start - self.today < timedelta(days=150):
                path = (
                    "requested" if roll < 0.40 else "received" if roll < 0.55 else "not_requested"
                )
            else:
                path = "not_requested"
            self.consent(prop["id"], prop["owner_id"], path, start)

    def consent(self, property_id: int, owner_id: int, path: str, wave_start: date) -> None:
        requested = min(
            self.today - timedelta(days=3),
            wave_start - timedelta(days=int(self.rng.integers(40, 110))),
        )
        if wave_start > self.today:  # letters for the next wave went out recently
            requested = self.today - timedelta(days=int(self.rng.integers(5, 40)))
        answered = min(
            self.today - timedelta(days=1),
            requested + timedelta(days=int(self.rng.integers(4, 45))),
        )
        reminded = min(self.today - timedelta(days=1), requested + timedelta(days=30))
        steps: list[tuple[ConsentState, date]] = [
            (ConsentState.NOT_REQUESTED, requested - timedelta(7))
        ]
        if path != "not_requested":
            steps.append((ConsentState.REQUESTED, requested))
        if path == "reminded":
            steps.append((ConsentState.REMINDED, reminded))
        if path in ("received", "withdrawn"):
            steps.append((ConsentState.RECEIVED, answered))
        if path == "refused":
            steps.append((ConsentState.REFUSED, answered))
        if path == "withdrawn":
            steps.append((ConsentState.WITHDRAWN, min(self.today, answered + timedelta(200))))
        final = steps[-1][0]
        values: dict[str, Any] = {
            "owner_id": owner_id,
            "property_id": property_id,
            "state": final,
            "reply_reference": None,
        }
        if path != "not_requested":
            self.reference_counter += 1
            values["reply_reference"] = f"MG-{requested.year}-{self.reference_counter:05d}"
            values["requested_on"] = requested
        if path == "reminded":
            values["reminded_on"] = reminded
        if path in ("received", "refused", "withdrawn"):
            values["answered_on"] = answered
            values["channel"] = (
                ConsentChannel.POST if self.rng.random() < 0.55 else ConsentChannel.EMAIL
            )
            values["contact_name"] = self.person()
            values["contact_phone"] = self.phone()
        if path == "refused":
            values["reason"] = self.rand.choice(
                [
                    "Styrelsen vill avvakta",
                    "Vill inte ha fler lås på porten",
                    "Porten ska bytas under året",
                ]
            )
        if path == "withdrawn":
            values["withdrawn_on"] = steps[-1][1]
            values["reason"] = "Ny styrelse återkallade medgivandet"
        consent_id = self.rows.add(Consent, **values)
        self.consent_state[property_id] = final
        self.history("consent", consent_id, [(s.value, _local(d, time(10))) for s, d in steps])

    # -- locks and jobs ----------------------------------------------------------------------------

    def new_lock(
        self, door_id: int, kind: DoorKind, variant: Cylinder, states: list[tuple[LockState, date]]
    ) -> dict[str, Any]:
        final = states[-1][0]
        installer = self.org_ids[
            OrgKind.TRYGGHETSJOUR if kind is DoorKind.APARTMENT else OrgKind.LOCKSMITH
        ]
        values: dict[str, Any] = {
            "door_id": door_id,
            "serial": None,
            "variant": variant if variant is not Cylinder.UNKNOWN else Cylinder.ROUND,
            "state": final,
            "installer_org_id": installer,
        }
        stamp = {
            LockState.PLANNED: "planned_on",
            LockState.INSTALLED: "installed_on",
            LockState.ACTIVE: "activated_on",
            LockState.DEACTIVATED: "deactivated_on",
            LockState.REMOVED: "removed_on",
        }
        for state, day in states:
            values[stamp[state]] = day
        if final is not LockState.PLANNED:
            values["serial"] = self.serial()
        values["id"] = self.rows.add(Lock, **values)
        self.history("lock", values["id"], [(s.value, _local(d, time(12))) for s, d in states])
        if final in (LockState.ACTIVE, LockState.DEACTIVATED):
            self.active_lock_of_door[door_id] = values
        return values

    def job(
        self,
        kind: JobKind,
        door_id: int,
        wave_id: int | None,
        state: JobState,
        *,
        lock_id: int | None = None,
        crew_id: int | None = None,
        day: date | None = None,
        position: int | None = None,
        arrival: datetime | None = None,
        appointment: tuple[datetime, datetime] | None = None,
        outcome: str | None = None,
        attempts: int = 0,
        fault_id: int | None = None,
        priority: int = 0,
        deadline: datetime | None = None,
    ) -> int:
        values: dict[str, Any] = {
            "kind": kind,
            "door_id": door_id,
            "lock_id": lock_id,
            "fault_id": fault_id,
            "wave_id": wave_id,
            "state": state,
            "service_min": SERVICE_MIN[kind],
            "priority": priority,
            "crew_id": crew_id,
            "planned_date": day,
            "position": position,
            "planned_arrival": arrival,
            "pinned": appointment is not None,
            "attempts": attempts,
            "outcome": outcome,
            "deadline": deadline,
            "appointment_start": appointment[0] if appointment else None,
            "appointment_end": appointment[1] if appointment else None,
        }
        if state in (JobState.DONE, JobState.FAILED) and day is not None:
            values["completed_at"] = _local(day, time(15))
        job_id = self.rows.add(Job, **values)
        created = _local((day or self.today) - timedelta(days=20), time(8))
        steps = [(JobState.UNPLANNED.value, created)]
        if attempts and state is not JobState.FAILED:
            steps += [
                (JobState.PLANNED.value, created),
                (JobState.FAILED.value, created + timedelta(days=5)),
            ]
        if state in (JobState.PLANNED, JobState.DONE, JobState.FAILED):
            steps.append((JobState.PLANNED.value, created + timedelta(days=7)))
        if state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED):
            steps.append((state.value, _local(day or self.today, time(15))))
        self.history("job", job_id, steps)
        return job_id

    def installations(self) -> None:
        """Locks and jobs per wave state, entrance by entrance."""
        crews_entrance = self.crews[Skill.ENTRANCE.value]
        crews_apartment = self.crews[Skill.APARTMENT.value]
        upcoming = _working_days(self.today + timedelta(days=1), self.today + timedelta(days=21))
        route_load: dict[tuple[int, date], int] = {}

        def plan_slot(
            crews: list[int], *, limit: int, every_min: int
        ) -> tuple[int, date, int, datetime] | None:
            for _ in range(30):
                crew = self.rand.choice(crews)
                day = self.rand.choice(upcoming[:10])
                load = route_load.get((crew, day), 0)
                if load < limit:
                    route_load[(crew, day)] = load + 1
                    arrival = _local(day, time(7, 30)) + timedelta(
                        minutes=every_min * load + (30 if load >= 4 else 0)
                    )
                    return crew, day, load + 1, arrival
            return None

        for entrance_id, district in self.entrance_district.items():
            wave_id, wave_state, start, end = self.wave_of_district[district]
            if wave_state is WaveState.NOT_STARTED:
                continue
            property_id = self.property_of_entrance[entrance_id]
            consented = self.consent_state[property_id] in (
                ConsentState.RECEIVED,
                ConsentState.WITHDRAWN,
            )
            door_id = self.entrance_door[entrance_id]
            door = self.rows.by_table[Door.__tablename__][door_id - 1]
            people = self.customers_of_entrance[entrance_id]
            active_people = [c for c in people if c["active_to"] is None or c["active_to"] >= start]
            if not consented:
                continue
            if wave_state is WaveState.DONE:
                fitted = self.day_in(start, end - timedelta(days=30))
                # DONE wave: entrance doors fitted and active
                still_needed = any(c["active_to"] is None for c in people)
                states = [
                    (LockState.PLANNED, fitted - timedelta(days=14)),
                    (LockState.INSTALLED, fitted),
                    (LockState.ACTIVE, fitted + timedelta(days=2)),
                ]
                if not still_needed:
                    last_end = max(c["active_to"] for c in people)
                    states.append(
                        (
                            LockState.DEACTIVATED,
                            max(fitted + timedelta(days=3), last_end + timedelta(days=7)),
                        )
                    )
                lock = self.new_lock(door_id, DoorKind.ENTRANCE, door["cylinder"], states)
                self.job(
                    JobKind.INSTALL_ENTRANCE,
                    door_id,
                    wave_id,
                    JobState.DONE,
                    lock_id=lock["id"],
                    crew_id=self.rand.choice(crews_entrance),
                    day=fitted,
                    position=int(self.rng.integers(1, 9)),
                )
                if not still_needed:
                    self.job(
                        JobKind.DEACTIVATE,
                        door_id,
                        None,
                        JobState.DONE,
                        lock_id=lock["id"],
                        crew_id=self.rand.choice(self.crews[Skill.REPAIR.value]),
                        day=states[-1][1],
                        position=1,
                    )
                for other_id, kind in self.other_doors[entrance_id]:
                    other = self.new_lock(other_id, kind, Cylinder.ROUND, states[:3])
                    self.job(
                        JobKind.INSTALL_REFUSE
                        if kind is DoorKind.REFUSE
                        else JobKind.INSTALL_LAUNDRY,
                        other_id,
                        wave_id,
                        JobState.DONE,
                        lock_id=other["id"],
                        crew_id=self.rand.choice(crews_entrance),
                        day=fitted,
                        position=2,
                    )
                for c in active_people:
                    self.apartment_done_wave(c, wave_id, fitted, end, crews_apartment)
            else:  # wave in progress
                if all(c["active_to"] is not None for c in people):
                    continue  # nobody left to fit the building for
                roll = self.rng.random()
                if roll < 0.5:
                    fitted = self.day_in(start, self.today - timedelta(days=3))
                    states = [
                        (LockState.PLANNED, fitted - timedelta(days=10)),
                        (LockState.INSTALLED, fitted),
                        (LockState.ACTIVE, min(self.today, fitted + timedelta(days=2))),
                    ]
                    lock = self.new_lock(door_id, DoorKind.ENTRANCE, door["cylinder"], states)
                    self.job(
                        JobKind.INSTALL_ENTRANCE,
                        door_id,
                        wave_id,
                        JobState.DONE,
                        lock_id=lock["id"],
                        crew_id=self.rand.choice(crews_entrance),
                        day=fitted,
                        position=int(self.rng.integers(1, 9)),
                    )
                    for c in active_people:
                        self.apartment_in_progress(
                            c, wave_id, start, crews_apartment, plan_slot, fitted
                        )
                elif roll < 0.6:
                    fitted = self.today - timedelta(days=int(self.rng.integers(1, 3)))
                    lock = self.new_lock(
                        door_id,
                        DoorKind.ENTRANCE,
                        door["cylinder"],
                        [
                            (LockState.PLANNED, fitted - timedelta(days=10)),
                            (LockState.INSTALLED, fitted),
                        ],
                    )
                    self.job(
                        JobKind.INSTALL_ENTRANCE,
                        door_id,
                        wave_id,
                        JobState.DONE,
                        lock_id=lock["id"],
                        crew_id=self.rand.choice(crews_entrance),
                        day=fitted,
                        position=int(self.rng.integers(1, 9)),
                    )
                    for c in active_people:
                        self.apartment_in_progress(
                            c, wave_id, start, crews_apartment, plan_slot, None
                        )
                else:
                    lock = self.new_lock(
                        door_id,
                        DoorKind.ENTRANCE,
                        door["cylinder"],
                        [
                            (
                                LockState.PLANNED,
                                self.today - timedelta(days=int(self.rng.integers(1, 20))),
                            )
                        ],
                    )
                    slot = plan_slot(crews_entrance, limit=8, every_min=55) if roll < 0.85 else None
                    failed = self.rng.random() < 0.04
                    if slot:
                        crew, day, position, arrival = slot
                        self.job(
                            JobKind.INSTALL_ENTRANCE,
                            door_id,
                            wave_id,
                            JobState.PLANNED,
                            lock_id=lock["id"],
                            crew_id=crew,
                            day=day,
                            position=position,
                            arrival=arrival,
                            attempts=1 if failed else 0,
                        )
                    else:
                        self.job(
                            JobKind.INSTALL_ENTRANCE,
                            door_id,
                            wave_id,
                            JobState.FAILED if failed else JobState.UNPLANNED,
                            lock_id=lock["id"],
                            crew_id=self.rand.choice(crews_entrance) if failed else None,
                            day=self.today - timedelta(days=2) if failed else None,
                            outcome="Ingen åtkomst till porten (fel portkod)" if failed else None,
                            attempts=1 if failed else 0,
                        )
                    for c in active_people:
                        self.apartment_in_progress(
                            c, wave_id, start, crews_apartment, plan_slot, None
                        )

    def apartment_done_wave(
        self, c: dict[str, Any], wave_id: int, fitted: date, end: date, crews: list[int]
    ) -> None:
        door_id = c["apartment_door_id"]
        day = self.day_in(fitted, end)
        ended = c["active_to"]
        if ended is not None and ended <= day:
            return  # the customer's service ended before the fitting: nothing to fit
        if self.rng.random() < 0.04:  # door unsuitable: stays without lock
            self.job(
                JobKind.INSTALL_APARTMENT,
                door_id,
                wave_id,
                # a failed fitting waits for a new try, unless the customer has left since
                JobState.FAILED if ended is None else JobState.CANCELLED,
                crew_id=self.rand.choice(crews),
                day=day,
                position=int(self.rng.integers(1, 12)),
                outcome="Dörren olämplig (säkerhetsdörr med mekaniskt lås)",
                attempts=1,
            )
            return
        attempts = 1 if self.rng.random() < 0.08 else 0
        states = [
            (LockState.PLANNED, day - timedelta(days=10)),
            (LockState.INSTALLED, day),
            (LockState.ACTIVE, day),
        ]
        if ended is not None:
            states.append(
                (LockState.REMOVED, ended + timedelta(days=int(self.rng.integers(5, 30))))
            )
        removed_pending = ended is not None and states[-1][1] > self.today
        if removed_pending:
            states = states[:3]
        lock = self.new_lock(door_id, DoorKind.APARTMENT, Cylinder.ROUND, states)
        self.job(
            JobKind.INSTALL_APARTMENT,
            door_id,
            wave_id,
            JobState.DONE,
            lock_id=lock["id"],
            crew_id=self.rand.choice(crews),
            day=day,
            position=int(self.rng.integers(1, 12)),
            attempts=attempts,
            outcome=None if not attempts else "Första besöket: kunden inte hemma",
        )
        if ended is not None:
            if removed_pending:
                self.job(JobKind.REMOVE, door_id, None, JobState.UNPLANNED, lock_id=lock["id"])
            else:
                self.job(
                    JobKind.REMOVE,
                    door_id,
                    None,
                    JobState.DONE,
                    lock_id=lock["id"],
                    crew_id=self.rand.choice(crews),
                    day=states[-1][1],
                    position=1,
                )

    def apartment_in_progress(
        self,
        c: dict[str, Any],
        wave_id: int,
        start: date,
        crews: list[int],
        plan_slot: Callable[..., Any],
        entrance_fitted: date | None,
    ) -> None:
        door_id = c["apartment_door_id"]
        if c["active_to"] is not None:
            return
        roll = self.rng.random()
        if entrance_fitted is not None and roll < 0.55:
            day = (
                self.day_in(entrance_fitted, self.today - timedelta(days=1))
                if entrance_fitted < self.today
                else self.today
            )
            lock = self.new_lock(
                door_id,
                DoorKind.APARTMENT,
                Cylinder.ROUND,
                [
                    (LockState.PLANNED, day - timedelta(days=7)),
                    (LockState.INSTALLED, day),
                    (LockState.ACTIVE, day),
                ],
            )
            self.job(
                JobKind.INSTALL_APARTMENT,
                door_id,
                wave_id,
                JobState.DONE,
                lock_id=lock["id"],
                crew_id=self.rand.choice(crews),
                day=day,
                position=int(self.rng.integers(1, 12)),
            )
            return
        lock = self.new_lock(
            door_id,
            DoorKind.APARTMENT,
            Cylinder.ROUND,
            [(LockState.PLANNED, self.today - timedelta(days=int(self.rng.integers(1, 30))))],
        )
        slot = plan_slot(crews, limit=11, every_min=40) if roll < 0.85 else None
        if slot:
            crew, day, position, arrival = slot
            window_start = arrival.astimezone(STOCKHOLM).replace(minute=0, second=0, microsecond=0)
            self.job(
                JobKind.INSTALL_APARTMENT,
                door_id,
                wave_id,
                JobState.PLANNED,
                lock_id=lock["id"],
                crew_id=crew,
                day=day,
                position=position,
                arrival=arrival,
                appointment=(
                    window_start.astimezone(UTC),
                    (window_start + timedelta(hours=2)).astimezone(UTC),
                ),
            )
        elif roll < 0.93:
            self.job(
                JobKind.INSTALL_APARTMENT, door_id, wave_id, JobState.UNPLANNED, lock_id=lock["id"]
            )
        else:
            self.job(
                JobKind.INSTALL_APARTMENT,
                door_id,
                wave_id,
                JobState.FAILED,
                lock_id=lock["id"],
                crew_id=self.rand.choice(crews),
                day=self.today - timedelta(days=int(self.rng.integers(1, 10))),
                position=3,
                outcome="Kunden inte hemma vid bokad tid",
                attempts=1,
            )

    # -- operation: staff, keys, shifts, access log, faults, key returns --

    def staff_and_keys(self) -> dict[int, list[tuple[int, str, KeyState]]]:
        """Staff per provider with keys and shifts; returns provider → [(staff, key, state)]."""
        customers = self.rows.by_table[Customer.__tablename__]
        served: dict[int, int] = {}
        for c in customers:
            served[c["provider_id"]] = served.get(c["provider_id"], 0) + 1
        result: dict[int, list[tuple[int, str, KeyState]]] = {}
        shift_types = ((time(7, 0), 9), (time(7, 0), 9), (time(14, 0), 8), (time(22, 0), 9))
        days = [self.today + timedelta(days=d) for d in range(-14, 8)]
        for provider_id in sorted(served):
            for n in range(max(4, served[provider_id] // 9)):
                code = f"P{provider_id:02d}-{n + 1:04d}"
                staff_id = self.rows.add(
                    HomeCareStaff,
                    staff_code=code,
                    provider_id=provider_id,
                    display_name=self.person(),
                    active=True,
                )
                roll = self.rng.random()
                state = (
                    KeyState.ACTIVE
                    if roll < 0.95
                    else KeyState.DEACTIVATED
                    if roll < 0.99
                    else KeyState.REVOKED
                )
                deactivated = (
                    None
                    if state is KeyState.ACTIVE
                    else self.now - timedelta(days=int(self.rng.integers(1, 15)))
                )
                activated = _local(
                    self.today - timedelta(days=int(self.rng.integers(20, 600))), time(8)
                )
                key_code = f"K{provider_id:02d}{n + 1:05d}"
                key_id = self.rows.add(
                    DigitalKey,
                    key_code=key_code,
                    staff_id=staff_id,
                    state=state,
                    activated_at=activated,
                    deactivated_at=deactivated,
                )
                steps = [(KeyState.ACTIVE.value, activated)]
                if deactivated is not None:
                    steps.append((state.value, deactivated))
                self.history("digital_key", key_id, steps)
                result.setdefault(provider_id, []).append((staff_id, key_code, state))
                start_at, hours = shift_types[n % len(shift_types)]
                for day in days:
                    if self.rng.random() < 0.68:
                        begins = _local(day, start_at)
                        self.rows.add(
                            Shift,
                            staff_id=staff_id,
                            starts_at=begins,
                            ends_at=begins + timedelta(hours=hours),
                        )
        return result

    def access_events(self, staff: dict[int, list[tuple[int, str, KeyState]]]) -> None:
        """A week of openings at keyless-ready customers, with a few anomalies sprinkled in."""
        shifts_of: dict[int, list[tuple[datetime, datetime]]] = {}
        for s in self.rows.by_table[Shift.__tablename__]:
            shifts_of.setdefault(s["staff_id"], []).append((s["starts_at"], s["ends_at"]))
        lock_by_door = self.active_lock_of_door
        events: list[tuple[datetime, str, str, AccessResult]] = []
        window_start = self.now - timedelta(days=7)
        for entrance_id, people in self.customers_of_entrance.items():
            entrance_lock = lock_by_door.get(self.entrance_door[entrance_id])
            if entrance_lock is None or entrance_lock["state"] is not LockState.ACTIVE:
                continue
            for c in people:
                apartment_lock = lock_by_door.get(c["apartment_door_id"])
                if (
                    c["active_to"] is not None
                    or apartment_lock is None
                    or apartment_lock["state"] is not LockState.ACTIVE
                ):
                    continue
                team = [t for t in staff[c["provider_id"]] if t[2] is KeyState.ACTIVE]
                for _ in range(int(self.rng.poisson(6))):
                    staff_id, key_code, _state = self.rand.choice(team)
                    windows = [
                        w for w in shifts_of.get(staff_id, []) if window_start <= w[0] < self.now
                    ]
                    if not windows:
                        continue
                    begins, ends = self.rand.choice(windows)
                    at = begins + timedelta(
                        seconds=int(
                            self.rng.integers(600, int((ends - begins).total_seconds()) - 600)
                        )
                    )
                    if at >= self.now:
                        continue
                    events.append((at, key_code, entrance_lock["serial"], AccessResult.GRANTED))
                    events.append(
                        (
                            at + timedelta(seconds=int(self.rng.integers(40, 150))),
                            key_code,
                            apartment_lock["serial"],
                            AccessResult.GRANTED,
                        )
                    )
        # anomalies for the log's checks to find
        serials = sorted({e[2] for e in events})
        all_staff = [t for team in staff.values() for t in team]
        for _ in range(max(3, len(events) // 800)):
            at = window_start + timedelta(seconds=int(self.rng.integers(0, 7 * 86400)))
            kind = self.rng.integers(0, 4)
            if kind == 0:  # unknown key
                events.append(
                    (
                        at,
                        f"X{self.rng.integers(0, 99999):05d}",
                        self.rand.choice(serials),
                        AccessResult.DENIED,
                    )
                )
            elif kind == 1:  # deactivated key tried
                off = [t for t in all_staff if t[2] is not KeyState.ACTIVE] or all_staff
                events.append(
                    (at, self.rand.choice(off)[1], self.rand.choice(serials), AccessResult.DENIED)
                )
            else:  # opening outside any shift (night-time) or by another provider's staff
                t = self.rand.choice(all_staff)
                night = datetime.combine(
                    at.astimezone(STOCKHOLM).date(), time(3, 10), tzinfo=STOCKHOLM
                ).astimezone(UTC)
                events.append(
                    (
                        night if kind == 2 else at,
                        t[1],
                        self.rand.choice(serials),
                        AccessResult.GRANTED,
                    )
                )
        events.sort()
        prev = GENESIS_HASH
        imported = self.now
        for at, key_code, serial, result in events:
            if at > self.now:
                continue
            source = "demo-export.csv"
            digest = event_hash(
                prev,
                occurred_at=at,
                key_code=key_code,
                lock_serial=serial,
                result=result.value,
                source=source,
            )
            self.rows.add(
                AccessEvent,
                occurred_at=at,
                key_code=key_code,
                lock_serial=serial,
                result=result,
                source=source,
                imported_at=imported,
                prev_hash=prev,
                hash=digest,
            )
            prev = digest

    def faults(self) -> None:
        locks = [
            lk for lk in self.rows.by_table[Lock.__tablename__] if lk["state"] is LockState.ACTIVE
        ]
        categories = (
            ("Låset går trögt", FaultSeverity.NORMAL),
            ("Nyckeln öppnar inte", FaultSeverity.HIGH),
            ("Cylindern sitter löst", FaultSeverity.NORMAL),
            ("Dörren går inte att låsa", FaultSeverity.CRITICAL),
            ("Skadegörelse på låshuset", FaultSeverity.HIGH),
            ("Fel i passageloggen", FaultSeverity.LOW),
        )
        deadline_h = {
            FaultSeverity.CRITICAL: 4,
            FaultSeverity.HIGH: 24,
            FaultSeverity.NORMAL: 72,
            FaultSeverity.LOW: 240,
        }
        repair_crews = self.crews[Skill.REPAIR.value]
        for lock in locks:
            if self.rng.random() > 0.025:
                continue
            category, severity = self.rand.choice(categories)
            reported = self.now - timedelta(hours=2 + float(self.rng.exponential(24 * 30)))
            roll = self.rng.random()
            state = (
                FaultState.CLOSED
                if roll < 0.72
                else FaultState.OPEN
                if roll < 0.82
                else FaultState.ASSIGNED
                if roll < 0.94
                else FaultState.IN_PROGRESS
            )
            if reported < self.now - timedelta(days=21):
                state = FaultState.CLOSED
            assigned = (
                self.org_ids[OrgKind.CITY]
                if self.rng.random() < 0.6
                else self.org_ids[OrgKind.LOCKSMITH]
            )
            deadline = reported + timedelta(hours=deadline_h[severity])
            hours_to_fix = 3 + float(self.rng.gamma(2.0, deadline_h[severity] / 2.5))
            closed = min(self.now, reported + timedelta(hours=hours_to_fix))
            fault_id = self.rows.add(
                FaultReport,
                lock_id=lock["id"],
                category=category,
                description=f"{category}. Anmält via {self.rand.choice(REPORT_CHANNELS)}.",
                reported_by=self.person(),
                reporter_kind=self.rand.choice(["hemtjänst", "hemtjänst", "fastighetsägare"]),
                reported_at=reported,
                severity=severity,
                state=state,
                assigned_org_id=None if state is FaultState.OPEN else assigned,
                deadline=deadline,
                closed_at=closed if state is FaultState.CLOSED else None,
                resolution="Justerat och smort låshuset" if state is FaultState.CLOSED else None,
            )
            steps = [(FaultState.OPEN.value, reported)]
            if state is not FaultState.OPEN:
                steps.append((FaultState.ASSIGNED.value, reported + timedelta(hours=1)))
            if state in (FaultState.IN_PROGRESS,):
                steps.append((state.value, reported + timedelta(hours=2)))
            if state is FaultState.CLOSED:
                steps.append((state.value, closed))
            self.history("fault_report", fault_id, steps)
            if state in (FaultState.ASSIGNED, FaultState.IN_PROGRESS):
                self.job(
                    JobKind.REPAIR,
                    lock["door_id"],
                    None,
                    JobState.UNPLANNED,
                    lock_id=lock["id"],
                    fault_id=fault_id,
                    priority=3 if severity in (FaultSeverity.HIGH, FaultSeverity.CRITICAL) else 1,
                    deadline=deadline,
                )
            elif state is FaultState.CLOSED:
                day = closed.astimezone(STOCKHOLM).date()
                self.job(
                    JobKind.REPAIR,
                    lock["door_id"],
                    None,
                    JobState.DONE,
                    lock_id=lock["id"],
                    fault_id=fault_id,
                    crew_id=self.rand.choice(repair_crews),
                    day=day,
                    position=1,
                )

    def key_returns(self) -> None:
        """Physical keys returned at fully-live buildings of the finished waves."""
        lock_by_door = self.active_lock_of_door
        for entrance_id, people in self.customers_of_entrance.items():
            _, wave_state, _, end = self.wave_of_district[self.entrance_district[entrance_id]]
            if wave_state is not WaveState.DONE:
                continue
            current = [c for c in people if c["active_to"] is None]
            entrance_lock = lock_by_door.get(self.entrance_door[entrance_id])
            if (
                not current
                or entrance_lock is None
                or entrance_lock["state"] is not LockState.ACTIVE
            ):
                continue
            ready = all(
                (lk := lock_by_door.get(c["apartment_door_id"])) is not None
                and lk["state"] is LockState.ACTIVE
                for c in current
            )
            if ready and self.rng.random() < 0.85:
                self.rows.add(
                    KeyReturn,
                    entrance_id=entrance_id,
                    returned_on=self.day_in(end - timedelta(days=20), end + timedelta(days=40)),
                    keys_count=int(self.rng.integers(1, 6)),
                    tags_count=int(self.rng.integers(0, 4)),
                    codes_removed=bool(self.rng.random() < 0.5),
                    received_by=self.person(),
                    recorded_by=DEMO_ACTOR,
                    notes=None,
                )


# insert order respects foreign keys
_TABLE_ORDER: tuple[type[Base], ...] = (
    DistrictSet,
    District,
    Wave,
    WaveDistrict,
    Organisation,
    Crew,
    PropertyOwner,
    Property,
    Entrance,
    Door,
    Customer,
    Consent,
    Lock,
    FaultReport,
    Job,
    HomeCareStaff,
    DigitalKey,
    Shift,
    AccessEvent,
    KeyReturn,
    AuditEvent,
)


def is_empty(session: Session) -> bool:
    """Whether the database holds no districts and no customers yet."""
    return not session.scalar(select(func.count()).select_from(District)) and not session.scalar(
        select(func.count()).select_from(Customer)
    )


def build_demo(
    session: Session,
    *,
    seed: int = 42,
    today: date | None = None,
    scale: float = 1.0,
    users: bool = True,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Fill an empty, migrated database with the demo city (in the caller's transaction).

    With ``users`` the demo's log-ins are created too (``DEMO_USERS``: one per role, with the
    passwords the login page shows for demo data).
    """
    import time as clock

    started = clock.perf_counter()
    today = today or date.today()
    say = progress or (lambda message: log.info(message))
    builder = _Builder(seed=seed, today=today, scale=scale)
    say("Stadsdelsområden och vågor …")
    builder.districts()
    builder.waves()
    builder.organisations()
    builder.crew_rows()
    say("Fastigheter, entréer och kunder …")
    builder.city()
    say("Medgivanden …")
    builder.consents()
    say("Lås och arbetsordrar …")
    builder.installations()
    builder.faults()
    builder.key_returns()
    say("Personal, nycklar och arbetspass …")
    staff = builder.staff_and_keys()
    say("Passagelogg …")
    builder.access_events(staff)
    say("Skriver till databasen …")
    _write(session, builder.rows)
    if users:
        _add_demo_users(session)
    rows = builder.rows
    return DemoSummary(
        seed=seed,
        today=today,
        districts=rows.count(District),
        owners=rows.count(PropertyOwner),
        properties=rows.count(Property),
        entrances=rows.count(Entrance),
        customers=rows.count(Customer),
        locks=rows.count(Lock),
        jobs=rows.count(Job),
        staff=rows.count(HomeCareStaff),
        access_events=rows.count(AccessEvent),
        faults=rows.count(FaultReport),
        elapsed_s=clock.perf_counter() - started,
    )


# (username, password, role, organisation, districts): the demo's log-ins, one per role
DEMO_USERS: tuple[tuple[str, str, Role, str | None, tuple[str, ...]], ...] = (
    ("ansvarig", "ansvarig-demo", Role.ROLLOUT_MANAGER, None, ()),
    ("lassmed", "lassmed-demo", Role.LOCKSMITH, LOCKSMITH_NAME, ()),
    ("trygghetsjour", "trygghetsjour-demo", Role.TRYGGHETSJOUR, TRYGGHETSJOUR_NAME, ()),
    ("sodermalm", "sodermalm-demo", Role.DISTRICT_VIEWER, None, ("Södermalm",)),
)


def _add_demo_users(session: Session) -> None:
    from planner.auth import add_user

    for username, password, role, organisation, districts in DEMO_USERS:
        add_user(
            session,
            username=username,
            password=password,
            role=role,
            display_name=f"Demo: {username}",
            organisation=organisation,
            districts=districts,
            actor=DEMO_ACTOR,
        )


def _write(session: Session, rows: _Rows) -> None:
    for model in _TABLE_ORDER:
        values = rows.by_table.get(model.__tablename__, [])
        if not values:
            continue
        table: Table = model.__table__  # type: ignore[assignment]
        columns = set(table.c.keys())
        # every row of a table gets the same keys, so executemany can batch them
        keys = sorted({k for row in values for k in row} & columns)
        batch = [{k: row.get(k) for k in keys} for row in values]
        for start in range(0, len(batch), 20_000):
            session.execute(insert(table), batch[start : start + 20_000])
    if session.get_bind().dialect.name == "postgresql":
        for model in _TABLE_ORDER:
            if "id" in model.__table__.c and model is not WaveDistrict:
                name = model.__tablename__
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                    )
                )
