"""Travel times from pgRouting, on the same one-way block as the OSM tests.

Runs where ``PLANNER_TEST_POSTGRES_URL`` points at a PostgreSQL server with PostGIS and
pgRouting available (the test creates both extensions inside its transaction and rolls back);
skips with the reason otherwise. The road table is written by hand in the layout osm2pgrouting
creates (``ways`` and ``ways_vertices_pgr``), as temporary tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from planner.geo.crs import haversine_m
from planner.routing.osm import DEFAULT_SPEEDS_KMH, OsmRoadGraph
from planner.routing.pgrouting import PgRouting
from tests.routing.city import CORNERS, write_block

pytestmark = pytest.mark.postgis

# (gid, source, target, one-way?) for the four streets of the block.
STREETS = ((10, 1, 2, True), (11, 2, 3, False), (12, 3, 4, False), (13, 4, 1, False))


@pytest.fixture
def roads() -> Iterator[Connection]:
    url = os.environ.get("PLANNER_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("pgRouting test: PLANNER_TEST_POSTGRES_URL is not set")
    engine = create_engine(url)
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            with connection.begin_nested():
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS pgrouting"))
        except DBAPIError as error:
            transaction.rollback()
            pytest.skip(f"pgRouting is not available on the test server: {error.orig}")
        connection.execute(
            text(
                "CREATE TEMP TABLE ways (gid bigint, source bigint, target bigint, "
                "cost_s double precision, reverse_cost_s double precision, "
                "the_geom geometry(LineString, 4326))"
            )
        )
        connection.execute(
            text("CREATE TEMP TABLE ways_vertices_pgr (id bigint, the_geom geometry(Point, 4326))")
        )
        for vertex in (1, 2, 3, 4):
            lat, lon = CORNERS[vertex]
            connection.execute(
                text(
                    "INSERT INTO ways_vertices_pgr "
                    "VALUES (:id, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
                ),
                {"id": vertex, "lat": lat, "lon": lon},
            )
        speed_ms = DEFAULT_SPEEDS_KMH["residential"] / 3.6
        for gid, source, target, one_way in STREETS:
            (lat1, lon1), (lat2, lon2) = CORNERS[source], CORNERS[target]
            cost = float(haversine_m(lat1, lon1, lat2, lon2)) / speed_ms
            connection.execute(
                text(
                    "INSERT INTO ways VALUES (:gid, :source, :target, :cost, :reverse, "
                    "ST_SetSRID(ST_MakeLine(ST_MakePoint(:lon1, :lat1), "
                    "ST_MakePoint(:lon2, :lat2)), 4326))"
                ),
                {
                    "gid": gid,
                    "source": source,
                    "target": target,
                    "cost": cost,
                    "reverse": -1.0 if one_way else cost,
                    "lat1": lat1,
                    "lon1": lon1,
                    "lat2": lat2,
                    "lon2": lon2,
                },
            )
        try:
            yield connection
        finally:
            transaction.rollback()
    engine.dispose()


def test_pgrouting_drives_a_one_way_street_one_way_like_the_osm_graph(
    roads: Connection, tmp_path: Path
) -> None:
    points = [CORNERS[1], CORNERS[2], CORNERS[3]]
    from_database = PgRouting(roads, table="ways", stop_s=0).matrix(points).duration_s
    osm_file = write_block(tmp_path / "block.osm")
    from_file = OsmRoadGraph.from_file(osm_file, stop_s=0).matrix(points).duration_s
    assert from_database[1, 0] > 2.5 * from_database[0, 1]
    assert abs(from_database - from_file).max() <= 1
    with Session(bind=roads) as session:
        through_session = PgRouting(session, table="ways", stop_s=0).matrix(points).duration_s
    assert (through_session == from_database).all()
