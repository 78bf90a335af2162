"""The address register: Lantmäteriet's belägenhetsadresser or OpenStreetMap addresses.

:func:`planner.geo.register.read_address_register` reads the file (GeoPackage, CSV, .osm.pbf);
this module stores its rows in ``register_address``, upserting on the stable key (source,
source id, number, letter, entrance): re-importing the same file changes nothing, a newer export
updates what moved. Addresses missing from a newer file are kept (a file may cover only part of
the city). Rows the reader could not use are bad rows; a row it read without its postcode is a
warning.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.geo.addresses import street_key
from planner.geo.register import read_address_register
from planner.imports._db import ewkt_point, insert_rows, point_columns, same_point, update_rows
from planner.imports._files import CSV_SUFFIXES, REASON_COLUMN, read_table, rejects_path
from planner.imports._runs import record_run
from planner.imports.report import ImportKind, ImportRejected, ImportReport, RowProblem
from planner.models import RegisterAddress

_MESSAGE = re.compile(
    r"^(?P<file>.+?), rad (?P<row>\d+), kolumn '(?P<column>[^']*)': (?P<reason>.*)$"
)
Source = Literal["auto", "lantmateriet", "osm"]


def _problem(message: str, file: str) -> RowProblem:
    match = _MESSAGE.match(message)
    if match is None:
        return RowProblem(file, 0, "", message)
    return RowProblem(file, int(match["row"]), match["column"], match["reason"])


def import_addresses(
    session: Session,
    path: str | os.PathLike[str],
    *,
    actor: str,
    source: Source = "auto",
    layer: str | None = None,
    crs: str | int | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Import an address register file into the register table (upsert on the stable key)."""
    file = Path(path)
    frame = read_address_register(file, kind=source, layer=layer, crs=crs, strict=False)
    report = ImportReport(
        ImportKind.ADDRESSES,
        file.name,
        rows=int(frame["source_row"].nunique()) if len(frame) else 0,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
    )
    kept_rows = set(frame["source_row"].astype(int))
    problems: list[RowProblem] = []
    for message in frame.attrs.get("skipped", []):
        problem = _problem(message, file.name)
        if problem.row in kept_rows:
            report.warnings.append(str(problem))
        else:
            problems.append(problem)
    report.problems = problems
    report.rejected_rows = len({p.row for p in problems})
    report.rows += report.rejected_rows
    if problems:
        report.rejects = _rejects(file, problems)
        if not skip_invalid and not dry_run:
            raise ImportRejected(report)

    frame = frame.drop_duplicates(["source", "source_id", "number", "letter", "entrance"])
    keys = {s: street_key(s) for s in frame["street"].unique()}
    existing: dict[tuple[str, str, int, str, str], dict[str, Any]] = {}
    lon, lat = point_columns(RegisterAddress.geom)
    for source_name in frame["source"].unique():
        for r in session.execute(
            select(
                RegisterAddress.id,
                RegisterAddress.source,
                RegisterAddress.source_id,
                RegisterAddress.number,
                RegisterAddress.letter,
                RegisterAddress.entrance,
                RegisterAddress.street,
                RegisterAddress.postcode,
                RegisterAddress.postort,
                lon.label("lon"),
                lat.label("lat"),
            ).where(RegisterAddress.source == str(source_name))
        ):
            existing[(r.source, r.source_id, r.number, r.letter, r.entrance)] = r._asdict()

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    row: dict[str, Any]
    for row in frame.to_dict("records"):  # type: ignore[assignment]
        values: dict[str, Any] = {
            "street": str(row["street"]),
            "street_key": keys[row["street"]],
            "number": int(row["number"]),
            "letter": str(row["letter"]),
            "entrance": str(row["entrance"]),
            "postcode": str(row["postcode"]),
            "postort": str(row["postort"]),
            "source": str(row["source"]),
            "source_id": str(row["source_id"])[:80],
            "source_row": int(row["source_row"]),
        }
        key = (
            values["source"],
            values["source_id"],
            values["number"],
            values["letter"],
            values["entrance"],
        )
        lon_lat = (float(row["lon"]), float(row["lat"]))
        old = existing.get(key)
        if old is None:
            inserts.append({**values, "geom": ewkt_point(*lon_lat)})
            continue
        diff = {k: values[k] for k in ("street", "postcode", "postort") if old[k] != values[k]}
        if not same_point((old["lon"], old["lat"]), lon_lat):
            diff["geom"] = ewkt_point(*lon_lat)
        if diff:
            diff["street_key"] = values["street_key"]
            diff["source_row"] = values["source_row"]
            updates.append({"id": old["id"], **diff})
        else:
            report.unchanged += 1
    insert_rows(session, RegisterAddress, inserts)
    update_rows(session, RegisterAddress, updates)
    report.created, report.updated = len(inserts), len(updates)
    if report.changed and not report.rejected_whole:
        record_run(session, report, path=file, actor=actor)
    if report.rejects is not None and skip_invalid and not dry_run:
        target = rejects_path(file, suffix=".csv")
        report.rejects.to_csv(target, sep=";", index=False, encoding="utf-8-sig")
        report.rejects_path = target
    return report


def _rejects(file: Path, problems: list[RowProblem]) -> pd.DataFrame:
    """For a CSV, its bad rows plus the reason; for other files, the list of problems."""
    reasons: dict[int, list[str]] = {}
    for p in problems:
        reasons.setdefault(p.row, []).append(f"{p.column}: {p.reason}" if p.column else p.reason)
    if file.suffix.lower() in CSV_SUFFIXES:
        table, _ = read_table(file)
        table = table.copy()
        table.index = table.index + 2
        picked = table.loc[[r for r in sorted(reasons) if r in table.index]].copy()
        picked[REASON_COLUMN] = ["; ".join(reasons[r]) for r in picked.index]
        return picked.reset_index(drop=True)
    return pd.DataFrame(
        [(r, "; ".join(reasons[r])) for r in sorted(reasons)], columns=["rad", REASON_COLUMN]
    )
