"""Store rows: the tables, their column order, and values encoded in the driver's own terms."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from assistant.models.base import utcnow
from assistant.models.posts import Account, FollowEdge, Post, PostHashtag
from integrations import normalized as n
from integrations.x.parse import parse_datetime

_fromisoformat = datetime.fromisoformat

ACCOUNT_CAPTURED = 12  # index of captured_at in an account row; everything before it is the account's data
ACCOUNT_FIRST_SEEN = 13  # index of first_seen_at (only an insert writes it)
CHUNK_ROWS = 500  # rows per executemany; also the size of each IN (...) list (< 999 variables)

post_table: sa.Table = Post.__table__  # type: ignore[attr-defined]
hashtag_table: sa.Table = PostHashtag.__table__  # type: ignore[attr-defined]
account_table: sa.Table = Account.__table__  # type: ignore[attr-defined]
edge_table: sa.Table = FollowEdge.__table__  # type: ignore[attr-defined]

TEXT_FIELDS = ("author_handle", "text", "source", "url")
REF_FIELDS = (
    "lang",
    "reply_to_post_id",
    "reply_to_user_id",
    "conversation_id",
    "quoted_post_id",
    "reposted_post_id",
)
LIST_FIELDS = ("hashtags", "mentions", "urls")
METRIC_FIELDS = ("likes", "reposts", "replies", "quotes")
ACCOUNT_TEXT = ("handle", "display_name", "bio", "location", "url")
ACCOUNT_COUNTS = ("followers", "following", "post_count")
TABLES = {"post": post_table, "post_hashtag": hashtag_table, "account": account_table, "follow_edge": edge_table}


@dataclass(slots=True)
class Rows:
    """Store rows built ahead of `upsert_rows` (by a fast import path), each tuple in its table's column order.

    A post or account may occur more than once; the occurrences are merged in order by the same rules as
    `upsert_batch` applies (the database's own upsert). `account_keys_seen` are accounts a builder met but
    left out as unchanged; they count as already stored.
    """

    posts: list[tuple[Any, ...]] = field(default_factory=list)
    hashtags: list[tuple[Any, ...]] = field(default_factory=list)
    accounts: list[tuple[Any, ...]] = field(default_factory=list)
    edges: list[tuple[str, str, str]] = field(default_factory=list)

    def extend(self, other: Rows) -> None:
        self.posts.extend(other.posts)
        self.hashtags.extend(other.hashtags)
        self.accounts.extend(other.accounts)
        self.edges.extend(other.edges)


def rows_from_batch(
    batch: n.Batch, encode: RowEncoder, *, keep_raw: bool = False, captured_at: datetime | None = None
) -> Rows:
    """A normalized batch as store rows (the batch's own `captured_at` first, as in `upsert_batch`)."""
    if batch.captured_at is not None:
        captured_at = batch.captured_at
    rows = Rows()
    for post in batch.posts:
        rows.posts.append(post_row(post, encode, keep_raw=keep_raw, captured_at=captured_at))
        rows.hashtags.extend(tag_rows(post, encode))
    rows.accounts = [account_row(a, encode, keep_raw=keep_raw, captured_at=captured_at) for a in batch.accounts]
    rows.edges = [(e.platform, e.source_id, e.target_id) for e in batch.edges]
    return rows


class RowEncoder:
    """Values in the driver's own terms, since rows bypass SQLAlchemy's per-row type processing.

    SQLite gets UTC datetimes as naive ISO text exactly as SQLAlchemy's SQLite DATETIME writes
    them (so comparisons with SQLAlchemy-bound values hold), PostgreSQL aware datetimes (its binary COPY,
    `store.statements._copy`, writes them as they are); both get JSON as text.
    """

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.sqlite = dialect == "sqlite"

    def datetime(self, value: datetime | None) -> Any:
        if value is None:
            return None
        offset = value.utcoffset()
        if offset is None:
            raise ValueError("naive datetime stored; use aware UTC")
        if offset:
            value = value.astimezone(UTC)
        # "YYYY-MM-DD HH:MM:SS.ffffff" (the zone suffix cut off), as SQLAlchemy's SQLite DATETIME stores it
        return value.isoformat(" ", "microseconds")[:26] if self.sqlite else value

    def x_time(self, value: Any) -> Any:
        """`datetime(parse_datetime(value))` for an X timestamp, None if absent; raises as parse_datetime does.

        X writes UTC to the millisecond ("2026-03-05T21:00:00.241Z"). Once `fromisoformat` has accepted that
        text, SQLite gets its stored text by slicing (a quarter of the cost of formatting the parsed datetime
        again) and PostgreSQL the parsed datetime (aware, in UTC); any other form takes the general way.
        """
        if (
            value.__class__ is str
            and len(value) == 24
            and value[23] == "Z"
            and value[19] == "."
            and value[4] == value[7] == "-"
            and value[13] == value[16] == ":"
        ):
            parsed = _fromisoformat(value)  # validates the fields (a month 13 raises here as it would there)
            return f"{value[:10]} {value[11:23]}000" if self.sqlite else parsed
        return self.datetime(parse_datetime(value))

    @staticmethod
    def json(value: Any) -> str | None:
        return None if value is None else orjson.dumps(value).decode()


def post_row(
    post: n.NormalizedPost, encode: RowEncoder, *, keep_raw: bool, captured_at: datetime | None
) -> tuple[Any, ...]:
    """The row in `post` column order (checked against the compiled statement in `_prepared`)."""
    m = post.metrics
    return (
        post.platform,
        post.id,
        post.author_id,
        post.author_handle,
        encode.datetime(post.created_at),
        post.text,
        post.lang or None,
        post.kind,
        post.reply_to_post_id or None,
        post.reply_to_user_id or None,
        post.conversation_id or None,
        post.quoted_post_id or None,
        post.reposted_post_id or None,
        encode.json(post.hashtags),
        encode.json(post.mentions),
        encode.json(post.urls),
        m.likes,
        m.reposts,
        m.replies,
        m.quotes,
        m.impressions,
        encode.datetime(captured_at),
        post.source,
        post.url,
        encode.json(post.raw) if keep_raw else None,
    )


def account_profile(account: n.NormalizedAccount) -> tuple[Any, ...]:
    """What an account says of itself, in `account` column order after its key: handle to verified."""
    return (
        account.handle,
        account.display_name,
        account.bio,
        account.location,
        account.url,
        account.followers,
        account.following,
        account.post_count,
        account.verified,
    )


def account_row(
    account: n.NormalizedAccount, encode: RowEncoder, *, keep_raw: bool, captured_at: datetime | None
) -> tuple[Any, ...]:
    """The row in `account` column order (checked against the compiled statement in `_prepared`)."""
    return (
        account.platform,
        account.id,
        *account_profile(account),
        encode.datetime(account.created_at),
        encode.datetime(captured_at),
        encode.datetime(utcnow()),
        encode.json(account.raw) if keep_raw else None,
    )


def tag_rows(post: n.NormalizedPost, encode: RowEncoder) -> list[tuple[Any, ...]]:
    created = encode.datetime(post.created_at)
    return [(post.platform, post.id, tag, created) for tag in tag_keys(post.hashtags)]


def tag_keys(hashtags: Iterable[str]) -> list[str]:
    """A post's hashtags as `post_hashtag` stores them: each once, without '#', case-folded, sorted."""
    return sorted({tag_key(t) for t in hashtags if t.strip("#")})


def tag_key(tag: str) -> str:
    return tag.lstrip("#").casefold()


def connection_of(session_or_connection: Session | Connection) -> Connection:
    if isinstance(session_or_connection, Session):
        return session_or_connection.connection()
    return session_or_connection


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
