"""One outbox for every message besides prompts, and workspaces whose sending is paused

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "'planned', 'sending', 'sent', 'answered', 'skipped', 'failed', 'cancelled'"
KINDS = "'reminder', 'welcome', 'coach_report', 'summary', 'file', 'deletion', 'notice', 'introduction'"


def upgrade() -> None:
    string = sqlmodel.sql.sqltypes.AutoString
    moment = storage.types.AwareDateTime(timezone=True)
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", string(length=32), nullable=False),
        sa.Column("kind", string(length=16), nullable=False),
        sa.Column("key", string(length=200), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("user_id", string(length=32), nullable=True),
        sa.Column("channel_id", string(length=32), nullable=True),
        sa.Column("thread_ts", string(length=32), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", string(length=16), nullable=False),
        sa.Column("due_at", moment, nullable=False),
        sa.Column("not_before", moment, nullable=False),
        sa.Column("latest_at", moment, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", string(length=64), nullable=True),
        sa.Column("claimed_at", moment, nullable=True),
        sa.Column("sent_at", moment, nullable=True),
        sa.Column("message_ts", string(length=32), nullable=True),
        sa.Column("last_error", string(length=200), nullable=True),
        sa.Column("error_reported_at", moment, nullable=True),
        sa.Column("created_at", moment, nullable=False),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="ck_outbox_message_status"),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="ck_outbox_message_kind"),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "key", name="uq_outbox_message_team_key"),
    )
    op.create_index("ix_outbox_message_team_id", "outbox_message", ["team_id"])
    op.create_index("ix_outbox_message_cohort_id", "outbox_message", ["cohort_id"])
    op.create_index("ix_outbox_message_member_id", "outbox_message", ["member_id"])
    op.create_index("ix_outbox_message_status_not_before", "outbox_message", ["status", "not_before"])
    op.add_column("delivery", sa.Column("planned_at", moment, nullable=True))
    op.execute("UPDATE delivery SET planned_at = not_before")
    op.create_table(
        "sending_pause",
        sa.Column("team_id", string(length=32), nullable=False),
        sa.Column("cause", string(length=64), nullable=False),
        sa.Column("paused_at", moment, nullable=False),
        sa.Column("checked_at", moment, nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )


def downgrade() -> None:
    op.drop_table("sending_pause")
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("planned_at")
    op.drop_index("ix_outbox_message_status_not_before", table_name="outbox_message")
    op.drop_index("ix_outbox_message_member_id", table_name="outbox_message")
    op.drop_index("ix_outbox_message_cohort_id", table_name="outbox_message")
    op.drop_index("ix_outbox_message_team_id", table_name="outbox_message")
    op.drop_table("outbox_message")
