"""Accounts owned by a team (a Slack user group) and handovers to a team.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("connected_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_group_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("account_handover", schema=None) as batch_op:
        batch_op.add_column(sa.Column("to_group_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("decided_by", sa.String(length=32), nullable=True))
        batch_op.alter_column("to_user_id", existing_type=sa.String(length=32), nullable=True)


def downgrade() -> None:
    # A team handover has no person to fall back on; name the group instead so the column can be NOT NULL again.
    op.execute("UPDATE account_handover SET to_user_id = COALESCE(to_user_id, decided_by, to_group_id, '')")
    with op.batch_alter_table("account_handover", schema=None) as batch_op:
        batch_op.alter_column("to_user_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column("decided_by")
        batch_op.drop_column("to_group_id")
    with op.batch_alter_table("connected_account", schema=None) as batch_op:
        batch_op.drop_column("owner_group_id")
