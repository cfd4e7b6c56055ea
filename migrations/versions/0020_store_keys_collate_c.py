"""The store's identifiers (networks' ids, platforms, folded tags) compared byte for byte on PostgreSQL: the
"C" collation, as SQLite compares text, whatever the database's own collation.

Every index of the store is on such columns; with a language's collation each comparison went through the C
library's collation (`strcoll`), the largest part of filling the indexes during an import. Only equality and
byte order change meaning, and both already held on SQLite. The handle (looked up folded, by people's names)
keeps the database's collation.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 05:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLATFORM = "platform"  # VARCHAR(16)
KEYS = {
    "post": (
        PLATFORM,
        "id",
        "author_id",
        "reply_to_post_id",
        "reply_to_user_id",
        "conversation_id",
        "quoted_post_id",
        "reposted_post_id",
    ),
    "post_hashtag": (PLATFORM, "post_id", "tag"),
    "account": (PLATFORM, "id"),
    "follow_edge": (PLATFORM, "source_id", "target_id"),
}


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite compares text byte for byte already (its BINARY collation)
    for table, columns in KEYS.items():
        changes = ", ".join(
            f'ALTER COLUMN {column} TYPE VARCHAR{"(16)" if column == PLATFORM else ""} COLLATE "{collation}"'
            for column in columns
        )
        op.execute(f"ALTER TABLE {table} {changes}")  # one pass per table: its indexes are rebuilt once


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
