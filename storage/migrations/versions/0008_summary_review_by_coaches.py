"""The coaches' review of each HR summary draft: its state, who reviewed it, a coach's note, quotes taken out

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("summary_post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column("review_sent_at", storage.types.AwareDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", storage.types.AwareDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("coach_note", sqlmodel.sql.sqltypes.AutoString(length=600), nullable=True))
        batch_op.add_column(sa.Column("removed_quotes", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("summary_post", schema=None) as batch_op:
        for column in ("removed_quotes", "coach_note", "reviewed_at", "reviewed_by", "review_sent_at", "review"):
            batch_op.drop_column(column)
