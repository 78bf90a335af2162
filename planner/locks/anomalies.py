"""Anomalies in the access log, and active locks that no current key can open.

An event is an anomaly of one or more kinds (``ANOMALY_KINDS``), judged at the moment it happened:

* ``unknown_key`` / ``unknown_lock``: the log names a key or lock planner does not know;
* ``inactive_key``: the key was deactivated or revoked (or not yet issued) at that moment;
* ``inactive_lock``: the lock was deactivated or removed at that moment;
* ``outside_shift``: a granted opening outside every shift of the key's holder;
* ``wrong_provider``: a granted opening of a lock that no customer of the holder's provider, served
  that day, lives behind (their building's doors or their apartment door).

The scan is set-based: the events are read once into pandas and joined against the key and lock
histories (``merge_asof``), the union of each person's shifts and the provider-lock pairs; it
never loops over events in Python.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.locks._csvfile import STOCKHOLM, day_start
from planner.locks.history import key_changes, lock_changes
from planner.locks.keys import DOOR_LABELS, current_keys, served_locks
from planner.locks.states import KeyState, LockState
from planner.models import (
    DigitalKey,
    District,
    Door,
    DoorKind,
    Entrance,
    HomeCareStaff,
    Lock,
    Organisation,
    Shift,
)

ANOMALY_KINDS: dict[str, str] = {
    "unknown_key": "Okänd nyckel",
    "unknown_lock": "Okänt lås",
    "inactive_key": "Avaktiverad eller spärrad nyckel",
    "inactive_lock": "Avaktiverat eller borttaget lås",
    "outside_shift": "Öppning utanför arbetspass",
    "wrong_provider": "Utföraren har ingen kund bakom dörren",
}
ANOMALY_COLUMNS = [
    "event_id",
    "occurred_at",
    "kind",
    "label",
    "key_code",
    "lock_serial",
    "result",
    "staff_code",
    "provider",
    "entrance_id",
    "district",
    "address",
]
_INACTIVE_LOCK = {LockState.DEACTIVATED.value, LockState.REMOVED.value}


def window(first: date, last: date) -> dict[str, datetime]:
    """``since``/``until`` for the Stockholm days ``first`` to ``last``, both included."""
    return {"since": day_start(first), "until": day_start(last + timedelta(days=1))}


def load_events(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """The access log (or a time window of it) as a frame: event_id, at (UTC), key, lock, result."""
    dialect = session.get_bind().dialect.name
    raw = session.connection().connection.driver_connection
    assert raw is not None
    clauses: list[str] = []
    params: list[object] = []
    if dialect == "sqlite":
        at_sql = "occurred_at"
        for op, value in ((">=", since), ("<", until)):
            if value is not None:
                clauses.append(f"occurred_at {op} ?")
                params.append(value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"))
    else:
        at_sql = "(extract(epoch FROM occurred_at) * 1000000)::bigint"
        for op, value in ((">=", since), ("<", until)):
            if value is not None:
                clauses.append(f"occurred_at {op} %s")
                params.append(value)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"SELECT id, {at_sql}, key_code, lock_serial, result FROM access_event{where}"
    cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    frame = pd.DataFrame(rows, columns=["event_id", "at", "key_code", "lock_serial", "result"])
    if dialect == "sqlite":
        frame["at"] = pd.to_datetime(frame["at"], format="ISO8601", utc=True)
    else:
        frame["at"] = pd.to_datetime(frame["at"].astype("int64"), unit="us", utc=True)
    return frame


def find_anomalies(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """Every anomaly in the log (or the window), one row per event and kind (``ANOMALY_COLUMNS``).

    ``occurred_at`` is UTC; ``district`` and ``address`` are the lock's, so reports can count per
    district and day.
    """
    events = load_events(session, since=since, until=until)
    if not len(events):
        return pd.DataFrame(columns=ANOMALY_COLUMNS)
    events = events.sort_values("at", kind="stable").reset_index(drop=True)
    keys = pd.DataFrame(
        session.execute(
            select(
                DigitalKey.key_code,
                DigitalKey.id,
                HomeCareStaff.id,
                HomeCareStaff.staff_code,
                HomeCareStaff.provider_id,
            ).join(HomeCareStaff, HomeCareStaff.id == DigitalKey.staff_id)
        ).all(),
        columns=["key_code", "key_id", "staff_id", "staff_code", "provider_id"],
    )
    locks = pd.DataFrame(
        session.execute(
            select(Lock.serial, Lock.id, Door.entrance_id)
            .join(Door, Door.id == Lock.door_id)
            .where(Lock.serial.is_not(None))
        ).all(),
        columns=["lock_serial", "lock_id", "entrance_id"],
    )
    events = events.merge(keys, on="key_code", how="left").merge(
        locks, on="lock_serial", how="left"
    )
    granted = (events["result"] == "granted").to_numpy()
    known_key = events["key_id"].notna().to_numpy()
    known_lock = events["lock_id"].notna().to_numpy()
    found: list[pd.DataFrame] = [
        events.loc[~known_key].assign(kind="unknown_key"),
        events.loc[~known_lock].assign(kind="unknown_lock"),
    ]

    key_state = _state_at(events.loc[known_key], key_changes(session), "key_id")
    inactive_key = key_state.isna() | (key_state != KeyState.ACTIVE.value)
    found.append(events.loc[known_key].loc[inactive_key.to_numpy()].assign(kind="inactive_key"))

    lock_state = _state_at(events.loc[known_lock], lock_changes(session), "lock_id")
    inactive_lock = lock_state.isin(_INACTIVE_LOCK)
    found.append(events.loc[known_lock].loc[inactive_lock.to_numpy()].assign(kind="inactive_lock"))

    opened = events.loc[granted & known_key]
    found.append(_outside_shift(session, opened).assign(kind="outside_shift"))
    found.append(
        _wrong_provider(session, opened.loc[opened["lock_id"].notna()]).assign(
            kind="wrong_provider"
        )
    )
    hits = (
        pd.concat([f for f in found if len(f)], ignore_index=True)
        if any(len(f) for f in found)
        else events.iloc[0:0].assign(kind="")
    )
    return _describe(session, hits)


def _state_at(events: pd.DataFrame, changes: pd.DataFrame, by: str) -> pd.Series:
    """The state each event's key or lock had at the event's time (NaN before its first)."""
    if not len(events):
        return pd.Series(dtype=object)
    left = events[["at", by]].assign(_order=np.arange(len(events)))
    left[by] = left[by].astype("int64")
    right = changes[["at", by, "state"]].copy()
    right[by] = right[by].astype("int64")
    right = right.rename(columns={"at": "changed_at"}).sort_values("changed_at", kind="stable")
    merged = pd.merge_asof(
        left.sort_values("at", kind="stable"),
        right,
        left_on="at",
        right_on="changed_at",
        by=by,
        direction="backward",
        allow_exact_matches=True,
    )
    return merged.sort_values("_order")["state"].reset_index(drop=True).set_axis(events.index)


def shift_windows(session: Session) -> pd.DataFrame:
    """Each person's shifts merged into non-overlapping windows: staff_id, start, end (UTC)."""
    shifts = pd.DataFrame(
        session.execute(select(Shift.staff_id, Shift.starts_at, Shift.ends_at)).all(),
        columns=["staff_id", "start", "end"],
    )
    if not len(shifts):
        return shifts
    shifts["start"] = pd.to_datetime(shifts["start"], utc=True)
    shifts["end"] = pd.to_datetime(shifts["end"], utc=True)
    shifts = shifts.sort_values(["staff_id", "start"], kind="stable").reset_index(drop=True)
    reach = shifts.groupby("staff_id")["end"].cummax()
    previous_reach = reach.groupby(shifts["staff_id"]).shift()
    new_window = previous_reach.isna() | (shifts["start"] > previous_reach)
    window = new_window.cumsum()
    return (
        shifts.assign(end=reach, window=window)
        .groupby("window")
        .agg(staff_id=("staff_id", "first"), start=("start", "min"), end=("end", "max"))
        .reset_index(drop=True)
    )


def _outside_shift(session: Session, opened: pd.DataFrame) -> pd.DataFrame:
    if not len(opened):
        return opened
    windows = shift_windows(session)
    left = opened.assign(staff_id=opened["staff_id"].astype("int64"), _order=np.arange(len(opened)))
    if not len(windows):
        return opened
    windows = windows.assign(staff_id=windows["staff_id"].astype("int64")).sort_values(
        "start", kind="stable"
    )
    merged = pd.merge_asof(
        left[["at", "staff_id", "_order"]].sort_values("at", kind="stable"),
        windows,
        left_on="at",
        right_on="start",
        by="staff_id",
        direction="backward",
    )
    inside = merged["end"].notna() & (merged["at"] <= merged["end"])
    outside_order = merged.loc[~inside, "_order"].to_numpy()
    return opened.iloc[np.sort(outside_order)]


def _wrong_provider(session: Session, opened: pd.DataFrame) -> pd.DataFrame:
    if not len(opened):
        return opened
    pairs = served_locks(session)
    day = opened["at"].dt.tz_convert(STOCKHOLM).dt.tz_localize(None).dt.normalize()
    left = pd.DataFrame(
        {
            "_order": np.arange(len(opened)),
            "provider_id": opened["provider_id"].astype("int64").to_numpy(),
            "lock_id": opened["lock_id"].astype("int64").to_numpy(),
            "day": day.to_numpy(),
        }
    )
    right = pairs[["provider_id", "lock_id", "active_from", "active_to"]].copy()
    right["provider_id"] = right["provider_id"].astype("int64")
    right["lock_id"] = right["lock_id"].astype("int64")
    right["active_from"] = pd.to_datetime(right["active_from"])
    right["active_to"] = pd.to_datetime(right["active_to"])
    merged = left.merge(right, on=["provider_id", "lock_id"], how="inner")
    served = (merged["active_from"] <= merged["day"]) & (
        merged["active_to"].isna() | (merged["day"] <= merged["active_to"])
    )
    ok = np.zeros(len(opened), dtype=bool)
    ok[merged.loc[served, "_order"].to_numpy()] = True
    return opened.iloc[np.flatnonzero(~ok)]


def _describe(session: Session, hits: pd.DataFrame) -> pd.DataFrame:
    if not len(hits):
        return pd.DataFrame(columns=ANOMALY_COLUMNS)
    providers = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    entrance_ids = sorted({int(e) for e in hits["entrance_id"].dropna()})
    places: dict[int, tuple[str, str]] = {}
    for start in range(0, len(entrance_ids), 900):
        part = entrance_ids[start : start + 900]
        for entrance, district in session.execute(
            select(Entrance, District.name)
            .outerjoin(District, District.id == Entrance.district_id)
            .where(Entrance.id.in_(part))
        ):
            places[entrance.id] = (f"{entrance.address}, {entrance.postort}", district or "")
    out = pd.DataFrame(
        {
            "event_id": hits["event_id"].astype("int64"),
            "occurred_at": hits["at"],
            "kind": hits["kind"],
            "label": hits["kind"].map(ANOMALY_KINDS),
            "key_code": hits["key_code"],
            "lock_serial": hits["lock_serial"],
            "result": hits["result"],
            "staff_code": hits["staff_code"],
            "provider": hits["provider_id"].map(
                lambda p: providers.get(int(p)) if pd.notna(p) else None
            ),
            "entrance_id": hits["entrance_id"].astype("Int64"),
            "district": hits["entrance_id"].map(
                lambda e: places.get(int(e), ("", ""))[1] if pd.notna(e) else None
            ),
            "address": hits["entrance_id"].map(
                lambda e: places.get(int(e), ("", ""))[0] if pd.notna(e) else None
            ),
        }
    )
    return out.sort_values(["occurred_at", "event_id", "kind"]).reset_index(drop=True)


def anomaly_table(anomalies: pd.DataFrame) -> pd.DataFrame:
    """The anomalies with Swedish column names and Stockholm times, for the app and the CLI."""
    return pd.DataFrame(
        {
            "tid": anomalies["occurred_at"].dt.tz_convert(STOCKHOLM).dt.strftime("%Y-%m-%d %H:%M"),
            "avvikelse": anomalies["label"],
            "nyckel": anomalies["key_code"],
            "personal": anomalies["staff_code"].fillna(""),
            "utförare": anomalies["provider"].fillna(""),
            "lås": anomalies["lock_serial"],
            "adress": anomalies["address"].fillna(""),
            "stadsdelsområde": anomalies["district"].fillna(""),
            "resultat": anomalies["result"].map({"granted": "beviljad", "denied": "nekad"}),
            "händelse": anomalies["event_id"],
        }
    )


def anomaly_counts(anomalies: pd.DataFrame) -> dict[str, int]:
    """Anomalies per kind (Swedish label), every kind present (zero if none)."""
    counts = anomalies["kind"].value_counts() if len(anomalies) else pd.Series(dtype=int)
    return {label: int(counts.get(kind, 0)) for kind, label in ANOMALY_KINDS.items()}


# --- coverage ------------------------------------------------------------------------------------


NO_CUSTOMERS = "inga aktuella kunder bakom dörren"
NO_KEYS = "kundernas utförare har ingen aktiv nyckel"


def coverage_gaps(session: Session, *, on: date) -> pd.DataFrame:
    """Active locks that no current key can open ("installerat men ingen kan öppna").

    Columns (Swedish): lås-id, serienummer, dörr, adress, stadsdelsområde, kunder, orsak.
    """
    active = pd.DataFrame(
        session.execute(
            select(Lock.id, Lock.serial, Door.kind, Door.entrance_id)
            .join(Door, Door.id == Lock.door_id)
            .where(Lock.state == LockState.ACTIVE)
        ).all(),
        columns=["lock_id", "serial", "door_kind", "entrance_id"],
    )
    pairs = served_locks(session, on=on)
    keyed = set(current_keys(session)["provider_id"].astype("int64"))
    pairs = pairs.assign(has_key=pairs["provider_id"].astype("int64").isin(keyed))
    per_lock = pairs.groupby("lock_id").agg(
        customers=("customer_id", "nunique"), covered=("has_key", "any")
    )
    merged = active.merge(per_lock, left_on="lock_id", right_index=True, how="left")
    merged["customers"] = merged["customers"].fillna(0).astype(int)
    merged["covered"] = merged["covered"].astype("boolean").fillna(False).astype(bool)
    gaps = merged[~merged["covered"]].copy()
    entrance_ids = gaps["entrance_id"].astype(int).unique().tolist()
    places: dict[int, tuple[str, str]] = {}
    for start in range(0, len(entrance_ids), 900):
        part = entrance_ids[start : start + 900]
        for entrance, district in session.execute(
            select(Entrance, District.name)
            .outerjoin(District, District.id == Entrance.district_id)
            .where(Entrance.id.in_(part))
        ):
            places[entrance.id] = (f"{entrance.address}, {entrance.postort}", district or "")
    table = pd.DataFrame(
        {
            "lås-id": gaps["lock_id"].astype(int),
            "serienummer": gaps["serial"],
            "dörr": gaps["door_kind"].map(lambda k: DOOR_LABELS[DoorKind(k)]),
            "adress": gaps["entrance_id"].map(lambda e: places.get(int(e), ("", ""))[0]),
            "stadsdelsområde": gaps["entrance_id"].map(lambda e: places.get(int(e), ("", ""))[1]),
            "kunder": gaps["customers"],
            "orsak": np.where(gaps["customers"] > 0, NO_KEYS, NO_CUSTOMERS),
        }
    )
    return table.sort_values(["stadsdelsområde", "adress", "dörr"]).reset_index(drop=True)
