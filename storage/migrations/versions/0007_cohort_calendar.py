"""A cohort's calendar (its work days, whether the usual summer and Christmas are quiet, its own quiet periods), and
programme templates uploaded by coaches

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 11:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.types import AwareDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("workdays", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False, server_default="12345")
        )
        batch_op.add_column(sa.Column("usual_quiet", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "quiet_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("cohort.id", ondelete="CASCADE"), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.CheckConstraint("first_day <= last_day", name="ck_quiet_period_order"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("quiet_period", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiet_period_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiet_period_cohort_id"), ["cohort_id"], unique=False)

    op.create_table(
        "programme_template",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_programme_template_team_id", "programme_template", ["team_id"])


def downgrade() -> None:
    op.drop_index("ix_programme_template_team_id", table_name="programme_template")
    op.drop_table("programme_template")
    with op.batch_alter_table("quiet_period", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiet_period_cohort_id"))
        batch_op.drop_index(batch_op.f("ix_quiet_period_team_id"))
    op.drop_table("quiet_period")
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.drop_column("usual_quiet")
        batch_op.drop_column("workdays")
