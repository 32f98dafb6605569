"""Cross-organisation peer groups: each cohort's setting, mentors' choices, the groups and their members

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 11:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MET = "'yes', 'not_yet', 'wont'"


def upgrade() -> None:
    string = sqlmodel.sql.sqltypes.AutoString
    moment = storage.types.AwareDateTime(timezone=True)
    op.create_table(
        "peer_setting",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("team_id", string(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("updated_by", string(length=32), nullable=True),
        sa.Column("updated_at", moment, nullable=False),
        sa.CheckConstraint("size BETWEEN 2 AND 3", name="ck_peer_setting_size"),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("cohort_id"),
    )
    op.create_index("ix_peer_setting_team_id", "peer_setting", ["team_id"])
    op.create_table(
        "peer_preference",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("team_id", string(length=32), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("share_experiment", sa.Boolean(), nullable=False),
        sa.Column("updated_at", moment, nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_index("ix_peer_preference_team_id", "peer_preference", ["team_id"])
    op.create_table(
        "peer_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", string(length=32), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("language", string(length=2), nullable=False),
        sa.Column("introduce_at", moment, nullable=False),
        sa.Column("formed_by", string(length=32), nullable=True),
        sa.Column("created_at", moment, nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cohort_id", "round", "position", name="uq_peer_group_round_position"),
    )
    op.create_index("ix_peer_group_team_id", "peer_group", ["team_id"])
    op.create_index("ix_peer_group_cohort_id", "peer_group", ["cohort_id"])
    op.create_table(
        "peer_group_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", string(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("met", string(length=16), nullable=True),
        sa.Column("met_at", moment, nullable=True),
        sa.Column("reflection", string(length=3000), nullable=True),
        sa.Column("reflected_at", moment, nullable=True),
        sa.CheckConstraint(f"met IS NULL OR met IN ({MET})", name="ck_peer_group_member_met"),
        sa.ForeignKeyConstraint(["group_id"], ["peer_group.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "member_id", name="uq_peer_group_member"),
    )
    op.create_index("ix_peer_group_member_team_id", "peer_group_member", ["team_id"])
    op.create_index("ix_peer_group_member_group_id", "peer_group_member", ["group_id"])
    op.create_index("ix_peer_group_member_member_id", "peer_group_member", ["member_id"])


def downgrade() -> None:
    op.drop_table("peer_group_member")
    op.drop_table("peer_group")
    op.drop_table("peer_preference")
    op.drop_table("peer_setting")
