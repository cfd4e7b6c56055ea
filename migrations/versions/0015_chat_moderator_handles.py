"""A chat's co-moderators by their public handles (on the plan and on its digest job), for digests.

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-04 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("chat_series", sa.Column("co_moderators", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("digest_job", sa.Column("moderators", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("digest_job") as batch:
        batch.drop_column("moderators")
    with op.batch_alter_table("chat_series") as batch:
        batch.drop_column("co_moderators")
