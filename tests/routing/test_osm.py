"""Travel times on an OpenStreetMap road graph: a generated network, and Mariatorget."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from planner.routing.osm import OsmRoadGraph
from tests.routing.city import CORNERS, write_block

MARIATORGET = Path("/work/shared/data/stockholm/osm/mariatorget.osm.pbf")


@pytest.fixture
def block(tmp_path: Path) -> Path:
    return write_block(tmp_path / "block.osm")


def test_one_way_street_is_driven_only_one_way(block: Path) -> None:
    graph = OsmRoadGraph.from_file(block, stop_s=0)
    a, b = CORNERS[1], CORNERS[2]
    matrix = graph.matrix([a, b]).duration_s
    # a → b is the one-way street itself; b → a goes round the other three sides.
    assert matrix[1, 0] > 2.5 * matrix[0, 1]
    assert matrix[0, 1] > 0


def test_footways_and_private_roads_are_no_shortcut_for_a_car(block: Path) -> None:
    graph = OsmRoadGraph.from_file(block, stop_s=0)
    assert graph.graph.shape == (4, 4)  # the middle node belongs to no car road
    _nodes, snapped_m = graph.snap([CORNERS[5]])
    assert snapped_m[0] > 40


def test_stop_is_reached_from_the_nearest_street_corner(block: Path) -> None:
    graph = OsmRoadGraph.from_file(block, stop_s=120)
    beside_b = (CORNERS[2][0] + 0.0001, CORNERS[2][1])  # 11 m north of b
    matrix = graph.matrix([CORNERS[1], beside_b, beside_b]).duration_s
    base = graph.matrix([CORNERS[1], CORNERS[2]]).duration_s
    # The same drive, plus 11 m on foot at 10 km/h (about 4 s); the stop time is in both.
    assert 2 <= matrix[0, 1] - base[0, 1] <= 6
    assert base[0, 1] > 120
    assert matrix[1, 2] == 0


@pytest.mark.skipif(not MARIATORGET.exists(), reason=f"{MARIATORGET} is not here (../shared)")
def test_mariatorget_extract_gives_finite_asymmetric_city_times() -> None:
    graph = OsmRoadGraph.from_file(MARIATORGET)
    with MARIATORGET.with_name("mariatorget_osm_addresses.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[::10]
    points = [(float(row["lat"]), float(row["lon"])) for row in rows]
    matrix = graph.matrix(points).duration_s
    off_diagonal = matrix[~np.eye(len(points), dtype=bool)]
    assert np.isfinite(off_diagonal).all()
    assert (off_diagonal > 0).all()
    # Within 0.8 km of Södermalm: a few minutes, never an hour.
    assert off_diagonal.max() < 20 * 60
    assert (matrix != matrix.T).any()  # one-way streets
