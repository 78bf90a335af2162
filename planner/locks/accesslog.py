"""The access log: append-only, hash-chained.

Each stored event carries the hash of the one before it, so that a changed or deleted row breaks
the chain and ``planner audit verify`` finds it. The database also refuses UPDATE and DELETE on
the table (triggers in the initial migration).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64


def event_hash(
    prev_hash: str,
    *,
    occurred_at: datetime,
    key_code: str,
    lock_serial: str,
    result: str,
    source: str | None,
) -> str:
    """The chain hash of one event: SHA-256 over the previous hash and the event's fields."""
    stamp = occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload = "\x1f".join((prev_hash, stamp, key_code, lock_serial, str(result), source or ""))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
