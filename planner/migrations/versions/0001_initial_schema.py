"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 06:45:51.928587
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


APPEND_ONLY = ("access_event", "audit_event")


def _create_append_only_guards() -> None:
    """Refuse UPDATE and DELETE on the access log and the audit trail, in the database itself."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION planner_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% är skrivskyddad (endast tillägg)', TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
            """
        )
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            name = f"{table}_no_{action.lower()}"
            if dialect == "postgresql":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION planner_append_only()"
                )
            else:
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, '{table} är skrivskyddad (endast tillägg)'); END"
                )


def _drop_append_only_guards() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        for action in ("update", "delete"):
            if dialect == "postgresql":
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action} ON {table}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS planner_append_only()")


def upgrade() -> None:
    op.create_table(
        "access_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_code", sa.String(length=40), nullable=False),
        sa.Column("lock_serial", sa.String(length=40), nullable=False),
        sa.Column(
            "result",
            sa.Enum("granted", "denied", name="accessresult", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_event")),
        sa.UniqueConstraint("hash", name=op.f("uq_access_event_hash")),
    )
    with op.batch_alter_table("access_event", schema=None) as batch_op:
        batch_op.create_index("ix_access_event_key_time", ["key_code", "occurred_at"], unique=False)
        batch_op.create_index(
            "ix_access_event_lock_time", ["lock_serial", "occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_access_event_occurred_at"), ["occurred_at"], unique=False
        )

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_event_entity", ["entity", "entity_id"], unique=False)

    op.create_table(
        "district_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district_set")),
        sa.UniqueConstraint("name", name=op.f("uq_district_set_name")),
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "city",
                "locksmith",
                "trygghetsjour",
                "supplier",
                "home_care_provider",
                name="orgkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("org_number", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("name", name=op.f("uq_organisation_name")),
    )
    op.create_table(
        "property_owner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_number", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "company",
                "municipal",
                "housing_association",
                "private",
                name="ownerkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("contact_name", sa.String(length=120), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("contact_email", sa.String(length=200), nullable=True),
        sa.Column("postal_address", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_property_owner")),
        sa.UniqueConstraint("org_number", name=op.f("uq_property_owner_org_number")),
    )
    op.create_table(
        "wave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "not_started", "in_progress", "done", name="wavestate", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wave")),
        sa.UniqueConstraint("number", name=op.f("uq_wave_number")),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "rollout_manager",
                "locksmith",
                "trygghetsjour",
                "district_viewer",
                name="role",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("district_names", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_app_user_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_geospatial_table(
        "crew",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("depot_address", sa.String(length=200), nullable=True),
        sa.Column(
            "depot",
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
        sa.Column("shift_start", sa.Time(), nullable=False),
        sa.Column("shift_end", sa.Time(), nullable=False),
        sa.Column("lunch_earliest", sa.Time(), nullable=False),
        sa.Column("lunch_latest", sa.Time(), nullable=False),
        sa.Column("lunch_min", sa.Integer(), nullable=False),
        sa.Column("max_jobs_per_day", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_crew_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crew")),
        sa.UniqueConstraint("name", name=op.f("uq_crew_name")),
    )
    with op.batch_alter_table("crew", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_crew_depot", ["depot"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_index(
            batch_op.f("ix_crew_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_geospatial_table(
        "district",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("est_customers", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["set_id"], ["district_set.id"], name=op.f("fk_district_set_id_district_set")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district")),
        sa.UniqueConstraint("set_id", "name", name=op.f("uq_district_set_id_name")),
    )
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_district_geom", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_index(batch_op.f("ix_district_set_id"), ["set_id"], unique=False)

    op.create_table(
        "home_care_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_code", sa.String(length=32), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["organisation.id"],
            name=op.f("fk_home_care_staff_provider_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_care_staff")),
        sa.UniqueConstraint("staff_code", name=op.f("uq_home_care_staff_staff_code")),
    )
    with op.batch_alter_table("home_care_staff", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_home_care_staff_provider_id"), ["provider_id"], unique=False
        )

    op.create_table(
        "property",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("designation", sa.String(length=120), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["property_owner.id"], name=op.f("fk_property_owner_id_property_owner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_property")),
        sa.UniqueConstraint("designation", name=op.f("uq_property_designation")),
    )
    with op.batch_alter_table("property", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_property_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "not_requested",
                "requested",
                "reminded",
                "received",
                "refused",
                "withdrawn",
                name="consentstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reply_reference", sa.String(length=40), nullable=True),
        sa.Column("requested_on", sa.Date(), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column(
            "channel",
            sa.Enum("post", "email", "other", name="consentchannel", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("contact_name", sa.String(length=120), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("contact_email", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("document_path", sa.String(length=400), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["property_owner.id"], name=op.f("fk_consent_owner_id_property_owner")
        ),
        sa.ForeignKeyConstraint(
            ["property_id"], ["property.id"], name=op.f("fk_consent_property_id_property")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
        sa.UniqueConstraint(
            "owner_id", "property_id", name=op.f("uq_consent_owner_id_property_id")
        ),
        sa.UniqueConstraint("reply_reference", name=op.f("uq_consent_reply_reference")),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consent_property_id"), ["property_id"], unique=False)

    op.create_table(
        "digital_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_code", sa.String(length=40), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "active", "deactivated", "revoked", name="keystate", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["home_care_staff.id"],
            name=op.f("fk_digital_key_staff_id_home_care_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_key")),
        sa.UniqueConstraint("key_code", name=op.f("uq_digital_key_key_code")),
    )
    with op.batch_alter_table("digital_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digital_key_staff_id"), ["staff_id"], unique=False)

    op.create_geospatial_table(
        "entrance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("street", sa.String(length=120), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("letter", sa.String(length=4), nullable=False),
        sa.Column("suffix", sa.String(length=8), nullable=False),
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
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("geocode_source", sa.String(length=40), nullable=True),
        sa.Column("geocode_score", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_entrance_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["property_id"], ["property.id"], name=op.f("fk_entrance_property_id_property")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entrance")),
        sa.UniqueConstraint(
            "street",
            "number",
            "letter",
            "suffix",
            "postcode",
            name=op.f("uq_entrance_street_number_letter_suffix_postcode"),
        ),
    )
    with op.batch_alter_table("entrance", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_entrance_geom", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_index(batch_op.f("ix_entrance_district_id"), ["district_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_entrance_property_id"), ["property_id"], unique=False)

    op.create_table(
        "shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["home_care_staff.id"], name=op.f("fk_shift_staff_id_home_care_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift")),
    )
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.create_index("ix_shift_staff_starts", ["staff_id", "starts_at"], unique=False)

    op.create_table(
        "wave_district",
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_wave_district_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["wave.id"], name=op.f("fk_wave_district_wave_id_wave")
        ),
        sa.PrimaryKeyConstraint("wave_id", "district_id", name=op.f("pk_wave_district")),
    )
    op.create_table(
        "door",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entrance_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "entrance",
                "apartment",
                "refuse",
                "laundry",
                name="doorkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column(
            "cylinder",
            sa.Enum("round", "oval", "unknown", name="cylinder", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entrance_id"], ["entrance.id"], name=op.f("fk_door_entrance_id_entrance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_door")),
        sa.UniqueConstraint(
            "entrance_id", "kind", "label", name=op.f("uq_door_entrance_id_kind_label")
        ),
    )
    with op.batch_alter_table("door", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_door_entrance_id"), ["entrance_id"], unique=False)

    op.create_table(
        "key_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entrance_id", sa.Integer(), nullable=False),
        sa.Column("returned_on", sa.Date(), nullable=False),
        sa.Column("keys_count", sa.Integer(), nullable=False),
        sa.Column("tags_count", sa.Integer(), nullable=False),
        sa.Column("codes_removed", sa.Boolean(), nullable=False),
        sa.Column("received_by", sa.String(length=120), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entrance_id"], ["entrance.id"], name=op.f("fk_key_return_entrance_id_entrance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_return")),
    )
    with op.batch_alter_table("key_return", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_key_return_entrance_id"), ["entrance_id"], unique=False
        )

    op.create_table(
        "customer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        sa.Column("entrance_id", sa.Integer(), nullable=False),
        sa.Column("apartment_number", sa.String(length=8), nullable=True),
        sa.Column("apartment_door_id", sa.Integer(), nullable=True),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("active_from", sa.Date(), nullable=False),
        sa.Column("active_to", sa.Date(), nullable=True),
        sa.Column("contact_name", sa.String(length=120), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["apartment_door_id"], ["door.id"], name=op.f("fk_customer_apartment_door_id_door")
        ),
        sa.ForeignKeyConstraint(
            ["entrance_id"], ["entrance.id"], name=op.f("fk_customer_entrance_id_entrance")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["organisation.id"], name=op.f("fk_customer_provider_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_customer_pseudonym")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_entrance_id"), ["entrance_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_provider_id"), ["provider_id"], unique=False)

    op.create_table(
        "lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("door_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=True),
        sa.Column(
            "variant",
            sa.Enum("round", "oval", "unknown", name="cylinder", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "planned",
                "installed",
                "active",
                "deactivated",
                "removed",
                name="lockstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("installer_org_id", sa.Integer(), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("activated_on", sa.Date(), nullable=True),
        sa.Column("deactivated_on", sa.Date(), nullable=True),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["door_id"], ["door.id"], name=op.f("fk_lock_door_id_door")),
        sa.ForeignKeyConstraint(
            ["installer_org_id"],
            ["organisation.id"],
            name=op.f("fk_lock_installer_org_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lock")),
        sa.UniqueConstraint("serial", name=op.f("uq_lock_serial")),
    )
    with op.batch_alter_table("lock", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lock_door_id"), ["door_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lock_state"), ["state"], unique=False)

    op.create_table(
        "fault_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lock_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("reported_by", sa.String(length=120), nullable=False),
        sa.Column("reporter_kind", sa.String(length=40), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "severity",
            sa.Enum(
                "low",
                "normal",
                "high",
                "critical",
                name="faultseverity",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "triaged",
                "assigned",
                "in_progress",
                "closed",
                name="faultstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("assigned_org_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_org_id"],
            ["organisation.id"],
            name=op.f("fk_fault_report_assigned_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["lock_id"], ["lock.id"], name=op.f("fk_fault_report_lock_id_lock")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fault_report")),
    )
    with op.batch_alter_table("fault_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fault_report_lock_id"), ["lock_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fault_report_state"), ["state"], unique=False)

    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "install_entrance",
                "install_apartment",
                "install_refuse",
                "install_laundry",
                "repair",
                "deactivate",
                "reactivate",
                "remove",
                name="jobkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("door_id", sa.Integer(), nullable=False),
        sa.Column("lock_id", sa.Integer(), nullable=True),
        sa.Column("fault_id", sa.Integer(), nullable=True),
        sa.Column("wave_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "unplanned",
                "planned",
                "done",
                "failed",
                "cancelled",
                name="jobstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("service_min", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("earliest_date", sa.Date(), nullable=True),
        sa.Column("latest_date", sa.Date(), nullable=True),
        sa.Column("preferred_date", sa.Date(), nullable=True),
        sa.Column("appointment_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appointment_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("crew_id", sa.Integer(), nullable=True),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("planned_arrival", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["crew_id"], ["crew.id"], name=op.f("fk_job_crew_id_crew")),
        sa.ForeignKeyConstraint(["door_id"], ["door.id"], name=op.f("fk_job_door_id_door")),
        sa.ForeignKeyConstraint(
            ["fault_id"], ["fault_report.id"], name=op.f("fk_job_fault_id_fault_report")
        ),
        sa.ForeignKeyConstraint(["lock_id"], ["lock.id"], name=op.f("fk_job_lock_id_lock")),
        sa.ForeignKeyConstraint(["wave_id"], ["wave.id"], name=op.f("fk_job_wave_id_wave")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_crew_id"), ["crew_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_door_id"), ["door_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_planned_date"), ["planned_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_wave_id"), ["wave_id"], unique=False)

    _create_append_only_guards()


def downgrade() -> None:
    _drop_append_only_guards()
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_wave_id"))
        batch_op.drop_index(batch_op.f("ix_job_state"))
        batch_op.drop_index(batch_op.f("ix_job_planned_date"))
        batch_op.drop_index(batch_op.f("ix_job_door_id"))
        batch_op.drop_index(batch_op.f("ix_job_crew_id"))

    op.drop_table("job")
    with op.batch_alter_table("fault_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fault_report_state"))
        batch_op.drop_index(batch_op.f("ix_fault_report_lock_id"))

    op.drop_table("fault_report")
    with op.batch_alter_table("lock", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lock_state"))
        batch_op.drop_index(batch_op.f("ix_lock_door_id"))

    op.drop_table("lock")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_provider_id"))
        batch_op.drop_index(batch_op.f("ix_customer_entrance_id"))

    op.drop_table("customer")
    with op.batch_alter_table("key_return", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_key_return_entrance_id"))

    op.drop_table("key_return")
    with op.batch_alter_table("door", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_door_entrance_id"))

    op.drop_table("door")
    op.drop_table("wave_district")
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.drop_index("ix_shift_staff_starts")

    op.drop_table("shift")
    with op.batch_alter_table("entrance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entrance_property_id"))
        batch_op.drop_index(batch_op.f("ix_entrance_district_id"))
        batch_op.drop_geospatial_index(
            "idx_entrance_geom", postgresql_using="gist", column_name="geom"
        )

    op.drop_geospatial_table("entrance")
    with op.batch_alter_table("digital_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digital_key_staff_id"))

    op.drop_table("digital_key")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_property_id"))
        batch_op.drop_index(batch_op.f("ix_consent_owner_id"))

    op.drop_table("consent")
    with op.batch_alter_table("property", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_property_owner_id"))

    op.drop_table("property")
    with op.batch_alter_table("home_care_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_home_care_staff_provider_id"))

    op.drop_table("home_care_staff")
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_district_set_id"))
        batch_op.drop_geospatial_index(
            "idx_district_geom", postgresql_using="gist", column_name="geom"
        )

    op.drop_geospatial_table("district")
    with op.batch_alter_table("crew", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crew_organisation_id"))
        batch_op.drop_geospatial_index(
            "idx_crew_depot", postgresql_using="gist", column_name="depot"
        )

    op.drop_geospatial_table("crew")
    op.drop_table("app_user")
    op.drop_table("wave")
    op.drop_table("property_owner")
    op.drop_table("organisation")
    op.drop_table("district_set")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_entity")
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
    with op.batch_alter_table("access_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_event_occurred_at"))
        batch_op.drop_index("ix_access_event_lock_time")
        batch_op.drop_index("ix_access_event_key_time")

    op.drop_table("access_event")
