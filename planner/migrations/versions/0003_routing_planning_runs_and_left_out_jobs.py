"""routing: planning runs and left-out jobs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 08:35:45
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("crews", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=300), nullable=False),
        sa.Column("engine", sa.String(length=40), nullable=False),
        sa.Column("time_limit_s", sa.Float(), nullable=False),
        sa.Column("wall_s", sa.Float(), nullable=False),
        sa.Column("jobs_considered", sa.Integer(), nullable=False),
        sa.Column("jobs_placed", sa.Integer(), nullable=False),
        sa.Column("jobs_left_out", sa.Integer(), nullable=False),
        sa.Column("jobs_moved", sa.Integer(), nullable=False),
        sa.Column("jobs_kept", sa.Integer(), nullable=False),
        sa.Column("crew_days", sa.Integer(), nullable=False),
        sa.Column("driving_s", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["wave_id"], ["wave.id"], name=op.f("fk_plan_run_wave_id_wave")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_run")),
    )
    with op.batch_alter_table("plan_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_run_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_run_wave_id"), ["wave_id"], unique=False)

    op.create_table(
        "plan_left_out",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_plan_left_out_job_id_job")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["plan_run.id"], name=op.f("fk_plan_left_out_run_id_plan_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_left_out")),
        sa.UniqueConstraint("run_id", "job_id", name=op.f("uq_plan_left_out_run_id_job_id")),
    )
    with op.batch_alter_table("plan_left_out", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_left_out_job_id"), ["job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_left_out_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_left_out", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_left_out_run_id"))
        batch_op.drop_index(batch_op.f("ix_plan_left_out_job_id"))

    op.drop_table("plan_left_out")
    with op.batch_alter_table("plan_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_run_wave_id"))
        batch_op.drop_index(batch_op.f("ix_plan_run_at"))

    op.drop_table("plan_run")
