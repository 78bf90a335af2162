"""Coordinates given directly: CRS detection, conversion to WGS 84, the municipality check.

Re-exported by :mod:`planner.geo.geocode`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from planner.errors import PlannerError
from planner.geo._results import Candidate, GeocodeResult, GeocodeStatus, MatchMethod, fmt_score
from planner.geo.crs import SWEREF99_1800, SWEREF99_TM, WGS84, transformer

_CRS_NAMES: dict[str, int] = {
    "wgs84": WGS84,
    "wgs 84": WGS84,
    "4326": WGS84,
    "epsg:4326": WGS84,
    "sweref99tm": SWEREF99_TM,
    "sweref 99 tm": SWEREF99_TM,
    "3006": SWEREF99_TM,
    "epsg:3006": SWEREF99_TM,
    "sweref991800": SWEREF99_1800,
    "sweref 99 18 00": SWEREF99_1800,
    "sweref 99 1800": SWEREF99_1800,
    "3011": SWEREF99_1800,
    "epsg:3011": SWEREF99_1800,
}
_NORTHING_RANGE = (6_100_000.0, 7_700_000.0)
_LOCAL_EASTING_RANGE = (40_000.0, 260_000.0)  # SWEREF 99 18 00 (false easting 150 000)
_TM_EASTING_RANGE = (260_000.0, 950_000.0)  # SWEREF 99 TM over Sweden
_LAT_RANGE = (54.0, 70.0)
_LON_RANGE = (10.0, 25.0)


def parse_crs(crs: int | str) -> int:
    """An EPSG code from 4326/3006/3011, "EPSG:3006", "WGS84", "SWEREF 99 TM" …"""
    if isinstance(crs, int):
        return crs
    text = " ".join(str(crs).strip().lower().split())
    if text in _CRS_NAMES:
        return _CRS_NAMES[text]
    compact = text.replace(" ", "")
    if compact in _CRS_NAMES:
        return _CRS_NAMES[compact]
    msg = (
        f"Okänt koordinatsystem {crs!r}; ange WGS84 (EPSG:4326), SWEREF 99 TM (EPSG:3006) "
        "eller SWEREF 99 18 00 (EPSG:3011)"
    )
    raise PlannerError(msg)


def _within(values: NDArray[np.float64], bounds: tuple[float, float]) -> NDArray[np.bool_]:
    return np.asarray((values >= bounds[0]) & (values <= bounds[1]), dtype=bool)


def detect_crs(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Guess the CRS of coordinate pairs by range: ``(epsg, swapped)`` per pair.

    ``x`` is meant to be easting/longitude and ``y`` northing/latitude; ``swapped`` is True
    where the pair came the other way round (lat before lon, or Swedish geodetic "X = north").
    The code is 0 where nothing fits. Ranges: WGS 84 lat 54–70, lon 10–25; northing
    6.1–7.7 million m; easting 40–260 km → SWEREF 99 18 00 (EPSG:3011), 260–950 km → SWEREF 99
    TM (EPSG:3006).
    """
    xs = np.atleast_1d(np.asarray(x, dtype=np.float64))
    ys = np.atleast_1d(np.asarray(y, dtype=np.float64))
    epsg = np.zeros(xs.shape, dtype=np.int64)
    swapped = np.zeros(xs.shape, dtype=bool)

    lonlat = _within(xs, _LON_RANGE) & _within(ys, _LAT_RANGE)
    latlon = _within(xs, _LAT_RANGE) & _within(ys, _LON_RANGE)
    epsg[lonlat | latlon] = WGS84
    swapped[latlon & ~lonlat] = True

    for east, north, flipped in ((xs, ys, False), (ys, xs, True)):
        northing_ok = _within(north, _NORTHING_RANGE) & (epsg == 0)
        local = northing_ok & _within(east, _LOCAL_EASTING_RANGE)
        tm = northing_ok & _within(east, _TM_EASTING_RANGE)
        epsg[local] = SWEREF99_1800
        epsg[tm] = SWEREF99_TM
        swapped[local | tm] = flipped
    return epsg, swapped


def coordinates_to_wgs84(
    x: ArrayLike, y: ArrayLike, *, crs: int | str | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Coordinates to ``(lat, lon, source_epsg)`` arrays; NaN and code 0 where unrecognised.

    With ``crs`` given, every pair is read in it (a WGS 84 pair given lat-first is still
    recognised); without it the CRS is detected per pair by :func:`detect_crs`.
    """
    xs = np.atleast_1d(np.asarray(x, dtype=np.float64))
    ys = np.atleast_1d(np.asarray(y, dtype=np.float64))
    detected, swapped = detect_crs(xs, ys)
    if crs is not None:
        code = parse_crs(crs)
        keep = detected == code
        detected = np.where(keep, detected, code)
        swapped = np.where(keep, swapped, False)
    east = np.where(swapped, ys, xs)
    north = np.where(swapped, xs, ys)
    lat = np.full(xs.shape, np.nan)
    lon = np.full(xs.shape, np.nan)
    for code in np.unique(detected):
        if code == 0:
            continue
        mask = detected == code
        if code == WGS84:
            lon[mask], lat[mask] = east[mask], north[mask]
        else:
            lon[mask], lat[mask] = transformer(int(code), WGS84).transform(east[mask], north[mask])
    ok = np.isfinite(lat) & np.isfinite(lon)
    detected = np.where(ok, detected, 0)
    return lat, lon, detected


@dataclass(frozen=True)
class PreparedMunicipality:
    """A municipality polygon prepared for point-in-polygon tests and distances in metres."""

    geometry: BaseGeometry
    metric: BaseGeometry = field(init=False)

    def __post_init__(self) -> None:
        shapely.prepare(self.geometry)
        object.__setattr__(self, "metric", _project(self.geometry, WGS84, SWEREF99_TM))

    def contains(self, lat: ArrayLike, lon: ArrayLike) -> NDArray[np.bool_]:
        xs = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        ys = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        return np.asarray(shapely.contains_xy(self.geometry, xs, ys), dtype=np.bool_)

    def distance_m(self, lat: float, lon: float) -> float:
        east, north = transformer(WGS84, SWEREF99_TM).transform(lon, lat)
        return float(self.metric.distance(Point(east, north)))


def _project(geometry: BaseGeometry, source: int, target: int) -> BaseGeometry:
    """A geometry in another CRS (vectorised; ``shapely.ops.transform`` is deprecated)."""
    project = transformer(source, target)

    def coordinates(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        xs, ys = project.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([xs, ys])

    return shapely.transform(geometry, coordinates)


def municipality_of(geometry: BaseGeometry | None) -> PreparedMunicipality | None:
    return None if geometry is None else PreparedMunicipality(geometry)


def outside_reason(municipality: PreparedMunicipality, lat: float, lon: float) -> str:
    distance_km = municipality.distance_m(lat, lon) / 1000
    return f"punkten ligger utanför kommunen ({fmt_score(distance_km)} km från gränsen)"


def geocode_coordinates(
    x: ArrayLike,
    y: ArrayLike,
    *,
    crs: int | str | None = None,
    municipality: BaseGeometry | None = None,
    queries: Sequence[str] | None = None,
) -> list[GeocodeResult]:
    """Coordinates given directly → results: accepted inside the municipality, else rejected.

    ``x``/``y`` are easting/longitude and northing/latitude (pairs the other way round are
    recognised by range); ``crs`` is an EPSG code or name, detected when None.
    ``municipality`` is a polygon in WGS 84 (e.g. from
    :func:`planner.geo.boundaries.read_municipality`); without it no check is made.
    """
    xs = np.atleast_1d(np.asarray(x, dtype=np.float64))
    ys = np.atleast_1d(np.asarray(y, dtype=np.float64))
    lat, lon, epsg = coordinates_to_wgs84(xs, ys, crs=crs)
    prepared = municipality_of(municipality)
    inside = prepared.contains(lat, lon) if prepared is not None else np.ones(lat.shape, dtype=bool)
    results: list[GeocodeResult] = []
    for i in range(len(xs)):
        query = queries[i] if queries is not None else f"{xs[i]:g}, {ys[i]:g}"
        if epsg[i] == 0:
            reason = (
                f"koordinaterna ({xs[i]:g}, {ys[i]:g}) känns inte igen; ange WGS84 (lat/lon), "
                "SWEREF 99 TM (EPSG:3006) eller SWEREF 99 18 00 (EPSG:3011)"
            )
            results.append(
                GeocodeResult(
                    query, GeocodeStatus.REJECTED, 0.0, MatchMethod.COORDINATES, reasons=(reason,)
                )
            )
            continue
        point_lat, point_lon = float(lat[i]), float(lon[i])
        label = f"{point_lat:.6f}, {point_lon:.6f}"
        candidate = Candidate(label, point_lat, point_lon, 1.0)
        reasons = [f"koordinater i EPSG:{int(epsg[i])}"]
        status = GeocodeStatus.ACCEPTED
        confidence = 1.0
        if not inside[i]:
            assert prepared is not None
            status = GeocodeStatus.REJECTED
            confidence = 0.0
            reasons.append(outside_reason(prepared, point_lat, point_lon))
        results.append(
            GeocodeResult(
                query,
                status,
                confidence,
                MatchMethod.COORDINATES,
                lat=point_lat,
                lon=point_lon,
                candidates=(candidate,),
                reasons=tuple(reasons),
                source_crs=int(epsg[i]),
            )
        )
    return results
