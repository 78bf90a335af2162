"""Reading district boundaries: the real Stockholm files and small hand-made ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, Polygon

from planner.errors import ImportRowError
from planner.geo.boundaries import (
    decode_dbf_text,
    fix_mojibake,
    read_boundaries,
    read_municipality,
)
from planner.geo.crs import SWEREF99_1800, SWEREF99_TM, WGS84

# (file, name column, population column, number of areas, names that must come out right)
REAL_FILES = [
    (
        "districts_2020/sdn_2020.shp",
        "Sdn_omarde",
        None,
        13,
        {"Hägersten-Älvsjö", "Östermalm", "Skärholmen", "Enskede-Årsta-Vantör", "Spånga-Tensta"},
    ),
    (
        "districts_2020/Adm_area_ny.shp",
        "NAMN",
        None,
        13,
        {"Hägersten-Älvsjö", "Östermalm", "Skärholmen", "Hässelby-Vällingby", "Södermalm"},
    ),
    (
        "districts_2023/stadsdelsomraden_11_2023.geojson",
        "name",
        "population_2024_12_31",
        11,
        {"Hägersten-Älvsjö", "Skärholmen", "Järva", "Norra innerstaden", "Södermalm"},
    ),
    (
        "stadsdelar/shapefiles_fullsize_stadsdelar.shp",
        "name",
        None,
        117,
        {"ÄLVSJÖ", "ÖSTERMALM", "SKÄRHOLMEN", "HÄGERSTEN", "LADUGÅRDSGÄRDET", "SÖDRA ÄNGBY"},
    ),
    (
        "stadsdelar/stadsdelar_wgs84.geojson",
        "name",
        None,
        117,
        {"ÄLVSJÖ", "ÖSTERMALM", "SKÄRHOLMEN", "HÄGERSTEN", "LADUGÅRDSGÄRDET", "SÖDRA ÄNGBY"},
    ),
]


@pytest.mark.parametrize(
    ("relative", "name_column", "population_column", "count", "names"),
    REAL_FILES,
    ids=[f[0].split("/")[-1] for f in REAL_FILES],
)
def test_real_boundary_files_come_out_with_swedish_letters_where_stockholm_is(
    shared_path: Callable[[str], Path],
    relative: str,
    name_column: str,
    population_column: str | None,
    count: int,
    names: set[str],
) -> None:
    districts = read_boundaries(
        shared_path(relative), name_column=name_column, population_column=population_column
    )
    assert len(districts) == count
    assert names <= set(districts["name"])
    assert not any("Ã" in name or "\ufffd" in name for name in districts["name"])
    assert districts.crs is not None and districts.crs.to_epsg() == WGS84
    assert (districts.geom_type == "MultiPolygon").all()
    assert not districts.has_z.any()
    assert districts.is_valid.all()
    centroids = districts.to_crs(SWEREF99_TM).centroid.to_crs(WGS84)
    assert centroids.y.between(59.2, 59.45).all()
    assert centroids.x.between(17.75, 18.2).all()
    area_km2 = districts.to_crs(SWEREF99_TM).area.sum() / 1e6
    assert area_km2 == pytest.approx(215, rel=0.03)


def test_the_2023_districts_carry_their_population(shared_path: Callable[[str], Path]) -> None:
    districts = read_boundaries(
        shared_path("districts_2023/stadsdelsomraden_11_2023.geojson"),
        name_column="name",
        population_column="population_2024_12_31",
    )
    population = dict(zip(districts["name"], districts["population"], strict=True))
    assert population["Södermalm"] == 130_402
    assert population["Skärholmen"] == 38_112
    assert list(districts.columns) == ["name", "population", "geometry"]


def test_a_missing_name_column_lists_the_available_columns(
    shared_path: Callable[[str], Path],
) -> None:
    with pytest.raises(ImportRowError) as caught:
        read_boundaries(shared_path("districts_2020/sdn_2020.shp"), name_column="namn")
    message = str(caught.value)
    assert "kolumnen 'namn'" in message
    assert "tillgängliga kolumner: TYP, KOMMUN, Sdn_omarde" in message


def test_the_name_column_is_matched_without_regard_to_case(
    shared_path: Callable[[str], Path],
) -> None:
    districts = read_boundaries(shared_path("districts_2020/Adm_area_ny.shp"), name_column="namn")
    assert "Östermalm" in set(districts["name"])


def test_the_municipality_outline_is_one_multipolygon(shared_path: Callable[[str], Path]) -> None:
    outline = read_municipality(shared_path("districts_2023/stockholm_kommun_outline.geojson"))
    assert isinstance(outline, MultiPolygon)
    assert outline.contains(Polygon([(18.06, 59.31), (18.07, 59.31), (18.07, 59.32)]))


# --------------------------------------------------------------------------- hand-made files


def _square(x: float, y: float, size: float) -> Polygon:
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


def _write_shapefile(path: Path, names: list[str], *, crs: int = SWEREF99_1800) -> None:
    frame = gpd.GeoDataFrame(
        {"NAMN": names, "FOLK": ["1 200", "800"][: len(names)]},
        geometry=[_square(150_000 + i * 2_000, 6_580_000, 1_000) for i in range(len(names))],
        crs=crs,
    )
    frame.to_file(path, driver="ESRI Shapefile", encoding="UTF-8")


def test_a_dbf_mixing_utf8_and_latin1_rows_is_fixed_value_by_value(tmp_path: Path) -> None:
    path = tmp_path / "blandat.shp"
    _write_shapefile(path, ["Östermalm", "Skärholmen"])
    dbf = path.with_suffix(".dbf")
    raw = dbf.read_bytes()
    utf8 = "Skärholmen".encode()
    latin1 = "Skärholmen".encode("latin-1").ljust(len(utf8), b" ")
    dbf.write_bytes(raw.replace(utf8, latin1))
    assert path.with_suffix(".cpg").read_text().strip().upper() == "UTF-8"

    districts = read_boundaries(path, name_column="NAMN", population_column="FOLK")
    assert list(districts["name"]) == ["Östermalm", "Skärholmen"]
    assert list(districts["population"]) == [1200, 800]


def test_a_latin1_dbf_without_cpg_is_read(tmp_path: Path) -> None:
    path = tmp_path / "latin.shp"
    frame = gpd.GeoDataFrame(
        {"NAMN": ["Älvsjö", "Hässelby-Vällingby"]},
        geometry=[_square(150_000, 6_580_000, 1_000), _square(153_000, 6_580_000, 1_000)],
        crs=SWEREF99_1800,
    )
    frame.to_file(path, driver="ESRI Shapefile", encoding="ISO-8859-1")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    districts = read_boundaries(path, name_column="NAMN")
    assert list(districts["name"]) == ["Älvsjö", "Hässelby-Vällingby"]


def test_polygon_z_and_invalid_polygons_become_valid_2d_multipolygons(tmp_path: Path) -> None:
    bow_tie = Polygon([(18.00, 59.30), (18.02, 59.32), (18.02, 59.30), (18.00, 59.32)])
    with_z = Polygon([(18.05, 59.30, 12.0), (18.06, 59.30, 12.0), (18.06, 59.31, 12.0)])
    path = tmp_path / "ytor.geojson"
    gpd.GeoDataFrame({"namn": ["Fjäril", "Höjd"]}, geometry=[bow_tie, with_z], crs=WGS84).to_file(
        path, driver="GeoJSON"
    )
    districts = read_boundaries(path, name_column="namn")
    assert (districts.geom_type == "MultiPolygon").all()
    assert districts.is_valid.all()
    assert not districts.has_z.any()
    assert len(districts.geometry.iloc[0].geoms) == 2


def test_parts_with_the_same_name_are_dissolved(tmp_path: Path) -> None:
    path = tmp_path / "delar.gpkg"
    gpd.GeoDataFrame(
        {"namn": ["Bromma", "Bromma", "Kista"], "folk": [10, 5, 7]},
        geometry=[
            _square(670_000, 6_580_000, 500),
            _square(672_000, 6_580_000, 500),
            _square(668_000, 6_590_000, 500),
        ],
        crs=SWEREF99_TM,
    ).to_file(path, driver="GPKG")
    districts = read_boundaries(path, name_column="namn", population_column="folk")
    assert list(districts["name"]) == ["Bromma", "Kista"]
    assert list(districts["population"]) == [15, 7]
    assert len(districts.geometry.iloc[0].geoms) == 2


def test_a_file_without_crs_is_recognised_by_its_coordinate_range(tmp_path: Path) -> None:
    path = tmp_path / "utan_prj.shp"
    _write_shapefile(path, ["Kungsholmen"])
    path.with_suffix(".prj").unlink()
    districts = read_boundaries(path, name_column="NAMN")
    centroid = districts.geometry.iloc[0].centroid
    assert 59.2 < centroid.y < 59.45 and 17.75 < centroid.x < 18.2


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_a_file_without_crs_and_odd_coordinates_asks_for_the_crs(tmp_path: Path) -> None:
    path = tmp_path / "okand.shp"
    gpd.GeoDataFrame({"NAMN": ["X"]}, geometry=[_square(10, 10, 1)]).to_file(path)
    with pytest.raises(ImportRowError, match="koordinatsystem saknas"):
        read_boundaries(path, name_column="NAMN")
    assert len(read_boundaries(path, name_column="NAMN", crs="EPSG:3006")) == 1


def test_text_decoding_helpers_repair_swedish_letters() -> None:
    assert decode_dbf_text("Hägersten".encode()) == "Hägersten"
    assert decode_dbf_text("Hägersten".encode("latin-1")) == "Hägersten"
    assert decode_dbf_text("Hägersten".encode("cp850"), "cp850") == "Hägersten"
    assert fix_mojibake("HÃ¤gersten-Ã\x84lvsjÃ¶") == "Hägersten-Älvsjö"
    assert fix_mojibake("Hägersten") == "Hägersten"
