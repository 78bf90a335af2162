"""District boundaries as versioned district sets: the real Stockholm files, on both engines."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from planner.imports import ImportFileError, ImportKind, ImportReport
from planner.models import AuditEvent, District, DistrictSet, Entrance

Run = Callable[..., ImportReport]
Counts = Callable[[], dict[str, int]]

STOCKHOLM_DATA = Path(
    os.environ.get(
        "PLANNER_STOCKHOLM_DATA",
        Path(__file__).resolve().parents[3] / "shared" / "data" / "stockholm",
    )
)
# (file, name column, population column, set name, areas, names that must come out right)
REAL_SETS = [
    (
        "districts_2020/sdn_2020.shp",
        "Sdn_omarde",
        None,
        "Stadsdelsnämndsområden 2020 (sdn_2020)",
        13,
        {"Hägersten-Älvsjö", "Östermalm", "Skärholmen", "Enskede-Årsta-Vantör"},
    ),
    (
        "districts_2020/Adm_area_ny.shp",
        "NAMN",
        None,
        "Stadsdelsnämndsområden 2020 (Adm_area_ny)",
        13,
        {"Hägersten-Älvsjö", "Östermalm", "Hässelby-Vällingby", "Södermalm"},
    ),
    (
        "districts_2023/stadsdelsomraden_11_2023.geojson",
        "name",
        "population_2024_12_31",
        "Stadsdelsområden 2023",
        11,
        {"Hägersten-Älvsjö", "Skärholmen", "Järva", "Norra innerstaden"},
    ),
    (
        "stadsdelar/shapefiles_fullsize_stadsdelar.shp",
        "name",
        None,
        "Stadsdelar (fullstora)",
        117,
        {"ÄLVSJÖ", "ÖSTERMALM", "SKÄRHOLMEN", "LADUGÅRDSGÄRDET", "SÖDRA ÄNGBY"},
    ),
    (
        "stadsdelar/stadsdelar_wgs84.geojson",
        "name",
        None,
        "Stadsdelar (förenklade)",
        117,
        {"ÄLVSJÖ", "ÖSTERMALM", "SKÄRHOLMEN", "LADUGÅRDSGÄRDET", "SÖDRA ÄNGBY"},
    ),
]
CURRENT = "Stadsdelsområden 2023"


def _real(relative: str) -> Path:
    path = STOCKHOLM_DATA / relative
    if not path.exists():
        pytest.skip(f"real Stockholm data not found: {path} (see ../shared/data/stockholm)")
    return path


def test_every_real_boundary_file_imports_as_a_versioned_set_and_one_is_current(
    run: Run, sessions: sessionmaker[Session]
) -> None:
    for relative, column, population, name, count, _ in REAL_SETS:
        report = run(
            ImportKind.DISTRICTS,
            _real(relative),
            name_column=column,
            population_column=population,
            set_name=name,
            make_current=name == CURRENT,
        )
        assert report.created == count, (relative, report.lines())
        assert not report.warnings, report.warnings
    with sessions() as s:
        sets = {d.name: d for d in s.scalars(select(DistrictSet)).all()}
        assert set(sets) == {r[3] for r in REAL_SETS}
        assert [n for n, d in sets.items() if d.is_current] == [CURRENT]
        for relative, _, _, name, count, names in REAL_SETS:
            rows = s.execute(
                select(District.name, func.ST_AsBinary(District.geom), District.population).where(
                    District.set_id == sets[name].id
                )
            ).all()
            assert len(rows) == count
            stored = {r[0] for r in rows}
            assert names <= stored, (relative, sorted(stored)[:5])
            assert not any("Ã" in n or "\ufffd" in n for n in stored)
            for _, blob, _ in rows:
                shape = shapely.from_wkb(bytes(blob))
                assert shape.geom_type == "MultiPolygon" and shape.is_valid
                lon, lat = shape.centroid.x, shape.centroid.y
                assert 17.7 < lon < 18.25 and 59.2 < lat < 59.45, (name, lon, lat)
        populations = {
            n: p
            for n, p in s.execute(
                select(District.name, District.population).where(
                    District.set_id == sets[CURRENT].id
                )
            )
        }
        assert populations["Södermalm"] == 130_402
        audited = s.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "district_set")
        ).all()
        assert audited.count("created") == 5 and audited.count("made_current") == 2


def test_the_same_boundaries_again_change_nothing_and_other_ones_need_a_new_name(
    run: Run, districts_file: Path, counts: Counts, tmp_path: Path
) -> None:
    options = {"name_column": "namn", "set_name": "Demo"}
    first = run(ImportKind.DISTRICTS, districts_file, **options)
    assert first.created == 11 and "aktuell" in " ".join(first.notes)  # the first set
    before = counts()
    again = run(ImportKind.DISTRICTS, districts_file, **options)
    assert not again.changed and again.unchanged == 11
    assert counts() == before
    other = tmp_path / "andra.geojson"
    other.write_text(
        districts_file.read_text("utf-8").replace('"Farsta"', '"Farsta-Skarpnäck"'), "utf-8"
    )
    with pytest.raises(ImportFileError, match="finns redan med andra områden"):
        run(ImportKind.DISTRICTS, other, **options)
    assert counts() == before


def test_making_a_set_current_gives_every_entrance_its_new_district(
    run: Run, city: Path, sessions: sessionmaker[Session]
) -> None:
    run(ImportKind.ENTRANCES, city / "entreer.csv")
    path = _real("districts_2020/sdn_2020.shp")
    report = run(
        ImportKind.DISTRICTS, path, name_column="Sdn_omarde", set_name="2020", make_current=True
    )
    assert "6 av 6 entréer" in " ".join(report.notes)
    with sessions() as s:
        names = s.execute(
            select(Entrance.street, District.name).join(
                District, District.id == Entrance.district_id
            )
        ).all()
    assert ("Fleminggatan", "Kungsholmen") in names
    assert ("Götgatan", "Södermalm") in names
    assert ("Ekbacken", "Bromma") in names


def test_a_boundary_file_without_the_name_column_lists_the_columns(
    run: Run, districts_file: Path
) -> None:
    from planner.errors import PlannerError

    with pytest.raises(PlannerError, match=r"kolumnen 'stadsdel' för namn finns inte.*namn"):
        run(ImportKind.DISTRICTS, districts_file, name_column="stadsdel")


def test_a_geopackage_in_sweref_99_tm_comes_back_in_wgs_84(
    run: Run, districts_file: Path, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    import geopandas as gpd

    gpkg = tmp_path / "omraden.gpkg"
    gpd.read_file(districts_file).to_crs(3006).to_file(gpkg, layer="omraden", driver="GPKG")
    report = run(ImportKind.DISTRICTS, gpkg, name_column="namn", layer="omraden")
    assert report.created == 11
    with sessions() as s:
        blob = s.scalar(select(func.ST_AsBinary(District.geom)).where(District.name == "Södermalm"))
    centre = shapely.from_wkb(bytes(blob)).centroid
    assert 18.0 < centre.x < 18.12 and 59.29 < centre.y < 59.33
