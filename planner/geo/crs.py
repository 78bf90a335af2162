"""Coordinate reference systems: store in WGS 84, measure in SWEREF 99 TM.

Stockholm city publishes in SWEREF 99 18 00 (EPSG:3011), Lantmäteriet in SWEREF 99 TM
(EPSG:3006). Never take ``.area``, ``.length`` or ``.distance`` in EPSG:4326: project first.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from shapely.ops import transform

WGS84 = 4326
SWEREF99_TM = 3006
SWEREF99_1800 = 3011
METRIC = SWEREF99_TM

EARTH_RADIUS_M = 6_371_008.8


@cache
def transformer(source: int, target: int) -> Transformer:
    """A cached, always_xy transformer between two EPSG codes (x = lon/easting)."""
    return Transformer.from_crs(source, target, always_xy=True)


def to_metric(geom: BaseGeometry, source: int = WGS84) -> BaseGeometry:
    """A geometry projected to SWEREF 99 TM, for areas, lengths and buffers in metres."""
    return transform(transformer(source, METRIC).transform, geom)


def to_wgs84(geom: BaseGeometry, source: int = METRIC) -> BaseGeometry:
    """A geometry projected back to WGS 84 for storage and maps."""
    return transform(transformer(source, WGS84).transform, geom)


def haversine_m(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distance in metres (vectorised; broadcasting like NumPy)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a)), dtype=np.float64)
