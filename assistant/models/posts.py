"""The normalized store: posts, their hashtags, accounts and follow edges, keyed by (platform, id).

Keys. Every table uses the network's own identifiers as a composite primary key
(`platform`, `id`) rather than a surrogate integer with a UNIQUE constraint:

- the upsert conflicts on exactly that key (INSERT ... ON CONFLICT (platform, id)),
  so a surrogate would add a second index to maintain on every write and nothing to read by;
- references between posts (reply_to_post_id, quoted_post_id, conversation_id ...)
  are network ids, so joins use the natural key anyway;
- a (platform, id) pair is what every source yields, what exports write and what
  re-imports match, so the key survives a dump and reload of the database.

Hashtags are kept twice: as the JSON list in source order and case (for display and
export) and as rows of `post_hashtag` (lower-cased tag, with the post's `created_at`
copied in) indexed by (tag, created_at), so "posts with #tag between t1 and t2" is one
index range scan. The rows are derived data, written only with their post, so they carry no foreign key
(code that ever deletes posts deletes their `post_hashtag` rows with them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from assistant.models.base import utc_column, utcnow

COUNT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""A count seen on a network (likes, impressions, followers): 64 bits, as SQLite's INTEGER always is, so that
a count over 2**31 - 1 is stored on PostgreSQL as on SQLite (an `integer` there refused it)."""


def count_column(*, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(COUNT, nullable=nullable)


def key_text(length: int | None = None) -> sa.types.TypeEngine[str]:
    """A network's id, a platform or a folded tag: compared byte for byte, as SQLite compares all text.

    On PostgreSQL the column takes the "C" collation, whatever the database's own (Heroku's is en_US.UTF-8):
    these are identifiers, never sorted for people, and every index on them is searched and filled with
    comparisons that a language's rules only make slower (migration 0020).
    """
    return sa.String(length, collation="C").with_variant(sa.String(length), "sqlite")


REPLY_WITHOUT_ROOT = "conversation_id IS NULL AND reply_to_post_id IS NOT NULL"
"""The replies whose conversation root is not known yet (rtweet and X v1.1 rows name only the parent)."""

THREAD_AND_COUNT_COLUMNS = (
    "conversation_id",
    "quoted_post_id",
    "reposted_post_id",
    "hashtags",
    "mentions",
    "urls",
    "likes",
    "reposts",
    "replies",
    "quotes",
)
"""The columns that place a post in its thread, list its entities and count its engagement, in export order."""

POST_COLUMNS = (
    "platform",
    "id",
    "created_at",
    "author_id",
    "author_handle",
    "text",
    "lang",
    "kind",
    "reply_to_post_id",
    "reply_to_user_id",
    *THREAD_AND_COUNT_COLUMNS,
    "impressions",
    "source",
    "url",
)
"""The normalized post as stored, column by column (export order); the raw payload and capture time excluded."""


def _json_list_column() -> sa.Column[Any]:
    return sa.Column(sa.JSON(), nullable=False, default=list)


def _raw_column() -> sa.Column[Any]:
    # none_as_null: Python None is SQL NULL (not the JSON literal 'null'), so COALESCE keeps known raw.
    return sa.Column(sa.JSON(none_as_null=True), nullable=True)


class Post(SQLModel, table=True):
    """A public post on any network as last seen, with the newest engagement counts we observed."""

    __tablename__ = "post"
    # No index on conversation_id: the chat's query filters the posts of its time range by their conversation
    # (digests.read) and looks none up by it, and most posts are their own conversation's root. The one search
    # by it is for replies still without one (store.threads), which this partial index holds (migration 0021).
    __table_args__ = (
        sa.Index(
            "ix_post_reply_without_root",
            "reply_to_post_id",
            sqlite_where=sa.text(REPLY_WITHOUT_ROOT),
            postgresql_where=sa.text(REPLY_WITHOUT_ROOT),
        ),
    )

    platform: str = Field(primary_key=True, max_length=16, sa_type=key_text(16))
    id: str = Field(primary_key=True, sa_type=key_text())
    author_id: str = Field(index=True, sa_type=key_text())
    author_handle: str = Field(default="")
    created_at: datetime = Field(sa_column=utc_column(index=True))
    text: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False))
    lang: str | None = Field(default=None, max_length=16)
    kind: str = Field(default="original", max_length=16, description="original, reply, quote or repost")
    reply_to_post_id: str | None = Field(default=None, sa_type=key_text())
    reply_to_user_id: str | None = Field(default=None, sa_type=key_text())
    conversation_id: str | None = Field(default=None, sa_type=key_text())
    quoted_post_id: str | None = Field(default=None, sa_type=key_text())
    reposted_post_id: str | None = Field(default=None, sa_type=key_text())
    hashtags: list[str] = Field(default_factory=list, sa_column=_json_list_column())
    mentions: list[str] = Field(default_factory=list, sa_column=_json_list_column())
    urls: list[str] = Field(default_factory=list, sa_column=_json_list_column())
    likes: int = Field(default=0, sa_column=count_column())
    reposts: int = Field(default=0, sa_column=count_column())
    replies: int = Field(default=0, sa_column=count_column())
    quotes: int = Field(default=0, sa_column=count_column())
    impressions: int | None = Field(default=None, sa_column=count_column(nullable=True))
    metrics_captured_at: datetime | None = Field(
        default=None,
        sa_column=utc_column(nullable=True),
        description="when the counts were observed, if known",
    )
    source: str = Field(default="")
    url: str = Field(default="")
    raw: dict[str, Any] | None = Field(default=None, sa_column=_raw_column())


class PostHashtag(SQLModel, table=True):
    """One (lower-cased) hashtag of one post, with the post's time, for range queries by tag."""

    __tablename__ = "post_hashtag"
    # No foreign key to `post` (dropped in migration 0018): these rows are an index derived from `post.hashtags`,
    # written only by the store (services/store) with their post in the same transaction, and posts are never
    # deleted. The key's row-by-row check was the largest single cost of an import (PostgreSQL: 0.7-1.1 s of
    # COPYing 100k posts' 87.5k hashtag rows); tests/services/ingest check that every row has its post.
    # One index, the key, in the order of the reads: a tag's posts in a time range (digests.read, store.read)
    # are a range of it, and it holds every column they select. (platform, post_id, tag) alone names a row, and
    # created_at is its post's; the key with a second index on (tag, created_at) cost 0.54 against 0.29 s of the
    # server's time to COPY 100k posts' 87.5k rows (migration 0022).
    __table_args__ = (sa.PrimaryKeyConstraint("tag", "created_at", "platform", "post_id"),)

    platform: str = Field(primary_key=True, max_length=16, sa_type=key_text(16))
    post_id: str = Field(primary_key=True, sa_type=key_text())
    tag: str = Field(primary_key=True, sa_type=key_text(), description="lower-case, without '#'")
    created_at: datetime = Field(sa_column=utc_column(primary_key=True))


class Account(SQLModel, table=True):
    """A public account on any network as last seen; counts are the newest observation."""

    __tablename__ = "account"
    # handles are looked up in any case (a chat's host): an index on the folded handle, not the stored one
    __table_args__ = (sa.Index("ix_account_platform_handle", "platform", sa.func.lower(sa.text("handle"))),)

    platform: str = Field(primary_key=True, max_length=16, sa_type=key_text(16))
    id: str = Field(primary_key=True, sa_type=key_text())
    handle: str = Field(default="")
    display_name: str = Field(default="")
    bio: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False, default=""))
    location: str = Field(default="")
    url: str = Field(default="")
    followers: int | None = Field(default=None, sa_column=count_column(nullable=True))
    following: int | None = Field(default=None, sa_column=count_column(nullable=True))
    post_count: int | None = Field(default=None, sa_column=count_column(nullable=True))
    verified: bool = Field(default=False)
    created_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    captured_at: datetime | None = Field(
        default=None,
        sa_column=utc_column(nullable=True),
        description="when the counts were observed, if known",
    )
    first_seen_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    raw: dict[str, Any] | None = Field(default=None, sa_column=_raw_column())


class FollowEdge(SQLModel, table=True):
    """`source_id` follows `target_id` on `platform` (each edge stored once)."""

    __tablename__ = "follow_edge"
    __table_args__ = (sa.Index("ix_follow_edge_platform_target_id", "platform", "target_id"),)

    platform: str = Field(primary_key=True, max_length=16, sa_type=key_text(16))
    source_id: str = Field(primary_key=True, sa_type=key_text())
    target_id: str = Field(primary_key=True, sa_type=key_text())
