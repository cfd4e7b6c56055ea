"""Bulk upsert of normalized batches into the store, and reading posts and accounts back out.

The merge rules, applied in one INSERT ... ON CONFLICT (platform, id) DO UPDATE per chunk
(SQLite and PostgreSQL alike), so re-importing the same data changes nothing:

- **Never blank a known field.** An incoming empty string, None or empty list leaves the
  stored value alone (a post seen only as a stub in `includes` does not wipe the full one);
  an incoming `kind` of "original" does not overwrite a known reply/quote/repost.
- **Newest metrics.** Post counts (likes, reposts, replies, quotes, impressions) are taken
  from the incoming row when its capture time (`captured_at`, passed by the caller) is
  newer than the stored `metrics_captured_at`, kept when it is older, and otherwise (same
  capture time, or either unknown, as with archives) each count becomes the larger of the
  two, so counts never go backwards when we cannot tell which observation is newer.
- Account profile fields and counts (followers, following, post_count, verified) follow the
  incoming row unless it is known to be older than the stored `captured_at`; None or ""
  never overwrites.
- `raw` is written only with `keep_raw=True`, and an incoming None keeps the stored one.

Rows go in through Core statements compiled once per dialect, with values pre-encoded by
`RowEncoder` (SQLAlchemy's per-row processing cost 4x the database's own time). On SQLite the
upsert runs through the driver's executemany in chunks of `CHUNK_ROWS` rows (each statement
binds one row; the IN lists that tell inserts from updates stay under the 999-variable
floor). On PostgreSQL the rows are COPYed into a temporary staging table and merged with
one INSERT ... SELECT ... ON CONFLICT of the same statement (about 6x faster than executemany).

`upsert_rows` takes rows already built (the twarc2 fast path, assistant.services.twarc_import, builds
them straight from X JSON) and applies the same statements: a key that occurs twice is merged by the
database in order rather than in Python. Each row carries its own capture time, so pages captured at
different times share one write. On SQLite it counts inserts by the growth of max(rowid), not by a
lookup of every key beforehand.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from assistant.models.base import utcnow
from assistant.models.posts import Account, FollowEdge, Post, PostHashtag
from integrations import normalized as n
from integrations.x.parse import parse_datetime

_fromisoformat = datetime.fromisoformat

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
    "impressions",
    "source",
    "url",
)
"""The normalized post as stored, column by column (export order); the raw payload and capture time excluded."""

_ACCOUNT_CAPTURED = 12  # index of captured_at in an account row; everything before it is the account's data
_ACCOUNT_FIRST_SEEN = 13  # index of first_seen_at (only an insert writes it)
CHUNK_ROWS = 500  # rows per executemany; also the size of each IN (...) list (< 999 variables)

post_table: sa.Table = Post.__table__  # type: ignore[attr-defined]
hashtag_table: sa.Table = PostHashtag.__table__  # type: ignore[attr-defined]
account_table: sa.Table = Account.__table__  # type: ignore[attr-defined]
edge_table: sa.Table = FollowEdge.__table__  # type: ignore[attr-defined]

_TEXT_FIELDS = ("author_handle", "text", "source", "url")
_REF_FIELDS = (
    "lang",
    "reply_to_post_id",
    "reply_to_user_id",
    "conversation_id",
    "quoted_post_id",
    "reposted_post_id",
)
_LIST_FIELDS = ("hashtags", "mentions", "urls")
_METRIC_FIELDS = ("likes", "reposts", "replies", "quotes")
_ACCOUNT_TEXT = ("handle", "display_name", "bio", "location", "url")
_ACCOUNT_COUNTS = ("followers", "following", "post_count")


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What one upsert did: new rows, rows already stored (merged), and new follow edges."""

    posts_inserted: int = 0
    posts_updated: int = 0
    accounts_inserted: int = 0
    accounts_updated: int = 0
    edges: int = 0

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def posts(self) -> int:
        return self.posts_inserted + self.posts_updated

    @property
    def accounts(self) -> int:
        return self.accounts_inserted + self.accounts_updated


def upsert_batch(
    session_or_connection: Session | Connection,
    batch: n.Batch,
    *,
    keep_raw: bool = False,
    captured_at: datetime | None = None,
    memo: AccountMemo | None = None,
) -> UpsertResult:
    """Merge a batch's posts, accounts and edges into the store; the caller owns the transaction.

    `captured_at` is when the batch's counts were observed (an API fetch passes now; archives
    whose capture time is unknown pass None); the batch's own `captured_at`, where its source
    recorded one (a twarc2 page's `__twarc.retrieved_at`), comes first. See the module docstring
    for the merge rules.
    A `memo` shared by the calls of one import skips accounts it already wrote unchanged (a
    chat's regulars appear on every page); they count as already stored.
    """
    connection = (
        session_or_connection.connection() if isinstance(session_or_connection, Session) else session_or_connection
    )
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise ValueError(f"upsert_batch supports SQLite and PostgreSQL, not {dialect}")

    encode = RowEncoder(dialect)
    if batch.captured_at is not None:
        captured_at = batch.captured_at
    posts = _dedupe_posts(batch.posts)
    accounts = _dedupe_accounts(batch.accounts)
    unchanged = 0
    if memo is not None:
        accounts, unchanged = memo.changed(accounts, captured_at=captured_at)
    edges: set[tuple[str, str, str]] = {(e.platform, e.source_id, e.target_id) for e in batch.edges}

    posts_existing = _count_existing(connection, "post", [(p.platform, p.id) for p in posts])
    accounts_existing = _count_existing(connection, "account", [(a.platform, a.id) for a in accounts])
    edges_new = len(edges) - _count_existing_edges(connection, edges)

    if posts:
        post_rows = [_post_row(p, encode, keep_raw=keep_raw, captured_at=captured_at) for p in posts]
        _write(connection, "post", keep_raw, post_rows)
        tag_rows = [row for p in posts for row in _tag_rows(p, encode)]
        if tag_rows:
            _write(connection, "post_hashtag", keep_raw, tag_rows)
    if accounts:
        account_rows = [_account_row(a, encode, keep_raw=keep_raw, captured_at=captured_at) for a in accounts]
        _write(connection, "account", keep_raw, account_rows)
    if edges:
        edge_rows = sorted(edges)
        _write(connection, "follow_edge", keep_raw, edge_rows)

    return UpsertResult(
        posts_inserted=len(posts) - posts_existing,
        posts_updated=posts_existing,
        accounts_inserted=len(accounts) - accounts_existing,
        accounts_updated=accounts_existing + unchanged,
        edges=edges_new,
    )


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
        rows.posts.append(_post_row(post, encode, keep_raw=keep_raw, captured_at=captured_at))
        rows.hashtags.extend(_tag_rows(post, encode))
    rows.accounts = [_account_row(a, encode, keep_raw=keep_raw, captured_at=captured_at) for a in batch.accounts]
    rows.edges = [(e.platform, e.source_id, e.target_id) for e in batch.edges]
    return rows


def upsert_rows(
    connection: Connection, rows: Rows, *, keep_raw: bool = False, memo: AccountMemo | None = None
) -> UpsertResult:
    """Merge prepared rows into the store, with the same rules and counts as `upsert_batch`.

    SQLite runs each table's upsert over the rows in order (a repeated key merges into the row just
    written); PostgreSQL, whose set-based merge cannot touch a row twice in one statement, writes the
    first occurrence of every key, then the second, and so on. Build rows with the same `keep_raw`.
    """
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise ValueError(f"upsert_rows supports SQLite and PostgreSQL, not {dialect}")
    post_keys = list(dict.fromkeys([(row[0], row[1]) for row in rows.posts]))
    accounts = _collapse_accounts(rows.accounts)
    seen_accounts = len({(row[0], row[1]) for row in accounts})
    if memo is not None:
        accounts = memo.changed_rows(accounts)
    account_keys = list(dict.fromkeys([(row[0], row[1]) for row in accounts]))
    edges = set(rows.edges)

    edges_new = len(edges) - _count_existing_edges(connection, edges)
    inserted: dict[str, int] = {}
    for table, table_rows, keys in (
        ("post", rows.posts, post_keys),
        ("post_hashtag", rows.hashtags, None),
        ("account", accounts, account_keys),
    ):
        if not table_rows:
            inserted[table] = 0
            continue
        if keys is None:  # hashtags: insert-or-ignore, so repeats are harmless everywhere
            _write(connection, table, keep_raw, table_rows)
        elif dialect == "postgresql":
            inserted[table] = len(keys) - _count_existing(connection, table, keys)
            for occurrence in _occurrences(table_rows):
                _write(connection, table, keep_raw, occurrence)
        else:
            # A new row takes rowid max(rowid) + 1 and an upsert that updates keeps its rowid, so the
            # growth of max(rowid) counts the inserts (rowid tables without AUTOINCREMENT; see _ROWID_TABLES).
            before = _max_rowid(connection, table)
            _write(connection, table, keep_raw, table_rows)
            inserted[table] = _max_rowid(connection, table) - before
    if edges:
        _write(connection, "follow_edge", keep_raw, sorted(edges))
    return UpsertResult(
        posts_inserted=inserted["post"],
        posts_updated=len(post_keys) - inserted["post"],
        accounts_inserted=inserted["account"],
        accounts_updated=seen_accounts - inserted["account"],
        edges=edges_new,
    )


_ROWID_TABLES = frozenset({"post", "account"})  # tests/services/test_twarc_import.py checks the schema


def _max_rowid(connection: Connection, table: str) -> int:
    if table not in _ROWID_TABLES:
        raise ValueError(f"{table} is not known to be a rowid table")
    return int(connection.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {table}").scalar_one())


def _collapse_accounts(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    window = AccountWindow()
    window.add(rows)
    return window.rows


class AccountWindow:
    """Account rows gathered over many pages, each repeat of an account's latest row folded into it.

    A chat's regulars come on every page with the same profile and only a later capture time; writing
    them once, with the later time, leaves the store as writing each in turn would: identical data merges
    into nothing new, and `captured_at` keeps the later of the two. Only a repeat of the key's latest row
    (same data, same raw) is folded, and only when both capture times are known or both unknown, so the
    order of the merges holds. Accounts share no table with posts, so a window may span many post flushes.
    """

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self._latest: dict[tuple[Any, Any], int] = {}  # key -> index in `rows` of its latest row

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, rows: Iterable[tuple[Any, ...]]) -> None:
        out, latest = self.rows, self._latest
        for row in rows:
            key = (row[0], row[1])
            index = latest.get(key)
            if index is not None:
                last = out[index]
                if last[:_ACCOUNT_CAPTURED] == row[:_ACCOUNT_CAPTURED] and last[-1] == row[-1]:
                    before, after = last[_ACCOUNT_CAPTURED], row[_ACCOUNT_CAPTURED]
                    if before is None and after is None:
                        continue
                    if before is not None and after is not None:
                        if after > before:
                            out[index] = (*last[:_ACCOUNT_CAPTURED], after, *last[_ACCOUNT_CAPTURED + 1 :])
                        continue
            latest[key] = len(out)
            out.append(row)

    def repeat(self, key: tuple[Any, Any], captured: Any) -> bool:
        """Fold in a repeat of `key`'s latest row known to hold the same data and raw, captured at `captured`.

        The caller knows the data is the same (the same source object), so nothing is compared; False when
        the repeat cannot be folded (no row for the key, or one capture time known and the other not), and
        the caller then adds the row itself.
        """
        index = self._latest.get(key)
        if index is None:
            return False
        last = self.rows[index]
        before = last[_ACCOUNT_CAPTURED]
        if before is None or captured is None:
            return before is None and captured is None
        if captured > before:
            self.rows[index] = (*last[:_ACCOUNT_CAPTURED], captured, *last[_ACCOUNT_CAPTURED + 1 :])
        return True

    def take(self) -> list[tuple[Any, ...]]:
        """The gathered rows, leaving the window empty."""
        rows = self.rows
        self.rows, self._latest = [], {}
        return rows


def _occurrences(rows: Sequence[tuple[Any, ...]]) -> list[list[tuple[Any, ...]]]:
    """Rows split into rounds holding each (platform, id) key at most once, occurrences kept in order."""
    rounds: list[list[tuple[Any, ...]]] = [[]]
    count: dict[tuple[Any, Any], int] = {}
    for row in rows:
        key = (row[0], row[1])
        index = count.get(key, 0)
        count[key] = index + 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(row)
    return rounds


class AccountMemo:
    """What one stream of upserts already wrote for each account, to skip identical repeats.

    Bounded: past `max_entries` it starts afresh (at worst an account is written once more).
    Only for one caller's run, inside transactions it commits; a rolled-back run must drop it.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._written: dict[tuple[str, str], int] = {}  # key -> hash of the fields written

    def changed(
        self, accounts: Sequence[n.NormalizedAccount], *, captured_at: datetime | None
    ) -> tuple[list[n.NormalizedAccount], int]:
        """The accounts that differ from what was written for them, and how many were skipped."""
        fresh: list[n.NormalizedAccount] = []
        for account in accounts:
            key = (account.platform, account.id)
            fingerprint = hash(
                (
                    account.handle,
                    account.display_name,
                    account.bio,
                    account.location,
                    account.url,
                    account.followers,
                    account.following,
                    account.post_count,
                    account.verified,
                    account.created_at,
                    account.raw is None,
                    captured_at,
                )
            )
            if self._written.get(key) != fingerprint:
                fresh.append(account)
                if len(self._written) >= self.max_entries:
                    self._written.clear()
                self._written[key] = fingerprint
        return fresh, len(accounts) - len(fresh)

    def changed_rows(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The account rows (`Rows.accounts`) that differ from what was written for their account.

        The same fields as `changed` decide: everything up to `captured_at`, and whether raw JSON is kept
        (not `first_seen_at`, which only an insert writes).
        """
        fresh: list[tuple[Any, ...]] = []
        written = self._written
        for row in rows:
            key = (row[0], row[1])
            fingerprint = hash((row[:_ACCOUNT_FIRST_SEEN], row[-1] is None))
            if written.get(key) != fingerprint:
                fresh.append(row)
                if len(written) >= self.max_entries:
                    written.clear()
                written[key] = fingerprint
        return fresh


# Reading back -------------------------------------------------------------------------------


def posts_query(
    *,
    hashtag: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    platform: str | None = None,
) -> sa.Select[Any]:
    """Posts (oldest first), optionally with a hashtag (any case, '#' optional) and in [since, until)."""
    query = sa.select(post_table)
    if hashtag:
        tagged = sa.select(hashtag_table.c.platform, hashtag_table.c.post_id).where(
            hashtag_table.c.tag == _tag_key(hashtag)
        )
        if since is not None:
            tagged = tagged.where(hashtag_table.c.created_at >= since)
        if until is not None:
            tagged = tagged.where(hashtag_table.c.created_at < until)
        sub = tagged.subquery()
        query = query.join(sub, sa.and_(post_table.c.platform == sub.c.platform, post_table.c.id == sub.c.post_id))
    if since is not None:
        query = query.where(post_table.c.created_at >= since)
    if until is not None:
        query = query.where(post_table.c.created_at < until)
    if platform is not None:
        query = query.where(post_table.c.platform == platform)
    return query.order_by(post_table.c.created_at, post_table.c.platform, post_table.c.id)


def iter_posts(
    session_or_connection: Session | Connection,
    *,
    hashtag: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    platform: str | None = None,
    chunk_rows: int = 1000,
) -> Iterator[n.NormalizedPost]:
    """Stream stored posts back as normalized posts (see `posts_query` for the filters)."""
    connection = _connection(session_or_connection)
    result = connection.execution_options(yield_per=chunk_rows).execute(
        posts_query(hashtag=hashtag, since=since, until=until, platform=platform)
    )
    for row in result.mappings():
        yield row_to_post(row)


def get_accounts(
    session_or_connection: Session | Connection, keys: Iterable[tuple[str, str]]
) -> list[n.NormalizedAccount]:
    """The stored accounts among `keys` ((platform, id) pairs), in no particular order."""
    connection = _connection(session_or_connection)
    by_platform: dict[str, list[str]] = {}
    for platform, account_id in set(keys):
        by_platform.setdefault(platform, []).append(account_id)
    found: list[n.NormalizedAccount] = []
    for platform, ids in by_platform.items():
        for chunk in _chunks(sorted(ids), CHUNK_ROWS):
            query = sa.select(account_table).where(account_table.c.platform == platform, account_table.c.id.in_(chunk))
            found.extend(row_to_account(row) for row in connection.execute(query).mappings())
    return found


def iter_post_authors(
    session_or_connection: Session | Connection,
    *,
    hashtag: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    platform: str | None = None,
) -> Iterator[n.NormalizedAccount]:
    """The stored accounts that wrote the posts `posts_query` selects with the same filters."""
    connection = _connection(session_or_connection)
    selected = posts_query(hashtag=hashtag, since=since, until=until, platform=platform).order_by(None).subquery()
    authors = sa.select(selected.c.platform, selected.c.author_id).distinct().subquery()
    query = (
        sa.select(account_table)
        .join(
            authors, sa.and_(account_table.c.platform == authors.c.platform, account_table.c.id == authors.c.author_id)
        )
        .order_by(account_table.c.platform, account_table.c.id)
    )
    for row in connection.execution_options(yield_per=1000).execute(query).mappings():
        yield row_to_account(row)


def row_to_post(row: Any) -> n.NormalizedPost:
    """A stored post row (mapping) as a NormalizedPost."""
    return n.NormalizedPost(
        platform=row["platform"],
        id=row["id"],
        author_id=row["author_id"],
        created_at=row["created_at"],
        text=row["text"],
        author_handle=row["author_handle"],
        lang=row["lang"],
        kind=row["kind"],
        reply_to_post_id=row["reply_to_post_id"],
        reply_to_user_id=row["reply_to_user_id"],
        conversation_id=row["conversation_id"],
        quoted_post_id=row["quoted_post_id"],
        reposted_post_id=row["reposted_post_id"],
        hashtags=list(row["hashtags"] or []),
        mentions=list(row["mentions"] or []),
        urls=list(row["urls"] or []),
        metrics=n.Metrics(
            likes=row["likes"],
            reposts=row["reposts"],
            replies=row["replies"],
            quotes=row["quotes"],
            impressions=row["impressions"],
        ),
        source=row["source"],
        url=row["url"],
        raw=row["raw"],
    )


def row_to_account(row: Any) -> n.NormalizedAccount:
    """A stored account row (mapping) as a NormalizedAccount."""
    return n.NormalizedAccount(
        platform=row["platform"],
        id=row["id"],
        handle=row["handle"],
        display_name=row["display_name"],
        bio=row["bio"],
        location=row["location"],
        url=row["url"],
        followers=row["followers"],
        following=row["following"],
        post_count=row["post_count"],
        verified=bool(row["verified"]),
        created_at=row["created_at"],
        raw=row["raw"],
    )


# Rows -----------------------------------------------------------------------------------------


class RowEncoder:
    """Values in the driver's own terms, since rows bypass SQLAlchemy's per-row type processing.

    SQLite gets UTC datetimes as naive ISO text exactly as SQLAlchemy's SQLite DATETIME writes
    them (so comparisons with SQLAlchemy-bound values hold); both get JSON as text.
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

        X writes UTC to the millisecond ("2026-03-05T21:00:00.241Z"). On SQLite that text becomes the
        stored text by slicing once `fromisoformat` has accepted it (a quarter of the cost of formatting
        the parsed datetime again); any other form, and PostgreSQL, take the general way.
        """
        if (
            self.sqlite
            and value.__class__ is str
            and len(value) == 24
            and value[23] == "Z"
            and value[19] == "."
            and value[4] == value[7] == "-"
            and value[13] == value[16] == ":"
        ):
            _fromisoformat(value)  # validates the fields (a month 13 raises here as it would there)
            return f"{value[:10]} {value[11:23]}000"
        return self.datetime(parse_datetime(value))

    @staticmethod
    def json(value: Any) -> str | None:
        return None if value is None else orjson.dumps(value).decode()


def _post_row(
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


def _account_row(
    account: n.NormalizedAccount, encode: RowEncoder, *, keep_raw: bool, captured_at: datetime | None
) -> tuple[Any, ...]:
    """The row in `account` column order (checked against the compiled statement in `_prepared`)."""
    return (
        account.platform,
        account.id,
        account.handle,
        account.display_name,
        account.bio,
        account.location,
        account.url,
        account.followers,
        account.following,
        account.post_count,
        account.verified,
        encode.datetime(account.created_at),
        encode.datetime(captured_at),
        encode.datetime(utcnow()),
        encode.json(account.raw) if keep_raw else None,
    )


def _tag_rows(post: n.NormalizedPost, encode: RowEncoder) -> list[tuple[Any, ...]]:
    created = encode.datetime(post.created_at)
    return [(post.platform, post.id, tag, created) for tag in tag_keys(post.hashtags)]


def tag_keys(hashtags: Iterable[str]) -> list[str]:
    """A post's hashtags as `post_hashtag` stores them: each once, without '#', case-folded, sorted."""
    return sorted({_tag_key(t) for t in hashtags if t.strip("#")})


def _dedupe_posts(posts: Sequence[n.NormalizedPost]) -> list[n.NormalizedPost]:
    """One post per key; a repeat is merged in with the same rules the database applies."""
    seen: dict[tuple[str, str], n.NormalizedPost] = {}
    for post in posts:
        key = (post.platform, post.id)
        known = seen.get(key)
        seen[key] = post if known is None else _merge_post(known, post)
    return list(seen.values())


def _merge_post(old: n.NormalizedPost, new: n.NormalizedPost) -> n.NormalizedPost:
    merged = n.NormalizedPost(
        platform=new.platform,
        id=new.id,
        author_id=new.author_id or old.author_id,
        created_at=new.created_at,
        text="",
    )
    for name in (*_TEXT_FIELDS, *_REF_FIELDS, *_LIST_FIELDS):
        setattr(merged, name, getattr(new, name) or getattr(old, name))
    merged.kind = old.kind if new.kind == "original" else new.kind
    merged.metrics = n.Metrics(
        likes=max(old.metrics.likes, new.metrics.likes),
        reposts=max(old.metrics.reposts, new.metrics.reposts),
        replies=max(old.metrics.replies, new.metrics.replies),
        quotes=max(old.metrics.quotes, new.metrics.quotes),
        impressions=_max_optional(old.metrics.impressions, new.metrics.impressions),
    )
    merged.raw = new.raw if new.raw is not None else old.raw
    return merged


def _dedupe_accounts(accounts: Sequence[n.NormalizedAccount]) -> list[n.NormalizedAccount]:
    seen: dict[tuple[str, str], n.NormalizedAccount] = {}
    for account in accounts:
        key = (account.platform, account.id)
        old = seen.get(key)
        if old is not None:
            account = replace(
                account,
                **{name: getattr(old, name) for name in _ACCOUNT_TEXT if not getattr(account, name)},
                **{
                    name: getattr(old, name)
                    for name in (*_ACCOUNT_COUNTS, "created_at", "raw")
                    if getattr(account, name) is None
                },
            )
        seen[key] = account
    return list(seen.values())


def _max_optional(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _tag_key(tag: str) -> str:
    return tag.lstrip("#").casefold()


# Statements ---------------------------------------------------------------------------------

# Constants as literal SQL, so the compiled statements bind only the row's own columns.
_EMPTY: ColumnElement[Any] = sa.literal_column("''")
_ZERO: ColumnElement[Any] = sa.literal_column("0")
_ORIGINAL: ColumnElement[Any] = sa.literal_column("'original'")


def _insert(dialect: str, table: sa.Table) -> Any:
    return sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)


def _greatest(dialect: str, a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    # SQLite's two-argument max() is NULL if either is; COALESCE first so both dialects agree.
    name = "max" if dialect == "sqlite" else "greatest"
    return getattr(sa.func, name)(sa.func.coalesce(a, b), sa.func.coalesce(b, a))


def _keep_known_text(stored: ColumnElement[Any], incoming: ColumnElement[Any]) -> ColumnElement[Any]:
    return sa.case((sa.or_(incoming.is_(None), incoming == _EMPTY), stored), else_=incoming)


def _later(stored: ColumnElement[Any], incoming: ColumnElement[Any]) -> ColumnElement[Any]:
    return sa.case(
        (incoming.is_(None), stored),
        (stored.is_(None), incoming),
        (incoming > stored, incoming),
        else_=stored,
    )


def _post_upsert(dialect: str, *, keep_raw: bool, stmt: Any = None) -> Any:
    stmt = _insert(dialect, post_table) if stmt is None else stmt
    stored, incoming = post_table.c, stmt.excluded
    newer = sa.and_(
        incoming.metrics_captured_at.is_not(None),
        sa.or_(stored.metrics_captured_at.is_(None), incoming.metrics_captured_at > stored.metrics_captured_at),
    )
    older = sa.and_(
        incoming.metrics_captured_at.is_not(None),
        stored.metrics_captured_at.is_not(None),
        incoming.metrics_captured_at < stored.metrics_captured_at,
    )
    updates: dict[str, Any] = {
        "author_id": _keep_known_text(stored.author_id, incoming.author_id),
        "created_at": incoming.created_at,
        "kind": sa.case((incoming.kind == _ORIGINAL, stored.kind), else_=incoming.kind),
        "metrics_captured_at": _later(stored.metrics_captured_at, incoming.metrics_captured_at),
    }
    for name in (*_TEXT_FIELDS, *_REF_FIELDS):
        updates[name] = _keep_known_text(stored[name], incoming[name])
    for name in _LIST_FIELDS:
        updates[name] = sa.case(
            (sa.func.json_array_length(incoming[name]) == _ZERO, stored[name]), else_=incoming[name]
        )
    for name in (*_METRIC_FIELDS, "impressions"):
        # impressions may be unknown (None): a newer capture without it keeps the stored figure
        taken = sa.func.coalesce(incoming[name], stored[name]) if name == "impressions" else incoming[name]
        updates[name] = sa.case(
            (newer, taken), (older, stored[name]), else_=_greatest(dialect, stored[name], incoming[name])
        )
    if keep_raw:
        updates["raw"] = sa.func.coalesce(incoming.raw, stored.raw)
    return stmt.on_conflict_do_update(index_elements=[stored.platform, stored.id], set_=updates)


def _account_upsert(dialect: str, *, keep_raw: bool, stmt: Any = None) -> Any:
    stmt = _insert(dialect, account_table) if stmt is None else stmt
    stored, incoming = account_table.c, stmt.excluded
    older = sa.and_(
        incoming.captured_at.is_not(None),
        stored.captured_at.is_not(None),
        incoming.captured_at < stored.captured_at,
    )
    updates: dict[str, Any] = {
        name: sa.case((older, stored[name]), else_=_keep_known_text(stored[name], incoming[name]))
        for name in _ACCOUNT_TEXT
    }
    for name in _ACCOUNT_COUNTS:
        updates[name] = sa.case((incoming[name].is_(None), stored[name]), (older, stored[name]), else_=incoming[name])
    updates["verified"] = sa.case((older, stored.verified), else_=incoming.verified)
    updates["created_at"] = sa.func.coalesce(incoming.created_at, stored.created_at)
    updates["captured_at"] = _later(stored.captured_at, incoming.captured_at)
    if keep_raw:
        updates["raw"] = sa.func.coalesce(incoming.raw, stored.raw)
    return stmt.on_conflict_do_update(index_elements=[stored.platform, stored.id], set_=updates)


# Execution ----------------------------------------------------------------------------------


def _connection(session_or_connection: Session | Connection) -> Connection:
    if isinstance(session_or_connection, Session):
        return session_or_connection.connection()
    return session_or_connection


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A statement compiled once per dialect with positional binds, one per column of the table in order."""

    sql: str


_PREPARED: dict[tuple[str, str, bool], _Prepared] = {}
_TABLES = {"post": post_table, "post_hashtag": hashtag_table, "account": account_table, "follow_edge": edge_table}


def _prepared(connection: Connection, table: str, keep_raw: bool) -> _Prepared:
    dialect = connection.dialect
    key = (dialect.name, table, keep_raw)
    found = _PREPARED.get(key)
    if found is None:
        if table == "post":
            statement = _post_upsert(dialect.name, keep_raw=keep_raw)
        elif table == "account":
            statement = _account_upsert(dialect.name, keep_raw=keep_raw)
        else:
            statement = _insert(dialect.name, _TABLES[table]).on_conflict_do_nothing()
        # Compiled for a positional paramstyle (sqlite3's qmark, psycopg's %s), so rows go as plain tuples.
        style = "qmark" if dialect.name == "sqlite" else "format"
        positional: Any = type(dialect)
        compiled = statement.compile(dialect=positional(paramstyle=style))
        columns = tuple(_TABLES[table].columns.keys())
        if tuple(compiled.positiontup or ()) != columns:
            raise RuntimeError(f"{table}: the statement binds {compiled.positiontup}, not the columns {columns}")
        found = _PREPARED[key] = _Prepared(compiled.string)
    return found


def _write(connection: Connection, table: str, keep_raw: bool, rows: Sequence[tuple[Any, ...]]) -> None:
    """SQLite: the upsert through executemany. PostgreSQL: COPY into a staging table, then one upsert from it."""
    if connection.dialect.name == "postgresql":
        _copy_upsert(connection, table, keep_raw, rows)
    else:
        _executemany(connection, _prepared(connection, table, keep_raw), rows)


_STAGED: dict[tuple[str, bool], str] = {}


def _copy_upsert(connection: Connection, table: str, keep_raw: bool, rows: Sequence[tuple[Any, ...]]) -> None:
    """COPY is ~6x faster than executemany on PostgreSQL; the merge rules are the same statement's."""
    stage = f"stage_{table}"
    columns = tuple(_TABLES[table].columns.keys())
    sql = _STAGED.get((table, keep_raw))
    if sql is None:
        source: Any = sa.select(*(sa.column(name) for name in columns)).select_from(sa.table(stage))
        statement = postgresql.insert(_TABLES[table]).from_select(list(columns), source)
        if table == "post":
            statement = _post_upsert("postgresql", keep_raw=keep_raw, stmt=statement)
        elif table == "account":
            statement = _account_upsert("postgresql", keep_raw=keep_raw, stmt=statement)
        else:
            statement = statement.on_conflict_do_nothing()
        sql = _STAGED[(table, keep_raw)] = str(statement.compile(dialect=postgresql.psycopg.dialect()))
    connection.exec_driver_sql(
        f'CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE "{table}" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS'
    )
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        with cursor.copy(f"COPY {stage} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    connection.exec_driver_sql(sql)
    connection.exec_driver_sql(f"DELETE FROM {stage}")


def _executemany(connection: Connection, prepared: _Prepared, rows: Sequence[tuple[Any, ...]]) -> None:
    """Run the statement over the rows in chunks, straight through the driver's executemany."""
    for chunk in _chunks(rows, CHUNK_ROWS):
        connection.exec_driver_sql(prepared.sql, list(chunk))


def _mark(connection: Connection) -> str:
    return "?" if connection.dialect.name == "sqlite" else "%s"


def _in_list(connection: Connection, column: str, values: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
    """`column IN (...)`: one bind per value on SQLite, a single array bind (= ANY) on PostgreSQL."""
    if connection.dialect.name == "sqlite":
        return f"{column} IN ({', '.join('?' * len(values))})", tuple(values)
    return f"{column} = ANY(%s)", (list(values),)


def _count_existing(connection: Connection, table: str, keys: Sequence[tuple[str, str]]) -> int:
    by_platform: dict[str, list[str]] = {}
    for platform, key in keys:
        by_platform.setdefault(platform, []).append(key)
    count = 0
    for platform, ids in by_platform.items():
        for chunk in _chunks(ids, CHUNK_ROWS):
            clause, params = _in_list(connection, "id", chunk)
            sql = f"SELECT count(*) FROM {table} WHERE platform = {_mark(connection)} AND {clause}"
            count += connection.exec_driver_sql(sql, (platform, *params)).scalar_one()
    return count


def _count_existing_edges(connection: Connection, edges: set[tuple[str, str, str]]) -> int:
    by_source: dict[tuple[str, str], set[str]] = {}
    for platform, source, target in edges:
        by_source.setdefault((platform, source), set()).add(target)
    count = 0
    for (platform, source), targets in by_source.items():
        for chunk in _chunks(sorted(targets), CHUNK_ROWS):
            clause, params = _in_list(connection, "target_id", chunk)
            mark = _mark(connection)
            sql = f"SELECT count(*) FROM follow_edge WHERE platform = {mark} AND source_id = {mark} AND {clause}"
            count += connection.exec_driver_sql(sql, (platform, source, *params)).scalar_one()
    return count
