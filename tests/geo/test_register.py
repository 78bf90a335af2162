"""Reading address registers: OpenStreetMap (pbf, osm, CSV) and Lantmäteriet (GeoPackage, CSV)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.errors import ImportRowError
from planner.geo.crs import SWEREF99_TM, WGS84, transformer
from planner.geo.register import (
    OUTPUT_COLUMNS,
    combine_registers,
    read_address_register,
    read_lantmateriet_addresses,
    read_osm_address_csv,
    read_osm_address_pbf,
)


def _addresses(frame: pd.DataFrame) -> set[tuple[str, int, str]]:
    columns = zip(frame["street"], frame["number"], frame["letter"], strict=True)
    return {(str(street), int(number), str(letter)) for street, number, letter in columns}


# --------------------------------------------------------------------------- OSM, real files


def test_the_real_osm_csv_gives_all_392_points_with_ranges_expanded(mariatorget_csv: Path) -> None:
    register = read_osm_address_csv(mariatorget_csv)
    assert list(register.columns) == list(OUTPUT_COLUMNS)
    assert register["source_row"].nunique() == 392
    assert len(register) > 392  # ranges give one row per address
    assert register.attrs["skipped"] == []
    addresses = _addresses(register)
    assert {("Maria Prästgårdsgata", 31, x) for x in "ABCD"} <= addresses
    assert {("Timmermansgatan", 46, ""), ("Timmermansgatan", 48, "")} <= addresses
    assert {
        ("Hornsgatan", 33, "B"),
        ("Hornsgatan", 33, "C"),
        ("Fatbursgatan", 29, "A"),
    } <= addresses
    assert register["postcode"].str.fullmatch(r"(\d{3} \d{2})?").all()
    assert "118 48" in set(register["postcode"])  # written "11848" in the file
    assert register["lat"].between(59.30, 59.33).all()
    assert register["lon"].between(18.04, 18.08).all()


def test_a_range_row_puts_every_address_on_the_same_point(mariatorget_csv: Path) -> None:
    register = read_osm_address_csv(mariatorget_csv)
    range_rows = register[register["source_id"] == "node/894824281"]
    assert list(range_rows["letter"]) == ["A", "B", "C", "D"]
    assert range_rows["lat"].nunique() == 1


def test_the_real_pbf_gives_the_same_addresses_as_the_csv(
    mariatorget_pbf: Path, mariatorget_csv: Path
) -> None:
    from_pbf = read_osm_address_pbf(mariatorget_pbf)
    from_csv = read_osm_address_csv(mariatorget_csv)
    assert from_pbf["source_id"].nunique() == 392
    assert _addresses(from_pbf) == _addresses(from_csv)
    assert from_pbf["source_id"].str.startswith("node/").all()
    assert (from_pbf["source"] == "osm").all()


# --------------------------------------------------------------------------- OSM, small files

OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="1" lat="59.3100" lon="18.0600"/>
  <node id="2" lat="59.3100" lon="18.0610"/>
  <node id="3" lat="59.3106" lon="18.0610"/>
  <node id="4" lat="59.3106" lon="18.0600"/>
  <node id="5" lat="59.3120" lon="18.0700"/>
  <node id="6" lat="59.3120" lon="18.0710"/>
  <node id="7" lat="59.3126" lon="18.0710"/>
  <node id="8" lat="59.3126" lon="18.0700"/>
  <node id="10" lat="59.3150" lon="18.0650">
    <tag k="addr:street" v="Götgatan"/>
    <tag k="addr:housenumber" v="1;3"/>
    <tag k="addr:postcode" v="11846"/>
    <tag k="addr:city" v="Stockholm"/>
  </node>
  <node id="11" lat="59.3151" lon="18.0651">
    <tag k="addr:street" v="Götgatan"/>
    <tag k="addr:housenumber" v="bakom"/>
  </node>
  <way id="20">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="building" v="yes"/>
    <tag k="addr:street" v="Hornsgatan"/>
    <tag k="addr:housenumber" v="12A"/>
  </way>
  <way id="21">
    <nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/>
  </way>
  <relation id="30">
    <member type="way" ref="21" role="outer"/>
    <tag k="type" v="multipolygon"/>
    <tag k="building" v="yes"/>
    <tag k="addr:street" v="Bellmansgatan"/>
    <tag k="addr:housenumber" v="5"/>
  </relation>
</osm>
"""


@pytest.fixture
def small_osm(tmp_path: Path) -> Path:
    path = tmp_path / "liten.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    return path


def test_osm_nodes_ways_and_relations_become_points(small_osm: Path) -> None:
    register = read_osm_address_pbf(small_osm)
    by_id = {(r.source_id, r.number): r for r in register.itertuples()}
    assert set(by_id) == {("node/10", 1), ("node/10", 3), ("way/20", 12), ("relation/30", 5)}
    building = by_id[("way/20", 12)]
    assert building.letter == "A"
    assert building.lat == pytest.approx(59.3103, abs=1e-6)
    assert building.lon == pytest.approx(18.0605, abs=1e-6)
    relation = by_id[("relation/30", 5)]
    assert relation.lat == pytest.approx(59.3123, abs=1e-6)
    assert by_id[("node/10", 1)].postcode == "118 46"


def test_an_unreadable_osm_house_number_is_reported_in_swedish(small_osm: Path) -> None:
    register = read_osm_address_pbf(small_osm)
    assert len(register.attrs["skipped"]) == 1
    message = register.attrs["skipped"][0]
    assert message.startswith("liten.osm, rad ")
    assert "kolumn 'housenumber'" in message
    assert "'bakom'" in message


def test_strict_reading_stops_at_the_first_bad_row(small_osm: Path) -> None:
    with pytest.raises(ImportRowError, match="gatunumret ska vara"):
        read_osm_address_pbf(small_osm, strict=True)


def test_an_osm_csv_with_addr_prefixes_and_semicolons_is_read(tmp_path: Path) -> None:
    path = tmp_path / "osm.csv"
    path.write_text(
        "addr:street;addr:housenumber;addr:postcode;lat;lon\n"
        "Götgatan;12 B;118 46;59,3159;18,0721\n"
        "Götgatan;;118 46;59.3159;18.0721\n",
        encoding="utf-8",
    )
    register = read_osm_address_csv(path)
    assert _addresses(register) == {("Götgatan", 12, "B")}
    assert register.loc[0, "lat"] == pytest.approx(59.3159)
    assert register.attrs["skipped"] == [
        "osm.csv, rad 3, kolumn 'addr:housenumber': gatunummer saknas"
    ]


def test_a_csv_without_the_needed_columns_names_what_it_has(tmp_path: Path) -> None:
    path = tmp_path / "fel.csv"
    path.write_text("gata,nr\nGötgatan,1\n", encoding="utf-8")
    with pytest.raises(ImportRowError, match="filen har gata, nr"):
        read_osm_address_csv(path)


# --------------------------------------------------------------------------- Lantmäteriet


def _sweref(lat: float, lon: float) -> tuple[float, float]:
    east, north = transformer(WGS84, SWEREF99_TM).transform(lon, lat)
    return float(east), float(north)


@pytest.fixture
def lantmateriet_gpkg(tmp_path: Path) -> Path:
    """A tiny belägenhetsadress GeoPackage with Lantmäteriet's column names, in EPSG:3006."""
    rows = [
        # adressomrade, gard, nummer, bokstav, lage, lagenr, postnr, postort, status, lat, lon
        (
            "Götgatan",
            None,
            "12",
            None,
            None,
            None,
            11846,
            "STOCKHOLM",
            "Gällande",
            59.3159,
            18.0721,
        ),
        ("Götgatan", None, "16", "A", "UH", None, 11846, "STOCKHOLM", "Gällande", 59.3153, 18.0725),
        ("Götgatan", None, "16", "B", "U", 1, 11846, "STOCKHOLM", "Gällande", 59.3153, 18.0726),
        ("Ekbacken", None, "3", None, None, None, 16865, "BROMMA", "Gällande", 59.3520, 17.9310),
        ("Nygatan", None, "9", None, None, None, 11846, "STOCKHOLM", "Reserverad", 59.31, 18.07),
        ("Lövsta", "Gården", "2", None, None, None, 16578, "HÄSSELBY", "Gällande", 59.39, 17.82),
        ("Götgatan", None, None, None, None, None, 11846, "STOCKHOLM", "Gällande", 59.315, 18.07),
    ]
    geometry = [Point(*_sweref(r[9], r[10])) for r in rows]
    frame = gpd.GeoDataFrame(
        {
            "objektidentitet": [f"uuid-{i}" for i in range(len(rows))],
            "adressomrade_faststalltnamn": [r[0] for r in rows],
            "gardsadressomrade_faststalltnamn": [r[1] for r in rows],
            "adressplatsnummer": [r[2] for r in rows],
            "bokstavstillagg": [r[3] for r in rows],
            "lagestillagg": [r[4] for r in rows],
            "lagestillaggsnummer": [r[5] for r in rows],
            "postnummer": [r[6] for r in rows],
            "postort": [r[7] for r in rows],
            "statusforbelagenhetsadress": [r[8] for r in rows],
            "kommunnamn": ["Stockholm"] * len(rows),
        },
        geometry=geometry,
        crs=SWEREF99_TM,
    )
    path = tmp_path / "belagenhetsadress.gpkg"
    frame.to_file(path, layer="belagenhetsadress", driver="GPKG")
    return path


def test_a_lantmateriet_geopackage_is_read_into_the_register(lantmateriet_gpkg: Path) -> None:
    register = read_lantmateriet_addresses(lantmateriet_gpkg)
    assert list(register.columns) == list(OUTPUT_COLUMNS)
    rows = {(r.street, r.number, r.letter): r for r in register.itertuples()}
    assert set(rows) == {
        ("Götgatan", 12, ""),
        ("Götgatan", 16, "A"),
        ("Götgatan", 16, "B"),
        ("Ekbacken", 3, ""),
        ("Lövsta Gården", 2, ""),
    }
    first = rows[("Götgatan", 12, "")]
    assert (first.lat, first.lon) == (pytest.approx(59.3159), pytest.approx(18.0721))
    assert (first.postcode, first.postort, first.source) == ("118 46", "Stockholm", "lantmateriet")
    assert rows[("Götgatan", 16, "A")].entrance == "UH"
    assert rows[("Götgatan", 16, "B")].entrance == "U1"
    assert rows[("Ekbacken", 3, "")].postort == "Bromma"
    assert rows[("Lövsta Gården", 2, "")].postort == "Hässelby"


def test_reserved_addresses_are_left_out_and_bad_rows_reported(lantmateriet_gpkg: Path) -> None:
    register = read_lantmateriet_addresses(lantmateriet_gpkg)
    assert "Nygatan" not in set(register["street"])
    assert len(register.attrs["skipped"]) == 1
    assert "kolumn 'adressplatsnummer'" in register.attrs["skipped"][0]


def test_a_lantmateriet_csv_in_windows_1252_with_swedish_headers_is_read(tmp_path: Path) -> None:
    east, north = _sweref(59.3159, 18.0721)
    path = tmp_path / "adresser.csv"
    text = (
        "Adressområde;Adressplatsnummer;Bokstavstillägg;Postnummer;Postort;Nordkoordinat;Ostkoordinat\n"
        f"Götgatan;12;;118 46;Stockholm;{north:.3f};{east:.3f}\n".replace(".", ",")
        + f"Årstavägen;5;B;120 54;ÅRSTA;{north:.0f};{east:.0f}\n"
    )
    path.write_bytes(text.encode("cp1252"))
    register = read_address_register(path)
    assert _addresses(register) == {("Götgatan", 12, ""), ("Årstavägen", 5, "B")}
    assert register.loc[0, "lat"] == pytest.approx(59.3159, abs=1e-6)
    assert register.loc[1, "postort"] == "Årsta"


def test_a_lantmateriet_csv_without_coordinates_is_refused_in_swedish(tmp_path: Path) -> None:
    path = tmp_path / "utan.csv"
    path.write_text("adressomrade,adressplatsnummer\nGötgatan,12\n", encoding="utf-8")
    with pytest.raises(ImportRowError, match="koordinatkolumner saknas"):
        read_lantmateriet_addresses(path)


def test_the_register_kind_is_chosen_from_the_file(
    lantmateriet_gpkg: Path, small_osm: Path
) -> None:
    assert set(read_address_register(lantmateriet_gpkg)["source"]) == {"lantmateriet"}
    assert set(read_address_register(small_osm)["source"]) == {"osm"}


def test_combining_registers_keeps_one_row_per_address_and_place(
    lantmateriet_gpkg: Path, tmp_path: Path
) -> None:
    official = read_lantmateriet_addresses(lantmateriet_gpkg)
    path = tmp_path / "osm.csv"
    path.write_text(
        "street,housenumber,lat,lon\nGötgatan,12,59.31590,18.07210\nGötgatan,14,59.3156,18.0723\n",
        encoding="utf-8",
    )
    combined = combine_registers([official, read_osm_address_csv(path)])
    gotgatan_12 = combined[(combined["street"] == "Götgatan") & (combined["number"] == 12)]
    assert list(gotgatan_12["source"]) == ["lantmateriet"]
    assert ("Götgatan", 14, "") in _addresses(combined)
