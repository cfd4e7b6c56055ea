"""Top lists: contributors by posts in the chat, most mentioned, most replied to, most engaged posts, co-hashtags."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from integrations.normalized import NormalizedPost


def ranked(counter: Counter[str], limit: int) -> list[tuple[str, int]]:
    """Most common first, ties in key order (stable across runs)."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]


def handles_by_id(posts: Iterable[NormalizedPost]) -> dict[str, str]:
    """Author id -> handle as the posts show it."""
    return {p.author_id: p.author_handle for p in posts if p.author_handle}


def contributors(posts: Sequence[NormalizedPost], handles: dict[str, str], limit: int) -> list[dict[str, Any]]:
    """Authors ranked by their posts in this chat (never by lifetime post counts)."""
    counts = Counter(p.author_id for p in posts)
    return [{"author_id": a, "handle": handles.get(a, a), "posts": c} for a, c in ranked(counts, limit)]


def most_mentioned(posts: Sequence[NormalizedPost], limit: int) -> list[dict[str, Any]]:
    """Handles mentioned by the most posts (reposts excluded: they repeat the original's mentions)."""
    counts = Counter(m for post in posts if post.kind != "repost" for m in {m.lower() for m in post.mentions})
    return [{"handle": h, "mentions": c} for h, c in ranked(counts, limit)]


def most_replied_to(posts: Sequence[NormalizedPost], handles: dict[str, str], limit: int) -> list[dict[str, Any]]:
    """Accounts that received the most replies from others."""
    counts = Counter(p.reply_to_user_id for p in posts if p.reply_to_user_id and p.reply_to_user_id != p.author_id)
    return [{"author_id": a, "handle": handles.get(a, a), "replies": c} for a, c in ranked(counts, limit)]


def engagement(post: NormalizedPost) -> int:
    return post.metrics.likes + post.metrics.reposts + post.metrics.replies + post.metrics.quotes


def most_engaged(posts: Iterable[NormalizedPost], limit: int) -> list[NormalizedPost]:
    """Posts with the most likes + reposts + replies + quotes (reposts themselves excluded)."""
    candidates = (p for p in posts if p.kind != "repost")
    return heapq.nsmallest(limit, candidates, key=lambda p: (-engagement(p), p.created_at, p.id))


def co_hashtags(posts: Sequence[NormalizedPost], hashtag: str, limit: int) -> list[dict[str, Any]]:
    """Other hashtags used with the chat's, counted once per post (case-insensitive)."""
    own = hashtag.lstrip("#").casefold()
    counts = Counter(
        tag
        for post in posts
        if post.kind != "repost" and post.hashtags
        for tag in {t.lstrip("#").casefold() for t in post.hashtags} - {own, ""}
    )
    return [{"tag": t, "posts": c} for t, c in ranked(counts, limit)]
