"""One tenancy key: a mapping request belongs to a workspace row (workspace_id), not to a Slack team id string.

Every team a stored request names gets its workspace row if it has none yet, so no request is lost; the
downgrade writes each request's Slack team id back from its workspace.

Revision ID: 0010
Revises: 0011
Create Date: 2026-12-04 17:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import assistant.models.base

revision: str = "0010"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

workspace = sa.table(
    "workspace",
    sa.column("id", sa.Integer()),
    sa.column("slack_team_id", sa.String()),
    sa.column("name", sa.String()),
    sa.column("timezone", sa.String()),
    sa.column("settings", sa.JSON()),
    sa.column("created_at", assistant.models.base.UTCDateTime(timezone=True)),
    sa.column("updated_at", assistant.models.base.UTCDateTime(timezone=True)),
)
request = sa.table(
    "mapping_request",
    sa.column("team_id", sa.String()),
    sa.column("workspace_id", sa.Integer()),
)


def upgrade() -> None:
    bind = op.get_bind()
    known = set(bind.execute(sa.select(workspace.c.slack_team_id)).scalars())
    named = set(bind.execute(sa.select(request.c.team_id).distinct()).scalars())
    now = datetime.now(UTC)
    for team in sorted(named - known):
        bind.execute(
            workspace.insert().values(
                slack_team_id=team, name="", timezone="Europe/London", settings={}, created_at=now, updated_at=now
            )
        )
    with op.batch_alter_table("mapping_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workspace_id", sa.Integer(), nullable=True))
    owner = sa.select(workspace.c.id).where(workspace.c.slack_team_id == request.c.team_id).scalar_subquery()
    bind.execute(request.update().values(workspace_id=owner))
    with op.batch_alter_table("mapping_request", schema=None) as batch_op:
        batch_op.alter_column("workspace_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_mapping_request_workspace_id"), ["workspace_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_mapping_request_workspace_id_workspace"),
            "workspace",
            ["workspace_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_index(batch_op.f("ix_mapping_request_team_id"))
        batch_op.drop_column("team_id")


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("mapping_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.String(length=32), nullable=True))
    team = sa.select(workspace.c.slack_team_id).where(workspace.c.id == request.c.workspace_id).scalar_subquery()
    bind.execute(request.update().values(team_id=team))
    with op.batch_alter_table("mapping_request", schema=None) as batch_op:
        batch_op.alter_column("team_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index(batch_op.f("ix_mapping_request_team_id"), ["team_id"], unique=False)
        batch_op.drop_constraint(batch_op.f("fk_mapping_request_workspace_id_workspace"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_mapping_request_workspace_id"))
        batch_op.drop_column("workspace_id")
