"""Budget holds: a paid job (an on-demand or end-of-chat digest, a chat's posting) whose estimate would take
the month past the team's X budget waits here for an admin's yes or no.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 21:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "budget_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("job_kind", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=140), nullable=False),
        sa.Column("estimate", sa.Float(), nullable=False),
        sa.Column("month_to_date", sa.Float(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("requested_at", assistant.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", assistant.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_hold")),
        sa.UniqueConstraint("job_kind", "job_id", name=op.f("uq_budget_hold_job_kind_job_id")),
    )
    with op.batch_alter_table("budget_hold", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_hold_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:
    op.drop_table("budget_hold")
