"""Map layers as data: GeoJSON feature collections built from the database, with their legends.

Each layer is built in one query (or a few) and returned as plain GeoJSON whose features carry a
``style`` property, so the map draws thousands of points without one Python object per point.
Customers are never shown one by one: they are counted per grid cell of ``CELL_M`` metres, and a
cell with fewer than ``MIN_COUNT`` customers shows no number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from planner import _demo_geography
from planner.geo.crs import METRIC, WGS84, transformer
from planner.locks.history import end_of_day, lock_states_on, state_changes
from planner.locks.readiness import current_customers_clause, readiness
from planner.locks.states import ConsentState, FaultState, KeyState, LockState, WaveState, label
from planner.models import (
    Consent,
    Customer,
    DigitalKey,
    District,
    DistrictSet,
    Door,
    DoorKind,
    Entrance,
    FaultReport,
    FaultSeverity,
    GeocodeReview,
    HomeCareStaff,
    Lock,
    Property,
    PropertyOwner,
    ReviewState,
    Shift,
    Wave,
    WaveDistrict,
    street_address,
)

CELL_M = 500
MIN_COUNT = 3

CONSENT_COLOURS: dict[ConsentState, str] = {
    ConsentState.NOT_REQUESTED: "#9e9e9e",
    ConsentState.REQUESTED: "#f9a825",
    ConsentState.REMINDED: "#ef6c00",
    ConsentState.RECEIVED: "#2e7d32",
    ConsentState.REFUSED: "#c62828",
    ConsentState.WITHDRAWN: "#6a1b9a",
}
LOCK_COLOURS: dict[LockState, str] = {
    LockState.PLANNED: "#90caf9",
    LockState.INSTALLED: "#1e88e5",
    LockState.ACTIVE: "#0d47a1",
    LockState.DEACTIVATED: "#795548",
    LockState.REMOVED: "#bdbdbd",
}
SEVERITY_COLOURS: dict[FaultSeverity, str] = {
    FaultSeverity.LOW: "#fdd835",
    FaultSeverity.NORMAL: "#fb8c00",
    FaultSeverity.HIGH: "#e53935",
    FaultSeverity.CRITICAL: "#880e4f",
}
SEVERITY_LABELS: dict[FaultSeverity, str] = {
    FaultSeverity.LOW: "låg",
    FaultSeverity.NORMAL: "normal",
    FaultSeverity.HIGH: "hög",
    FaultSeverity.CRITICAL: "akut",
}
WAVE_COLOURS: dict[WaveState, str] = {
    WaveState.DONE: "#2e7d32",
    WaveState.IN_PROGRESS: "#1565c0",
    WaveState.NOT_STARTED: "#757575",
}
CUSTOMER_SHADES = ((50, "#08306b"), (20, "#2171b5"), (8, "#6baed6"), (0, "#c6dbef"))
APARTMENT_COLOURS = {"all": "#0d47a1", "some": "#42a5f5", "none": "#bbdefb"}
KEY_SHADES = ((10, "#1b5e20"), (4, "#43a047"), (1, "#a5d6a7"))
REVIEW_COLOUR = "#ff00aa"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class LegendItem:
    colour: str
    text: str
    count: int | None = None


@dataclass(frozen=True)
class Layer:
    """One switchable map layer: its GeoJSON, its legend, and how to show a feature."""

    key: str
    name: str  # Swedish, shown in the layer switcher
    geojson: dict[str, Any]
    legend: tuple[LegendItem, ...]
    kind: str  # "polygon" or "point"
    tooltip_fields: tuple[tuple[str, str], ...]  # (property, Swedish alias)
    show: bool = True
    radius: int = 5
    label: str | None = None  # a property written on each point (a stop's number, say)

    @property
    def feature_count(self) -> int:
        return len(self.geojson["features"])


@dataclass(frozen=True)
class MapData:
    layers: tuple[Layer, ...]
    background: tuple[Layer, ...] = field(default_factory=tuple)
    bounds: tuple[tuple[float, float], tuple[float, float]] = ((59.22, 17.76), (59.44, 18.20))
    demo: bool = False

    def layer(self, key: str) -> Layer:
        return next(layer for layer in self.layers if layer.key == key)


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _point_feature(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    """A point feature; its fill colour travels as ``c`` (the map applies it in the browser) and
    ``ref`` ("property:12", "entrance:34", "fault:5") says what a click on it is about."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
        "properties": props,
    }


@dataclass(frozen=True)
class _Spot:
    """Where an entrance is, and what to call it."""

    property_id: int
    district_id: int | None
    lon: float
    lat: float
    address: str


def _entrance_points(session: Session) -> dict[int, _Spot]:
    rows = session.execute(
        select(
            Entrance.id,
            Entrance.property_id,
            Entrance.street,
            Entrance.number,
            Entrance.letter,
            Entrance.district_id,
            func.ST_X(Entrance.geom),
            func.ST_Y(Entrance.geom),
        )
    )
    return {
        entrance_id: _Spot(
            property_id,
            district_id,
            float(lon),
            float(lat),
            street_address(street, number, letter),
        )
        for entrance_id, property_id, street, number, letter, district_id, lon, lat in rows
    }


@dataclass(frozen=True)
class _States:
    """Lifecycle states as they are now, or as they were at the end of a past day."""

    consents: dict[int, ConsentState]  # property id → state
    locks: dict[int, LockState]  # lock id → state (locks that did not exist yet are absent)
    waves: dict[int, WaveState]  # wave id → state
    faults_open_until: datetime | None  # None: faults open now; else open at this moment
    historical: bool


def _last_states(session: Session, entity: str, until: datetime) -> dict[int, str]:
    changes = state_changes(session, entity, until=until)
    return dict(zip(changes["entity_id"], changes["state"], strict=True))


def _states(session: Session, *, on: date, historical: bool) -> _States:
    if not historical:
        consents = {p: st for p, st in session.execute(select(Consent.property_id, Consent.state))}
        locks = {i: st for i, st in session.execute(select(Lock.id, Lock.state))}
        waves = {i: st for i, st in session.execute(select(Wave.id, Wave.state))}
        return _States(consents, locks, waves, None, False)
    until = end_of_day(on)
    by_consent = _last_states(session, "consent", until)
    consents = {
        property_id: ConsentState(by_consent[consent_id])
        for consent_id, property_id in session.execute(select(Consent.id, Consent.property_id))
        if consent_id in by_consent
    }
    by_wave = _last_states(session, "wave", until)
    waves = {int(i): WaveState(v) for i, v in by_wave.items()}
    return _States(consents, lock_states_on(session, on), waves, until, True)


def current_district_set(session: Session) -> DistrictSet | None:
    return session.scalars(select(DistrictSet).where(DistrictSet.is_current.is_(True))).first()


def district_layer(
    session: Session,
    *,
    on: date,
    district_set: DistrictSet,
    scope: set[int] | None,
    states: _States,
) -> Layer:
    waves: dict[int, tuple[str, WaveState]] = {}
    for district_id, name, wave_id in session.execute(
        select(WaveDistrict.district_id, Wave.name, Wave.id).join(
            Wave, Wave.id == WaveDistrict.wave_id
        )
    ):
        waves[district_id] = (name, states.waves.get(wave_id, WaveState.NOT_STARTED))
    counts = dict(
        session.execute(
            select(Entrance.district_id, func.count(Customer.id))
            .join(Customer, Customer.entrance_id == Entrance.id)
            .where(current_customers_clause(on))  # type: ignore[arg-type]
            .group_by(Entrance.district_id)
        ).all()
    )
    features = []
    legend_counts: dict[WaveState, int] = {}
    for district in session.scalars(
        select(District).where(District.set_id == district_set.id).order_by(District.name)
    ):
        if scope is not None and district.id not in scope:
            continue
        geom = to_shape(district.geom).simplify(0.0002, preserve_topology=True)
        wave_name, state = waves.get(district.id, ("ingen våg", WaveState.NOT_STARTED))
        colour = WAVE_COLOURS[state]
        legend_counts[state] = legend_counts.get(state, 0) + 1
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geom),
                "properties": {
                    "namn": district.name,
                    "ref": f"district:{district.id}",
                    "vag": wave_name,
                    "status": label(state),
                    "kunder": int(counts.get(district.id, 0)),
                    "style": {
                        "color": colour,
                        "weight": 2,
                        "fillColor": colour,
                        "fillOpacity": 0.06,
                        "dashArray": "6 4" if state is WaveState.NOT_STARTED else None,
                    },
                },
            }
        )
    legend = tuple(
        LegendItem(WAVE_COLOURS[s], f"Våg {label(s)}", legend_counts.get(s, 0)) for s in WaveState
    )
    return Layer(
        key="districts",
        name="Stadsdelsområden och vågor",
        geojson=_collection(features),
        legend=legend,
        kind="polygon",
        tooltip_fields=(
            ("namn", "Stadsdelsområde"),
            ("vag", "Våg"),
            ("status", "Status"),
            ("kunder", "Hemtjänstkunder"),
        ),
    )


def property_layer(
    session: Session, *, on: date, entrances: dict[int, _Spot], states: _States
) -> Layer:
    """One point per property with current customers, coloured by the owner's consent."""
    consent = states.consents
    facts: dict[int, tuple[str, str]] = {
        property_id: (designation, owner)
        for property_id, designation, owner in session.execute(
            select(Property.id, Property.designation, PropertyOwner.name).join(
                PropertyOwner, PropertyOwner.id == Property.owner_id
            )
        )
    }
    customers: dict[int, int] = {
        entrance_id: count
        for entrance_id, count in session.execute(
            select(Customer.entrance_id, func.count(Customer.id))
            .where(current_customers_clause(on))  # type: ignore[arg-type]
            .group_by(Customer.entrance_id)
        )
    }
    spots: dict[int, list[_Spot]] = {}
    counts: dict[int, int] = {}
    for entrance_id, spot in entrances.items():
        spots.setdefault(spot.property_id, []).append(spot)
        counts[spot.property_id] = counts.get(spot.property_id, 0) + customers.get(entrance_id, 0)
    features = []
    tally: dict[ConsentState, int] = {}
    for property_id, members in spots.items():
        if counts[property_id] == 0:
            continue
        state = consent.get(property_id, ConsentState.NOT_REQUESTED)
        tally[state] = tally.get(state, 0) + 1
        designation, owner = facts.get(property_id, ("", ""))
        features.append(
            _point_feature(
                sum(m.lon for m in members) / len(members),
                sum(m.lat for m in members) / len(members),
                {
                    "fastighet": designation,
                    "adress": members[0].address,
                    "agare": owner,
                    "medgivande": label(state),
                    "kunder": counts[property_id],
                    "c": CONSENT_COLOURS[state],
                    "ref": f"property:{property_id}",
                },
            )
        )
    legend = tuple(
        LegendItem(CONSENT_COLOURS[s], label(s).capitalize(), tally.get(s, 0)) for s in ConsentState
    )
    return Layer(
        key="properties",
        name="Fastigheter efter medgivande",
        geojson=_collection(features),
        legend=legend,
        kind="point",
        tooltip_fields=(
            ("fastighet", "Fastighet"),
            ("adress", "Adress"),
            ("agare", "Ägare"),
            ("medgivande", "Medgivande"),
            ("kunder", "Kunder"),
        ),
    )


def entrance_lock_layer(session: Session, *, entrances: dict[int, _Spot], states: _States) -> Layer:
    """The entrance-door lock of each entrance, coloured by its state (latest lock per door)."""
    rows = session.execute(
        select(Door.entrance_id, Lock.id, Lock.serial)
        .join(Lock, Lock.door_id == Door.id)
        .where(Door.kind == DoorKind.ENTRANCE)
        .order_by(Door.entrance_id, Lock.id)
    ).all()
    latest: dict[int, tuple[LockState, str | None]] = {}
    for entrance_id, lock_id, serial in rows:
        state = states.locks.get(lock_id)
        if state is not None:
            latest[entrance_id] = (state, serial)
    features = []
    tally: dict[LockState, int] = {}
    for entrance_id, (state, serial) in latest.items():
        e = entrances.get(entrance_id)
        if e is None:
            continue
        tally[state] = tally.get(state, 0) + 1
        features.append(
            _point_feature(
                e.lon,
                e.lat,
                {
                    "adress": e.address,
                    "las": label(state),
                    "serienummer": serial or "–",
                    "c": LOCK_COLOURS[state],
                    "ref": f"entrance:{entrance_id}",
                },
            )
        )
    legend = tuple(
        LegendItem(LOCK_COLOURS[s], label(s).capitalize(), tally.get(s, 0))
        for s in LockState
        if s is not LockState.REMOVED
    )
    return Layer(
        key="entrance_locks",
        name="Entrélås efter status",
        geojson=_collection(features),
        legend=legend,
        kind="point",
        tooltip_fields=(("adress", "Adress"), ("las", "Lås"), ("serienummer", "Serienummer")),
        show=False,
        radius=4,
    )


def customer_grid_layer(
    session: Session, *, on: date, entrances: dict[int, _Spot], historical: bool = False
) -> Layer:
    """Current customers counted per grid cell, with how many are keyless-ready."""
    ready = readiness(session, on=on, historical=historical)
    if not ready.customer_ids:
        return Layer("customers", "Hemtjänstkunder per ruta", _collection([]), (), "polygon", ())
    pairs = [
        (entrances[e], c in ready.ready_customer_ids)
        for c, e in ready.entrance_of_customer.items()
        if e in entrances
    ]
    spots = [spot for spot, _ in pairs]
    ready_flags = [ok for _, ok in pairs]
    x, y = transformer(WGS84, METRIC).transform([s.lon for s in spots], [s.lat for s in spots])
    cells_x = np.floor(np.asarray(x) / CELL_M).astype(np.int64).tolist()
    cells_y = np.floor(np.asarray(y) / CELL_M).astype(np.int64).tolist()
    counted: dict[tuple[int, int], list[int]] = {}
    for i, j, ok in zip(cells_x, cells_y, ready_flags, strict=True):
        cell = counted.setdefault((i, j), [0, 0])
        cell[0] += 1
        cell[1] += int(ok)
    back = transformer(METRIC, WGS84)
    features = []
    for (cx, cy), (total, ready_count) in sorted(counted.items()):
        x0, y0 = cx * CELL_M, cy * CELL_M
        xs, ys = back.transform(
            [x0, x0 + CELL_M, x0 + CELL_M, x0], [y0, y0, y0 + CELL_M, y0 + CELL_M]
        )
        ring = [[round(a, 6), round(b, 6)] for a, b in zip(xs, ys, strict=True)]
        ring.append(ring[0])
        shown = total >= MIN_COUNT
        colour = next(c for limit, c in CUSTOMER_SHADES if total >= limit)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "kunder": str(total) if shown else f"färre än {MIN_COUNT}",
                    "nyckelfria": str(ready_count) if shown else "–",
                    "style": {
                        "color": colour,
                        "weight": 0.5,
                        "fillColor": colour,
                        "fillOpacity": 0.55,
                    },
                },
            }
        )
    legend = (
        LegendItem(CUSTOMER_SHADES[0][1], "50 eller fler kunder"),
        LegendItem(CUSTOMER_SHADES[1][1], "20–49 kunder"),
        LegendItem(CUSTOMER_SHADES[2][1], "8–19 kunder"),
        LegendItem(CUSTOMER_SHADES[3][1], "1–7 kunder"),
    )
    return Layer(
        key="customers",
        name=f"Hemtjänstkunder per ruta ({CELL_M} m)",
        geojson=_collection(features),
        legend=legend,
        kind="polygon",
        tooltip_fields=(("kunder", "Kunder"), ("nyckelfria", "Nyckelfria")),
    )


def fault_layer(session: Session, *, entrances: dict[int, _Spot], states: _States) -> Layer:
    """Faults that are not closed (or were open at the end of a past day), by severity."""
    if states.faults_open_until is None:
        still_open = FaultReport.state != FaultState.CLOSED
    else:
        still_open = and_(
            FaultReport.reported_at < states.faults_open_until,
            or_(
                FaultReport.closed_at.is_(None),
                FaultReport.closed_at >= states.faults_open_until,
            ),
        )
    rows = session.execute(
        select(
            FaultReport.id,
            FaultReport.category,
            FaultReport.severity,
            FaultReport.state,
            FaultReport.reported_at,
            Door.entrance_id,
            Door.kind,
        )
        .join(Lock, Lock.id == FaultReport.lock_id)
        .join(Door, Door.id == Lock.door_id)
        .where(still_open)
    ).all()
    features = []
    tally: dict[FaultSeverity, int] = {}
    for fault_id, category, severity, state, reported_at, entrance_id, door_kind in rows:
        e = entrances.get(entrance_id)
        if e is None:
            continue
        tally[severity] = tally.get(severity, 0) + 1
        features.append(
            _point_feature(
                e.lon,
                e.lat,
                {
                    "fel": f"Felanmälan {fault_id}: {category}",
                    "allvar": SEVERITY_LABELS[severity],
                    "status": "öppen då" if states.historical else label(state),
                    "dorr": "lägenhetsdörr" if door_kind is DoorKind.APARTMENT else "entrédörr",
                    "adress": e.address,
                    "anmald": reported_at.date().isoformat(),
                    "c": SEVERITY_COLOURS[severity],
                    "ref": f"fault:{fault_id}",
                },
            )
        )
    legend = tuple(
        LegendItem(SEVERITY_COLOURS[s], f"Allvar: {SEVERITY_LABELS[s]}", tally.get(s, 0))
        for s in reversed(FaultSeverity)
    )
    return Layer(
        key="faults",
        name="Öppna felanmälningar",
        geojson=_collection(features),
        legend=legend,
        kind="point",
        tooltip_fields=(
            ("fel", "Fel"),
            ("allvar", "Allvar"),
            ("status", "Status"),
            ("dorr", "Dörr"),
            ("adress", "Adress"),
            ("anmald", "Anmäld"),
        ),
        radius=7,
    )


def _water_layer() -> Layer:
    features = [
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(poly),
            "properties": {
                "namn": name,
                "style": {
                    "color": "#a5c8e4",
                    "weight": 0,
                    "fillColor": "#a5c8e4",
                    "fillOpacity": 0.9,
                },
            },
        }
        for name, poly in _demo_geography.water()
    ]
    return Layer(
        "water", "Vatten (ungefärligt)", _collection(features), (), "polygon", (("namn", "Vatten"),)
    )


def apartment_lock_layer(
    session: Session, *, entrances: dict[int, _Spot], states: _States
) -> Layer:
    """Apartment-door locks counted per entrance (never one point per home)."""
    counts: dict[int, dict[LockState, int]] = {}
    for entrance_id, lock_id in session.execute(
        select(Door.entrance_id, Lock.id)
        .join(Lock, Lock.door_id == Door.id)
        .where(Door.kind == DoorKind.APARTMENT)
    ):
        state = states.locks.get(lock_id)
        if entrance_id in entrances and state is not None and state is not LockState.REMOVED:
            by_state = counts.setdefault(entrance_id, {})
            by_state[state] = by_state.get(state, 0) + 1
    features = []
    tally = {"all": 0, "some": 0, "none": 0}
    for entrance_id, by_state in counts.items():
        e = entrances[entrance_id]
        active = by_state.get(LockState.ACTIVE, 0)
        total = sum(by_state.values())
        group = "all" if active == total else "some" if active else "none"
        tally[group] += 1
        features.append(
            _point_feature(
                e.lon,
                e.lat,
                {
                    "adress": e.address,
                    "las": ", ".join(
                        f"{n} {label(state)}" for state, n in sorted(by_state.items()) if n
                    ),
                    "c": APARTMENT_COLOURS[group],
                    "ref": f"entrance:{entrance_id}",
                },
            )
        )
    legend = (
        LegendItem(APARTMENT_COLOURS["all"], "Alla aktiva", tally["all"]),
        LegendItem(APARTMENT_COLOURS["some"], "Några aktiva", tally["some"]),
        LegendItem(APARTMENT_COLOURS["none"], "Inga aktiva ännu", tally["none"]),
    )
    return Layer(
        key="apartment_locks",
        name="Lägenhetslås per entré",
        geojson=_collection(features),
        legend=legend,
        kind="point",
        tooltip_fields=(("adress", "Adress"), ("las", "Lägenhetslås")),
        show=False,
        radius=4,
    )


def active_keys_layer(
    session: Session, *, on: date, at: datetime, entrances: dict[int, _Spot], states: _States
) -> Layer:
    """Per entrance with an active entrance lock: how many digital keys could open it at ``at``
    (holder in shift, key active, holder's provider serves a customer there)."""
    on_shift = (
        select(HomeCareStaff.provider_id, func.count(func.distinct(DigitalKey.id)))
        .join(DigitalKey, DigitalKey.staff_id == HomeCareStaff.id)
        .join(Shift, Shift.staff_id == HomeCareStaff.id)
        .where(DigitalKey.state == KeyState.ACTIVE, Shift.starts_at <= at, Shift.ends_at > at)
        .group_by(HomeCareStaff.provider_id)
    )
    keys_by_provider: dict[int, int] = {p: int(n) for p, n in session.execute(on_shift)}
    locked = {
        entrance_id
        for entrance_id, lock_id in session.execute(
            select(Door.entrance_id, Lock.id)
            .join(Lock, Lock.door_id == Door.id)
            .where(Door.kind == DoorKind.ENTRANCE)
        )
        if states.locks.get(lock_id) is LockState.ACTIVE
    }
    providers: dict[int, set[int | None]] = {}
    for entrance_id, provider_id in session.execute(
        select(Customer.entrance_id, Customer.provider_id)
        .where(current_customers_clause(on), Customer.provider_id.is_not(None))  # type: ignore[arg-type]
        .distinct()
    ):
        providers.setdefault(entrance_id, set()).add(provider_id)
    features = []
    for entrance_id, serving in providers.items():
        e = entrances.get(entrance_id)
        keys = sum(keys_by_provider.get(p, 0) for p in serving if p is not None)
        if e is None or keys == 0 or entrance_id not in locked:
            continue
        colour = next(c for limit, c in KEY_SHADES if keys >= limit)
        features.append(
            _point_feature(
                e.lon,
                e.lat,
                {
                    "adress": e.address,
                    "nycklar": keys,
                    "c": colour,
                    "ref": f"entrance:{entrance_id}",
                },
            )
        )
    legend = tuple(
        LegendItem(colour, f"{limit} eller fler nycklar" if limit > 1 else "1 nyckel eller fler")
        for limit, colour in KEY_SHADES
    )
    local = at.astimezone(STOCKHOLM).strftime("%H:%M")
    return Layer(
        key="active_keys",
        name=f"Aktiva nycklar kl. {local}",
        geojson=_collection(features),
        legend=legend,
        kind="point",
        tooltip_fields=(("adress", "Adress"), ("nycklar", "Nycklar som kan öppna nu")),
        show=False,
        radius=4,
    )


def review_layer(session: Session) -> Layer:
    """Addresses waiting in the geocoding review queue, at their best candidate."""
    features = []
    for review_id, raw, candidates, confidence in session.execute(
        select(
            GeocodeReview.id,
            GeocodeReview.raw_address,
            GeocodeReview.candidates,
            GeocodeReview.confidence,
        ).where(GeocodeReview.state == ReviewState.OPEN)
    ):
        best = next((c for c in candidates or [] if c.get("lat") is not None), None)
        if best is None:
            continue
        features.append(
            _point_feature(
                float(best["lon"]),
                float(best["lat"]),
                {
                    "adress": raw,
                    "forslag": f"{best.get('label', '')} ({float(confidence):.0%})",
                    "c": REVIEW_COLOUR,
                    "ref": f"review:{review_id}",
                },
            )
        )
    return Layer(
        key="review",
        name="Adresser att granska",
        geojson=_collection(features),
        legend=(LegendItem(REVIEW_COLOUR, "Väntar på granskning", len(features)),),
        kind="point",
        tooltip_fields=(("adress", "Adress i filen"), ("forslag", "Bästa förslag")),
        radius=7,
    )


def build_map_data(
    session: Session,
    *,
    on: date,
    at: datetime | None = None,
    district_ids: set[int] | None = None,
    wave_id: int | None = None,
    review: bool = False,
    historical: bool = False,
) -> MapData:
    """All layers of the map for one day, from the database.

    ``district_ids`` limits every layer to those districts (a role's scope or a filter); ``wave_id``
    to the districts of one wave. ``at`` is the moment for "keys active now" (default: now).
    ``review`` adds the geocoding review queue (for those who may resolve it). ``historical``
    shows states as they were at the end of ``on`` (from the audit trail) instead of as they are.
    """
    district_set = current_district_set(session)
    scope = district_ids
    if wave_id is not None:
        in_wave = set(
            session.scalars(select(WaveDistrict.district_id).where(WaveDistrict.wave_id == wave_id))
        )
        scope = in_wave if scope is None else scope & in_wave
    entrances = _entrance_points(session)
    if scope is not None:
        entrances = {k: v for k, v in entrances.items() if v.district_id in scope}
    moment = at or datetime.now(UTC)
    states = _states(session, on=on, historical=historical)
    layers: list[Layer] = []
    if district_set is not None:
        layers.append(
            district_layer(session, on=on, district_set=district_set, scope=scope, states=states)
        )
    layers.append(customer_grid_layer(session, on=on, entrances=entrances, historical=historical))
    layers.append(property_layer(session, on=on, entrances=entrances, states=states))
    layers.append(entrance_lock_layer(session, entrances=entrances, states=states))
    layers.append(apartment_lock_layer(session, entrances=entrances, states=states))
    layers.append(active_keys_layer(session, on=on, at=moment, entrances=entrances, states=states))
    layers.append(fault_layer(session, entrances=entrances, states=states))
    if review and not historical:
        layers.append(review_layer(session))
    demo = district_set is not None and district_set.name.startswith("Stadsdelsområden 2023 (demo")
    background = (_water_layer(),) if demo else ()
    bounds = ((59.22, 17.76), (59.44, 18.20))
    if entrances:
        lats = [e.lat for e in entrances.values()]
        lons = [e.lon for e in entrances.values()]
        bounds = ((min(lats), min(lons)), (max(lats), max(lons)))
    return MapData(layers=tuple(layers), background=background, bounds=bounds, demo=demo)


@dataclass(frozen=True)
class FilterOptions:
    """What the map can be filtered by: waves and districts of the current set."""

    waves: tuple[tuple[int, str], ...]
    districts: tuple[tuple[int, str], ...]


def filter_options(session: Session) -> FilterOptions:
    waves = tuple(
        (wave_id, name)
        for wave_id, name in session.execute(select(Wave.id, Wave.name).order_by(Wave.number))
    )
    districts = tuple(
        (district_id, name)
        for district_id, name in session.execute(
            select(District.id, District.name)
            .join(DistrictSet, DistrictSet.id == District.set_id)
            .where(DistrictSet.is_current.is_(True))
            .order_by(District.name)
        )
    )
    return FilterOptions(waves=waves, districts=districts)


def to_json(layer: Layer) -> str:
    """The layer's GeoJSON as compact text (for downloads and size checks)."""
    return json.dumps(layer.geojson, ensure_ascii=False, separators=(",", ":"))
