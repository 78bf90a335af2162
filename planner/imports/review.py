"""The geocoding review queue: addresses a manager places by hand, and the choices remembered.

An entrance whose address the register cannot place with confidence waits here with the
matcher's candidates. :func:`resolve_review` takes a manager's pick (a candidate, or a point
placed by hand), remembers it under the normalised address (:class:`GeocodeChoice`, reused by
every later import), creates the entrance from the row the import kept, gives it its district,
and records who chose and when. Other open items for the same address are settled by the same
choice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import mapping
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from planner.errors import PlannerError
from planner.geo._results import fmt_score
from planner.geo.spatial import current_district_set_id, district_at
from planner.imports._db import ewkt_point, point_columns
from planner.imports.entrances import build_record, write_entrances
from planner.imports.geocoding import municipality, register_frame
from planner.imports.properties import designation_key, property_ids
from planner.locks.lifecycle import audit, now
from planner.models import (
    Cylinder,
    District,
    DoorKind,
    Entrance,
    GeocodeChoice,
    GeocodeReview,
    RegisterAddress,
    ReviewState,
)

_LAT_RANGE = (54.0, 70.0)
_LON_RANGE = (10.0, 25.0)


@dataclass(frozen=True)
class ReviewCandidate:
    number: int  # 1 = the matcher's best
    label: str
    lat: float
    lon: float
    score: float
    register_id: int | None


@dataclass(frozen=True)
class ReviewItem:
    """One open (or settled) address in the queue, as the app and the CLI show it."""

    id: int
    state: ReviewState
    raw_address: str
    designation: str
    source_file: str
    source_row: int
    confidence: float
    reasons: str
    candidates: tuple[ReviewCandidate, ...]
    created_at: datetime
    chosen_label: str | None = None
    chosen_by: str | None = None
    chosen_at: datetime | None = None
    entrance_id: int | None = None

    @property
    def title(self) -> str:
        return f"#{self.id} {self.raw_address} ({self.designation})"


@dataclass(frozen=True)
class Resolution:
    """What a choice did: the items it settled and the entrances it created or moved."""

    review_ids: tuple[int, ...]
    entrance_ids: tuple[int, ...]
    label: str
    district: str | None

    def lines(self) -> list[str]:
        where = f" i {self.district}" if self.district else " (utanför alla stadsdelsområden)"
        items = ", ".join(f"#{i}" for i in self.review_ids)
        return [
            f"Valt: {self.label}{where}. Ärende {items} avgjort; valet kommer ihåg adressen "
            "vid nästa import."
        ]


def _item(row: GeocodeReview) -> ReviewItem:
    candidates = tuple(
        ReviewCandidate(
            number=n,
            label=str(c.get("label", "")),
            lat=float(c["lat"]),
            lon=float(c["lon"]),
            score=float(c.get("score", 0.0)),
            register_id=c.get("register_id"),
        )
        for n, c in enumerate(row.candidates or [], start=1)
    )
    return ReviewItem(
        id=row.id,
        state=ReviewState(row.state),
        raw_address=row.raw_address,
        designation=str((row.payload or {}).get("designation", "")),
        source_file=row.source_file,
        source_row=row.source_row,
        confidence=float(row.confidence),
        reasons=row.reasons or "",
        candidates=candidates,
        created_at=row.created_at,
        chosen_label=row.chosen_label,
        chosen_by=row.chosen_by,
        chosen_at=row.chosen_at,
        entrance_id=row.entrance_id,
    )


def open_reviews(session: Session) -> list[ReviewItem]:
    """The open items, oldest first."""
    rows = session.scalars(
        select(GeocodeReview)
        .where(GeocodeReview.state == ReviewState.OPEN)
        .order_by(GeocodeReview.id)
    )
    return [_item(r) for r in rows]


def review_item(session: Session, review_id: int) -> ReviewItem:
    row = session.get(GeocodeReview, review_id)
    if row is None:
        msg = f"Granskningsärende {review_id} finns inte."
        raise PlannerError(msg)
    return _item(row)


def reviews_df(items: Sequence[ReviewItem]) -> pd.DataFrame:
    """The queue as a table with Swedish column names."""
    return pd.DataFrame(
        [
            {
                "Ärende": item.id,
                "Adress": item.raw_address,
                "Fastighet": item.designation,
                "Fil": item.source_file,
                "Rad": item.source_row,
                "Säkerhet": fmt_score(item.confidence),
                "Bästa förslag": item.candidates[0].label if item.candidates else "(inget)",
                "Orsak": item.reasons,
            }
            for item in items
        ],
        columns=[
            "Ärende",
            "Adress",
            "Fastighet",
            "Fil",
            "Rad",
            "Säkerhet",
            "Bästa förslag",
            "Orsak",
        ],
    )


@dataclass(frozen=True)
class ReviewContext:
    """What the review map shows around an item, as GeoJSON: the current districts' outlines
    and the register's addresses near the candidates (to place a point by hand)."""

    districts: dict[str, Any]
    nearby: dict[str, Any]


def review_context(
    session: Session, item: ReviewItem, *, margin_m: float = 300.0, limit: int = 500
) -> ReviewContext:
    """District outlines and register addresses within ``margin_m`` of the candidates."""
    set_id = current_district_set_id(session)
    districts = []
    if set_id is not None:
        for name, blob in session.execute(
            select(District.name, func.ST_AsBinary(District.geom)).where(District.set_id == set_id)
        ):
            shape = shapely.from_wkb(bytes(blob)).simplify(0.0002, preserve_topology=True)
            districts.append(
                {"type": "Feature", "geometry": mapping(shape), "properties": {"namn": name}}
            )
    nearby = []
    if item.candidates:
        lats = [c.lat for c in item.candidates]
        lons = [c.lon for c in item.candidates]
        dlat = margin_m / 111_320.0
        dlon = dlat / max(0.01, math.cos(math.radians(sum(lats) / len(lats))))
        lon, lat = point_columns(RegisterAddress.geom)
        rows = session.execute(
            select(RegisterAddress.street, RegisterAddress.number, RegisterAddress.letter, lon, lat)
            .where(
                lon.between(min(lons) - dlon, max(lons) + dlon),
                lat.between(min(lats) - dlat, max(lats) + dlat),
            )
            .limit(limit)
        )
        nearby = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(x), float(y)]},
                "properties": {"adress": f"{street} {number}{letter}"},
            }
            for street, number, letter, x, y in rows
        ]
    return ReviewContext(
        districts={"type": "FeatureCollection", "features": districts},
        nearby={"type": "FeatureCollection", "features": nearby},
    )


def candidates_df(item: ReviewItem) -> pd.DataFrame:
    return pd.DataFrame(
        [(c.number, c.label, fmt_score(c.score), c.lat, c.lon) for c in item.candidates],
        columns=["Nr", "Förslag", "Säkerhet", "Latitud", "Longitud"],
    )


def resolve_review(
    session: Session,
    review_id: int,
    *,
    actor: str,
    candidate: int | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> Resolution:
    """Settle an item with candidate number ``candidate`` (1 = best) or a point placed by hand.

    Raises :class:`PlannerError` (Swedish) for an unknown or settled item, a missing or double
    choice, a point outside the municipality, or a property that no longer exists.
    """
    row = session.get(GeocodeReview, review_id)
    if row is None:
        msg = f"Granskningsärende {review_id} finns inte."
        raise PlannerError(msg)
    if row.state is not ReviewState.OPEN:
        msg = f"Granskningsärende {review_id} är redan avgjort av {row.chosen_by}."
        raise PlannerError(msg)
    if not actor.strip():
        msg = "Ange ditt namn: valet sparas med vem som gjorde det."
        raise PlannerError(msg)
    point_lat, point_lon, register_id, label = _choice(session, row, candidate, lat, lon)

    when = now()
    choice = session.scalar(select(GeocodeChoice).where(GeocodeChoice.choice_key == row.choice_key))
    if choice is None:
        choice = GeocodeChoice(choice_key=row.choice_key)
        session.add(choice)
    choice.label = label
    choice.geom = ewkt_point(point_lon, point_lat)
    choice.register_id = register_id
    choice.chosen_by = actor
    choice.chosen_at = when

    register_row = None
    if register_id is not None:
        frame = register_frame(session, [register_id])
        if not frame.empty:
            register_row = dict(frame.iloc[0])
    same = session.scalars(
        select(GeocodeReview).where(
            GeocodeReview.state == ReviewState.OPEN,
            GeocodeReview.choice_key == row.choice_key,
        )
    ).all()
    properties = property_ids(session)
    district = district_at(session, point_lon, point_lat)
    entrance_ids: list[int] = []
    for item in same:
        entrance_id = _place_entrance(
            session, item.payload or {}, properties, register_row, point_lon, point_lat
        )
        session.execute(
            update(Entrance)
            .where(Entrance.id == entrance_id)
            .values(district_id=district.id if district is not None else None)
        )
        item.state = ReviewState.RESOLVED
        item.chosen_geom = ewkt_point(point_lon, point_lat)
        item.chosen_register_id = register_id
        item.chosen_label = label
        item.chosen_by = actor
        item.chosen_at = when
        item.entrance_id = entrance_id
        entrance_ids.append(entrance_id)
        audit(
            session,
            entity="geocode_review",
            entity_id=item.id,
            action="resolved",
            actor=actor,
            from_state=ReviewState.OPEN.value,
            to_state=ReviewState.RESOLVED.value,
            note=f"{item.raw_address} → {label}",
            at=when,
        )
    session.flush()
    return Resolution(
        review_ids=tuple(i.id for i in same),
        entrance_ids=tuple(entrance_ids),
        label=label,
        district=district.name if district is not None else None,
    )


def _choice(
    session: Session,
    row: GeocodeReview,
    candidate: int | None,
    lat: float | None,
    lon: float | None,
) -> tuple[float, float, int | None, str]:
    by_hand = lat is not None or lon is not None
    if (candidate is None) == (not by_hand):
        msg = "Välj antingen ett av förslagen eller en punkt (latitud och longitud), inte båda."
        raise PlannerError(msg)
    if candidate is not None:
        options = row.candidates or []
        if not 1 <= candidate <= len(options):
            msg = (
                f"Förslag {candidate} finns inte; välj 1–{len(options)}."
                if options
                else "Ärendet har inga förslag: placera punkten för hand (latitud och longitud)."
            )
            raise PlannerError(msg)
        picked: dict[str, Any] = options[candidate - 1]
        register_id = picked.get("register_id")
        return (
            float(picked["lat"]),
            float(picked["lon"]),
            int(register_id) if register_id is not None else None,
            str(picked["label"]),
        )
    if lat is None or lon is None:
        msg = "Ange både latitud och longitud för punkten."
        raise PlannerError(msg)
    if not (_LAT_RANGE[0] <= lat <= _LAT_RANGE[1] and _LON_RANGE[0] <= lon <= _LON_RANGE[1]):
        msg = (
            f"Punkten ({lat}, {lon}) är ingen punkt i Sverige; ange latitud och longitud i WGS 84."
        )
        raise PlannerError(msg)
    outline = municipality(session)
    if outline is not None and not shapely.contains_xy(outline, lon, lat):
        msg = f"Punkten ({lat:.6f}, {lon:.6f}) ligger utanför kommunen; välj en punkt i Stockholm."
        raise PlannerError(msg)
    return lat, lon, None, f"{lat:.6f}, {lon:.6f} (placerad för hand)"


def _place_entrance(
    session: Session,
    payload: dict[str, Any],
    properties: dict[str, tuple[int, int]],
    register_row: dict[str, Any] | None,
    lon: float,
    lat: float,
) -> int:
    designation = str(payload.get("designation", ""))
    prop = properties.get(designation_key(designation))
    if prop is None:
        msg = f"Fastigheten {designation!r} finns inte längre; importera den igen först."
        raise PlannerError(msg)
    cylinder = payload.get("cylinder")
    record = build_record(
        property_id=prop[0],
        given=payload,
        register_row=register_row,
        lon=lon,
        lat=lat,
        source="review",
        score=1.0,
        cylinder=Cylinder(cylinder) if cylinder else None,
        other_doors=tuple(DoorKind(k) for k in payload.get("other_doors", [])),
    )
    written = write_entrances(session, [record], notes=bool(payload.get("has_notes")))
    return written.ids[record.key]
