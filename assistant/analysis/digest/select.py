"""Which posts belong to a chat: the hashtag's posts in the window, and replies in their conversations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from integrations.normalized import NormalizedPost


def _tagged(post: NormalizedPost, own: str) -> bool:
    return any(t.lstrip("#").casefold() == own for t in post.hashtags)


def select_chat(
    posts: Iterable[NormalizedPost],
    *,
    hashtag: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[NormalizedPost]:
    """Posts in [start, end) that carry #hashtag or share a conversation with one that does.

    People answer in threads without repeating the hashtag: such replies are kept when their
    conversation_id (X) or thread root (Mastodon, Bluesky) is one of the tagged posts'; reposts of
    tagged posts are kept too (a repost's text is cut at 140 characters, often before the hashtag).
    """
    own = hashtag.lstrip("#").casefold()
    in_window = [p for p in posts if (start is None or p.created_at >= start) and (end is None or p.created_at < end)]
    tagged = [p for p in in_window if _tagged(p, own)]
    conversations = {p.conversation_id or p.id for p in tagged}
    ids = {p.id for p in tagged}
    return tagged + [
        p
        for p in in_window
        if not _tagged(p, own) and (p.conversation_id in conversations or p.reposted_post_id in ids)
    ]
