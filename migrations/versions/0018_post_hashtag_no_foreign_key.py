"""post_hashtag without its foreign key to post: the rows are an index derived from post.hashtags, written only
with their post, and the key's row-by-row check was the largest single cost of an import.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 00:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_post_hashtag_platform_post"


def upgrade() -> None:
    with op.batch_alter_table("post_hashtag", schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")


def downgrade() -> None:
    # rows without their post (none are written, but a restore could hold some) would fail the key: drop them first
    op.execute(
        "DELETE FROM post_hashtag WHERE NOT EXISTS "
        "(SELECT 1 FROM post WHERE post.platform = post_hashtag.platform AND post.id = post_hashtag.post_id)"
    )
    with op.batch_alter_table("post_hashtag", schema=None) as batch_op:
        batch_op.create_foreign_key(
            FOREIGN_KEY, "post", ["platform", "post_id"], ["platform", "id"], ondelete="CASCADE"
        )
