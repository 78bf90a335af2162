"""Alembic environment: runs against the engine planner hands it (never a URL from an ini file)."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import Engine

from planner.db import prepare_spatialite
from planner.migrations.env_support import include_object
from planner.models import Base

config = context.config
engine: Engine | None = config.attributes.get("engine")
if engine is None:  # `alembic` run by hand: use the same URL rules as the CLI
    from planner.db import make_engine

    engine = make_engine()


def run_migrations_online(engine: Engine) -> None:
    with engine.begin() as connection:
        prepare_spatialite(connection)
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
