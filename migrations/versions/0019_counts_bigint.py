"""Counts seen on a network (a post's likes, reposts, replies, quotes and impressions; an account's followers,
following and posts) as PostgreSQL `bigint`: SQLite's INTEGER already holds 64 bits, and a count over 2**31 - 1
imported into SQLite was refused by PostgreSQL's `integer`.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 04:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = {
    "post": ("likes", "reposts", "replies", "quotes", "impressions"),
    "account": ("followers", "following", "post_count"),
}


def _retype(kind: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's INTEGER is 64 bits whatever the declared type, and the models declare INTEGER there
    for table, columns in COUNTS.items():  # one statement per table: it is rewritten once, not once per column
        op.execute(f"ALTER TABLE {table} {', '.join(f'ALTER COLUMN {column} TYPE {kind}' for column in columns)}")


def upgrade() -> None:
    _retype("BIGINT")


def downgrade() -> None:
    _retype("INTEGER")  # fails on a count over 2**31 - 1, which only bigint can hold
