"""Accounts are found by their handle in any case: index the folded handle (per platform), not the stored one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_account_handle", table_name="account")
    op.create_index("ix_account_platform_handle", "account", ["platform", sa.text("lower(handle)")])


def downgrade() -> None:
    op.drop_index("ix_account_platform_handle", table_name="account")
    op.create_index("ix_account_handle", "account", ["handle"])
