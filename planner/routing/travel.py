"""Travel times between stops: one interface, several providers, integer seconds.

A provider turns a list of points (WGS 84 latitude, longitude) into a ``TravelMatrix``: the
square matrix of travel seconds from every point to every other, parking and walking included.
The matrix is computed once per wave and reused: it is a plain object that can be kept in
memory, saved to an ``.npz`` file and found again by its ``cache_key``.

Providers:

- ``StraightLine`` (the default): great-circle distance × a circuity factor, at a speed that
  depends on whether each end lies in the inner city or in the suburbs, plus a fixed
  parking/walking time at every stop.
- ``planner.routing.osm.OsmRoadGraph``: shortest paths on the car network of an OpenStreetMap
  extract (one-way streets respected).
- ``planner.routing.pgrouting.PgRouting``: ``pgr_dijkstraCostMatrix`` on a PostGIS road table.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from planner.geo.crs import haversine_m

logger = logging.getLogger(__name__)

#: Stockholm's centre (Sergels torg / T-Centralen), latitude and longitude.
STOCKHOLM_CENTRE: tuple[float, float] = (59.3326, 18.0649)

LatLon = tuple[float, float]


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Travel seconds (and, where known, metres) between ``points``, in their order."""

    points: tuple[LatLon, ...]
    duration_s: NDArray[np.int64]
    provider: str
    distance_m: NDArray[np.int64] | None = None
    snapped_m: NDArray[np.float64] | None = field(default=None)

    def __post_init__(self) -> None:
        size = len(self.points)
        duration = np.asarray(self.duration_s, dtype=np.int64)
        if duration.shape != (size, size):
            msg = f"Restidsmatrisen har formen {duration.shape}, väntade {(size, size)}"
            raise ValueError(msg)
        duration.setflags(write=False)
        object.__setattr__(self, "duration_s", duration)
        object.__setattr__(self, "points", tuple((float(a), float(b)) for a, b in self.points))

    def __len__(self) -> int:
        return len(self.points)

    @property
    def cache_key(self) -> str:
        return cache_key(self.provider, self.points)

    def subset(self, indices: Sequence[int]) -> TravelMatrix:
        """The matrix restricted to some points, in the order given."""
        index = np.asarray(indices, dtype=np.int64)
        return TravelMatrix(
            points=tuple(self.points[i] for i in index),
            duration_s=self.duration_s[np.ix_(index, index)],
            provider=self.provider,
            distance_m=None if self.distance_m is None else self.distance_m[np.ix_(index, index)],
            snapped_m=None if self.snapped_m is None else self.snapped_m[index],
        )

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {
            "points": np.asarray(self.points, dtype=np.float64).reshape(-1, 2),
            "duration_s": self.duration_s,
        }
        if self.distance_m is not None:
            arrays["distance_m"] = self.distance_m
        if self.snapped_m is not None:
            arrays["snapped_m"] = self.snapped_m
        with path.open("wb") as handle:
            np.savez_compressed(handle, provider=np.array(self.provider), **arrays)

    @classmethod
    def load(cls, path: Path) -> TravelMatrix:
        with np.load(path, allow_pickle=False) as data:
            points = tuple((float(a), float(b)) for a, b in data["points"])
            return cls(
                points=points,
                duration_s=data["duration_s"],
                provider=str(data["provider"]),
                distance_m=data.get("distance_m", None),
                snapped_m=data.get("snapped_m", None),
            )


def cache_key(provider: str, points: Sequence[LatLon]) -> str:
    """A stable key for a provider's settings and the exact points (rounded to ~1 cm)."""
    digest = hashlib.sha256(provider.encode())
    digest.update(np.round(np.asarray(points, dtype=np.float64), 7).tobytes())
    return digest.hexdigest()[:24]


@runtime_checkable
class TravelTimeProvider(Protocol):
    """Anything that turns points into a travel matrix."""

    @property
    def name(self) -> str:
        """The provider and its settings, as used in cache keys."""
        ...

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix: ...


@dataclass(frozen=True)
class StraightLine:
    """Great-circle distance × circuity, at inner-city or suburban speed, plus a stop time.

    Each leg is driven half at the speed of its start point's zone and half at that of its
    end point's zone; a point is in the inner city when it lies within ``inner_radius_m`` of
    ``centre``. Every leg between two different positions also costs ``stop_s`` for parking
    and walking to the door; two jobs at the same door cost nothing between them.
    """

    circuity: float = 1.35
    inner_speed_kmh: float = 20.0
    outer_speed_kmh: float = 32.0
    inner_radius_m: float = 4_000.0
    centre: LatLon = STOCKHOLM_CENTRE
    stop_s: int = 180

    @property
    def name(self) -> str:
        settings = {
            "circuity": self.circuity,
            "inner_kmh": self.inner_speed_kmh,
            "outer_kmh": self.outer_speed_kmh,
            "inner_m": self.inner_radius_m,
            "centre": list(self.centre),
            "stop_s": self.stop_s,
        }
        return "straight_line:" + json.dumps(settings, sort_keys=True)

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
        coords = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        lat, lon = coords[:, 0], coords[:, 1]
        distance_m = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        road_m = distance_m * self.circuity
        from_centre_m = haversine_m(lat, lon, self.centre[0], self.centre[1])
        speed_ms = (
            np.where(
                from_centre_m <= self.inner_radius_m, self.inner_speed_kmh, self.outer_speed_kmh
            )
            / 3.6
        )
        seconds_per_m = 0.5 * (1.0 / speed_ms[:, None] + 1.0 / speed_ms[None, :])
        seconds = road_m * seconds_per_m + np.where(distance_m > 0.5, self.stop_s, 0)
        np.fill_diagonal(seconds, 0.0)
        return TravelMatrix(
            points=tuple((float(a), float(b)) for a, b in coords),
            duration_s=np.rint(seconds).astype(np.int64),
            provider=self.name,
            distance_m=np.rint(road_m).astype(np.int64),
        )


class MatrixCache:
    """Keeps matrices by key in memory and, when given a folder, on disk as ``.npz``."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._memory: dict[str, TravelMatrix] = {}

    def get(self, provider: TravelTimeProvider, points: Sequence[LatLon]) -> TravelMatrix:
        """The matrix for these points, computed only when neither memory nor disk has it."""
        key = cache_key(provider.name, points)
        found = self._memory.get(key)
        if found is not None:
            return found
        path = None if self._folder is None else self._folder / f"matrix-{key}.npz"
        if path is not None and path.exists():
            found = TravelMatrix.load(path)
            logger.debug("travel matrix %s read from %s", key, path)
        else:
            found = provider.matrix(points)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                found.save(path)
        self._memory[key] = found
        return found
