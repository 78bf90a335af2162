"""Alembic environment: runs against the engine planner hands it (never a URL from an ini file)."""

from __future__ import annotations

from typing import Any

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import Engine

from planner.models import Base

config = context.config
engine: Engine | None = config.attributes.get("engine")
if engine is None:  # `alembic` run by hand: use the same URL rules as the CLI
    from planner.db import make_engine

    engine = make_engine()


def include_object(
    obj: Any, name: str | None, obj_type: str, reflected: bool, compare_to: Any
) -> bool:
    """Compare only planner's own tables: SpatiaLite and PostGIS keep theirs in the same schema."""
    if obj_type == "table" and reflected and name not in Base.metadata.tables:
        return False
    return bool(alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to))


def run_migrations_online(engine: Engine) -> None:
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            include_object=include_object,
            process_revision_directives=alembic_helpers.writer,
            render_item=alembic_helpers.render_item,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online(engine)
