"""Fixtures for the geo tests: the shared real Stockholm data, a tiny register, a municipality."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Polygon

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STOCKHOLM_DATA = Path(
    os.environ.get("PLANNER_STOCKHOLM_DATA", PROJECT_ROOT.parent / "shared" / "data" / "stockholm")
)


def shared_file(relative: str) -> Path:
    """A file under ../shared/data/stockholm, or skip the test with the reason."""
    path = STOCKHOLM_DATA / relative
    if not path.exists():
        pytest.skip(
            f"real Stockholm data not found: {path} (see ../shared/data/stockholm/README.md)"
        )
    return path


@pytest.fixture
def shared_path() -> Callable[[str], Path]:
    """``shared_path("districts_2020/sdn_2020.shp")``: the real file, or the test is skipped."""
    return shared_file


@pytest.fixture
def mariatorget_csv() -> Path:
    """The 392 OpenStreetMap address points around Mariatorget, as CSV."""
    return shared_file("osm/mariatorget_osm_addresses.csv")


@pytest.fixture
def mariatorget_pbf() -> Path:
    """The OpenStreetMap extract around Mariatorget (392 address points)."""
    return shared_file("osm/mariatorget.osm.pbf")


@pytest.fixture
def municipality() -> MultiPolygon:
    """Stockholm municipality: the real outline when present, else a hand-made box around it."""
    outline = STOCKHOLM_DATA / "districts_2023" / "stockholm_kommun_outline.geojson"
    if outline.exists():
        from planner.geo.boundaries import read_municipality

        return read_municipality(outline)
    box = Polygon([(17.76, 59.22), (18.20, 59.22), (18.20, 59.44), (17.76, 59.44)])
    return MultiPolygon([box])


@pytest.fixture
def small_register_df() -> pd.DataFrame:
    """A hand-made register: a few Södermalm and Bromma streets, a name used twice, letters."""
    rows = [
        # street, number, letter, postcode, postort, lat, lon
        ("Götgatan", 12, "", "118 46", "Stockholm", 59.31590, 18.07210),
        ("Götgatan", 14, "", "118 46", "Stockholm", 59.31560, 18.07230),
        ("Götgatan", 16, "A", "118 46", "Stockholm", 59.31530, 18.07250),
        ("Götgatan", 16, "B", "118 46", "Stockholm", 59.31528, 18.07262),
        ("Hornsgatan", 33, "A", "118 49", "Stockholm", 59.31866, 18.06172),
        ("Hornsgatan", 33, "B", "118 49", "Stockholm", 59.31863, 18.06150),
        ("Sankt Eriksgatan", 31, "", "112 39", "Stockholm", 59.33560, 18.03240),
        ("Sankt Eriksgatan", 33, "", "112 39", "Stockholm", 59.33590, 18.03230),
        ("Björkvägen", 5, "", "167 55", "Bromma", 59.33800, 17.94000),
        ("Björkgatan", 5, "", "118 20", "Stockholm", 59.31000, 18.05000),
        ("Ekbacken", 3, "", "168 65", "Bromma", 59.35200, 17.93100),
        ("Mariatorget", 1, "A", "118 48", "Stockholm", 59.31875, 18.06334),
        # A street name that exists in two parts of the city.
        ("Kyrkvägen", 4, "", "167 53", "Bromma", 59.33400, 17.96000),
        ("Kyrkvägen", 4, "", "122 33", "Enskede", 59.28100, 18.07500),
        # An address outside the municipality (Uppsala).
        ("Drottninggatan", 1, "", "753 10", "Uppsala", 59.85800, 17.63800),
    ]
    frame = pd.DataFrame(
        rows, columns=["street", "number", "letter", "postcode", "postort", "lat", "lon"]
    )
    frame["source"] = "test"
    return frame
