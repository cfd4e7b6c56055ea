"""post: the index on conversation_id replaced by a partial index of the replies still without a root.

No query looks posts up by their conversation: the chat's query reads the posts of its time range by
`created_at` and keeps those whose conversation is one of the chat's (a hashed filter, digests.read), and 78% of a
chat's posts are their own conversation's root, so the index repeated most of the primary key. Filling it was
a sixth of the server's time to COPY 100k posts (0.85 against 1.02 s, medians of 12 interleaved runs). The one
search by the column is for replies whose root is not known yet (store.threads, after each import), which the
partial index holds; a twarc2 import adds nothing to it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 08:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITHOUT_ROOT = "conversation_id IS NULL AND reply_to_post_id IS NOT NULL"  # models.posts.REPLY_WITHOUT_ROOT


def upgrade() -> None:
    op.drop_index("ix_post_conversation_id", table_name="post")
    op.create_index(
        "ix_post_reply_without_root",
        "post",
        ["reply_to_post_id"],
        sqlite_where=sa.text(WITHOUT_ROOT),
        postgresql_where=sa.text(WITHOUT_ROOT),
    )


def downgrade() -> None:
    op.drop_index("ix_post_reply_without_root", table_name="post")
    op.create_index("ix_post_conversation_id", "post", ["conversation_id"])
