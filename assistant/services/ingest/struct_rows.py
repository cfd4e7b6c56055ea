"""Store rows from an X page decoded as structs (`integrations.x.structs`): the twarc2 import's fastest reading.

Field for field what `twarc_rows.PageRows.page` makes of the same page decoded as dicts (which is itself
`integrations.x.parse.parse_page` followed by `store.rows.post_row` / `account_row`); the structs only spare
building the dicts of fields that are never stored, and the lookups by name. Raises where `PageRows.page` would
raise, so that the caller reads the line again the general way. tests/services/ingest/test_struct_rows.py
checks the rows against `PageRows.page` line by line on every real twarc2 archive and in both namings.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import msgspec

from assistant.models.base import utcnow
from assistant.services.ingest.x_rows import ORIGINAL, add_post
from assistant.services.store.rows import Rows
from integrations.normalized import web_url
from integrations.twarc import retrieved_at
from integrations.x.parse import page_problems, references, text_and_entities, unescape
from integrations.x.structs import Page, Post, PostMetrics, User

if TYPE_CHECKING:
    from assistant.services.ingest.twarc_rows import PageRows


def struct_page_rows(pages: PageRows, page: Page) -> tuple[Rows, list[str]] | None:
    """The page as rows and its problems, built by `pages` (its encoding, account window and memo of users);
    None when the page holds no posts (the general reader says what such a line is)."""
    data = page.data
    if data.__class__ is list:
        if not data:
            return None
    else:
        data = [data]  # type: ignore[list-item]  # a stream line holds one post
    encode_time = pages.encode.datetime
    captured = encode_time(retrieved_at({"__twarc": page.twarc}))
    first_seen = encode_time(utcnow())
    includes = page.includes
    users: list[tuple[str, User]] = []
    handles: dict[str, str] = {}  # the first of each user id, as parse_page keeps it
    included: list[Post] | None = None
    if includes is not None:
        for user in includes.users or ():
            user_id = user.id
            if user_id.__class__ is not str:
                user_id = str(user_id)
            if user_id not in handles:
                handles[user_id] = user.username or ""
                users.append((user_id, user))
        included = includes.tweets
        if included is None:
            included = includes.posts
    rows = Rows()
    seen: set[Any] = set()
    for group in (data, included or ()):
        for item in group:
            if item.id in seen:
                continue
            seen.add(item.id)
            _post(pages, item, handles, captured, rows)
    pages.accounts_on_line = len(users)
    if pages.window is None:
        rows.accounts = [_account(pages, user, user_id, captured, first_seen) for user_id, user in users]
    else:
        window, made_from = pages.window, pages.made_from
        for user_id, user in users:
            if made_from.get(user_id) == user and window.repeat(("x", user_id), captured):
                continue
            window.add((_account(pages, user, user_id, captured, first_seen),))
            made_from[user_id] = user
    return rows, page_problems(page.errors)


def _post(pages: PageRows, item: Post, handles: dict[str, str], captured: Any, rows: Rows) -> None:
    """`PageRows._post` for a decoded struct."""
    post_id = item.id
    if post_id.__class__ is not str:
        post_id = str(post_id)
    author_id = item.author_id or ""
    if author_id.__class__ is not str:
        author_id = str(author_id)
    handle = ""
    author = item.author
    if author is not None:
        handle = author.username or ""
        author_id = author_id or str(author.id or "")
    if not handle:
        handle = handles.get(author_id, "")

    refs = item.referenced_tweets
    if refs is None:
        refs = item.referenced_posts
    text, hashtags, mentions, urls = _text_and_entities(item)
    created_at = pages.encode.x_time(item.created_at)
    if created_at is None:
        raise ValueError(f"post {post_id} has no created_at (request the created_at field)")
    add_post(
        rows,
        post_id,
        author_id,
        handle,
        created_at,
        text,
        item.lang,
        references({"referenced_tweets": refs}) if refs else ORIGINAL,
        item.in_reply_to_user_id,
        item.conversation_id,
        hashtags,
        mentions,
        urls,
        _metrics(item.public_metrics),
        captured,
        None,  # raw: a kept payload needs the dicts (PageRows.page)
    )


def _text_and_entities(item: Post) -> tuple[str, list[str], list[str], list[str]]:
    """integrations.x.parse.text_and_entities for a decoded post: a long post (its note kept as dicts) handed to it,
    any other read from the entity structs by its rules."""
    entities = item.entities
    if item.note_tweet or item.note_post:
        fields = {"text": item.text, "note_tweet": item.note_tweet, "note_post": item.note_post}
        return text_and_entities({**fields, "entities": msgspec.to_builtins(entities)})
    hashtags: list[str] = []
    mentions: list[str] = []
    urls: list[str] = []
    if entities is not None:
        for tag in entities.hashtags or ():
            if tag.tag:
                hashtags.append(tag.tag.lower())
        for mention in entities.mentions or ():
            if mention.username:
                mentions.append(mention.username.lower())
        for link in entities.urls or ():
            if target := _web_url(link.unwound_url or link.expanded_url or link.url or ""):
                urls.append(target)
    return unescape(item.text), hashtags, mentions, urls


_web_url = functools.lru_cache(maxsize=4096)(web_url)
"""A chat's links come again and again (shared, reposted): each address checked once."""


def _metrics(metrics: PostMetrics | None) -> tuple[int, int, int, int, int | None]:
    """integrations.x.parse.public_metrics for the decoded counts (read as a dict and handed to it, they cost a
    tenth of this reading: 0.26 of 2.4 s at 100k posts)."""
    if metrics is None:
        return 0, 0, 0, 0, None
    reposts = metrics.retweet_count
    if reposts is None:
        reposts = metrics.repost_count
    return (
        metrics.like_count or 0,
        reposts or 0,
        metrics.reply_count or 0,
        metrics.quote_count or 0,
        metrics.impression_count,
    )


def _account(pages: PageRows, user: User, user_id: str, captured: Any, first_seen: Any) -> tuple[Any, ...]:
    """`PageRows._account` for a decoded struct."""
    metrics = user.public_metrics
    followers = following = post_count = None
    if metrics is not None:
        followers, following = metrics.followers_count, metrics.following_count
        post_count = metrics.tweet_count
        if post_count is None:
            post_count = metrics.post_count
    url = user.url or ""
    entities = user.entities
    if url and entities is not None and entities.url is not None:
        for link in entities.url.urls or ():
            if link.url == url and link.expanded_url:
                url = link.expanded_url
                break
    created = user.created_at
    return (
        "x",
        user_id,
        user.username or "",
        user.name or "",
        user.description or "",
        user.location or "",
        url,
        followers,
        following,
        post_count,
        bool(user.verified),
        pages.encode.x_time(created) if created else None,
        captured,
        first_seen,
        None,  # raw
    )
