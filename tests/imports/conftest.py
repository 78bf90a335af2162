"""Fixtures for the import tests: the example files, a district set, a loaded little city."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from planner import _demo_geography
from planner.imports import ImportKind, ImportOptions, ImportReport, import_file
from planner.models import Base

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = PROJECT_ROOT / "data" / "examples"
ACTOR = "anna.andersson"

Run = Callable[..., ImportReport]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A copy of data/examples (rejects files are written beside their input)."""
    target = tmp_path / "files"
    shutil.copytree(EXAMPLES, target)
    return target


@pytest.fixture
def districts_file(tmp_path: Path) -> Path:
    """The demo city's 11 approximate districts as GeoJSON (no ../shared needed)."""
    polygons = _demo_geography.district_polygons()
    features = [
        {
            "type": "Feature",
            "properties": {"namn": name, "folkmangd": facts.population},
            "geometry": shapely.geometry.mapping(polygons[name]),
        }
        for name, facts in ((f.name, f) for f in _demo_geography.DISTRICTS)
    ]
    path = tmp_path / "stadsdelsomraden_demo.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


@pytest.fixture
def run(sessions: sessionmaker[Session]) -> Run:
    """``run(kind, path, **options)``: one import in one committed transaction."""

    def go(
        kind: ImportKind | str,
        path: Path,
        *,
        skip_invalid: bool = False,
        dry_run: bool = False,
        actor: str = ACTOR,
        **options: Any,
    ) -> ImportReport:
        opts = ImportOptions(**options)
        if dry_run:
            with sessions() as session:
                return import_file(
                    session, kind, path, actor=actor, dry_run=True, skip_invalid=skip_invalid,
                    options=opts,
                )  # fmt: skip
        with sessions.begin() as session:
            return import_file(
                session, kind, path, actor=actor, skip_invalid=skip_invalid, options=opts
            )

    return go


@pytest.fixture
def city(run: Run, files: Path, districts_file: Path) -> Path:
    """Districts, the example register, owners and properties; returns the examples folder."""
    run(ImportKind.DISTRICTS, districts_file, name_column="namn", population_column="folkmangd")
    run(ImportKind.ADDRESSES, files / "adresser.csv")
    run(ImportKind.OWNERS, files / "agare.csv")
    run(ImportKind.PROPERTIES, files / "fastigheter.xlsx")
    return files


@pytest.fixture
def counts(sessions: sessionmaker[Session]) -> Callable[[], dict[str, int]]:
    """``counts()``: rows per planner table, audit trail included (what "changed" means here)."""

    def count() -> dict[str, int]:
        with sessions() as session:
            return {
                name: int(session.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in sorted(Base.metadata.tables.items())
            }

    return count
