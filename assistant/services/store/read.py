"""Reading posts and accounts back out of the store, as normalized objects."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from assistant.services.store.rows import (
    CHUNK_ROWS,
    account_table,
    chunks,
    connection_of,
    hashtag_table,
    post_table,
    tag_key,
)
from integrations import normalized as n


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
            hashtag_table.c.tag == tag_key(hashtag)
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
    connection = connection_of(session_or_connection)
    query = posts_query(hashtag=hashtag, since=since, until=until, platform=platform)
    # the statement streams, not the connection (a caller's session may write on it afterwards)
    result = connection.execute(query.execution_options(yield_per=chunk_rows))
    for row in result.mappings():
        yield row_to_post(row)


def get_accounts(
    session_or_connection: Session | Connection, keys: Iterable[tuple[str, str]]
) -> list[n.NormalizedAccount]:
    """The stored accounts among `keys` ((platform, id) pairs), in no particular order."""
    connection = connection_of(session_or_connection)
    by_platform: dict[str, list[str]] = {}
    for platform, account_id in set(keys):
        by_platform.setdefault(platform, []).append(account_id)
    found: list[n.NormalizedAccount] = []
    for platform, ids in by_platform.items():
        for chunk in chunks(sorted(ids), CHUNK_ROWS):
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
    connection = connection_of(session_or_connection)
    selected = posts_query(hashtag=hashtag, since=since, until=until, platform=platform).order_by(None).subquery()
    authors = sa.select(selected.c.platform, selected.c.author_id).distinct().subquery()
    query = (
        sa.select(account_table)
        .join(
            authors, sa.and_(account_table.c.platform == authors.c.platform, account_table.c.id == authors.c.author_id)
        )
        .order_by(account_table.c.platform, account_table.c.id)
    )
    for row in connection.execute(query.execution_options(yield_per=1000)).mappings():
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
