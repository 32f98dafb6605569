"""Tables for multi-workspace installs: slack_sdk's installations, bots and OAuth states

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from storage.oauth_tables import oauth_metadata

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    oauth_metadata().create_all(bind=op.get_bind())


def downgrade() -> None:
    oauth_metadata().drop_all(bind=op.get_bind())
