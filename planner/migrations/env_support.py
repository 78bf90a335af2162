"""Helpers shared by the Alembic environment and the schema tests."""

from __future__ import annotations

from typing import Any

from geoalchemy2 import alembic_helpers

from planner.models import Base


def include_object(
    obj: Any, name: str | None, obj_type: str, reflected: bool, compare_to: Any
) -> bool:
    """Compare only planner's tables: SpatiaLite and PostGIS keep theirs in the same schema."""
    if obj_type == "table" and reflected and name not in Base.metadata.tables:
        return False
    return bool(alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to))
