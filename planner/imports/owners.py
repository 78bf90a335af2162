"""Property owners (fastighetsägare), keyed by organisation number.

Columns (see docs/import-format.md): organisationsnummer and namn are required; ägartyp,
kontaktperson, telefon, e-post and postadress are optional. A column the file lacks leaves that
field as it is; an empty cell in a column the file has clears it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.geo.addresses import fold_text
from planner.imports._db import changes, insert_rows, update_rows
from planner.imports._files import Field, Problems, read_sheet
from planner.imports._tabular import check_problems, finish, good_rows, new_report
from planner.imports._values import BadValue, org_number, parse_email, parse_phone
from planner.imports.report import ImportKind, ImportReport
from planner.models import OwnerKind, PropertyOwner

FIELDS = (
    Field(
        "org_number",
        (
            "organisationsnummer",
            "org.nr",
            "orgnr",
            "org_number",
            "organisation_number",
            "organization_number",
        ),
        required=True,
    ),
    Field("name", ("namn", "fastighetsägare", "ägare", "name", "owner"), required=True),
    Field("kind", ("ägartyp", "typ", "owner_kind", "kind")),
    Field("contact_name", ("kontaktperson", "kontakt", "contact_name", "contact")),
    Field("contact_phone", ("telefon", "telefonnummer", "contact_phone", "phone")),
    Field("contact_email", ("e-post", "epost", "mejl", "contact_email", "email")),
    Field("postal_address", ("postadress", "utdelningsadress", "postal_address")),
)

OWNER_KINDS: dict[str, OwnerKind] = {
    fold_text(k): v
    for keys, v in (
        (("bolag", "aktiebolag", "företag", "fastighetsbolag", "company"), OwnerKind.COMPANY),
        (
            ("kommunalt", "kommunal", "allmännyttan", "allmännyttigt", "municipal"),
            OwnerKind.MUNICIPAL,
        ),
        (
            ("brf", "bostadsrättsförening", "förening", "housing_association"),
            OwnerKind.HOUSING_ASSOCIATION,
        ),
        (("privat", "privatperson", "private"), OwnerKind.PRIVATE),
    )
    for k in keys
}


def _kind(text: str, name: str) -> OwnerKind:
    if not text:
        folded = fold_text(name.split(" ")[0]) if name else ""
        is_association = folded in ("brf", "bostadsrattsforeningen", "bostadsrattsforening")
        return OwnerKind.HOUSING_ASSOCIATION if is_association else OwnerKind.COMPANY
    kind = OWNER_KINDS.get(fold_text(text))
    if kind is None:
        msg = f"okänd ägartyp {text!r}; välj bolag, kommunalt, brf eller privat"
        raise BadValue(msg)
    return kind


def import_owners(
    session: Session,
    path: str | os.PathLike[str],
    *,
    actor: str,
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Import property owners from CSV or Excel; upsert on the organisation number."""
    sheet = read_sheet(Path(path), FIELDS)
    report = new_report(ImportKind.OWNERS, sheet, skip_invalid=skip_invalid, dry_run=dry_run)
    problems = Problems(sheet)
    optional = [
        f.name for f in FIELDS if f.name not in ("org_number", "name", "kind") and sheet.has(f.name)
    ]
    columns = {name: sheet.values(name) for name in sheet.columns}
    records: dict[int, dict[str, Any]] = {}
    first_row_of: dict[str, int] = {}
    for i in range(len(sheet)):
        value = {name: columns[name][i] for name in columns}
        record: dict[str, Any] = {}
        try:
            record["org_number"] = org_number(value["org_number"])
        except BadValue as error:
            problems.add(i, "org_number", str(error))
        if not value["name"]:
            problems.add(i, "name", "namnet saknas")
        record["name"] = value["name"]
        try:
            record["kind"] = _kind(value.get("kind", ""), value["name"])
        except BadValue as error:
            problems.add(i, "kind", str(error))
        for name in optional:
            text = value[name]
            try:
                if name == "contact_email" and text:
                    text = parse_email(text)
                elif name == "contact_phone" and text:
                    text = parse_phone(text)
            except BadValue as error:
                problems.add(i, name, str(error))
            record[name] = text or None
        org = record.get("org_number")
        if org is not None:
            if org in first_row_of:
                first = sheet.row(first_row_of[org])
                problems.add(
                    i, "org_number", f"dubblett: organisationsnumret {org} finns på rad {first}"
                )
            else:
                first_row_of[org] = i
        records[i] = record

    existing = {
        o.org_number: o
        for o in session.execute(
            select(
                PropertyOwner.id,
                PropertyOwner.org_number,
                PropertyOwner.name,
                PropertyOwner.kind,
                PropertyOwner.contact_name,
                PropertyOwner.contact_phone,
                PropertyOwner.contact_email,
                PropertyOwner.postal_address,
            )
        )
    }
    _warn_same_name(report, sheet, records, problems, existing)
    check_problems(report, problems)

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for i in good_rows(sheet, problems):
        record = records[i]
        old = existing.get(record["org_number"])
        if old is None:
            inserts.append({f.name: record.get(f.name) for f in FIELDS})
            continue
        new = {k: v for k, v in record.items() if k != "kind" or sheet.has("kind")}
        diff = changes(old._asdict(), new)
        if diff:
            updates.append({"id": old.id, **diff})
        else:
            report.unchanged += 1
    insert_rows(session, PropertyOwner, inserts)
    update_rows(session, PropertyOwner, updates)
    report.created, report.updated = len(inserts), len(updates)
    return finish(session, report, sheet=sheet, actor=actor)


def _warn_same_name(
    report: ImportReport,
    sheet: Any,
    records: dict[int, dict[str, Any]],
    problems: Problems,
    existing: dict[str, Any],
) -> None:
    """The same owner under two organisation numbers: likely a duplicate, reported."""
    by_name: dict[str, set[str]] = {}
    for org, row in existing.items():
        by_name.setdefault(" ".join(row.name.casefold().split()), set()).add(org)
    file_orgs: dict[str, set[str]] = {}
    for i, record in records.items():
        if problems.bad(i) or "org_number" not in record:
            continue
        name = " ".join(record["name"].casefold().split())
        file_orgs.setdefault(name, set()).add(record["org_number"])
    for name, orgs in file_orgs.items():
        everyone = orgs | by_name.get(name, set())
        if len(everyone) > 1:
            shown = next(
                r["name"] for r in records.values() if r["name"].casefold().split() == name.split()
            )
            report.warnings.append(
                f"Möjlig dubblett: fastighetsägaren {shown!r} finns med flera "
                f"organisationsnummer ({', '.join(sorted(everyone))})."
            )
