"""imports: address register, geocoding review, remembered choices

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 07:14:11.159931
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("review", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_run")),
    )
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_run_at"), ["at"], unique=False)

    op.create_geospatial_table(
        "register_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("street", sa.String(length=120), nullable=False),
        sa.Column("street_key", sa.String(length=120), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("letter", sa.String(length=4), nullable=False),
        sa.Column("entrance", sa.String(length=8), nullable=False),
        sa.Column("postcode", sa.String(length=6), nullable=False),
        sa.Column("postort", sa.String(length=60), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_address")),
        sa.UniqueConstraint(
            "source",
            "source_id",
            "number",
            "letter",
            "entrance",
            name=op.f("uq_register_address_source_source_id_number_letter_entrance"),
        ),
    )
    with op.batch_alter_table("register_address", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_register_address_geom",
            ["geom"],
            unique=False,
            postgresql_using="gist",
            postgresql_ops={},
        )
        batch_op.create_index(
            "ix_register_address_street_key_number", ["street_key", "number"], unique=False
        )

    op.create_geospatial_table(
        "geocode_choice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("choice_key", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("register_id", sa.Integer(), nullable=True),
        sa.Column("chosen_by", sa.String(length=120), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["register_id"],
            ["register_address.id"],
            name=op.f("fk_geocode_choice_register_id_register_address"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geocode_choice")),
        sa.UniqueConstraint("choice_key", name=op.f("uq_geocode_choice_choice_key")),
    )
    op.create_geospatial_table(
        "geocode_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("import_kind", sa.String(length=20), nullable=False),
        sa.Column("source_file", sa.String(length=300), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("raw_address", sa.Text(), nullable=False),
        sa.Column("choice_key", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column(
            "state",
            sa.Enum("open", "resolved", name="reviewstate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "chosen_geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("chosen_register_id", sa.Integer(), nullable=True),
        sa.Column("chosen_label", sa.String(length=200), nullable=True),
        sa.Column("chosen_by", sa.String(length=120), nullable=True),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entrance_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chosen_register_id"],
            ["register_address.id"],
            name=op.f("fk_geocode_review_chosen_register_id_register_address"),
        ),
        sa.ForeignKeyConstraint(
            ["entrance_id"], ["entrance.id"], name=op.f("fk_geocode_review_entrance_id_entrance")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"], ["import_run.id"], name=op.f("fk_geocode_review_import_id_import_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geocode_review")),
    )
    with op.batch_alter_table("geocode_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_geocode_review_import_id"), ["import_id"], unique=False
        )
        batch_op.create_index(
            "ix_geocode_review_state_choice_key", ["state", "choice_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("geocode_review", schema=None) as batch_op:
        batch_op.drop_index("ix_geocode_review_state_choice_key")
        batch_op.drop_index(batch_op.f("ix_geocode_review_import_id"))

    op.drop_geospatial_table("geocode_review")
    op.drop_geospatial_table("geocode_choice")
    with op.batch_alter_table("register_address", schema=None) as batch_op:
        batch_op.drop_index("ix_register_address_street_key_number")
        batch_op.drop_geospatial_index(
            "idx_register_address_geom", postgresql_using="gist", column_name="geom"
        )

    op.drop_geospatial_table("register_address")
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_run_at"))

    op.drop_table("import_run")
