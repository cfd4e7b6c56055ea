"""The store rows of one X post and one X account, from fields already read (by twarc_rows or struct_rows)."""

from __future__ import annotations

from typing import Any

import orjson

from assistant.services.store.rows import Rows, tag_keys
from integrations.normalized import PostKind
from integrations.twarc import SOURCE

_dumps = orjson.dumps
ORIGINAL: tuple[PostKind, str | None, str | None, str | None] = ("original", None, None, None)
"""integrations.x.parse.references of a post that refers to none."""


def add_post(
    rows: Rows,
    post_id: str,
    author_id: str,
    handle: str,
    created_at: Any,
    text: str,
    lang: str | None,
    references: tuple[PostKind, str | None, str | None, str | None],
    reply_user: Any,
    conversation: Any,
    hashtags: list[str],
    mentions: list[str],
    urls: list[str],
    metrics: tuple[int, int, int, int, int | None],
    captured: Any,
    raw: str | None,
) -> None:
    """The post's row (`store.rows.post_row`'s columns, in order) and its hashtag rows, added to `rows`.

    `references` is integrations.x.parse.references' (kind, replied-to, quoted, reposted), the text and lists
    text_and_entities' and `metrics` public_metrics' (likes, reposts, replies, quotes, impressions).
    """
    kind, reply_to, quoted, reposted = references
    rows.posts.append(
        (
            "x",
            post_id,
            author_id,
            handle,
            created_at,
            text,
            lang or None,
            kind,
            reply_to or None,
            str(reply_user) if reply_user else None,
            str(conversation) if conversation else None,
            quoted or None,
            reposted or None,
            _dumps(hashtags).decode() if hashtags else "[]",
            _dumps(mentions).decode() if mentions else "[]",
            _dumps(urls).decode() if urls else "[]",
            *metrics,
            captured,
            SOURCE,
            f"https://x.com/{handle or 'i/web'}/status/{post_id}",  # integrations.x.parse.post_url
            raw,
        )
    )
    if hashtags:
        if len(hashtags) == 1:  # most tagged posts: tag_keys without its set and sort
            tag = hashtags[0].lstrip("#").casefold()
            if tag:
                rows.hashtags.append(("x", post_id, tag, created_at))
        else:
            rows.hashtags.extend(("x", post_id, tag, created_at) for tag in tag_keys(hashtags))
