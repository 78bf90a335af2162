"""States as they were: lock and key states at any moment, from the audit trail.

Every transition writes an audit row (``lifecycle.transition``), so the trail holds each row's
path through its lifecycle with times. Rows that have no audit history (data loaded by other
means) fall back to their date columns: a lock's ``planned_on`` … ``removed_on``, a key's
``activated_at``/``deactivated_at``; that fallback cannot see a deactivate-reactivate cycle.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.locks._csvfile import STOCKHOLM
from planner.locks.states import KeyState, LockState
from planner.models import AuditEvent, DigitalKey, Lock

_LOCK_DATES = (
    ("planned_on", LockState.PLANNED),
    ("installed_on", LockState.INSTALLED),
    ("activated_on", LockState.ACTIVE),
    ("deactivated_on", LockState.DEACTIVATED),
    ("removed_on", LockState.REMOVED),
)


def _utc(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True)


def state_changes(session: Session, entity: str, *, until: datetime | None = None) -> pd.DataFrame:
    """Audit rows that set a state: entity_id, at (UTC), state; ordered by time."""
    stmt = select(AuditEvent.entity_id, AuditEvent.at, AuditEvent.to_state, AuditEvent.id).where(
        AuditEvent.entity == entity, AuditEvent.to_state.is_not(None)
    )
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    frame = pd.DataFrame(session.execute(stmt).all(), columns=["entity_id", "at", "state", "id"])
    frame["at"] = _utc(frame["at"]) if len(frame) else pd.Series(dtype="datetime64[ns, UTC]")
    return frame.sort_values(["at", "id"], kind="stable").drop(columns="id").reset_index(drop=True)


def lock_changes(session: Session) -> pd.DataFrame:
    """Every lock's state changes: lock_id, serial, at, state (audit trail, else date columns)."""
    audited = state_changes(session, "lock").rename(columns={"entity_id": "lock_id"})
    locks = pd.DataFrame(
        session.execute(
            select(
                Lock.id,
                Lock.serial,
                Lock.state,
                *(getattr(Lock, column) for column, _ in _LOCK_DATES),
            )
        ).all(),
        columns=["lock_id", "serial", "current", *(c for c, _ in _LOCK_DATES)],
    )
    missing = locks[~locks["lock_id"].isin(audited["lock_id"])]
    fallback = []
    for column, state in _LOCK_DATES:
        part = missing[missing[column].notna()][["lock_id", column]]
        if len(part):
            fallback.append(
                pd.DataFrame(
                    {
                        "lock_id": part["lock_id"],
                        "at": [_noon(d) for d in part[column]],
                        "state": state.value,
                    }
                )
            )
    undated = missing[missing[[c for c, _ in _LOCK_DATES]].isna().all(axis=1)]
    if len(undated):
        fallback.append(
            pd.DataFrame(
                {
                    "lock_id": undated["lock_id"],
                    "at": pd.Timestamp("1970-01-01", tz=UTC),
                    "state": [LockState(s).value for s in undated["current"]],
                }
            )
        )
    frames = [audited, *fallback]
    changes = (
        pd.concat([f for f in frames if len(f)], ignore_index=True)
        if any(len(f) for f in frames)
        else pd.DataFrame(columns=["lock_id", "at", "state"])
    )
    changes["at"] = _utc(changes["at"])
    changes = changes.merge(locks[["lock_id", "serial"]], on="lock_id", how="inner")
    return changes.sort_values(["at"], kind="stable").reset_index(drop=True)


def key_changes(session: Session) -> pd.DataFrame:
    """Every key's state changes: key_id, key_code, at, state (audit trail, else columns)."""
    audited = state_changes(session, "digital_key").rename(columns={"entity_id": "key_id"})
    keys = pd.DataFrame(
        session.execute(
            select(
                DigitalKey.id,
                DigitalKey.key_code,
                DigitalKey.state,
                DigitalKey.activated_at,
                DigitalKey.deactivated_at,
            )
        ).all(),
        columns=["key_id", "key_code", "current", "activated_at", "deactivated_at"],
    )
    missing = keys[~keys["key_id"].isin(audited["key_id"])]
    rows: list[tuple[int, datetime, str]] = []
    for key_id, current, activated, deactivated in missing[
        ["key_id", "current", "activated_at", "deactivated_at"]
    ].itertuples(index=False):
        state = KeyState(current)
        if pd.notna(activated):
            rows.append((key_id, activated, KeyState.ACTIVE.value))
        if state is not KeyState.ACTIVE and pd.notna(deactivated):
            rows.append((key_id, deactivated, state.value))
        if pd.isna(activated) and (state is KeyState.ACTIVE or pd.isna(deactivated)):
            rows.append((key_id, datetime(1970, 1, 1, tzinfo=UTC), state.value))
    fallback = pd.DataFrame(rows, columns=["key_id", "at", "state"])
    changes = (
        pd.concat([f for f in (audited, fallback) if len(f)], ignore_index=True)
        if (len(audited) or len(fallback))
        else pd.DataFrame(columns=["key_id", "at", "state"])
    )
    changes["at"] = _utc(changes["at"])
    changes = changes.merge(keys[["key_id", "key_code"]], on="key_id", how="inner")
    return changes.sort_values(["at"], kind="stable").reset_index(drop=True)


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=STOCKHOLM).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The first moment after ``day`` in Stockholm, as UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=STOCKHOLM).astimezone(UTC)


def lock_states_on(session: Session, on: date) -> dict[int, LockState]:
    """Each lock's state at the end of ``on`` (Stockholm); locks that did not exist are absent."""
    changes = lock_changes(session)
    changes = changes[changes["at"] < pd.Timestamp(end_of_day(on))]
    last = changes.groupby("lock_id", sort=False)["state"].last()
    return {
        int(lock_id): LockState(state)
        for lock_id, state in zip(last.index.tolist(), last.tolist(), strict=True)
    }
