"""A snoozed prompt's reminder moment, and mentors' DMs kept until attached to a prompt

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 01:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snoozed_until", storage.types.AwareDateTime(timezone=True), nullable=True))
    op.create_table(
        "dm_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=False),
        sa.Column("created_at", storage.types.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dm_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dm_note_delivery_id"), ["delivery_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dm_note_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dm_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dm_note_team_id"))
        batch_op.drop_index(batch_op.f("ix_dm_note_delivery_id"))
    op.drop_table("dm_note")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("snoozed_until")
