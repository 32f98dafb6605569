"""Commands and events queued by web processes for the workers, and the workers' heartbeats

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queued_work",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("enqueued_at", storage.types.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "worker_beat",
        sa.Column("worker", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("leader", sa.Boolean(), nullable=False),
        sa.Column("started_at", storage.types.AwareDateTime(timezone=True), nullable=False),
        sa.Column("beat_at", storage.types.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker"),
    )


def downgrade() -> None:
    op.drop_table("worker_beat")
    op.drop_table("queued_work")
