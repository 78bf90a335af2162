"""District boundaries into a new, versioned district set.

Every import of a boundary file creates a :class:`DistrictSet` of its own (the 13 areas of
2020–2023 and the 11 since 2023 live side by side); one set is current, and entrances carry the
district of the current set. ``make_current`` (``--current``) makes the imported set current and
assigns every entrance again, in the database. The first set ever imported becomes current by
itself. Importing the same file under the same set name again changes nothing; other boundaries
under an existing name are refused (a set, once imported, is history).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from planner.geo.boundaries import read_boundaries
from planner.geo.spatial import assign_districts, current_district_set_id
from planner.imports._db import insert_rows
from planner.imports._runs import record_run
from planner.imports.report import ImportFileError, ImportKind, ImportReport
from planner.locks.lifecycle import audit
from planner.models import District, DistrictSet, Entrance

SAME_GEOMETRY_DEG = 1e-7
# Where Stockholm is, roughly (WGS 84): a set elsewhere was read in the wrong CRS.
STOCKHOLM_BOUNDS = (17.5, 59.1, 18.4, 59.6)


def import_districts(
    session: Session,
    path: str | os.PathLike[str],
    *,
    name_column: str,
    actor: str,
    population_column: str | None = None,
    set_name: str | None = None,
    valid_from: date | None = None,
    make_current: bool = False,
    layer: str | int | None = None,
    crs: str | int | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import boundaries (GeoJSON, Shapefile, GeoPackage; any CRS and encoding) as a new set."""
    file = Path(path)
    boundaries = read_boundaries(
        file,
        name_column=name_column,
        population_column=population_column,
        layer=layer,
        crs=crs,
        encoding=encoding,
    )
    name = " ".join((set_name or file.stem).split())
    report = ImportReport(ImportKind.DISTRICTS, file.name, rows=len(boundaries), dry_run=dry_run)
    if boundaries.empty:
        msg = f"{file.name}: filen innehåller inga ytor med namn"
        raise ImportFileError(msg)
    minx, miny, maxx, maxy = boundaries.total_bounds
    west, south, east, north = STOCKHOLM_BOUNDS
    if maxx < west or minx > east or maxy < south or miny > north:
        report.warnings.append(
            f"Gränserna ligger inte i Stockholm ({miny:.3f}–{maxy:.3f} N, {minx:.3f}–{maxx:.3f} "
            "Ö): kontrollera koordinatsystemet (--crs)."
        )
    populations = (
        list(boundaries["population"])
        if "population" in boundaries.columns
        else [None] * len(boundaries)
    )
    wanted = {
        str(n): (g, None if p is None or p != p else int(p))
        for n, g, p in zip(boundaries["name"], boundaries.geometry, populations, strict=True)
    }

    existing = session.scalar(select(DistrictSet).where(DistrictSet.name == name))
    actions: list[str] = []
    if existing is not None:
        _require_same(session, existing, wanted, file.name)
        district_set = existing
        report.unchanged = len(wanted)
    else:
        district_set = DistrictSet(
            name=name,
            valid_from=valid_from,
            is_current=False,
            source=f"{file.name} (namn ur kolumnen {name_column!r})",
        )
        session.add(district_set)
        session.flush()
        insert_rows(
            session,
            District,
            [
                {
                    "set_id": district_set.id,
                    "code": None,
                    "name": district,
                    "population": population,
                    "est_customers": None,
                    "geom": "SRID=4326;" + shapely.to_wkt(geom, rounding_precision=-1),
                }
                for district, (geom, population) in wanted.items()
            ],
        )
        report.created = len(wanted)
        actions.append("created")
    first = current_district_set_id(session) is None
    if (make_current or first) and not district_set.is_current:
        session.execute(update(DistrictSet).values(is_current=False))
        session.execute(
            update(DistrictSet).where(DistrictSet.id == district_set.id).values(is_current=True)
        )
        session.expire(district_set)
        assigned = assign_districts(session, set_id=district_set.id)
        total = session.scalar(select(func.count()).select_from(Entrance)) or 0
        report.extra["Indelningar som gjorts aktuella"] = 1
        report.notes.append(
            f"Indelningen {name!r} är nu aktuell; {assigned} av {total} entréer har fått "
            "stadsdelsområde."
        )
        actions.append("made_current")
    if report.changed:
        run = record_run(session, report, path=file, actor=actor)
        for action in actions:
            audit(
                session,
                entity="district_set",
                entity_id=district_set.id,
                action=action,
                actor=actor,
                note=f"{name} ({len(wanted)} områden) ur {file.name}; import {run.id}",
            )
    else:
        report.notes.append(f"Indelningen {name!r} finns redan med samma gränser.")
    return report


def _require_same(
    session: Session, existing: DistrictSet, wanted: dict[str, tuple[Any, int | None]], file: str
) -> None:
    stored = {
        name: (shapely.from_wkb(bytes(blob)), population)
        for name, blob, population in session.execute(
            select(District.name, func.ST_AsBinary(District.geom), District.population).where(
                District.set_id == existing.id
            )
        )
    }
    same = set(stored) == set(wanted) and all(
        stored[n][1] == wanted[n][1]
        and shapely.equals_exact(
            shapely.normalize(stored[n][0]),
            shapely.normalize(wanted[n][0]),
            tolerance=SAME_GEOMETRY_DEG,
        )
        for n in wanted
    )
    if not same:
        msg = (
            f"{file}: indelningen {existing.name!r} finns redan med andra områden eller gränser. "
            "En indelning ändras inte i efterhand: importera filen som en ny indelning med "
            "--set-name."
        )
        raise ImportFileError(msg)
