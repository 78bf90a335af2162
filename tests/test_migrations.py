"""One schema through Alembic on both engines: up, down, up again; models match migrations."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DatabaseError

from planner.db import make_engine, require_current_schema
from planner.errors import SchemaVersionError
from planner.migrations import current_revision, downgrade, head_revision, upgrade
from planner.migrations.env_support import include_object
from planner.models import Base

PLANNER_TABLES = set(Base.metadata.tables)


def planner_tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) & PLANNER_TABLES


def test_upgrade_creates_every_table_and_downgrade_removes_them(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    assert planner_tables(engine) == PLANNER_TABLES
    assert current_revision(engine) == head_revision()
    downgrade(engine, "base")
    assert planner_tables(engine) == set()
    upgrade(engine)
    assert planner_tables(engine) == PLANNER_TABLES


def test_the_models_and_the_migrations_describe_the_same_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": False}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_geometry_columns_have_spatial_indexes(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(
                text("SELECT f_table_name, spatial_index_enabled FROM geometry_columns")
            ).all()
            indexed = {table for table, enabled in rows if enabled == 1}
        else:
            rows = conn.execute(
                text("SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")
            ).all()
            indexed = {row[0] for row in rows}
    assert {"district", "entrance", "crew"} <= indexed


@pytest.mark.parametrize("table", ["access_event", "audit_event"])
def test_the_access_log_and_the_audit_trail_refuse_changes(engine: Engine, table: str) -> None:
    with engine.begin() as conn:
        if table == "access_event":
            conn.execute(
                text(
                    "INSERT INTO access_event (occurred_at, key_code, lock_serial, result, source, "
                    "imported_at, prev_hash, hash) VALUES ('2026-11-01 10:00:00', 'K1', 'L1', "
                    "'granted', 'x.csv', '2026-11-02 10:00:00', '0', 'h1')"
                )
            )
        else:
            conn.execute(
                text(
                    "INSERT INTO audit_event (at, actor, entity, entity_id, action) "
                    "VALUES ('2026-11-01 10:00:00', 'anna', 'lock', 1, 'transition')"
                )
            )
    for statement in (f"UPDATE {table} SET id = id + 100", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="skrivskyddad"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1


def test_a_database_of_another_schema_version_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff9999'"))
    with pytest.raises(SchemaVersionError, match="ffff9999"):
        require_current_schema(engine)


def test_an_empty_database_asks_for_init(db_url: str) -> None:
    with pytest.raises(SchemaVersionError, match="planner init"):
        require_current_schema(make_engine(db_url))
