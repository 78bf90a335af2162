"""Properties (fastigheter), keyed by their designation, each with its owner's org number.

Columns: fastighetsbeteckning and organisationsnummer (the owner's, imported before) are
required. Designations are compared without regard to case or spacing ("Stockholm Kungsholmen
1:23" and "STOCKHOLM KUNGSHOLMEN 1 : 23" are the same property).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.imports._db import insert_rows, update_rows
from planner.imports._files import Field, Problems, read_sheet
from planner.imports._tabular import check_problems, finish, good_rows, new_report
from planner.imports._values import BadValue, org_number
from planner.imports.report import ImportKind, ImportReport
from planner.models import Property, PropertyOwner

DESIGNATION_NAMES = (
    "fastighetsbeteckning",
    "fastighet",
    "beteckning",
    "designation",
    "property",
    "property_designation",
)
FIELDS = (
    Field("designation", DESIGNATION_NAMES, required=True),
    Field(
        "org_number",
        ("organisationsnummer", "ägarens organisationsnummer", "org.nr", "orgnr", "org_number"),
        required=True,
    ),
)

# Some letters (the registration area and trakt, or a block name), then block:unit.
_DESIGNATION = re.compile(r"^(?=.*[^\W\d_])\S.*\d+:\d+$")


def parse_designation(text: str) -> str:
    """A fastighetsbeteckning with tidy spacing: "Stockholm Kungsholmen 1:23", "BLOCK 12:3"."""
    tidy = " ".join(text.split())
    tidy = re.sub(r"\s*:\s*", ":", tidy)
    if not _DESIGNATION.match(tidy):
        msg = (
            f"{text!r} är ingen fastighetsbeteckning; den slutar med block:enhet, "
            "t.ex. 'Stockholm Kungsholmen 1:23'"
        )
        raise BadValue(msg)
    return tidy


def designation_key(designation: str) -> str:
    return " ".join(designation.casefold().split())


def property_ids(session: Session) -> dict[str, tuple[int, int]]:
    """designation key → (property id, owner id), for the other importers."""
    return {
        designation_key(d): (pid, oid)
        for pid, d, oid in session.execute(
            select(Property.id, Property.designation, Property.owner_id)
        )
    }


def import_properties(
    session: Session,
    path: str | os.PathLike[str],
    *,
    actor: str,
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Import properties from CSV or Excel; upsert on the designation."""
    sheet = read_sheet(Path(path), FIELDS)
    report = new_report(ImportKind.PROPERTIES, sheet, skip_invalid=skip_invalid, dry_run=dry_run)
    problems = Problems(sheet)
    owners = {
        org: oid for org, oid in session.execute(select(PropertyOwner.org_number, PropertyOwner.id))
    }
    existing = {
        designation_key(d): (pid, d, oid)
        for pid, d, oid in session.execute(
            select(Property.id, Property.designation, Property.owner_id)
        )
    }
    designations, orgs = sheet.values("designation"), sheet.values("org_number")
    records: dict[int, dict[str, Any]] = {}
    first_row_of: dict[str, int] = {}
    for i in range(len(sheet)):
        record: dict[str, Any] = {}
        try:
            record["designation"] = parse_designation(designations[i])
        except BadValue as error:
            problems.add(i, "designation", str(error))
        try:
            org = org_number(orgs[i])
            if org not in owners:
                problems.add(
                    i,
                    "org_number",
                    f"fastighetsägaren med organisationsnummer {org} finns inte; "
                    "importera fastighetsägarna först",
                )
            else:
                record["owner_id"] = owners[org]
        except BadValue as error:
            problems.add(i, "org_number", str(error))
        if "designation" in record:
            key = designation_key(record["designation"])
            if key in first_row_of:
                problems.add(
                    i,
                    "designation",
                    f"dubblett: fastigheten {record['designation']!r} finns på rad "
                    f"{sheet.row(first_row_of[key])}",
                )
            else:
                first_row_of[key] = i
        records[i] = record
    check_problems(report, problems)

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    moved = 0
    for i in good_rows(sheet, problems):
        record = records[i]
        old = existing.get(designation_key(record["designation"]))
        if old is None:
            inserts.append(record)
        elif old[2] != record["owner_id"]:
            updates.append({"id": old[0], "owner_id": record["owner_id"]})
            moved += 1
        else:
            report.unchanged += 1
    insert_rows(session, Property, inserts)
    update_rows(session, Property, updates)
    report.created, report.updated = len(inserts), len(updates)
    if moved:
        report.notes.append(f"{moved} fastigheter har bytt ägare.")
    return finish(session, report, sheet=sheet, actor=actor)
