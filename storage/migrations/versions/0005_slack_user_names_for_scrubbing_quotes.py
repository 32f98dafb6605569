"""Slack real and display names, kept so that quotes shown to HR can be scrubbed of everyone's names

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 08:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("slack_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("real_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
        batch_op.add_column(sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slack_user", schema=None) as batch_op:
        batch_op.drop_column("display_name")
        batch_op.drop_column("real_name")
