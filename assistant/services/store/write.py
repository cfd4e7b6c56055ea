"""Bulk upsert of normalized batches, or of rows already built, into the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from assistant.services.store.existing import count_existing, count_existing_edges
from assistant.services.store.memo import AccountMemo, AccountWindow
from assistant.services.store.rows import (
    ACCOUNT_COUNTS,
    ACCOUNT_TEXT,
    LIST_FIELDS,
    REF_FIELDS,
    TEXT_FIELDS,
    RowEncoder,
    Rows,
    account_row,
    post_row,
    tag_rows,
)
from assistant.services.store.statements import NewKeys, write_rows
from integrations import normalized as n


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

    # New rows: PostgreSQL's merge counts its own inserts (statements.write_rows); SQLite looks the keys up first.
    posts_new = accounts_new = edges_new = 0
    if dialect == "sqlite":
        posts_new = len(posts) - count_existing(connection, "post", [(p.platform, p.id) for p in posts])
        accounts_new = len(accounts) - count_existing(connection, "account", [(a.platform, a.id) for a in accounts])
        edges_new = len(edges) - count_existing_edges(connection, edges)

    if posts:
        post_rows = [post_row(p, encode, keep_raw=keep_raw, captured_at=captured_at) for p in posts]
        written = write_rows(connection, "post", keep_raw, post_rows)
        posts_new = posts_new if written is None else written
        hashtag_rows = [row for p in posts for row in tag_rows(p, encode)]
        if hashtag_rows:
            write_rows(connection, "post_hashtag", keep_raw, hashtag_rows)
    if accounts:
        account_rows = [account_row(a, encode, keep_raw=keep_raw, captured_at=captured_at) for a in accounts]
        written = write_rows(connection, "account", keep_raw, account_rows)
        accounts_new = accounts_new if written is None else written
    if edges:
        written = write_rows(connection, "follow_edge", keep_raw, sorted(edges))
        edges_new = edges_new if written is None else written

    return UpsertResult(
        posts_inserted=posts_new,
        posts_updated=len(posts) - posts_new,
        accounts_inserted=accounts_new,
        accounts_updated=len(accounts) - accounts_new + unchanged,
        edges=edges_new,
    )


def upsert_rows(
    connection: Connection,
    rows: Rows,
    *,
    keep_raw: bool = False,
    memo: AccountMemo | None = None,
    new_keys: NewKeys | None = None,
) -> UpsertResult:
    """Merge prepared rows into the store, with the same rules and counts as `upsert_batch`.

    SQLite runs each table's upsert over the rows in order (a repeated key merges into the row just
    written); PostgreSQL, whose set-based merge cannot touch a row twice in one statement, writes the
    first occurrence of every key, then the second, and so on; an import's `new_keys` (statements.NewKeys)
    lets the first occurrences go in without the merge while its tables have met only new keys. Build rows
    with the same `keep_raw`.
    """
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise ValueError(f"upsert_rows supports SQLite and PostgreSQL, not {dialect}")
    post_keys = list(dict.fromkeys(map(_KEY, rows.posts)))
    accounts = _collapse_accounts(rows.accounts)
    seen_accounts = len(set(map(_KEY, accounts)))
    if memo is not None:
        accounts = memo.changed_rows(accounts)
    account_keys = list(dict.fromkeys(map(_KEY, accounts)))
    edges = set(rows.edges)

    edges_new = 0 if dialect == "postgresql" else len(edges) - count_existing_edges(connection, edges)
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
            # A repeat would fail the insert of new keys (and send the table to the merge from then on). A post's
            # own tags come once each (tag_keys), so only a post met twice in the rows repeats them.
            if new_keys is not None and dialect == "postgresql" and len(post_keys) < len(rows.posts):
                table_rows = list(dict.fromkeys(table_rows))
            write_rows(connection, table, keep_raw, table_rows, new_keys=new_keys)
        elif dialect == "postgresql":  # a key is new in the round of its first occurrence only
            rounds = [table_rows] if len(keys) == len(table_rows) else _occurrences(table_rows)  # each key once?
            inserted[table] = sum(
                write_rows(connection, table, keep_raw, occurrence, new_keys=None if round_ else new_keys) or 0
                for round_, occurrence in enumerate(rounds)
            )
        else:
            # A new row takes rowid max(rowid) + 1 and an upsert that updates keeps its rowid, so the
            # growth of max(rowid) counts the inserts (rowid tables without AUTOINCREMENT; see _ROWID_TABLES).
            before = _max_rowid(connection, table)
            write_rows(connection, table, keep_raw, table_rows)
            inserted[table] = _max_rowid(connection, table) - before
    if edges:
        written = write_rows(connection, "follow_edge", keep_raw, sorted(edges))
        edges_new = edges_new if written is None else written
    return UpsertResult(
        posts_inserted=inserted["post"],
        posts_updated=len(post_keys) - inserted["post"],
        accounts_inserted=inserted["account"],
        accounts_updated=seen_accounts - inserted["account"],
        edges=edges_new,
    )


_ROWID_TABLES = frozenset({"post", "account"})  # tests/services/ingest/test_twarc_rows.py checks the schema


def _max_rowid(connection: Connection, table: str) -> int:
    if table not in _ROWID_TABLES:
        raise ValueError(f"{table} is not known to be a rowid table")
    return int(connection.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {table}").scalar_one())


def _collapse_accounts(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    window = AccountWindow()
    window.add(rows)
    return window.rows


_KEY = itemgetter(0, 1)  # a post or account row's (platform, id)


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
    for name in (*TEXT_FIELDS, *REF_FIELDS, *LIST_FIELDS):
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
                **{name: getattr(old, name) for name in ACCOUNT_TEXT if not getattr(account, name)},
                **{
                    name: getattr(old, name)
                    for name in (*ACCOUNT_COUNTS, "created_at", "raw")
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
