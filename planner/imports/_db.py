"""Bulk writes for the importers: plain INSERT and UPDATE-by-id batches, on both engines."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import func, insert, update
from sqlalchemy.orm import Session

from planner.models import Base

CHUNK = 5_000
# Points equal to about a centimetre are the same point (floats survive the database round trip
# but not every text rendering of them).
SAME_POINT_DEG = 1e-7


def ewkt_point(lon: float, lat: float) -> str:
    return f"SRID=4326;POINT({lon!r} {lat!r})"


def same_point(a: tuple[float, float] | None, b: tuple[float, float] | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a[0] - b[0]) < SAME_POINT_DEG and abs(a[1] - b[1]) < SAME_POINT_DEG


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The values of ``new`` that differ from ``old``."""
    return {k: v for k, v in new.items() if old.get(k) != v}


def as_id(value: Hashable) -> int:
    """A row id carried as a frame index or a candidate's index."""
    return int(cast(Any, value))


def insert_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), list(rows[start : start + CHUNK]))


def insert_returning_ids(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert rows and return their new ids, in the order given."""
    ids: list[int] = []
    table_id = model.__table__.c.id
    for start in range(0, len(rows), CHUNK):
        result = session.execute(
            insert(model).returning(table_id, sort_by_parameter_order=True),
            list(rows[start : start + CHUNK]),
        )
        ids.extend(int(r[0]) for r in result)
    return ids


def update_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """UPDATE by primary key; each dict holds ``id`` and the changed columns."""
    by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_keys.setdefault(tuple(sorted(row)), []).append(row)
    for batch in by_keys.values():
        for start in range(0, len(batch), CHUNK):
            session.execute(update(model), batch[start : start + CHUNK])


def point_columns(geom: Any) -> tuple[Any, Any]:
    """Longitude and latitude of a point column, as SQL expressions valid on both engines."""
    return func.ST_X(geom), func.ST_Y(geom)
