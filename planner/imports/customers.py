"""Home-care customers (hemtjänstkunder): a pseudonymous id, an address, an apartment.

Columns (docs/import-format.md): kundnummer (the pseudonymous customer id) and the address are
required; lägenhetsnummer, utförare, startdatum, slutdatum, kontaktperson and telefon are
optional. A customer lives behind an entrance imported before: the address is looked up among
the entrances (exactly, then with the fuzzy matcher for spelling differences). An apartment
number gives the customer an apartment door.

Personal identity numbers are never stored: a file with a column named like one, or with a
value in any column that reads as a valid personnummer, is refused as a whole.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.geo.addresses import SwedishAddress, street_key
from planner.geo.geocode import AddressMatcher, GeocodeStatus
from planner.imports._db import (
    as_id,
    changes,
    insert_returning_ids,
    insert_rows,
    point_columns,
    update_rows,
)
from planner.imports._files import Field, Problems, Sheet, personnummer_message, read_sheet
from planner.imports._tabular import check_problems, finish, good_rows, new_report
from planner.imports._values import (
    BadValue,
    looks_like_personnummer,
    parse_apartment,
    parse_date,
    parse_phone,
)
from planner.imports.entrances import ADDRESS_FIELDS, parse_row_address
from planner.imports.report import ImportFileError, ImportKind, ImportReport
from planner.models import (
    Customer,
    Cylinder,
    Door,
    DoorKind,
    Entrance,
    GeocodeReview,
    Organisation,
    OrgKind,
    ReviewState,
)

FIELDS = (
    Field(
        "pseudonym",
        ("kundnummer", "kund-id", "kundid", "pseudonym", "customer_id", "customer"),
        required=True,
    ),
    *ADDRESS_FIELDS,
    Field(
        "apartment",
        ("lägenhetsnummer", "lgh", "lgh-nr", "lägenhet", "apartment_number", "apartment"),
    ),
    Field("provider", ("utförare", "hemtjänstutförare", "provider", "home_care_provider")),
    Field("active_from", ("startdatum", "från", "fr.o.m.", "active_from", "start_date")),
    Field("active_to", ("slutdatum", "till", "t.o.m.", "active_to", "end_date")),
    Field("contact_name", ("kontaktperson", "kontakt", "contact_name", "contact")),
    Field(
        "contact_phone", ("telefon", "kontakttelefon", "telefonnummer", "contact_phone", "phone")
    ),
)

_PSEUDONYM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,31}$")
MAX_WARNINGS = 20


@dataclass(frozen=True)
class _Entrance:
    id: int
    suffix: str
    postcode: str
    label: str


class EntranceFinder:
    """Finds the entrance a customer's address names: exact key first, then fuzzy."""

    def __init__(self, session: Session) -> None:
        lon, lat = point_columns(Entrance.geom)
        rows = session.execute(
            select(
                Entrance.id,
                Entrance.street,
                Entrance.number,
                Entrance.letter,
                Entrance.suffix,
                Entrance.postcode,
                Entrance.postort,
                lat.label("lat"),
                lon.label("lon"),
            )
        ).all()
        self._frame = pd.DataFrame(
            rows,
            columns=[
                "id",
                "street",
                "number",
                "letter",
                "entrance",
                "postcode",
                "postort",
                "lat",
                "lon",
            ],
        ).set_index("id")
        self._by_key: dict[tuple[str, int, str], list[_Entrance]] = {}
        for r in rows:
            house = f"{r.number}{r.letter}{' ' + r.suffix if r.suffix else ''}"
            label = f"{r.street} {house}, {' '.join(p for p in (r.postcode, r.postort) if p)}"
            key = (street_key(r.street), int(r.number), r.letter.upper())
            self._by_key.setdefault(key, []).append(_Entrance(r.id, r.suffix, r.postcode, label))
        self._matcher: AddressMatcher | None = None
        self.fuzzy = 0

    def exact(self, address: SwedishAddress, suffix: str) -> tuple[int | None, str | None]:
        """(entrance id, None) or (None, reason); (None, None) when no entrance has the key."""
        found = self._by_key.get((address.street_key, address.number, address.letter))
        if not found:
            return None, None
        if suffix:
            found = [e for e in found if e.suffix == suffix] or found
        elif len(found) > 1:
            found = [e for e in found if not e.suffix] or found
        if address.postcode and len(found) > 1:
            found = [e for e in found if e.postcode == address.postcode] or found
        if len(found) == 1:
            return found[0].id, None
        options = "; ".join(e.label for e in found[:4])
        return None, f"flera entréer har adressen ({options}); ange postnummer eller uppgång"

    def fuzzy_many(self, items: list[tuple[SwedishAddress, str]]) -> list[tuple[int | None, str]]:
        """Entrance ids for addresses spelt differently; a Swedish reason where none is sure."""
        if not items:
            return []
        if self._frame.empty:
            return [(None, "det finns inga entréer; importera entréerna först")] * len(items)
        if self._matcher is None:
            self._matcher = AddressMatcher(self._frame)
        out: list[tuple[int | None, str]] = []
        for result in self._matcher.geocode_many([a for a, _ in items]):
            best = result.best
            if result.status is GeocodeStatus.ACCEPTED and best is not None:
                self.fuzzy += 1
                out.append((as_id(best.index), ""))
            elif best is not None:
                out.append(
                    (
                        None,
                        f"ingen entré har adressen; närmast är {best.label} "
                        f"(likhet {best.score:.2f}); importera entrén först eller rätta adressen",
                    )
                )
            else:
                out.append((None, "ingen entré har adressen; importera entrén först"))
        return out


def refuse_personnummer(sheet: Sheet) -> None:
    """Refuse the whole file when any column (phone numbers aside) holds a personnummer."""
    phone_column = sheet.columns.get("contact_phone")
    for column in sheet.frame.columns:
        if column == phone_column:
            continue
        for position, value in enumerate(sheet.frame[column]):
            if value and looks_like_personnummer(value):
                raise ImportFileError(personnummer_message(sheet.name, column, sheet.row(position)))


def import_customers(
    session: Session,
    path: str | os.PathLike[str],
    *,
    actor: str,
    skip_invalid: bool = False,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportReport:
    """Import home-care customers; upsert on the pseudonymous id (kundnummer).

    ``today`` is the start date of new customers whose file gives none.
    """
    sheet = read_sheet(Path(path), FIELDS)
    refuse_personnummer(sheet)
    if not sheet.has("address") and not (sheet.has("street") and sheet.has("number")):
        msg = (
            f"{sheet.name}: adressen saknas; ange kolumnen 'adress' (hela adressen) eller "
            "'gatunamn' och 'gatunummer'"
        )
        raise ImportFileError(msg)
    report = new_report(ImportKind.CUSTOMERS, sheet, skip_invalid=skip_invalid, dry_run=dry_run)
    problems = Problems(sheet)
    values = {f.name: sheet.values(f.name) for f in FIELDS}
    finder = EntranceFinder(session)
    pending = _pending_addresses(session)
    providers = {
        name.casefold(): (org_id, kind)
        for org_id, name, kind in session.execute(
            select(Organisation.id, Organisation.name, Organisation.kind)
        )
    }
    records: dict[int, dict[str, Any]] = {}
    fuzzy: list[tuple[int, SwedishAddress, str]] = []
    first_row_of: dict[str, int] = {}
    new_providers: dict[str, str] = {}
    for i in range(len(sheet)):
        record: dict[str, Any] = {}
        pseudonym = values["pseudonym"][i]
        if not pseudonym:
            problems.add(i, "pseudonym", "kundnumret saknas")
        elif not _PSEUDONYM.match(pseudonym):
            problems.add(
                i,
                "pseudonym",
                f"{pseudonym!r}: kundnumret får bara innehålla bokstäver, siffror och - _ . : / "
                "(högst 32 tecken)",
            )
        elif pseudonym in first_row_of:
            problems.add(
                i,
                "pseudonym",
                f"dubblett: kunden {pseudonym} finns på rad {sheet.row(first_row_of[pseudonym])}",
            )
        else:
            first_row_of[pseudonym] = i
            record["pseudonym"] = pseudonym
        parsed = parse_row_address(sheet, i, values, problems)
        apartment = values["apartment"][i] or (parsed[0].apartment if parsed else "")
        if apartment:
            try:
                record["apartment_number"] = parse_apartment(apartment)
            except BadValue as error:
                problems.add(i, "apartment", str(error))
        elif sheet.has("apartment"):
            record["apartment_number"] = None
        if sheet.has("provider"):
            name = values["provider"][i]
            record["provider"] = name or None
            known = providers.get(name.casefold()) if name else None
            if known is not None and known[1] is not OrgKind.HOME_CARE_PROVIDER:
                problems.add(i, "provider", f"{name!r} finns redan som en annan sorts organisation")
            elif name and known is None:
                new_providers.setdefault(name.casefold(), name)
        for name in ("active_from", "active_to"):
            if values[name][i]:
                try:
                    record[name] = parse_date(values[name][i])
                except BadValue as error:
                    problems.add(i, name, str(error))
            elif name == "active_to" and sheet.has(name):
                record[name] = None
        start, end = record.get("active_from"), record.get("active_to")
        if start is not None and end is not None and end < start:
            problems.add(i, "active_to", "slutdatumet ligger före startdatumet")
        if sheet.has("contact_name"):
            record["contact_name"] = values["contact_name"][i] or None
        if sheet.has("contact_phone"):
            phone = values["contact_phone"][i]
            try:
                record["contact_phone"] = parse_phone(phone) if phone else None
            except BadValue as error:
                problems.add(i, "contact_phone", str(error))
        if parsed is not None and not problems.bad(i):
            address, suffix, _ = parsed
            entrance_id, reason = finder.exact(address, suffix)
            if entrance_id is not None:
                record["entrance_id"] = entrance_id
            elif reason is not None:
                problems.add(i, _address_column(sheet), reason)
            else:
                fuzzy.append((i, address, suffix))
        records[i] = record
    for (i, address, _), (entrance_id, reason) in zip(
        fuzzy, finder.fuzzy_many([(a, s) for _, a, s in fuzzy]), strict=True
    ):
        if entrance_id is not None:
            records[i]["entrance_id"] = entrance_id
        elif address.key in pending:
            problems.add(
                i,
                _address_column(sheet),
                "entrén väntar på granskning av geokodningen (sidan Geokodning eller "
                "`planner import review`); importera kunden igen när punkten är vald",
            )
        else:
            problems.add(i, _address_column(sheet), reason)
    check_problems(report, problems)
    good = [i for i in good_rows(sheet, problems)]
    _write(session, report, sheet, [records[i] for i in good], new_providers, today)
    if finder.fuzzy:
        report.notes.append(
            f"{finder.fuzzy} adresser skilde sig i stavning från entréns och matchades ändå."
        )
    return finish(session, report, sheet=sheet, actor=actor)


def _address_column(sheet: Sheet) -> str:
    return "address" if sheet.has("address") else "street"


def _pending_addresses(session: Session) -> set[str]:
    """Addresses (street|number|letter) whose entrance waits in the review queue."""
    keys = session.scalars(
        select(GeocodeReview.choice_key).where(GeocodeReview.state == ReviewState.OPEN)
    )
    return {"|".join(k.split("|")[:3]) for k in keys}


def _write(
    session: Session,
    report: ImportReport,
    sheet: Sheet,
    records: list[dict[str, Any]],
    new_providers: dict[str, str],
    today: date | None,
) -> None:
    provider_rows = [
        {"name": name, "kind": OrgKind.HOME_CARE_PROVIDER, "org_number": None}
        for key, name in new_providers.items()
        if any((r.get("provider") or "").casefold() == key for r in records)
    ]
    insert_rows(session, Organisation, provider_rows)
    report.extra["Nya hemtjänstutförare"] = len(provider_rows)
    provider_ids = {
        name.casefold(): org_id
        for org_id, name in session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.kind == OrgKind.HOME_CARE_PROVIDER
            )
        )
    }
    doors = {
        (entrance_id, label): door_id
        for door_id, entrance_id, label in session.execute(
            select(Door.id, Door.entrance_id, Door.label).where(Door.kind == DoorKind.APARTMENT)
        )
    }
    wanted = sorted(
        {
            (r["entrance_id"], r["apartment_number"])
            for r in records
            if r.get("apartment_number") and (r["entrance_id"], r["apartment_number"]) not in doors
        }
    )
    new_ids = insert_returning_ids(
        session,
        Door,
        [
            {
                "entrance_id": e,
                "kind": DoorKind.APARTMENT,
                "label": a,
                "cylinder": Cylinder.UNKNOWN,
                "notes": None,
            }
            for e, a in wanted
        ],
    )
    doors.update(zip(wanted, new_ids, strict=True))
    report.extra["Nya lägenhetsdörrar"] = len(new_ids)

    existing = {
        r.pseudonym: r._asdict()
        for r in session.execute(
            select(
                Customer.id,
                Customer.pseudonym,
                Customer.entrance_id,
                Customer.apartment_number,
                Customer.apartment_door_id,
                Customer.provider_id,
                Customer.active_from,
                Customer.active_to,
                Customer.contact_name,
                Customer.contact_phone,
            )
        )
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    day = today or date.today()
    for record in records:
        values = {k: v for k, v in record.items() if k != "provider"}
        if "provider" in record:
            provider = record["provider"]
            values["provider_id"] = provider_ids[provider.casefold()] if provider else None
        if "apartment_number" in values:
            apartment = values["apartment_number"]
            values["apartment_door_id"] = (
                doors[(values["entrance_id"], apartment)] if apartment else None
            )
        old = existing.get(record["pseudonym"])
        if old is None:
            inserts.append(
                {
                    "pseudonym": record["pseudonym"],
                    "entrance_id": values["entrance_id"],
                    "apartment_number": values.get("apartment_number"),
                    "apartment_door_id": values.get("apartment_door_id"),
                    "provider_id": values.get("provider_id"),
                    "active_from": values.get("active_from") or day,
                    "active_to": values.get("active_to"),
                    "contact_name": values.get("contact_name"),
                    "contact_phone": values.get("contact_phone"),
                }
            )
            continue
        diff = changes(old, values)
        if diff:
            updates.append({"id": old["id"], **diff})
        else:
            report.unchanged += 1
    insert_rows(session, Customer, inserts)
    update_rows(session, Customer, updates)
    report.created, report.updated = len(inserts), len(updates)
    _warn_shared_apartments(report, existing, inserts, updates, day)


def _warn_shared_apartments(
    report: ImportReport,
    existing: dict[str, dict[str, Any]],
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    day: date,
) -> None:
    """Two current customers in one apartment: a couple, or one person entered twice."""
    by_id = {v["id"]: v for v in existing.values()}
    current: dict[str, dict[str, Any]] = {p: dict(v) for p, v in existing.items()}
    for update in updates:
        row = by_id[update["id"]]
        current[row["pseudonym"]] = {**current[row["pseudonym"]], **update}
    for row in inserts:
        current[row["pseudonym"]] = row
    touched = {r["pseudonym"] for r in inserts} | {by_id[u["id"]]["pseudonym"] for u in updates}
    homes: dict[tuple[int, str], list[str]] = {}
    for pseudonym, row in current.items():
        active_to = row.get("active_to")
        if not row.get("apartment_number") or (active_to is not None and active_to < day):
            continue
        homes.setdefault((row["entrance_id"], row["apartment_number"]), []).append(pseudonym)
    shared = [
        (home, sorted(people))
        for home, people in homes.items()
        if len(people) > 1 and touched & set(people)
    ]
    for (_, apartment), people in shared[:MAX_WARNINGS]:
        report.warnings.append(
            f"Möjlig dubblett: kunderna {', '.join(people)} bor i samma lägenhet ({apartment}); "
            "kontrollera att det inte är samma person."
        )
    if len(shared) > MAX_WARNINGS:
        report.warnings.append(
            f"… och {len(shared) - MAX_WARNINGS} lägenheter till med flera kunder."
        )
