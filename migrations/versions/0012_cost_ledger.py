"""The shared X ledger: items billed per UTC day (one bill across processes), every call's cost, job estimates.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-04 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base

revision: str = "0012"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "x_billed_item",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "item_id", "day", name=op.f("pk_x_billed_item")),
    )
    op.create_table(
        "cost_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("job_kind", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at", assistant.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("endpoint", sa.String(length=80), nullable=False),
        sa.Column("posts_read", sa.Integer(), nullable=False),
        sa.Column("users_read", sa.Integer(), nullable=False),
        sa.Column("posts_created", sa.Integer(), nullable=False),
        sa.Column("posts_created_with_link", sa.Integer(), nullable=False),
        sa.Column("dollars", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_entry")),
    )
    with op.batch_alter_table("cost_entry", schema=None) as batch_op:
        batch_op.create_index("ix_cost_entry_job", ["job_kind", "job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cost_entry_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_cost_entry_workspace_id"), ["workspace_id"], unique=False)
    op.create_table(
        "cost_estimate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("job_kind", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("dollars", sa.Float(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", assistant.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_estimate")),
        sa.UniqueConstraint("job_kind", "job_id", name=op.f("uq_cost_estimate_job_kind_job_id")),
    )
    with op.batch_alter_table("cost_estimate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cost_estimate_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:
    op.drop_table("cost_estimate")
    op.drop_table("cost_entry")
    op.drop_table("x_billed_item")
