"""Home-care staff and their personal digital keys; which locks a key may open.

A key opens the locks its holder's provider needs: for every customer the provider serves on a
day, the locks on the building doors of the customer's entrance (entrance, refuse room, laundry)
and the lock on the customer's apartment door. Nothing is stored per key: the rights follow the
provider's customers, so a new customer, an ended service or a member of staff moving to another
provider changes them at once.

Staff are imported from CSV (header row required, ``;`` ``,`` or tab):

============ ===================================================== =============================
column       meaning                                               also accepted as header
============ ===================================================== =============================
personalkod  the staff code (unique)                               staff_code, anställningsnummer
namn         display name (optional)                               name
utförare     the home-care provider: its name or org number        provider, hemtjänstutförare
nyckel       the personal key's code (optional): issued if new      key, key_code, nyckelkod
aktiv        ``ja``/``nej`` (optional, default ``ja``): ``nej``      active
             deactivates the person's keys
============ ===================================================== =============================

A file with bad rows is refused whole (nothing is stored) unless ``skip_bad_rows`` is given;
importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from planner.locks._csvfile import ImportReport, finish, parse_bool, read_table
from planner.locks.errors import InvalidValue, RowProblem, UnknownRecord
from planner.locks.lifecycle import audit, now, transition
from planner.locks.states import KeyState
from planner.models import (
    Customer,
    DigitalKey,
    Door,
    DoorKind,
    Entrance,
    HomeCareStaff,
    Lock,
    LockState,
    Organisation,
    OrgKind,
)

BUILDING_DOORS = (DoorKind.ENTRANCE, DoorKind.REFUSE, DoorKind.LAUNDRY)
DOOR_LABELS = {
    DoorKind.ENTRANCE: "entrédörr",
    DoorKind.APARTMENT: "lägenhetsdörr",
    DoorKind.REFUSE: "soprum",
    DoorKind.LAUNDRY: "tvättstuga",
}
STAFF_COLUMNS: dict[str, tuple[str, ...]] = {
    "personalkod": ("staff_code", "personal", "anställningsnummer", "personal_id"),
    "namn": ("name", "display_name"),
    "utförare": ("utforare", "provider", "hemtjänstutförare", "organisation"),
    "nyckel": ("key", "key_code", "nyckelkod"),
    "aktiv": ("active",),
}


# --- single changes ------------------------------------------------------------------------------


def get_key(session: Session, key_code: str) -> DigitalKey:
    key = session.scalars(select(DigitalKey).where(DigitalKey.key_code == key_code)).first()
    if key is None:
        msg = f"Nyckeln {key_code!r} finns inte."
        raise UnknownRecord(msg)
    return key


def get_staff(session: Session, staff_code: str) -> HomeCareStaff:
    staff = session.scalars(
        select(HomeCareStaff).where(HomeCareStaff.staff_code == staff_code)
    ).first()
    if staff is None:
        msg = f"Det finns ingen personal med personalkoden {staff_code!r}."
        raise UnknownRecord(msg)
    return staff


def issue_key(
    session: Session, *, staff_code: str, key_code: str, actor: str, at: datetime | None = None
) -> DigitalKey:
    """Give a member of staff a new personal key (active at once); their other keys stop."""
    staff = get_staff(session, staff_code)
    key_code = key_code.strip()
    if not key_code or len(key_code) > 40:
        msg = "Ange en nyckelkod på 1–40 tecken."
        raise InvalidValue(msg)
    if session.scalars(select(DigitalKey.id).where(DigitalKey.key_code == key_code)).first():
        msg = f"Nyckeln {key_code!r} finns redan."
        raise InvalidValue(msg)
    return _issue(session, staff, key_code, actor=actor, at=at or now())


def _issue(
    session: Session, staff: HomeCareStaff, key_code: str, *, actor: str, at: datetime
) -> DigitalKey:
    for old in session.scalars(
        select(DigitalKey).where(
            DigitalKey.staff_id == staff.id, DigitalKey.state == KeyState.ACTIVE
        )
    ):
        transition(
            session, old, KeyState.DEACTIVATED, actor=actor, at=at, note=f"ersatt av {key_code}"
        )
    key = DigitalKey(key_code=key_code, staff_id=staff.id, state=KeyState.ACTIVE, activated_at=at)
    session.add(key)
    session.flush()
    audit(
        session,
        entity="digital_key",
        entity_id=key.id,
        action="created",
        actor=actor,
        to_state=KeyState.ACTIVE.value,
        note=f"utdelad till {staff.staff_code}",
        at=at,
    )
    return key


def set_key_state(
    session: Session,
    key_code: str,
    target: KeyState,
    *,
    actor: str,
    at: datetime | None = None,
    note: str | None = None,
) -> DigitalKey:
    """Activate, deactivate or revoke (spärra) a key; the change is audited with who and when."""
    key = get_key(session, key_code)
    transition(session, key, target, actor=actor, at=at, note=note)
    return key


def activate_key(
    session: Session,
    key_code: str,
    *,
    actor: str,
    at: datetime | None = None,
    note: str | None = None,
) -> DigitalKey:
    return set_key_state(session, key_code, KeyState.ACTIVE, actor=actor, at=at, note=note)


def deactivate_key(
    session: Session,
    key_code: str,
    *,
    actor: str,
    at: datetime | None = None,
    note: str | None = None,
) -> DigitalKey:
    return set_key_state(session, key_code, KeyState.DEACTIVATED, actor=actor, at=at, note=note)


def revoke_key(
    session: Session,
    key_code: str,
    *,
    actor: str,
    at: datetime | None = None,
    note: str | None = None,
) -> DigitalKey:
    return set_key_state(session, key_code, KeyState.REVOKED, actor=actor, at=at, note=note)


# --- which locks a key opens ---------------------------------------------------------------------


def served_locks(session: Session, *, on: date | None = None) -> pd.DataFrame:
    """Every (provider, lock) pair a customer creates, with the customer's service period.

    Columns: provider_id, lock_id, serial, customer_id, active_from, active_to, door_kind,
    entrance_id. With ``on``, only customers served that day.
    """
    customer_filter = []
    if on is not None:
        customer_filter = [
            Customer.active_from <= on,
            or_(Customer.active_to.is_(None), Customer.active_to >= on),
        ]
    apartment = (
        select(
            Customer.provider_id,
            Lock.id.label("lock_id"),
            Lock.serial,
            Customer.id.label("customer_id"),
            Customer.active_from,
            Customer.active_to,
            Door.kind.label("door_kind"),
            Customer.entrance_id,
        )
        .join(Lock, Lock.door_id == Customer.apartment_door_id)
        .join(Door, Door.id == Lock.door_id)
        .where(Customer.provider_id.is_not(None), *customer_filter)
    )
    building = (
        select(
            Customer.provider_id,
            Lock.id.label("lock_id"),
            Lock.serial,
            Customer.id.label("customer_id"),
            Customer.active_from,
            Customer.active_to,
            Door.kind.label("door_kind"),
            Customer.entrance_id,
        )
        .join(Door, and_(Door.entrance_id == Customer.entrance_id, Door.kind.in_(BUILDING_DOORS)))
        .join(Lock, Lock.door_id == Door.id)
        .where(Customer.provider_id.is_not(None), *customer_filter)
    )
    columns = [
        "provider_id",
        "lock_id",
        "serial",
        "customer_id",
        "active_from",
        "active_to",
        "door_kind",
        "entrance_id",
    ]
    rows = [*session.execute(apartment).all(), *session.execute(building).all()]
    frame = pd.DataFrame(rows, columns=columns)
    frame["door_kind"] = frame["door_kind"].map(lambda k: DoorKind(k).value)
    return frame


def current_keys(session: Session) -> pd.DataFrame:
    """Keys that open doors now: active keys held by active staff (key_code, staff, provider)."""
    rows = session.execute(
        select(
            DigitalKey.key_code,
            HomeCareStaff.staff_code,
            HomeCareStaff.provider_id,
        )
        .join(HomeCareStaff, HomeCareStaff.id == DigitalKey.staff_id)
        .where(DigitalKey.state == KeyState.ACTIVE, HomeCareStaff.active.is_(True))
    ).all()
    return pd.DataFrame(rows, columns=["key_code", "staff_code", "provider_id"])


@dataclass(frozen=True)
class KeyRights:
    key_code: str
    staff_code: str
    provider: str
    usable: bool  # the key is active and its holder is active
    locks: pd.DataFrame  # serial, dörr, adress, kunder (Swedish column names)


def locks_for_key(session: Session, key_code: str, *, on: date) -> KeyRights:
    """The active locks ``key_code`` may open on ``on`` (empty if the key or holder is inactive)."""
    key = get_key(session, key_code)
    staff = session.get(HomeCareStaff, key.staff_id)
    assert staff is not None
    provider = session.get(Organisation, staff.provider_id)
    usable = key.state is KeyState.ACTIVE and staff.active
    pairs = served_locks(session, on=on)
    pairs = pairs[pairs["provider_id"] == staff.provider_id]
    states = (
        dict(
            session.execute(
                select(Lock.id, Lock.state).where(Lock.id.in_(pairs["lock_id"].unique().tolist()))
            ).all()
        )
        if len(pairs)
        else {}
    )
    pairs = pairs[pairs["lock_id"].map(lambda i: states.get(i) is LockState.ACTIVE)]
    addresses = _addresses(session, pairs["entrance_id"].unique().tolist())
    table = (
        pairs.groupby(["serial", "door_kind", "entrance_id"], as_index=False)
        .agg(kunder=("customer_id", "nunique"))
        .assign(
            dörr=lambda f: f["door_kind"].map(lambda k: DOOR_LABELS[DoorKind(k)]),
            adress=lambda f: f["entrance_id"].map(addresses),
        )
        .rename(columns={"serial": "serienummer"})[["serienummer", "dörr", "adress", "kunder"]]
        .sort_values(["adress", "dörr"])
        .reset_index(drop=True)
    )
    if not usable:
        table = table.iloc[0:0]
    return KeyRights(
        key_code=key.key_code,
        staff_code=staff.staff_code,
        provider=provider.name if provider else "",
        usable=usable,
        locks=table,
    )


def _addresses(session: Session, entrance_ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(entrance_ids), 900):
        part = entrance_ids[start : start + 900]
        for entrance in session.scalars(select(Entrance).where(Entrance.id.in_(part))):
            out[entrance.id] = f"{entrance.address}, {entrance.postort}"
    return out


# --- staff import ------------------------------------------------------------------------------


def import_staff(
    session: Session,
    data: bytes,
    *,
    file: str,
    actor: str,
    at: datetime | None = None,
    skip_bad_rows: bool = False,
) -> ImportReport:
    """Create or update home-care staff and issue their keys from a CSV file (see module doc)."""
    when = at or now()
    table = read_table(data, file=file, columns=STAFF_COLUMNS, required=("personalkod", "utförare"))
    frame = table.frame
    providers = _provider_lookup(session)
    codes = frame["personalkod"].tolist()
    existing = {
        s.staff_code: s
        for s in session.scalars(select(HomeCareStaff).where(HomeCareStaff.staff_code.in_(codes)))
    }
    key_codes = [k for k in frame.get("nyckel", pd.Series(dtype=str)).tolist() if k]
    holders = dict(
        session.execute(
            select(DigitalKey.key_code, HomeCareStaff.staff_code)
            .join(HomeCareStaff, HomeCareStaff.id == DigitalKey.staff_id)
            .where(DigitalKey.key_code.in_(key_codes))
        ).all()
    )
    problems: list[RowProblem] = []
    plan: list[tuple[int, str, str | None, int, str, bool]] = []
    seen_codes: dict[str, int] = {}
    seen_keys: dict[str, int] = {}
    for record in frame.to_dict("records"):
        row = int(record["_row"])
        code = record["personalkod"]
        name = record.get("namn") or None
        key_code = record.get("nyckel", "")
        bad = False
        if not code:
            problems.append(table.problem(row, "personalkod", "personalkod saknas"))
            bad = True
        elif len(code) > 32:
            problems.append(table.problem(row, "personalkod", "högst 32 tecken"))
            bad = True
        elif code in seen_codes:
            problems.append(
                table.problem(row, "personalkod", f"{code!r} finns redan på rad {seen_codes[code]}")
            )
            bad = True
        else:
            seen_codes[code] = row
        provider_id = providers.get(record["utförare"].lower())
        if provider_id is None:
            known = ", ".join(sorted({n for n, _ in _provider_names(session)})[:8])
            problems.append(
                table.problem(
                    row,
                    "utförare",
                    f"okänd hemtjänstutförare {record['utförare']!r}; ange namn eller "
                    f"organisationsnummer, t.ex. {known}",
                )
            )
            bad = True
        active = parse_bool(record.get("aktiv", ""), default=True)
        if active is None:
            problems.append(table.problem(row, "aktiv", "skriv ja eller nej"))
            bad = True
        if key_code:
            if len(key_code) > 40:
                problems.append(table.problem(row, "nyckel", "högst 40 tecken"))
                bad = True
            elif key_code in seen_keys:
                problems.append(
                    table.problem(
                        row, "nyckel", f"{key_code!r} finns redan på rad {seen_keys[key_code]}"
                    )
                )
                bad = True
            elif holders.get(key_code, code) != code:
                problems.append(
                    table.problem(
                        row, "nyckel", f"nyckeln {key_code!r} är utdelad till {holders[key_code]}"
                    )
                )
                bad = True
            else:
                seen_keys[key_code] = row
        if not bad:
            assert provider_id is not None and active is not None
            plan.append((row, code, name, provider_id, key_code, active))
    skipped = finish(file, problems, skip_bad_rows=skip_bad_rows)

    created = changed = unchanged = 0
    for _row, code, name, provider_id, key_code, active in plan:
        staff = existing.get(code)
        is_new = staff is None
        touched = False
        if staff is None:
            staff = HomeCareStaff(
                staff_code=code, display_name=name, provider_id=provider_id, active=active
            )
            session.add(staff)
            session.flush()
            audit(
                session,
                entity="home_care_staff",
                entity_id=staff.id,
                action="created",
                actor=actor,
                note=f"inläst från {file}",
                at=when,
            )
            existing[code] = staff
        else:
            touched = _update_staff(
                session, staff, name, provider_id, active, actor=actor, at=when, file=file
            )
        if key_code and key_code not in holders:
            _issue(session, staff, key_code, actor=actor, at=when)
            holders[key_code] = code
            touched = True
        if not active:
            for key in session.scalars(
                select(DigitalKey).where(
                    DigitalKey.staff_id == staff.id, DigitalKey.state == KeyState.ACTIVE
                )
            ):
                transition(
                    session,
                    key,
                    KeyState.DEACTIVATED,
                    actor=actor,
                    at=when,
                    note="personalen är inte längre aktiv",
                )
                touched = True
        if is_new:
            created += 1
        elif touched:
            changed += 1
        else:
            unchanged += 1
    return ImportReport(
        file=file,
        rows=len(frame),
        created=created,
        changed=changed,
        unchanged=unchanged,
        skipped=skipped,
    )


def _update_staff(
    session: Session,
    staff: HomeCareStaff,
    name: str | None,
    provider_id: int,
    active: bool,
    *,
    actor: str,
    at: datetime,
    file: str,
) -> bool:
    edits = []
    if name is not None and name != staff.display_name:
        edits.append(f"namn {staff.display_name!r} → {name!r}")
        staff.display_name = name
    if provider_id != staff.provider_id:
        old = session.get(Organisation, staff.provider_id)
        new = session.get(Organisation, provider_id)
        edits.append(f"utförare {old.name if old else '?'} → {new.name if new else '?'}")
        staff.provider_id = provider_id
    if active != staff.active:
        edits.append(f"aktiv {_yes(staff.active)} → {_yes(active)}")
        staff.active = active
    if edits:
        audit(
            session,
            entity="home_care_staff",
            entity_id=staff.id,
            action="edited",
            actor=actor,
            note=f"{file}: " + "; ".join(edits),
            at=at,
        )
    return bool(edits)


def _yes(value: bool) -> str:
    return "ja" if value else "nej"


def _provider_names(session: Session) -> list[tuple[str, str | None]]:
    return [
        (name, number)
        for name, number in session.execute(
            select(Organisation.name, Organisation.org_number).where(
                Organisation.kind == OrgKind.HOME_CARE_PROVIDER
            )
        )
    ]


def _provider_lookup(session: Session) -> dict[str, int]:
    """Home-care providers by lower-case name and by org number (with or without hyphen)."""
    out: dict[str, int] = {}
    for org_id, name, number in session.execute(
        select(Organisation.id, Organisation.name, Organisation.org_number).where(
            Organisation.kind == OrgKind.HOME_CARE_PROVIDER
        )
    ):
        out[name.strip().lower()] = org_id
        if number:
            out[number] = org_id
            out[number.replace("-", "")] = org_id
    return out
