"""Read a chat's posts from the store in one query, fast: the hashtag's posts in the window, their
conversations and their reposts, decoded with orjson (SQLAlchemy's per-row JSON and date processing
cost more than the database itself)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from assistant.analysis.digest.select import outside_parent_keys
from assistant.models.posts import POST_COLUMNS
from assistant.services.store.read import row_to_post
from assistant.services.store.rows import hashtag_table, post_table
from integrations import normalized as n

RAW = sa.String()  # type_coerce target: hand the driver's value through untouched
_JSON = {"hashtags", "mentions", "urls"}  # read as their JSON text, decoded here with orjson


def chat_query(*, hashtag: str, start: datetime, end: datetime) -> sa.Select[Any]:
    """Posts in [start, end) that carry the tag, share a conversation with one that does, or repost one."""
    tag = hashtag.lstrip("#").casefold()
    tagged = (
        sa.select(hashtag_table.c.post_id)
        .where(hashtag_table.c.tag == tag, hashtag_table.c.created_at >= start, hashtag_table.c.created_at < end)
        .scalar_subquery()
    )
    conversations = (
        sa.select(sa.func.coalesce(post_table.c.conversation_id, post_table.c.id))
        .join(
            hashtag_table,
            sa.and_(hashtag_table.c.platform == post_table.c.platform, hashtag_table.c.post_id == post_table.c.id),
        )
        .where(hashtag_table.c.tag == tag, hashtag_table.c.created_at >= start, hashtag_table.c.created_at < end)
        .scalar_subquery()
    )
    # JSON as text: PostgreSQL's driver would decode each list with the standard json module (half the read
    # of a 10k-post chat); SQLite stores the text anyway. Times raw: SQLite's text is sliced, not parsed.
    columns = [
        sa.cast(post_table.c[name], sa.Text).label(name)
        if name in _JSON
        else sa.type_coerce(post_table.c[name], RAW).label(name)
        if name == "created_at"
        else post_table.c[name]
        for name in POST_COLUMNS
    ]
    return (
        sa.select(*columns)
        .where(post_table.c.created_at >= start, post_table.c.created_at < end)
        .where(
            sa.or_(
                post_table.c.id.in_(tagged),
                post_table.c.conversation_id.in_(conversations),
                post_table.c.reposted_post_id.in_(tagged),
            )
        )
        .order_by(post_table.c.created_at, post_table.c.platform, post_table.c.id)
    )


def _json_list(value: Any) -> list[str]:
    if value is None:
        return []
    loaded = orjson.loads(value) if isinstance(value, str | bytes) else value
    return list(loaded or [])


def utc_time(value: Any) -> datetime:
    """A stored time as read raw (`type_coerce(column, RAW)`), aware and in UTC."""
    if isinstance(value, str):  # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" in UTC (see models.base.UTCDateTime)
        return datetime.fromisoformat(value + "+00:00")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iter_chat_posts(session: Session, *, hashtag: str, start: datetime, end: datetime) -> Iterator[n.NormalizedPost]:
    """The chat's posts, oldest first (see `chat_query`).

    Rows come in POST_COLUMNS order and are built with positional arguments in the field order of
    NormalizedPost and Metrics (a third cheaper than keywords at 100k posts); SQLite's text columns take the
    fast path, other drivers `utc_time` and `_json_list`."""
    # Streaming is the statement's option, not the connection's: on PostgreSQL a connection option would turn
    # every later statement of the session (the digest's INSERT) into a server-side cursor.
    query = chat_query(hashtag=hashtag, start=start, end=end).execution_options(yield_per=2000)
    result = session.connection().execute(query)
    post, metrics, loads, from_iso = n.NormalizedPost, n.Metrics, orjson.loads, datetime.fromisoformat
    for (
        platform,
        pid,
        created,
        author_id,
        handle,
        text,
        lang,
        kind,
        reply_to,
        reply_user,
        conversation,
        quoted,
        reposted,
        hashtags,
        mentions,
        urls,
        likes,
        reposts,
        replies,
        quotes,
        impressions,
        source,
        url,
    ) in (
        row
        for rows in result.partitions()
        for row in rows  # fetchmany: a tenth of fetchone's cost per row
    ):
        yield post(
            platform,
            pid,
            author_id,
            from_iso(created + "+00:00") if type(created) is str else utc_time(created),
            text,
            handle,
            lang,
            kind,
            reply_to,
            reply_user,
            conversation,
            quoted,
            reposted,
            (loads(hashtags) or []) if type(hashtags) is str else _json_list(hashtags),
            (loads(mentions) or []) if type(mentions) is str else _json_list(mentions),
            (loads(urls) or []) if type(urls) is str else _json_list(urls),
            metrics(likes, reposts, replies, quotes, impressions),
            source,
            url,
        )


def outside_parents_in_store(
    session: Session, chat: Iterable[n.NormalizedPost]
) -> dict[tuple[str, str], n.NormalizedPost]:
    """The stored posts outside the chat that its replies answer (analysis.digest.select.outside_parent_keys),
    whenever they were posted: shown beside those replies in the archive, never counted."""
    wanted = outside_parent_keys(chat)
    found: dict[tuple[str, str], n.NormalizedPost] = {}
    for platform in sorted({platform for platform, _ in wanted}):
        ids = sorted(pid for network, pid in wanted if network == platform)
        for at in range(0, len(ids), 500):
            query = sa.select(post_table).where(
                post_table.c.platform == platform, post_table.c.id.in_(ids[at : at + 500])
            )
            for row in session.connection().execute(query).mappings():
                post = row_to_post(row)
                found[(post.platform, post.id)] = post
    return found
