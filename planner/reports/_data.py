"""Everything a report needs, read from the database in a few set-based queries.

Each table is read once, as columns (never row by row), through the session's connection and
turned into NumPy-friendly frames: lock, consent and fault histories become *spans* (``start``,
``end``, state) in UTC nanoseconds, so that ``planner.reports.figures`` can tell the state of
every door, property and fault at many moments at once.

States at a moment come from the audit trail, read the way ``planner.locks.history`` reads it: a
row's state is the ``to_state`` of its last audit row before the moment; a row without audit
history falls back to its date columns (at noon, Stockholm), and an undated row to its current
state since the beginning. The audit trail is read here in one query for all three entities
(instead of ``history.lock_changes`` and ``history.state_changes`` per entity) because the
report must be fast; ``tests/reports`` checks that both readings agree on the demo city.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

import numpy as np
import pandas as pd
from geoalchemy2.shape import to_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import String, select, text, type_coerce
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import ColumnElement, Executable

from planner.locks._csvfile import STOCKHOLM
from planner.locks.anomalies import find_anomalies, window
from planner.locks.history import end_of_day
from planner.locks.states import ConsentState, FaultState, LockState
from planner.models import (
    Consent,
    Crew,
    Customer,
    District,
    DistrictSet,
    Door,
    Entrance,
    FaultReport,
    Job,
    JobKind,
    JobState,
    KeyReturn,
    Lock,
    Wave,
    WaveDistrict,
)

FOREVER = np.iinfo(np.int64).max
NO_DISTRICT_ID = -1
# consent codes: the larger wins when a property has several consent rows
CONSENT_CODES: dict[str, int] = {
    ConsentState.NOT_REQUESTED.value: 0,
    ConsentState.WITHDRAWN.value: 1,
    ConsentState.REQUESTED.value: 2,
    ConsentState.REMINDED.value: 3,
    ConsentState.REFUSED.value: 4,
    ConsentState.RECEIVED.value: 5,
}
FITTED_STATES = (LockState.INSTALLED.value, LockState.ACTIVE.value, LockState.DEACTIVATED.value)
_BEGINNING = date(1970, 1, 2)
_LOCK_DATES = (
    ("planned_on", LockState.PLANNED.value),
    ("installed_on", LockState.INSTALLED.value),
    ("activated_on", LockState.ACTIVE.value),
    ("deactivated_on", LockState.DEACTIVATED.value),
    ("removed_on", LockState.REMOVED.value),
)


@dataclass(frozen=True)
class RolloutData:
    """The rollout as read on one day (``until``); later facts are left out where they are dated.

    ``district_id`` columns hold the current set's district ids; an entrance without one (or in
    an older set) has ``NO_DISTRICT_ID`` and is counted under "(utan stadsdelsområde)".
    """

    until: date
    district_set: str | None
    districts: pd.DataFrame  # district_id, name, wave_id
    geometries: dict[int, BaseGeometry]
    waves: pd.DataFrame  # wave_id, number, name, state, planned_start, planned_end
    entrances: pd.DataFrame  # entrance_id, property_id, district_id
    property_district: pd.Series  # property_id -> district_id (its home district)
    customers: pd.DataFrame  # customer_id, entrance_id, apartment_door_id, active_from, active_to
    doors: pd.DataFrame  # door_id, entrance_id, kind
    lock_spans: pd.DataFrame  # door_id, start, end, state (ns UTC)
    consent_spans: pd.DataFrame  # property_id, start, end, code
    faults: pd.DataFrame  # fault_id, entrance_id, reported_at, closed_at (ns UTC; FOREVER)
    fault_spans: pd.DataFrame  # entrance_id, start, end (while open)
    returns: pd.DataFrame  # entrance_id, returned_on, keys_count, tags_count
    anomalies: pd.DataFrame  # entrance_id (NO_DISTRICT_ID: unknown lock), at (ns UTC), kind
    jobs: pd.DataFrame  # kind, state, crew_id, day (installation jobs done or failed, by crews)
    crews: pd.DataFrame  # crew_id, name, skills, active

    @property
    def demo(self) -> bool:
        return bool(self.district_set and "demo" in self.district_set)


def ns(values: pd.Series | list[object] | np.ndarray) -> np.ndarray:
    """UTC nanoseconds since the epoch for aware datetimes or ISO strings (missing: FOREVER)."""
    parsed = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
    index = pd.DatetimeIndex(parsed).as_unit("ns")
    out = index.asi8.copy()
    out[index.isna()] = FOREVER
    return out


def moment(day: date) -> int:
    """The end of ``day`` in Stockholm as UTC nanoseconds: states are read "at the end of day"."""
    return int(pd.Timestamp(end_of_day(day)).as_unit("ns").value)


def noon_ns(days: pd.Series) -> np.ndarray:
    """Midday in Stockholm on each day, as UTC nanoseconds (the time of a date-only event)."""
    local = pd.to_datetime(pd.Series(days, dtype=object)) + pd.Timedelta(hours=12)
    utc = local.dt.tz_localize(STOCKHOLM).dt.tz_convert(UTC)
    return pd.DatetimeIndex(utc).as_unit("ns").asi8.copy()


def _frame(session: Session, stmt: Executable, columns: list[str]) -> pd.DataFrame:
    """A Core query on the session's connection (no ORM row processing) as a frame."""
    rows = session.connection().execute(stmt).all()
    return pd.DataFrame(rows, columns=columns)


def _text(column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> ColumnElement[str]:
    """A column read as plain text: enum columns then skip per-value conversion."""
    return type_coerce(column, String)


def spans(changes: pd.DataFrame, by: str) -> pd.DataFrame:
    """State changes (``by``, ``at`` in ns, ``state``; in time order) as spans.

    A state holds from its change (exclusive) to the next change of the same row (inclusive):
    "the state at the end of the day" is the last change before the day's end.
    """
    frame = pd.DataFrame(
        {
            by: changes[by].to_numpy(dtype=np.int64),
            "start": changes["at"].to_numpy(dtype=np.int64),
            "state": changes["state"].to_numpy(dtype=object),
        }
    )
    frame = frame.sort_values(by, kind="stable").reset_index(drop=True)
    start = frame["start"].to_numpy()
    owner = frame[by].to_numpy()
    following = np.append(start[1:], FOREVER)[: len(frame)]
    same = np.append(owner[1:] == owner[:-1], False)[: len(frame)]
    frame["end"] = np.where(same, following, FOREVER).astype(np.int64)
    return frame[[by, "start", "end", "state"]]


def load(session: Session, *, until: date) -> RolloutData:
    """Read the rollout for reports up to the end of ``until``."""
    set_row = session.execute(
        select(DistrictSet.id, DistrictSet.name).where(DistrictSet.is_current.is_(True)).limit(1)
    ).first()
    set_id, set_name = (set_row[0], set_row[1]) if set_row else (None, None)

    waves = _frame(
        session,
        select(
            Wave.id,
            Wave.number,
            Wave.name,
            _text(Wave.state),
            Wave.planned_start,
            Wave.planned_end,
        ).order_by(Wave.number),
        ["wave_id", "number", "name", "state", "planned_start", "planned_end"],
    )
    number_of = dict(zip(waves["wave_id"], waves["number"], strict=True))
    wave_of: dict[int, int] = {}
    for wave_id, district_id in session.execute(
        select(WaveDistrict.wave_id, WaveDistrict.district_id)
    ):
        known = wave_of.get(district_id)
        if known is None or number_of[wave_id] < number_of[known]:
            wave_of[district_id] = wave_id

    district_rows = (
        session.execute(
            select(District.id, District.name, District.geom)
            .where(District.set_id == set_id)
            .order_by(District.name)
        ).all()
        if set_id is not None
        else []
    )
    districts = pd.DataFrame(
        {
            "district_id": pd.array([int(r[0]) for r in district_rows], dtype="int64"),
            "name": [str(r[1]) for r in district_rows],
            "wave_id": pd.array([wave_of.get(int(r[0])) for r in district_rows], dtype="Int64"),
        }
    )
    geometries = {int(r[0]): to_shape(r[2]) for r in district_rows if r[2] is not None}
    known_districts = set(districts["district_id"].tolist())

    entrances = _frame(
        session,
        select(Entrance.id, Entrance.property_id, Entrance.district_id),
        ["entrance_id", "property_id", "district_id"],
    )
    district = entrances["district_id"]
    entrances["district_id"] = np.where(
        district.isin(known_districts), district.fillna(NO_DISTRICT_ID), NO_DISTRICT_ID
    ).astype(np.int64)
    entrances = entrances.astype({"entrance_id": "int64", "property_id": "int64"})
    # a property belongs to the district of its first entrance, so that totals add up
    first = entrances.sort_values("entrance_id").drop_duplicates("property_id")
    property_district = pd.Series(
        first["district_id"].to_numpy(), index=first["property_id"].to_numpy(), dtype="int64"
    )

    customers = _frame(
        session,
        select(
            Customer.id,
            Customer.entrance_id,
            Customer.apartment_door_id,
            Customer.active_from,
            Customer.active_to,
        ),
        ["customer_id", "entrance_id", "apartment_door_id", "active_from", "active_to"],
    )
    doors = _frame(
        session,
        select(Door.id, Door.entrance_id, _text(Door.kind)),
        ["door_id", "entrance_id", "kind"],
    )
    audit = _audit(session, until)
    lock_spans = _lock_spans(session, audit[audit["entity"] == "lock"])
    consent_spans = _consent_spans(session, audit[audit["entity"] == "consent"])
    faults, fault_spans = _faults(session, audit[audit["entity"] == "fault_report"], until)
    returns = _frame(
        session,
        select(
            KeyReturn.entrance_id,
            KeyReturn.returned_on,
            KeyReturn.keys_count,
            KeyReturn.tags_count,
        ).where(KeyReturn.returned_on <= until),
        ["entrance_id", "returned_on", "keys_count", "tags_count"],
    )
    jobs = _frame(
        session,
        select(_text(Job.kind), _text(Job.state), Job.crew_id, Job.planned_date).where(
            Job.kind.in_((JobKind.INSTALL_ENTRANCE, JobKind.INSTALL_APARTMENT)),
            Job.state.in_((JobState.DONE, JobState.FAILED)),
            Job.crew_id.is_not(None),
            Job.planned_date.is_not(None),
            Job.planned_date <= until,
        ),
        ["kind", "state", "crew_id", "day"],
    )
    crews = pd.DataFrame(
        session.execute(select(Crew.id, Crew.name, Crew.skills, Crew.active)).all(),
        columns=["crew_id", "name", "skills", "active"],
    )
    return RolloutData(
        until=until,
        district_set=set_name,
        districts=districts,
        geometries=geometries,
        waves=waves,
        entrances=entrances,
        property_district=property_district,
        customers=customers,
        doors=doors,
        lock_spans=lock_spans,
        consent_spans=consent_spans,
        faults=faults,
        fault_spans=fault_spans,
        returns=returns,
        anomalies=_anomalies(session, until),
        jobs=jobs,
        crews=crews,
    )


def _audit(session: Session, until: date) -> pd.DataFrame:
    """State-setting audit rows of locks, consents and faults up to ``until``, in time order.

    Times are read as text on SQLite and as epoch microseconds on PostgreSQL, which pandas turns
    into nanoseconds in one vectorised step (aware datetimes one by one would be slower).
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    at = "(extract(epoch FROM at) * 1000000)::bigint" if postgres else "at"
    rows = (
        session.connection()
        .execute(
            text(
                f"SELECT entity, entity_id, {at}, to_state, id FROM audit_event "
                "WHERE to_state IS NOT NULL AND entity IN ('lock', 'consent', 'fault_report')"
            )
        )
        .all()
    )
    frame = pd.DataFrame(rows, columns=["entity", "entity_id", "at", "state", "id"])
    if postgres:
        frame["at"] = frame["at"].to_numpy(dtype=np.int64) * 1000
    else:
        frame["at"] = ns(frame["at"])
    frame = frame[frame["at"] < moment(until)]
    return frame.sort_values(["at", "id"], kind="stable").reset_index(drop=True)


def _lock_spans(session: Session, audited: pd.DataFrame) -> pd.DataFrame:
    """door_id, start, end, state of every lock (audit trail, else its date columns)."""
    locks = _frame(
        session,
        select(
            Lock.id,
            Lock.door_id,
            _text(Lock.state),
            *(getattr(Lock, column) for column, _ in _LOCK_DATES),
        ),
        ["lock_id", "door_id", "current", *(c for c, _ in _LOCK_DATES)],
    )
    audited = audited[audited["entity_id"].isin(locks["lock_id"])]
    missing = locks[~locks["lock_id"].isin(audited["entity_id"])]
    parts = [
        pd.DataFrame(
            {"lock_id": audited["entity_id"], "at": audited["at"], "state": audited["state"]}
        )
    ]
    for column, state in _LOCK_DATES:
        dated = missing[missing[column].notna()]
        parts.append(
            pd.DataFrame(
                {"lock_id": dated["lock_id"], "at": noon_ns(dated[column]), "state": state}
            )
        )
    undated = missing[missing[[c for c, _ in _LOCK_DATES]].isna().all(axis=1)]
    parts.append(
        pd.DataFrame(
            {
                "lock_id": undated["lock_id"],
                "at": noon_ns(pd.Series([_BEGINNING] * len(undated), dtype=object)),
                "state": undated["current"],
            }
        )
    )
    changes = pd.concat(parts, ignore_index=True).sort_values("at", kind="stable")
    out = spans(changes, "lock_id")
    door_of = pd.Series(locks["door_id"].to_numpy(), index=locks["lock_id"].to_numpy())
    out["door_id"] = out["lock_id"].map(door_of).astype(np.int64)
    return out[["door_id", "start", "end", "state"]]


def _consent_spans(session: Session, audited: pd.DataFrame) -> pd.DataFrame:
    """property_id, start, end, code of every consent (audit trail, else its date columns)."""
    rows = _frame(
        session,
        select(
            Consent.id,
            Consent.property_id,
            _text(Consent.state),
            Consent.requested_on,
            Consent.reminded_on,
            Consent.answered_on,
            Consent.withdrawn_on,
        ),
        [
            "consent_id",
            "property_id",
            "current",
            "requested_on",
            "reminded_on",
            "answered_on",
            "withdrawn_on",
        ],
    )
    audited = audited[audited["entity_id"].isin(rows["consent_id"])]
    dated = _dated_consent_changes(rows[~rows["consent_id"].isin(audited["entity_id"])])
    changes = pd.concat(
        [
            pd.DataFrame(
                {
                    "consent_id": audited["entity_id"],
                    "at": audited["at"],
                    "state": audited["state"],
                }
            ),
            dated,
        ],
        ignore_index=True,
    ).sort_values("at", kind="stable")
    out = spans(changes, "consent_id")
    property_of = pd.Series(rows["property_id"].to_numpy(), index=rows["consent_id"].to_numpy())
    out["property_id"] = out["consent_id"].map(property_of).astype(np.int64)
    out["code"] = out["state"].map(CONSENT_CODES).astype(np.int64)
    return out[["property_id", "start", "end", "code"]]


def _dated_consent_changes(rows: pd.DataFrame) -> pd.DataFrame:
    """Changes of consents without an audit trail, from their date columns (at noon).

    A current state that no date column explains (e.g. a received consent without an answer
    date) is taken to hold from the last dated step, or from the beginning if there is none.
    """
    if not len(rows):
        return pd.DataFrame(
            {
                "consent_id": np.array([], dtype=np.int64),
                "at": np.array([], dtype=np.int64),
                "state": np.array([], dtype=object),
            }
        )
    current = rows["current"].astype(str)
    answer = np.where(
        current == ConsentState.REFUSED.value,
        ConsentState.REFUSED.value,
        ConsentState.RECEIVED.value,
    )
    steps = []
    for order, (column, state) in enumerate(
        (
            ("requested_on", ConsentState.REQUESTED.value),
            ("reminded_on", ConsentState.REMINDED.value),
            ("answered_on", answer),
            ("withdrawn_on", ConsentState.WITHDRAWN.value),
        )
    ):
        part = pd.DataFrame(
            {"consent_id": rows["consent_id"], "day": rows[column], "state": state, "order": order}
        )
        steps.append(part[part["day"].notna()])
    dated = pd.concat(steps, ignore_index=True).sort_values(["consent_id", "day", "order"])
    last = dated.groupby("consent_id").agg(day=("day", "last"), state=("state", "last"))
    tail = pd.DataFrame({"consent_id": rows["consent_id"], "current": current})
    tail = tail.merge(last, left_on="consent_id", right_index=True, how="left")
    tail = tail[tail["state"] != tail["current"]]
    extra = pd.DataFrame(
        {
            "consent_id": tail["consent_id"],
            "day": tail["day"].where(tail["day"].notna(), _BEGINNING),
            "state": tail["current"],
            "order": 9,
        }
    )
    out = pd.concat([p for p in (dated, extra) if len(p)], ignore_index=True)
    out = out.sort_values(["day", "order"], kind="stable")
    return pd.DataFrame(
        {
            "consent_id": out["consent_id"].astype("int64").to_numpy(),
            "at": noon_ns(out["day"]),
            "state": out["state"].to_numpy(),
        }
    )


def _faults(
    session: Session, audited: pd.DataFrame, until: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Faults reported up to ``until`` with their entrance, and the spans while they were open.

    A fault is open from when it was reported; its audit trail (or, without one, its
    ``closed_at``) says when it was closed and reopened.
    """
    rows = _frame(
        session,
        select(FaultReport.id, Door.entrance_id, FaultReport.reported_at, FaultReport.closed_at)
        .join(Lock, Lock.id == FaultReport.lock_id)
        .join(Door, Door.id == Lock.door_id)
        .where(FaultReport.reported_at < end_of_day(until)),
        ["fault_id", "entrance_id", "reported_at", "closed_at"],
    )
    faults = pd.DataFrame(
        {
            "fault_id": rows["fault_id"].to_numpy(dtype=np.int64),
            "entrance_id": rows["entrance_id"].to_numpy(dtype=np.int64),
            "reported_at": ns(rows["reported_at"]),
            "closed_at": ns(rows["closed_at"]),
        }
    )
    audited = audited[audited["entity_id"].isin(faults["fault_id"])]
    unaudited = faults[
        ~faults["fault_id"].isin(audited["entity_id"]) & (faults["closed_at"] != FOREVER)
    ]
    changes = pd.concat(
        [
            pd.DataFrame(
                {
                    "fault_id": faults["fault_id"],
                    "at": faults["reported_at"],
                    "state": FaultState.OPEN.value,
                }
            ),
            pd.DataFrame(
                {
                    "fault_id": audited["entity_id"],
                    "at": audited["at"],
                    "state": audited["state"],
                }
            ),
            pd.DataFrame(
                {
                    "fault_id": unaudited["fault_id"],
                    "at": unaudited["closed_at"],
                    "state": FaultState.CLOSED.value,
                }
            ),
        ],
        ignore_index=True,
    ).sort_values("at", kind="stable")
    open_spans = spans(changes, "fault_id")
    open_spans = open_spans[open_spans["state"] != FaultState.CLOSED.value]
    entrance_of = pd.Series(faults["entrance_id"].to_numpy(), index=faults["fault_id"].to_numpy())
    return faults, pd.DataFrame(
        {
            "entrance_id": open_spans["fault_id"].map(entrance_of).to_numpy(dtype=np.int64),
            "start": open_spans["start"].to_numpy(dtype=np.int64),
            "end": open_spans["end"].to_numpy(dtype=np.int64),
        }
    )


def _anomalies(session: Session, until: date) -> pd.DataFrame:
    """Every access-log anomaly up to the end of ``until``: where (entrance) and when."""
    found = find_anomalies(session, until=window(until, until)["until"])
    return pd.DataFrame(
        {
            "entrance_id": found["entrance_id"]
            .astype("Int64")
            .fillna(NO_DISTRICT_ID)
            .to_numpy(dtype=np.int64),
            "at": ns(found["occurred_at"]),
            "kind": found["kind"].to_numpy(dtype=object),
        }
    )
