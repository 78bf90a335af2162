"""Geocoding import rows against the database: the register table, remembered choices, the city.

:class:`ImportGeocoder` builds :class:`planner.geo.geocode.AddressMatcher` from the
``register_address`` table (the candidates carry register ids), answers remembered choices
first (a manager's earlier pick in the review queue, keyed by :func:`choice_key`), and checks
coordinates given directly against the municipality: the union of the current district set,
grown by the 200 m that district assignment also allows for quays and bridges.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planner.geo.addresses import SwedishAddress
from planner.geo.crs import METRIC, WGS84, transformer
from planner.geo.geocode import (
    AddressMatcher,
    Candidate,
    GeocodeResult,
    GeocodeStatus,
    MatchMethod,
    geocode_coordinates,
)
from planner.geo.spatial import DISTRICT_FALLBACK_M, current_district_set_id
from planner.imports._db import as_id, point_columns
from planner.models import District, GeocodeChoice, RegisterAddress

log = logging.getLogger(__name__)

REGISTER_FIELDS = ("street", "number", "letter", "entrance", "postcode", "postort")


def choice_key(address: SwedishAddress, suffix: str = "") -> str:
    """The key a manager's choice is remembered under: the normalised street, number and letter,
    the entrance suffix and the postcode as written ("gotgata|12|a|UH|118 46")."""
    return f"{address.first().key}|{suffix}|{address.postcode}"


def register_frame(session: Session, ids: Sequence[int] | None = None) -> pd.DataFrame:
    """The register (or some of its rows) as the matcher's frame, indexed by register id."""
    lon, lat = point_columns(RegisterAddress.geom)
    stmt = select(
        RegisterAddress.id,
        RegisterAddress.street,
        RegisterAddress.number,
        RegisterAddress.letter,
        RegisterAddress.entrance,
        RegisterAddress.postcode,
        RegisterAddress.postort,
        lat.label("lat"),
        lon.label("lon"),
        RegisterAddress.source,
        RegisterAddress.source_id,
    )
    if ids is not None:
        stmt = stmt.where(RegisterAddress.id.in_(list(ids)))
    columns = [
        "id",
        *REGISTER_FIELDS,
        "lat",
        "lon",
        "source",
        "source_id",
    ]
    frame = pd.DataFrame(session.execute(stmt).all(), columns=columns)
    return frame.set_index("id")


def municipality(session: Session) -> BaseGeometry | None:
    """The current district set as one polygon, grown by 200 m; None without districts."""
    set_id = current_district_set_id(session)
    if set_id is None:
        return None
    blobs = session.scalars(
        select(func.ST_AsBinary(District.geom)).where(District.set_id == set_id)
    ).all()
    shapes = [shapely.from_wkb(bytes(b)) for b in blobs if b is not None]
    if not shapes:
        return None
    grown = _project(shapely.union_all(shapes), WGS84, METRIC).buffer(DISTRICT_FALLBACK_M)
    return _project(grown, METRIC, WGS84)


def _project(geometry: BaseGeometry, source: int, target: int) -> BaseGeometry:
    project = transformer(source, target)

    def coordinates(xy: np.ndarray) -> np.ndarray:
        xs, ys = project.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([xs, ys])

    return shapely.transform(geometry, coordinates)


@dataclass(frozen=True)
class Remembered:
    lat: float
    lon: float
    label: str
    register_id: int | None


def remembered_choices(session: Session) -> dict[str, Remembered]:
    lon, lat = point_columns(GeocodeChoice.geom)
    return {
        key: Remembered(float(y), float(x), label, register_id)
        for key, label, register_id, x, y in session.execute(
            select(
                GeocodeChoice.choice_key,
                GeocodeChoice.label,
                GeocodeChoice.register_id,
                lon,
                lat,
            )
        )
    }


class ImportGeocoder:
    """Geocodes an import's rows against what the database knows (built lazily, once)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._matcher: AddressMatcher | None = None
        self._register: pd.DataFrame | None = None
        self._municipality: BaseGeometry | None = None
        self._municipality_loaded = False
        self._remembered: dict[str, Remembered] | None = None

    @property
    def municipality(self) -> BaseGeometry | None:
        if not self._municipality_loaded:
            self._municipality = municipality(self.session)
            self._municipality_loaded = True
        return self._municipality

    @property
    def remembered(self) -> dict[str, Remembered]:
        if self._remembered is None:
            self._remembered = remembered_choices(self.session)
        return self._remembered

    def register_rows(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Register rows by id (street, number, letter, entrance, postcode, postort)."""
        frame = self._register if self._register is not None else None
        if frame is None or not set(ids) <= set(frame.index):
            frame = register_frame(self.session, ids)
        picked = frame.loc[[i for i in ids if i in frame.index], list(REGISTER_FIELDS)]
        return {as_id(i): dict(row) for i, row in picked.iterrows()}

    def _get_matcher(self) -> AddressMatcher | None:
        if self._matcher is None:
            self._register = register_frame(self.session)
            if self._register.empty:
                return None
            self._matcher = AddressMatcher(self._register, municipality=self.municipality)
        return self._matcher

    def addresses(self, items: Sequence[tuple[SwedishAddress, str]]) -> list[GeocodeResult]:
        """Geocode parsed addresses (with their entrance suffix), remembered choices first."""
        results: list[GeocodeResult | None] = [None] * len(items)
        asked: list[int] = []
        for i, (address, suffix) in enumerate(items):
            choice = self.remembered.get(choice_key(address, suffix))
            if choice is None:
                asked.append(i)
                continue
            results[i] = GeocodeResult(
                address.label(),
                GeocodeStatus.ACCEPTED,
                1.0,
                MatchMethod.REMEMBERED,
                lat=choice.lat,
                lon=choice.lon,
                address=address,
                candidates=(
                    Candidate(choice.label, choice.lat, choice.lon, 1.0, index=choice.register_id),
                ),
                reasons=("tidigare valt i granskningen",),
            )
        if asked:
            matcher = self._get_matcher()
            if matcher is None:
                reason = (
                    "adressregistret är tomt: importera ett adressregister först "
                    "(planner import addresses) eller ange koordinater"
                )
                for i in asked:
                    results[i] = GeocodeResult(
                        items[i][0].label(),
                        GeocodeStatus.REJECTED,
                        0.0,
                        MatchMethod.NONE,
                        address=items[i][0],
                        reasons=(reason,),
                    )
            else:
                answers = matcher.geocode_many([items[i][0] for i in asked])
                for i, answer in zip(asked, answers, strict=True):
                    results[i] = answer
        return [r for r in results if r is not None]

    def coordinates(
        self, xs: Sequence[float], ys: Sequence[float], crs: Sequence[str | None]
    ) -> list[GeocodeResult]:
        """Coordinates given directly (CRS named per row or detected), checked against the city."""
        out: list[GeocodeResult | None] = [None] * len(xs)
        by_crs: dict[str | None, list[int]] = {}
        for i, name in enumerate(crs):
            by_crs.setdefault(name or None, []).append(i)
        for name, rows in by_crs.items():
            answers = geocode_coordinates(
                np.asarray([xs[i] for i in rows], dtype=float),
                np.asarray([ys[i] for i in rows], dtype=float),
                crs=name,
                municipality=self.municipality,
            )
            for i, answer in zip(rows, answers, strict=True):
                out[i] = answer
        return [r for r in out if r is not None]
