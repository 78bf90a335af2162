"""The demo city's approximate geography, written for this project from public facts.

``data/demo/neighbourhoods.csv`` lists real neighbourhood centres (approximate positions), the
district each belongs to, its postort and postcode prefix, and some of its real street names.
``outline.geojson`` is a hand-drawn outline of the municipality and ``water.geojson`` rough outlines
of the main water bodies. District polygons are the Voronoi cells of the neighbourhood centres,
merged per district and cut to the outline: recognisable, not exact. Nothing here is copied from an
official boundary file.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

DEMO_DATA = Path(__file__).resolve().parent.parent / "data" / "demo"
M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class Neighbourhood:
    district: str
    name: str
    lat: float
    lon: float
    spread_m: float
    postort: str
    postcode_prefix: str
    streets: tuple[str, ...]


@dataclass(frozen=True)
class DistrictFacts:
    """A row of DESIGN §3b."""

    name: str
    lat: float
    lon: float
    area_km2: float
    population: int
    est_customers: int


# DESIGN §3b: the 11 stadsdelsområden since 2023-07-01, population 2024-12-31, and the city's
# ~15,000 home-care customers spread by each district's share of elderly-care recipients.
DISTRICTS: tuple[DistrictFacts, ...] = (
    DistrictFacts("Norra innerstaden", 59.344, 18.091, 29.6, 155_286, 2_415),
    DistrictFacts("Södermalm", 59.314, 18.067, 10.8, 130_402, 2_082),
    DistrictFacts("Hägersten-Älvsjö", 59.293, 17.990, 24.2, 128_794, 1_609),
    DistrictFacts("Enskede-Årsta-Vantör", 59.278, 18.051, 21.6, 105_241, 1_590),
    DistrictFacts("Järva", 59.398, 17.912, 24.9, 95_220, 1_171),
    DistrictFacts("Bromma", 59.341, 17.936, 27.6, 83_118, 1_168),
    DistrictFacts("Hässelby-Vällingby", 59.372, 17.833, 25.1, 76_340, 1_353),
    DistrictFacts("Kungsholmen", 59.329, 18.015, 7.0, 70_932, 1_030),
    DistrictFacts("Farsta", 59.252, 18.092, 17.3, 62_085, 1_233),
    DistrictFacts("Skarpnäck", 59.264, 18.141, 17.5, 46_407, 692),
    DistrictFacts("Skärholmen", 59.285, 17.906, 10.2, 38_112, 658),
)


@cache
def neighbourhoods() -> tuple[Neighbourhood, ...]:
    with (DEMO_DATA / "neighbourhoods.csv").open(encoding="utf-8", newline="") as f:
        return tuple(
            Neighbourhood(
                district=row["district"],
                name=row["neighbourhood"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                spread_m=float(row["spread_m"]),
                postort=row["postort"],
                postcode_prefix=row["postcode"].split()[0],
                streets=tuple(s.strip() for s in row["streets"].split(";")),
            )
            for row in csv.DictReader(f)
        )


def _read_polygons(name: str) -> list[tuple[str, Polygon]]:
    data = json.loads((DEMO_DATA / name).read_text(encoding="utf-8"))
    result: list[tuple[str, Polygon]] = []
    for feature in data["features"]:
        geom = shape(feature["geometry"])
        assert isinstance(geom, Polygon)
        result.append((feature["properties"]["name"], geom))
    return result


@cache
def outline() -> Polygon:
    return _read_polygons("outline.geojson")[0][1]


@cache
def water() -> tuple[tuple[str, Polygon], ...]:
    return tuple(_read_polygons("water.geojson"))


@cache
def water_union() -> BaseGeometry:
    return shapely.union_all([poly for _, poly in water()])


@cache
def district_polygons() -> dict[str, MultiPolygon]:
    """District name → MultiPolygon (WGS 84): neighbourhood Voronoi cells cut to the outline."""
    hoods = neighbourhoods()
    centres = shapely.points([h.lon for h in hoods], [h.lat for h in hoods])
    border = outline()
    cells = shapely.voronoi_polygons(
        shapely.MultiPoint(list(centres)), extend_to=border.buffer(0.3)
    )
    by_district: dict[str, list[BaseGeometry]] = {}
    for cell in cells.geoms:
        hits = [h for h, c in zip(hoods, centres, strict=True) if cell.contains(c)]
        by_district.setdefault(hits[0].district, []).append(cell.intersection(border))
    result: dict[str, MultiPolygon] = {}
    for facts in DISTRICTS:
        merged = shapely.union_all(by_district[facts.name])
        # snap away slivers left by floating point between neighbouring cells
        merged = shapely.set_precision(merged, 1e-7)
        polys = [merged] if isinstance(merged, Polygon) else list(merged.geoms)  # type: ignore[attr-defined]
        result[facts.name] = MultiPolygon([p for p in polys if isinstance(p, Polygon)])
    return result


def sample_points(
    hood: Neighbourhood, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points (lat, lon) near a neighbourhood centre, on land and inside its district."""
    district = district_polygons()[hood.district]
    wet = water_union()
    shapely.prepare(district)
    shapely.prepare(wet)
    lats: list[float] = []
    lons: list[float] = []
    sd_lat = hood.spread_m / M_PER_DEG_LAT
    sd_lon = hood.spread_m / (M_PER_DEG_LAT * np.cos(np.radians(hood.lat)))
    spread = 1.0
    while len(lats) < count:
        n = max(16, 2 * (count - len(lats)))
        lat = hood.lat + rng.normal(0.0, sd_lat * spread, n)
        lon = hood.lon + rng.normal(0.0, sd_lon * spread, n)
        ok = shapely.contains_xy(district, lon, lat) & ~shapely.contains_xy(wet, lon, lat)
        lats.extend(lat[ok][: count - len(lats)])
        lons.extend(lon[ok][: count - len(lons)])
        spread = max(0.3, spread * 0.8)  # a centre hemmed in by water: draw closer in
    return np.asarray(lats), np.asarray(lons)
