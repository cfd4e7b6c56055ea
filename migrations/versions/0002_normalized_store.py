"""normalized store: posts (with a post_hashtag index table), accounts, follow edges

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:18:16.143647
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("handle", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("followers", sa.Integer(), nullable=True),
        sa.Column("following", sa.Integer(), nullable=True),
        sa.Column("post_count", sa.Integer(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("created_at", assistant.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("captured_at", assistant.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", assistant.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("raw", sa.JSON(none_as_null=True), nullable=True),
        sa.PrimaryKeyConstraint("platform", "id", name=op.f("pk_account")),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_handle"), ["handle"], unique=False)

    op.create_table(
        "follow_edge",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(), nullable=False),
        sa.Column("target_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "source_id", "target_id", name=op.f("pk_follow_edge")),
    )
    with op.batch_alter_table("follow_edge", schema=None) as batch_op:
        batch_op.create_index("ix_follow_edge_platform_target_id", ["platform", "target_id"], unique=False)

    op.create_table(
        "post",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("author_id", sa.String(), nullable=False),
        sa.Column("author_handle", sa.String(), nullable=False),
        sa.Column("created_at", assistant.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reply_to_post_id", sa.String(), nullable=True),
        sa.Column("reply_to_user_id", sa.String(), nullable=True),
        sa.Column("conversation_id", sa.String(), nullable=True),
        sa.Column("quoted_post_id", sa.String(), nullable=True),
        sa.Column("reposted_post_id", sa.String(), nullable=True),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        sa.Column("mentions", sa.JSON(), nullable=False),
        sa.Column("urls", sa.JSON(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("reposts", sa.Integer(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("quotes", sa.Integer(), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=True),
        sa.Column("metrics_captured_at", assistant.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("raw", sa.JSON(none_as_null=True), nullable=True),
        sa.PrimaryKeyConstraint("platform", "id", name=op.f("pk_post")),
    )
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_post_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_post_created_at"), ["created_at"], unique=False)

    op.create_table(
        "post_hashtag",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("post_id", sa.String(), nullable=False),
        sa.Column("tag", sa.String(), nullable=False),
        sa.Column("created_at", assistant.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform", "post_id"],
            ["post.platform", "post.id"],
            name="fk_post_hashtag_platform_post",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("platform", "post_id", "tag", name=op.f("pk_post_hashtag")),
    )
    with op.batch_alter_table("post_hashtag", schema=None) as batch_op:
        batch_op.create_index("ix_post_hashtag_tag_created_at", ["tag", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("post_hashtag", schema=None) as batch_op:
        batch_op.drop_index("ix_post_hashtag_tag_created_at")

    op.drop_table("post_hashtag")
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_created_at"))
        batch_op.drop_index(batch_op.f("ix_post_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_post_author_id"))

    op.drop_table("post")
    with op.batch_alter_table("follow_edge", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_edge_platform_target_id")

    op.drop_table("follow_edge")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_handle"))

    op.drop_table("account")
