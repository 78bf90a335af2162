"""Travel times on the car network of an OpenStreetMap extract (``.osm.pbf`` or ``.osm``).

``OsmRoadGraph.from_file`` reads the file once with pyosmium: ways a car may use (by their
``highway`` class and access tags), with a speed per class (lowered to a posted ``maxspeed``),
one-way streets (``oneway``, roundabouts, motorways) kept as one-way arcs. ``matrix`` snaps each
stop to the nearest node of the largest strongly connected part of the network (so every stop
can be reached from every other), runs Dijkstra from each distinct snapped node with
``scipy.sparse.csgraph`` and adds the walk from the stop to the street (at ``access_speed_kmh``)
and the fixed parking/walking time per stop, as ``StraightLine`` does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from planner.geo.crs import METRIC, WGS84, haversine_m, transformer
from planner.routing.travel import LatLon, TravelMatrix

logger = logging.getLogger(__name__)

#: Typical driving speeds in Stockholm traffic by OSM ``highway`` class, km/h.
DEFAULT_SPEEDS_KMH: Mapping[str, float] = {
    "motorway": 70.0,
    "motorway_link": 40.0,
    "trunk": 50.0,
    "trunk_link": 35.0,
    "primary": 35.0,
    "primary_link": 30.0,
    "secondary": 30.0,
    "secondary_link": 25.0,
    "tertiary": 28.0,
    "tertiary_link": 25.0,
    "unclassified": 25.0,
    "residential": 20.0,
    "road": 20.0,
    "living_street": 7.0,
    "service": 10.0,
}

_IMPLIED_ONEWAY = frozenset({"motorway", "motorway_link"})
_NO_ACCESS = frozenset({"no", "private", "agricultural", "forestry", "delivery"})
_YES = frozenset({"yes", "true", "1"})


@dataclass(frozen=True)
class _Way:
    nodes: tuple[int, ...]
    speed_kmh: float
    forward: bool
    backward: bool


def _speed_kmh(tags: Mapping[str, str], default_kmh: float) -> float:
    posted = tags.get("maxspeed", "").split(";")[0].strip()
    if posted.isdigit() and int(posted) > 0:
        return min(default_kmh, float(posted))
    return default_kmh


def _car_may_use(tags: Mapping[str, str], speeds: Mapping[str, float]) -> bool:
    if tags.get("highway") not in speeds or tags.get("area") in _YES:
        return False
    for key in ("motorcar", "motor_vehicle", "vehicle"):
        value = tags.get(key)
        if value is not None:
            return value not in _NO_ACCESS
    return tags.get("access") not in _NO_ACCESS


def _directions(tags: Mapping[str, str]) -> tuple[bool, bool] | None:
    oneway = tags.get("oneway")
    if oneway == "reversible":
        return None
    if oneway in _YES:
        return True, False
    if oneway in {"-1", "reverse"}:
        return False, True
    if oneway == "no":
        return True, True
    if tags.get("junction") in {"roundabout", "circular"}:
        return True, False
    if tags.get("highway") in _IMPLIED_ONEWAY:
        return True, False
    return True, True


class OsmRoadGraph:
    """A directed car network with travel seconds on its arcs, ready for many-to-many queries."""

    def __init__(
        self,
        *,
        node_lat_lon: NDArray[np.float64],
        tails: NDArray[np.int64],
        heads: NDArray[np.int64],
        seconds: NDArray[np.float64],
        source: str,
        stop_s: int = 180,
        access_speed_kmh: float = 10.0,
    ) -> None:
        self.node_lat_lon = node_lat_lon
        self.source = source
        self.stop_s = stop_s
        self.access_speed_kmh = access_speed_kmh
        count = len(node_lat_lon)
        # Keep the fastest of parallel arcs (csr_matrix would add them up).
        order = np.lexsort((seconds, heads, tails))
        tails, heads, seconds = tails[order], heads[order], seconds[order]
        first = np.ones(len(tails), dtype=bool)
        first[1:] = (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])
        self.graph = csr_matrix(
            (np.maximum(seconds[first], 1e-3), (tails[first], heads[first])), shape=(count, count)
        )
        _, labels = connected_components(self.graph, directed=True, connection="strong")
        largest = np.bincount(labels).argmax() if count else 0
        self._snappable = np.flatnonzero(labels == largest)
        easting, northing = transformer(WGS84, METRIC).transform(
            node_lat_lon[self._snappable, 1], node_lat_lon[self._snappable, 0]
        )
        self._tree = cKDTree(np.column_stack([easting, northing]))
        logger.info(
            "road graph from %s: %d nodes, %d arcs, %d in the largest strongly connected part",
            source,
            count,
            self.graph.nnz,
            len(self._snappable),
        )

    @classmethod
    def from_file(
        cls,
        path: Path | str,
        *,
        speeds_kmh: Mapping[str, float] | None = None,
        stop_s: int = 180,
        access_speed_kmh: float = 10.0,
    ) -> OsmRoadGraph:
        """Read the car network of an ``.osm.pbf`` / ``.osm`` file."""
        speeds = dict(DEFAULT_SPEEDS_KMH if speeds_kmh is None else speeds_kmh)
        ways: list[_Way] = []
        locations: dict[int, tuple[float, float]] = {}
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            if not isinstance(way, osmium.osm.Way):
                continue
            tags = {tag.k: tag.v for tag in way.tags}
            if not _car_may_use(tags, speeds):
                continue
            directions = _directions(tags)
            if directions is None:
                continue
            refs: list[int] = []
            for node in way.nodes:
                if not node.location.valid():
                    # The extract cut the way: keep the part inside it.
                    if len(refs) >= 2:
                        ways.append(
                            _Way(
                                tuple(refs), _speed_kmh(tags, speeds[tags["highway"]]), *directions
                            )
                        )
                    refs = []
                    continue
                locations[node.ref] = (node.location.lat, node.location.lon)
                refs.append(node.ref)
            if len(refs) >= 2:
                ways.append(
                    _Way(tuple(refs), _speed_kmh(tags, speeds[tags["highway"]]), *directions)
                )
        return cls.from_ways(
            ways,
            locations,
            source=str(path),
            stop_s=stop_s,
            access_speed_kmh=access_speed_kmh,
        )

    @classmethod
    def from_ways(
        cls,
        ways: Sequence[_Way],
        locations: Mapping[int, tuple[float, float]],
        *,
        source: str,
        stop_s: int,
        access_speed_kmh: float,
    ) -> OsmRoadGraph:
        ids = sorted(locations)
        index = {osm_id: position for position, osm_id in enumerate(ids)}
        lat_lon = np.array([locations[osm_id] for osm_id in ids], dtype=np.float64).reshape(-1, 2)
        tails: list[int] = []
        heads: list[int] = []
        seconds: list[float] = []
        for way in ways:
            nodes = np.array([index[ref] for ref in way.nodes], dtype=np.int64)
            a, b = nodes[:-1], nodes[1:]
            length_m = haversine_m(lat_lon[a, 0], lat_lon[a, 1], lat_lon[b, 0], lat_lon[b, 1])
            time_s = length_m / (way.speed_kmh / 3.6)
            if way.forward:
                tails.extend(a.tolist())
                heads.extend(b.tolist())
                seconds.extend(time_s.tolist())
            if way.backward:
                tails.extend(b.tolist())
                heads.extend(a.tolist())
                seconds.extend(time_s.tolist())
        if not tails:
            msg = f"Inga bilvägar i {source}"
            raise ValueError(msg)
        return cls(
            node_lat_lon=lat_lon,
            tails=np.array(tails, dtype=np.int64),
            heads=np.array(heads, dtype=np.int64),
            seconds=np.array(seconds, dtype=np.float64),
            source=source,
            stop_s=stop_s,
            access_speed_kmh=access_speed_kmh,
        )

    @property
    def name(self) -> str:
        settings = {
            "source": self.source,
            "stop_s": self.stop_s,
            "access_kmh": self.access_speed_kmh,
            "arcs": int(self.graph.nnz),
        }
        return "osm:" + json.dumps(settings, sort_keys=True)

    def snap(self, points: Sequence[LatLon]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The nearest usable graph node of each point and the distance to it in metres."""
        coords = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        easting, northing = transformer(WGS84, METRIC).transform(coords[:, 1], coords[:, 0])
        distance_m, position = self._tree.query(np.column_stack([easting, northing]))
        return self._snappable[np.asarray(position, dtype=np.int64)], np.asarray(distance_m)

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
        nodes, snapped_m = self.snap(points)
        distinct, inverse = np.unique(nodes, return_inverse=True)
        between = dijkstra(self.graph, directed=True, indices=distinct)[:, distinct]
        if not np.isfinite(between).all():  # cannot happen inside one strong component
            msg = "Vägnätet saknar väg mellan några av stoppen"
            raise ValueError(msg)
        drive_s = between[np.ix_(inverse, inverse)]
        access_s = snapped_m / (self.access_speed_kmh / 3.6)
        coords = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        apart_m = haversine_m(
            coords[:, None, 0], coords[:, None, 1], coords[None, :, 0], coords[None, :, 1]
        )
        seconds = np.where(
            apart_m > 0.5,
            drive_s + access_s[:, None] + access_s[None, :] + self.stop_s,
            0.0,
        )
        return TravelMatrix(
            points=tuple((float(a), float(b)) for a, b in coords),
            duration_s=np.rint(seconds).astype(np.int64),
            provider=self.name,
            snapped_m=snapped_m,
        )
