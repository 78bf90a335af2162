"""Entrances (portar) with their doors, geocoded and placed in their district.

Columns (docs/import-format.md): fastighetsbeteckning (the property, imported before) and the
address, either whole (adress: "Götgatan 12A UH, 118 46 Stockholm") or in parts (gatunamn,
gatunummer, bokstav, uppgång, postnummer, postort); optionally coordinates (lat/lon, or
ost/nord in SWEREF 99 TM or SWEREF 99 18 00, with koordinatsystem or detected by range),
cylinder (rund, oval, okänd), soprum and tvättstuga (ja/nej: such doors are added) and
anteckning.

Each row is placed by its coordinates when given (checked to be inside the municipality), else
by the address register (:mod:`planner.imports.geocoding`). A match below the acceptance
threshold does not fail the row: it goes to the review queue (:mod:`planner.imports.review`),
and the entrance is created when a manager has chosen its point. The stable key of an entrance
is its street, number, letter, entrance suffix and postcode. Districts are assigned in the
database afterwards.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planner.errors import PlannerError
from planner.geo.addresses import (
    AddressParseError,
    SwedishAddress,
    canonical_postort,
    format_postcode,
    parse_address,
    street_key,
)
from planner.geo.geocode import GeocodeResult, GeocodeStatus, MatchMethod, parse_crs
from planner.geo.spatial import assign_districts
from planner.imports._db import (
    as_id,
    changes,
    ewkt_point,
    insert_returning_ids,
    insert_rows,
    point_columns,
    same_point,
    update_rows,
)
from planner.imports._files import Field, Problems, Sheet, read_sheet
from planner.imports._tabular import check_problems, finish, new_report
from planner.imports._values import BadValue, parse_float, parse_int_text, parse_yes_no
from planner.imports.geocoding import ImportGeocoder, choice_key
from planner.imports.properties import DESIGNATION_NAMES, designation_key, property_ids
from planner.imports.report import ImportFileError, ImportKind, ImportReport
from planner.locks.lifecycle import now
from planner.models import Cylinder, Door, DoorKind, Entrance, GeocodeReview, ReviewState

ADDRESS_FIELDS = (
    Field("address", ("adress", "gatuadress", "besöksadress", "address")),
    Field("street", ("gatunamn", "gata", "gatuadressnamn", "street")),
    Field("number", ("gatunummer", "nummer", "husnummer", "number", "house_number")),
    Field("letter", ("bokstav", "bokstavstillägg", "letter")),
    Field("suffix", ("uppgång", "lägestillägg", "entrance_suffix", "suffix")),
    Field("postcode", ("postnummer", "postnr", "postcode", "zip")),
    Field("postort", ("postort", "ort", "city")),
)
FIELDS = (
    Field("designation", DESIGNATION_NAMES, required=True),
    *ADDRESS_FIELDS,
    Field("lat", ("latitud", "lat", "latitude")),
    Field("lon", ("longitud", "lon", "lng", "longitude")),
    Field("east", ("ost", "östkoordinat", "easting", "e", "x")),
    Field("north", ("nord", "nordkoordinat", "northing", "n", "y")),
    Field("crs", ("koordinatsystem", "referenssystem", "crs", "epsg")),
    Field("cylinder", ("cylinder", "cylindertyp", "cylinder_type")),
    Field("refuse", ("soprum", "refuse_room", "refuse")),
    Field("laundry", ("tvättstuga", "laundry_room", "laundry")),
    Field("notes", ("anteckning", "anteckningar", "notering", "notes")),
)

CYLINDERS: dict[str, Cylinder] = {
    "rund": Cylinder.ROUND,
    "round": Cylinder.ROUND,
    "oval": Cylinder.OVAL,
    "okänd": Cylinder.UNKNOWN,
    "okand": Cylinder.UNKNOWN,
    "unknown": Cylinder.UNKNOWN,
    "": Cylinder.UNKNOWN,
}
OTHER_DOORS = {"refuse": (DoorKind.REFUSE, "soprum"), "laundry": (DoorKind.LAUNDRY, "tvättstuga")}
_SUFFIX = re.compile(r"^(?:U[HV]|U\d{0,2})$")

# geocode_source values (the column is short): where an entrance's point came from
SOURCE_BY_METHOD = {
    MatchMethod.EXACT: "register:exact",
    MatchMethod.FUZZY: "register:fuzzy",
    MatchMethod.COORDINATES: "coordinates",
    MatchMethod.REMEMBERED: "review",
    MatchMethod.ONLINE: "online",
}

EntranceKey = tuple[str, int, str, str, str]


def entrance_key(street: str, number: int, letter: str, suffix: str, postcode: str) -> EntranceKey:
    """The stable key: normalised street, number, letter, entrance suffix, postcode."""
    return (street_key(street), int(number), letter.upper(), suffix.upper(), postcode)


@dataclass
class EntranceRecord:
    """One entrance to write: address, point, where the point came from, door facts."""

    property_id: int
    street: str
    number: int
    letter: str
    suffix: str
    postcode: str
    postort: str
    lon: float
    lat: float
    source: str
    score: float
    notes: str | None = None
    cylinder: Cylinder | None = None  # None: leave the entrance door's cylinder as it is
    other_doors: tuple[DoorKind, ...] = ()
    row: int = 0  # the file's row, for messages

    @property
    def key(self) -> EntranceKey:
        return entrance_key(self.street, self.number, self.letter, self.suffix, self.postcode)

    @property
    def label(self) -> str:
        house = f"{self.number}{self.letter}"
        text = f"{self.street} {house}{' ' + self.suffix if self.suffix else ''}"
        place = " ".join(p for p in (self.postcode, self.postort) if p)
        return f"{text}, {place}" if place else text


@dataclass
class _Row:
    """A validated row before geocoding."""

    property_id: int
    designation: str
    address: SwedishAddress
    suffix: str
    raw: str
    coordinates: tuple[float, float, str | None] | None
    cylinder: Cylinder | None
    other_doors: tuple[DoorKind, ...]
    notes: str | None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class WriteResult:
    ids: dict[EntranceKey, int] = field(default_factory=dict)  # every record's entrance
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    doors: int = 0
    warnings: list[str] = field(default_factory=list)


def import_entrances(
    session: Session,
    path: str | os.PathLike[str],
    *,
    actor: str,
    skip_invalid: bool = False,
    dry_run: bool = False,
    crs: str | None = None,
) -> ImportReport:
    """Import entrances from CSV or Excel: validate, geocode, queue the uncertain, upsert.

    ``crs`` names the coordinate system of coordinate columns for rows that do not name their
    own (EPSG code or name); without it the system is recognised by range.
    """
    sheet = read_sheet(Path(path), FIELDS)
    has_parts = sheet.has("street") and sheet.has("number")
    if not sheet.has("address") and not has_parts:
        msg = (
            f"{sheet.name}: adressen saknas; ange kolumnen 'adress' (hela adressen) eller "
            "'gatunamn' och 'gatunummer'"
        )
        raise ImportFileError(msg)
    default_crs = str(parse_crs(crs)) if crs else None
    report = new_report(ImportKind.ENTRANCES, sheet, skip_invalid=skip_invalid, dry_run=dry_run)
    problems = Problems(sheet)
    rows = _validate(session, sheet, problems, default_crs)

    geocoder = ImportGeocoder(session)
    results = _geocode(geocoder, rows)
    open_reviews = _open_review_keys(session)
    records: dict[int, EntranceRecord] = {}
    to_review: dict[int, tuple[_Row, GeocodeResult]] = {}
    register_ids = [
        as_id(r.best.index)
        for r in results.values()
        if r.status is GeocodeStatus.ACCEPTED and r.best is not None and r.best.index is not None
    ]
    register = geocoder.register_rows(register_ids) if register_ids else {}
    for i, result in results.items():
        row = rows[i]
        if result.status is GeocodeStatus.ACCEPTED:
            records[i] = record_from(row, result, register, sheet.row(i))
        elif result.status is GeocodeStatus.NEEDS_REVIEW:
            to_review[i] = (row, result)
        else:
            problems.add(i, _place_column(sheet, row), "; ".join(result.reasons))
    _check_duplicates(sheet, problems, records, to_review)
    check_problems(report, problems)

    write = write_entrances(
        session,
        [records[i] for i in sorted(records) if not problems.bad(i)],
        notes=sheet.has("notes"),
    )
    report.created, report.updated, report.unchanged = (
        len(write.created),
        len(write.updated),
        write.unchanged,
    )
    report.warnings.extend(write.warnings)
    report.extra["Nya dörrar (port, soprum, tvättstuga)"] = write.doors
    pending = [(i, row, result) for i, (row, result) in sorted(to_review.items())]
    pending = [p for p in pending if not problems.bad(p[0])]
    fresh = [p for p in pending if _review_key(p[1]) not in open_reviews]
    report.review, report.new_review = len(pending), len(fresh)
    if write.created or write.updated:
        _assign(session, report, write)

    def add_reviews(import_id: int) -> None:
        created_at = now()
        seen: set[str] = set()
        for i, row, result in fresh:
            key = _review_key(row)
            if key in seen:
                continue
            seen.add(key)
            session.add(
                GeocodeReview(
                    import_id=import_id,
                    import_kind=str(ImportKind.ENTRANCES),
                    source_file=sheet.name,
                    source_row=sheet.row(i),
                    raw_address=row.raw,
                    choice_key=key,
                    payload=row.payload,
                    candidates=[_candidate_json(c) for c in result.candidates],
                    confidence=float(result.confidence),
                    reasons="; ".join(result.reasons) or None,
                    state=ReviewState.OPEN,
                    created_at=created_at,
                )
            )
        session.flush()

    return finish(session, report, sheet=sheet, actor=actor, after_run=add_reviews)


# -- validation -----------------------------------------------------------------------------------


def address_text(sheet: Sheet, i: int, values: dict[str, list[str]]) -> tuple[str, str]:
    """The address of row ``i`` as one text, and the column to blame when it cannot be read."""
    if sheet.has("address") and values["address"][i]:
        text = values["address"][i]
        column = "address"
    else:
        number = parse_int_text(values["number"][i])
        letter = values["letter"][i]
        text = f"{values['street'][i]} {number}{letter}".strip()
        column = "number" if values["street"][i] else "street"
    place = " ".join(p for p in (values["postcode"][i], values["postort"][i]) if p)
    if place and place.casefold() not in text.casefold():
        text = f"{text}, {place}"
    return text, column


def parse_row_address(
    sheet: Sheet, i: int, values: dict[str, list[str]], problems: Problems
) -> tuple[SwedishAddress, str, str] | None:
    """The parsed address of a row, its entrance suffix and its text; None (and a problem)."""
    text, column = address_text(sheet, i, values)
    if not text:
        problems.add(i, "address" if sheet.has("address") else "street", "adressen saknas")
        return None
    if values["postcode"][i]:
        try:
            format_postcode(values["postcode"][i])
        except AddressParseError as error:
            problems.add(i, "postcode", error.reason)
            return None
    try:
        address = parse_address(text)
    except AddressParseError as error:
        problems.add(i, column, error.reason)
        return None
    if address.is_range:
        problems.add(
            i, column, f"{text!r} är ett intervall; ange en port per rad (t.ex. 31A, 31B …)"
        )
        return None
    suffix = (values["suffix"][i] or address.entrance).upper().replace(" ", "")
    if suffix and not _SUFFIX.match(suffix):
        problems.add(i, "suffix", f"{suffix!r}: uppgången skrivs UH, UV, U eller U1, U2 …")
        return None
    return address, suffix, text


def _coordinates(
    sheet: Sheet, i: int, values: dict[str, list[str]], problems: Problems, default_crs: str | None
) -> tuple[float, float, str | None] | None:
    pairs = (("lon", "lat"), ("east", "north"))
    for x_name, y_name in pairs:
        x_text, y_text = values[x_name][i], values[y_name][i]
        if not x_text and not y_text:
            continue
        if not x_text or not y_text:
            missing = x_name if not x_text else y_name
            problems.add(i, missing, "koordinaten saknas (båda behövs)")
            return None
        try:
            x, y = parse_float(x_text), parse_float(y_text)
        except BadValue as error:
            problems.add(i, x_name, str(error))
            return None
        if x_name == "lon":
            return x, y, "4326"  # latitude and longitude are WGS 84
        crs_text = values["crs"][i]
        if crs_text:
            try:
                return x, y, str(parse_crs(parse_int_text(crs_text)))
            except PlannerError as error:
                problems.add(i, "crs", str(error))
                return None
        return x, y, default_crs
    return None


def _validate(
    session: Session, sheet: Sheet, problems: Problems, default_crs: str | None
) -> dict[int, _Row]:
    values = {f.name: sheet.values(f.name) for f in FIELDS}
    properties = property_ids(session)
    rows: dict[int, _Row] = {}
    first_row_of: dict[EntranceKey, int] = {}
    for i in range(len(sheet)):
        designation = " ".join(values["designation"][i].split())
        prop = properties.get(designation_key(designation))
        if not designation:
            problems.add(i, "designation", "fastighetsbeteckningen saknas")
        elif prop is None:
            problems.add(
                i,
                "designation",
                f"fastigheten {designation!r} finns inte; importera fastigheterna först",
            )
        parsed = parse_row_address(sheet, i, values, problems)
        coordinates = _coordinates(sheet, i, values, problems, default_crs)
        cylinder: Cylinder | None = None
        if sheet.has("cylinder"):
            cylinder = CYLINDERS.get(values["cylinder"][i].casefold())
            if cylinder is None:
                problems.add(
                    i, "cylinder", f"{values['cylinder'][i]!r}: skriv rund, oval eller okänd"
                )
        other: list[DoorKind] = []
        for name, (kind, _) in OTHER_DOORS.items():
            try:
                if parse_yes_no(values[name][i]):
                    other.append(kind)
            except BadValue as error:
                problems.add(i, name, str(error))
        if parsed is None or prop is None or problems.bad(i):
            continue
        address, suffix, raw = parsed
        key = entrance_key(address.street, address.number, address.letter, suffix, address.postcode)
        if key in first_row_of:
            problems.add(
                i,
                "address" if sheet.has("address") else "street",
                f"dubblett: samma entré som rad {sheet.row(first_row_of[key])}",
            )
            continue
        first_row_of[key] = i
        notes = values["notes"][i] or None
        row = _Row(
            property_id=prop[0],
            designation=designation,
            address=address,
            suffix=suffix,
            raw=raw,
            coordinates=coordinates,
            cylinder=cylinder,
            other_doors=tuple(other),
            notes=notes,
        )
        row.payload = {
            "designation": designation,
            "street": address.street,
            "number": address.number,
            "letter": address.letter,
            "suffix": suffix,
            "postcode": address.postcode,
            "postort": address.postort,
            "cylinder": cylinder.value if cylinder is not None else None,
            "other_doors": [k.value for k in other],
            "notes": notes,
            "has_notes": sheet.has("notes"),
        }
        rows[i] = row
    return rows


def _geocode(geocoder: ImportGeocoder, rows: dict[int, _Row]) -> dict[int, GeocodeResult]:
    results: dict[int, GeocodeResult] = {}
    with_points = [i for i, r in rows.items() if r.coordinates is not None]
    if with_points:
        coords = [rows[i].coordinates for i in with_points]
        answers = geocoder.coordinates(
            [c[0] for c in coords if c is not None],
            [c[1] for c in coords if c is not None],
            [c[2] for c in coords if c is not None],
        )
        results.update(zip(with_points, answers, strict=True))
    by_address = [i for i, r in rows.items() if r.coordinates is None]
    if by_address:
        answers = geocoder.addresses([(rows[i].address, rows[i].suffix) for i in by_address])
        results.update(zip(by_address, answers, strict=True))
    return results


def _place_column(sheet: Sheet, row: _Row) -> str:
    if row.coordinates is not None:
        return "lat" if sheet.has("lat") else "east"
    return "address" if sheet.has("address") else "street"


def _review_key(row: _Row) -> str:
    return choice_key(row.address, row.suffix)


def _open_review_keys(session: Session) -> set[str]:
    return set(
        session.scalars(
            select(GeocodeReview.choice_key).where(GeocodeReview.state == ReviewState.OPEN)
        )
    )


def _candidate_json(candidate: Any) -> dict[str, Any]:
    return {
        "label": candidate.label,
        "lat": float(candidate.lat),
        "lon": float(candidate.lon),
        "score": float(candidate.score),
        "register_id": as_id(candidate.index) if candidate.index is not None else None,
    }


def _check_duplicates(
    sheet: Sheet,
    problems: Problems,
    records: dict[int, EntranceRecord],
    to_review: dict[int, tuple[_Row, GeocodeResult]],
) -> None:
    """Two rows that became the same entrance (e.g. two spellings of one register address)."""
    first_row_of: dict[EntranceKey, int] = {}
    for i in sorted(records):
        key = records[i].key
        if key in first_row_of:
            problems.add(
                i,
                "address" if sheet.has("address") else "street",
                f"dubblett: samma entré ({records[i].label}) som rad "
                f"{sheet.row(first_row_of[key])}",
            )
        else:
            first_row_of[key] = i
    first_review: dict[str, int] = {}
    for i in sorted(to_review):
        address = _review_key(to_review[i][0])
        if address in first_review:
            problems.add(
                i,
                "address" if sheet.has("address") else "street",
                f"dubblett: samma adress som rad {sheet.row(first_review[address])}",
            )
        else:
            first_review[address] = i


# -- records and writing --------------------------------------------------------------------------


def record_from(
    row: _Row, result: GeocodeResult, register: dict[int, dict[str, Any]], file_row: int
) -> EntranceRecord:
    """The entrance to write for an accepted result: the register's address when it came from
    the register (its spelling is the authority), else the file's."""
    assert result.lat is not None and result.lon is not None
    best = result.best
    reg = register.get(as_id(best.index)) if best is not None and best.index is not None else None
    return build_record(
        property_id=row.property_id,
        given=row.payload,
        register_row=reg,
        lon=result.lon,
        lat=result.lat,
        source=SOURCE_BY_METHOD.get(result.method, str(result.method)),
        score=float(result.confidence),
        row=file_row,
        cylinder=row.cylinder,
        other_doors=row.other_doors,
    )


def build_record(
    *,
    property_id: int,
    given: dict[str, Any],
    register_row: dict[str, Any] | None,
    lon: float,
    lat: float,
    source: str,
    score: float,
    row: int = 0,
    cylinder: Cylinder | None = None,
    other_doors: tuple[DoorKind, ...] = (),
) -> EntranceRecord:
    """An entrance from the file's address parts (``given``) and, when the point is a register
    row, that row's address."""
    street, number, letter = given["street"], int(given["number"]), given["letter"]
    postcode, postort, suffix = given["postcode"], given["postort"], given["suffix"]
    if register_row is not None:
        street = str(register_row["street"])
        number = int(register_row["number"])
        letter = str(register_row["letter"] or "")
        postcode = str(register_row["postcode"] or "") or postcode
        postort = str(register_row["postort"] or "") or postort
        suffix = suffix or str(register_row["entrance"] or "")
    return EntranceRecord(
        property_id=property_id,
        street=street,
        number=number,
        letter=letter.upper(),
        suffix=suffix.upper(),
        postcode=postcode,
        postort=canonical_postort(postort),
        lon=float(lon),
        lat=float(lat),
        source=source,
        score=round(float(score), 4),
        notes=given.get("notes"),
        cylinder=cylinder,
        other_doors=other_doors,
        row=row,
    )


def _existing(session: Session) -> dict[EntranceKey, dict[str, Any]]:
    lon, lat = point_columns(Entrance.geom)
    out: dict[EntranceKey, dict[str, Any]] = {}
    for r in session.execute(
        select(
            Entrance.id,
            Entrance.street,
            Entrance.number,
            Entrance.letter,
            Entrance.suffix,
            Entrance.postcode,
            Entrance.postort,
            Entrance.property_id,
            Entrance.geocode_source,
            Entrance.geocode_score,
            Entrance.notes,
            lon.label("lon"),
            lat.label("lat"),
        )
    ):
        values = r._asdict()
        out[entrance_key(r.street, r.number, r.letter, r.suffix, r.postcode)] = values
    return out


def _doors(session: Session, entrance_ids: list[int]) -> dict[tuple[int, DoorKind], dict[str, Any]]:
    out: dict[tuple[int, DoorKind], dict[str, Any]] = {}
    if not entrance_ids:
        return out
    kinds = [DoorKind.ENTRANCE, DoorKind.REFUSE, DoorKind.LAUNDRY]
    for start in range(0, len(entrance_ids), 5_000):
        chunk = entrance_ids[start : start + 5_000]
        for door_id, entrance_id, kind, cylinder in session.execute(
            select(Door.id, Door.entrance_id, Door.kind, Door.cylinder).where(
                Door.entrance_id.in_(chunk), Door.kind.in_(kinds)
            )
        ):
            out.setdefault((entrance_id, kind), {"id": door_id, "cylinder": cylinder})
    return out


def write_entrances(session: Session, records: list[EntranceRecord], *, notes: bool) -> WriteResult:
    """Insert new entrances, update changed ones, add missing doors; ``notes`` says whether the
    records' notes are to be written (the file had the column)."""
    result = WriteResult()
    existing = _existing(session)
    near: dict[tuple[str, int, str, str], list[dict[str, Any]]] = {}
    for key, values in existing.items():
        near.setdefault(key[:4], []).append(values)
    inserts: list[dict[str, Any]] = []
    insert_records: list[EntranceRecord] = []
    updates: list[dict[str, Any]] = []
    kept: list[tuple[int, EntranceRecord]] = []
    for record in records:
        old = existing.get(record.key)
        if old is None:
            for other in near.get(record.key[:4], []):
                result.warnings.append(
                    f"Möjlig dubblett: {record.label} (rad {record.row}) liknar entré "
                    f"{other['id']} ({other['street']} {other['number']}{other['letter']}, "
                    f"{other['postcode'] or 'utan postnummer'})."
                )
            inserts.append(_entrance_values(record))
            insert_records.append(record)
            continue
        new: dict[str, Any] = {
            "street": record.street,
            "property_id": record.property_id,
            "postort": record.postort,
            "geocode_source": record.source,
            "geocode_score": record.score,
        }
        if notes:
            new["notes"] = record.notes
        old_score = round(old["geocode_score"], 4) if old["geocode_score"] is not None else None
        diff = changes({**old, "geocode_score": old_score}, new)
        if not same_point((old["lon"], old["lat"]), (record.lon, record.lat)):
            diff["geom"] = ewkt_point(record.lon, record.lat)
        if diff:
            updates.append({"id": old["id"], **diff})
            result.updated.append(int(old["id"]))
        kept.append((int(old["id"]), record))
    new_ids = insert_returning_ids(session, Entrance, inserts)
    update_rows(session, Entrance, updates)
    result.created = new_ids
    result.ids = {r.key: e for e, r in [*zip(new_ids, insert_records, strict=True), *kept]}

    doors = _doors(session, [entrance_id for entrance_id, _ in kept])
    door_inserts: list[dict[str, Any]] = []
    door_updates: list[dict[str, Any]] = []
    touched: set[int] = set()
    for entrance_id, record in [*zip(new_ids, insert_records, strict=True), *kept]:
        entrance_door = doors.get((entrance_id, DoorKind.ENTRANCE))
        if entrance_door is None:
            door_inserts.append(
                {
                    "entrance_id": entrance_id,
                    "kind": DoorKind.ENTRANCE,
                    "label": "",
                    "cylinder": record.cylinder or Cylinder.UNKNOWN,
                    "notes": None,
                }
            )
            touched.add(entrance_id)
        elif record.cylinder is not None and entrance_door["cylinder"] != record.cylinder:
            door_updates.append({"id": entrance_door["id"], "cylinder": record.cylinder})
            touched.add(entrance_id)
        for kind in record.other_doors:
            if (entrance_id, kind) not in doors:
                label = next(lbl for k, lbl in OTHER_DOORS.values() if k is kind)
                door_inserts.append(
                    {
                        "entrance_id": entrance_id,
                        "kind": kind,
                        "label": label,
                        "cylinder": Cylinder.UNKNOWN,
                        "notes": None,
                    }
                )
                touched.add(entrance_id)
    insert_rows(session, Door, door_inserts)
    update_rows(session, Door, door_updates)
    result.doors = len(door_inserts)
    updated = set(result.updated)
    for entrance_id, _ in kept:
        if entrance_id in touched and entrance_id not in updated:
            result.updated.append(entrance_id)
            updated.add(entrance_id)
    result.unchanged = len(kept) - len([e for e, _ in kept if e in updated])
    return result


def _entrance_values(record: EntranceRecord) -> dict[str, Any]:
    return {
        "property_id": record.property_id,
        "street": record.street,
        "number": record.number,
        "letter": record.letter,
        "suffix": record.suffix,
        "postcode": record.postcode,
        "postort": record.postort,
        "geom": ewkt_point(record.lon, record.lat),
        "district_id": None,
        "geocode_source": record.source,
        "geocode_score": record.score,
        "notes": record.notes,
    }


def _assign(session: Session, report: ImportReport, write: WriteResult) -> None:
    """Districts for every entrance, in the database; say how many new ones fell outside."""
    assign_districts(session)
    changed = [*write.created, *write.updated]
    outside = 0
    for start in range(0, len(changed), 5_000):
        chunk = changed[start : start + 5_000]
        outside += int(
            session.scalar(
                select(func.count())
                .select_from(Entrance)
                .where(Entrance.id.in_(chunk), Entrance.district_id.is_(None))
            )
            or 0
        )
    if outside:
        report.warnings.append(
            f"{outside} entréer ligger utanför alla stadsdelsområden (eller ingen indelning är "
            "aktuell) och har inget stadsdelsområde."
        )
