"""The address register table: real OpenStreetMap addresses, upserts, bad rows, matching."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from planner.geo.addresses import SwedishAddress, parse_address
from planner.geo.geocode import GeocodeStatus
from planner.imports import ImportKind, ImportRejected, ImportReport
from planner.imports.geocoding import ImportGeocoder, register_frame
from planner.models import RegisterAddress

Run = Callable[..., ImportReport]
Counts = Callable[[], dict[str, int]]

STOCKHOLM_DATA = Path(
    os.environ.get(
        "PLANNER_STOCKHOLM_DATA",
        Path(__file__).resolve().parents[3] / "shared" / "data" / "stockholm",
    )
)


def _real(relative: str) -> Path:
    path = STOCKHOLM_DATA / relative
    if not path.exists():
        pytest.skip(f"real Stockholm data not found: {path} (see ../shared/data/stockholm)")
    return path


def test_the_real_osm_extract_imports_into_the_register_once(
    run: Run, sessions: sessionmaker[Session], counts: Counts
) -> None:
    report = run(ImportKind.ADDRESSES, _real("osm/mariatorget.osm.pbf"))
    assert report.created == 409  # 392 address objects, ranges such as "31A-D" expanded
    assert not report.problems
    with sessions() as s:
        frame = register_frame(s)
        assert len(frame) == 409
        assert set(frame["source"]) == {"osm"}
        assert frame["lat"].between(59.30, 59.33).all()
        assert frame["lon"].between(18.04, 18.08).all()
        assert "Sankt Paulsgatan" in set(frame["street"])
        assert s.scalar(
            select(func.count())
            .select_from(RegisterAddress)
            .where(RegisterAddress.street_key == "hornsgata")
        )
    before = counts()
    again = run(ImportKind.ADDRESSES, _real("osm/mariatorget.osm.pbf"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 409)
    assert counts() == before
    with sessions() as s:
        [hit] = ImportGeocoder(s).addresses([_parsed("Hornsgatan 33 A")])
    assert hit.status is GeocodeStatus.ACCEPTED


def test_the_real_osm_csv_imports_too(run: Run) -> None:
    report = run(ImportKind.ADDRESSES, _real("osm/mariatorget_osm_addresses.csv"))
    assert report.created == 409 and not report.problems


def test_a_moved_address_is_updated(run: Run, files: Path, sessions: sessionmaker[Session]) -> None:
    run(ImportKind.ADDRESSES, files / "adresser.csv")
    path = files / "adresser.csv"
    path.write_text(
        path.read_text("utf-8").replace("59.31590,18.07210", "59.31600,18.07200"), "utf-8"
    )
    report = run(ImportKind.ADDRESSES, path)
    assert (report.created, report.updated) == (0, 1)
    with sessions() as s:
        frame = register_frame(s)
    moved = frame[(frame["street"] == "Götgatan") & (frame["number"] == 12)]
    assert moved["lat"].round(5).tolist() == [59.316]


def test_a_register_with_bad_rows_is_rejected_unless_they_are_skipped(
    run: Run, files: Path, counts: Counts
) -> None:
    path = files / "osm.csv"
    path.write_text(
        "street,housenumber,postcode,city,lat,lon\n"
        "Götgatan,12,118 46,Stockholm,59.3159,18.0721\n"
        ",14,118 46,Stockholm,59.3156,18.0723\n"
        "Götgatan,16,118 46,Stockholm,,\n",
        encoding="utf-8",
    )
    before = counts()
    with pytest.raises(ImportRejected) as caught:
        run(ImportKind.ADDRESSES, path)
    assert counts() == before
    rows = [(p.file, p.row) for p in caught.value.report.problems]
    assert rows == [("osm.csv", 3), ("osm.csv", 4)]
    report = run(ImportKind.ADDRESSES, path, skip_invalid=True)
    assert report.created == 1
    assert report.rejects_path == files / "osm.avvisade.csv"
    rejects = pd.read_csv(report.rejects_path, sep=";", dtype=str, encoding="utf-8-sig")
    assert list(rejects["housenumber"]) == ["14", "16"]
    assert rejects["fel"].str.len().gt(0).all()


def _parsed(text: str) -> tuple[SwedishAddress, str]:
    return parse_address(text), ""
