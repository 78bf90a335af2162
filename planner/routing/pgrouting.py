"""Travel times from pgRouting on PostGIS (``pgr_dijkstraCostMatrix``).

Importing the road network (once per OSM extract), with osm2pgrouting 2.3:

1. osm2pgrouting reads OSM XML, not PBF: ``osmium cat stockholm.osm.pbf -o stockholm.osm``
   (or ``osmium extract -b 17.75,59.22,18.20,59.43 sweden.osm.pbf -o stockholm.osm`` first).
2. The database needs ``CREATE EXTENSION postgis; CREATE EXTENSION pgrouting;``.
3. ``osm2pgrouting --f stockholm.osm --conf /usr/share/osm2pgrouting/mapconfig_for_cars.xml
   --dbname planner --host HOST --port 5432 --username USER --clean`` creates ``ways``
   (``gid, source, target, cost_s, reverse_cost_s, the_geom, …``) and ``ways_vertices_pgr``
   (``id, the_geom``). One-way streets get a negative ``reverse_cost_s``, which pgRouting
   treats as "no arc". ``mapconfig_for_cars.xml`` keeps only car classes; ``cost_s`` is the
   length at the class's ``maxspeed`` from that file. (Tried with osm2pgrouting 2.3.8 on
   ``mariatorget.osm.pbf`` written out as XML with pyosmium's ``SimpleWriter``: 125 ways, 57
   of them one-way; the matrix came out within about 7 % of ``OsmRoadGraph``'s.)

``PgRouting(connection, table="ways")`` then snaps every stop to the nearest vertex of the
network's largest strongly connected part (``pgr_strongComponents``, computed once per
provider, so no stop lands on an island or a one-way dead end at the extract's edge; KNN on
``the_geom``, one query for all stops) and asks for the many-to-many cost matrix in one query.

Tested by ``tests/routing/test_pgrouting.py`` where ``PLANNER_TEST_POSTGRES_URL`` is set (it
skips otherwise): it creates ``postgis`` and ``pgrouting`` inside its transaction, writes a
four-street block with a one-way street as temporary ``ways``/``ways_vertices_pgr`` tables in
osm2pgrouting's layout, and checks that the matrix drives the one-way street one way only and
agrees with ``OsmRoadGraph`` on the same block within a second, through a ``Connection`` and a
``Session``. It passed on PostgreSQL 15, PostGIS 3 and pgRouting 3.4.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from planner.geo.crs import haversine_m
from planner.routing.travel import LatLon, TravelMatrix

logger = logging.getLogger(__name__)

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


class PgRouting:
    """A ``TravelTimeProvider`` backed by ``pgr_dijkstraCostMatrix`` on a road table.

    The caller owns the connection or session (and its transaction); this class only reads.
    ``cost_column``/``reverse_cost_column`` hold seconds (osm2pgrouting's ``cost_s`` and
    ``reverse_cost_s``); ``vertices_table`` defaults to ``{table}_vertices_pgr``.
    """

    def __init__(
        self,
        connection: Connection | Session,
        *,
        table: str = "ways",
        vertices_table: str | None = None,
        cost_column: str = "cost_s",
        reverse_cost_column: str = "reverse_cost_s",
        geometry_column: str = "the_geom",
        stop_s: int = 180,
        access_speed_kmh: float = 10.0,
    ) -> None:
        vertices = vertices_table or f"{table}_vertices_pgr"
        for name in (table, vertices, cost_column, reverse_cost_column, geometry_column):
            if not _IDENTIFIER.match(name):
                msg = f"Ogiltigt tabell- eller kolumnnamn: {name!r}"
                raise ValueError(msg)
        self._connection = connection
        self.table = table
        self.vertices_table = vertices
        self.cost_column = cost_column
        self.reverse_cost_column = reverse_cost_column
        self.geometry_column = geometry_column
        self.stop_s = stop_s
        self.access_speed_kmh = access_speed_kmh
        self._usable: list[int] | None = None

    @property
    def name(self) -> str:
        settings = {
            "table": self.table,
            "cost": self.cost_column,
            "reverse_cost": self.reverse_cost_column,
            "stop_s": self.stop_s,
            "access_kmh": self.access_speed_kmh,
        }
        return "pgrouting:" + json.dumps(settings, sort_keys=True)

    def _execute(self, sql: str, parameters: dict[str, Any]) -> list[Any]:
        return list(self._connection.execute(text(sql), parameters).all())

    def _edges_sql(self) -> str:
        return (
            f"SELECT gid AS id, source, target, {self.cost_column} AS cost, "
            f"{self.reverse_cost_column} AS reverse_cost FROM {self.table}"
        )

    def _usable_vertices(self) -> list[int]:
        """The vertices of the largest strongly connected part (computed once)."""
        if self._usable is None:
            rows = self._execute(
                "SELECT component, node FROM pgr_strongComponents(:edges)",
                {"edges": self._edges_sql()},
            )
            members: dict[int, list[int]] = {}
            for component, node in rows:
                members.setdefault(int(component), []).append(int(node))
            self._usable = max(members.values(), key=len) if members else []
            logger.info(
                "%s: %d of the road vertices are in the largest strongly connected part",
                self.table,
                len(self._usable),
            )
        return self._usable

    def snap(self, points: Sequence[LatLon]) -> tuple[list[int], np.ndarray]:
        """The nearest vertex of each point and the distance to it in metres (one query)."""
        if not points:
            return [], np.zeros(0)
        geometry = self.geometry_column
        sql = (
            f"SELECT p.i, v.id, ST_Y(v.{geometry}), ST_X(v.{geometry}) "
            "FROM unnest(CAST(:lats AS float8[]), CAST(:lons AS float8[])) "
            "WITH ORDINALITY AS p(lat, lon, i) "
            "CROSS JOIN LATERAL ("
            f"SELECT id, {geometry} FROM {self.vertices_table} "
            "WHERE id = ANY(CAST(:usable AS BIGINT[])) "
            f"ORDER BY {geometry} <-> ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) LIMIT 1"
            ") AS v ORDER BY p.i"
        )
        rows = self._execute(
            sql,
            {
                "lats": [lat for lat, _ in points],
                "lons": [lon for _, lon in points],
                "usable": self._usable_vertices(),
            },
        )
        if len(rows) != len(points):
            msg = f"Vägtabellen {self.vertices_table} är tom"
            raise ValueError(msg)
        vertex_ids = [int(row[1]) for row in rows]
        snapped_m = np.array(
            [
                float(haversine_m(lat, lon, row[2], row[3]))
                for (lat, lon), row in zip(points, rows, strict=True)
            ],
            dtype=np.float64,
        )
        return vertex_ids, snapped_m

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
        vertex_ids, snapped_m = self.snap(points)
        distinct = sorted(set(vertex_ids))
        edges_sql = self._edges_sql()
        rows = self._execute(
            "SELECT start_vid, end_vid, agg_cost "
            "FROM pgr_dijkstraCostMatrix(:edges, CAST(:vids AS BIGINT[]), directed => true)",
            {"edges": edges_sql, "vids": distinct},
        )
        position = {vertex: i for i, vertex in enumerate(distinct)}
        between = np.full((len(distinct), len(distinct)), np.inf)
        np.fill_diagonal(between, 0.0)
        for start_vid, end_vid, agg_cost in rows:
            between[position[int(start_vid)], position[int(end_vid)]] = float(agg_cost)
        if not np.isfinite(between).all():
            msg = "Vägnätet i databasen saknar väg mellan några av stoppen"
            raise ValueError(msg)
        index = np.array([position[v] for v in vertex_ids], dtype=np.int64)
        drive_s = between[np.ix_(index, index)]
        access_s = snapped_m / (self.access_speed_kmh / 3.6)
        coords = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        apart_m = haversine_m(
            coords[:, None, 0], coords[:, None, 1], coords[None, :, 0], coords[None, :, 1]
        )
        seconds = np.where(
            apart_m > 0.5, drive_s + access_s[:, None] + access_s[None, :] + self.stop_s, 0.0
        )
        logger.info("pgRouting matrix for %d stops (%d vertices)", len(points), len(distinct))
        return TravelMatrix(
            points=tuple((float(a), float(b)) for a, b in coords),
            duration_s=np.rint(seconds).astype(np.int64),
            provider=self.name,
            snapped_m=snapped_m,
        )
