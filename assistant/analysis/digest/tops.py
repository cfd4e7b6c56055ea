"""Top lists: contributors by posts in the chat, most mentioned, most replied to, most engaged posts, co-hashtags."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from integrations.normalized import NormalizedPost

Key = TypeVar("Key", str, tuple[str, str])


def ranked(counter: Counter[Key], limit: int) -> list[tuple[Key, int]]:
    """Most common first, ties in key order (stable across runs)."""
    items: Iterable[tuple[Key, int]] = counter.items()
    if len(counter) > limit > 0:  # only keys at or above the limit-th highest count can make the list
        cutoff = heapq.nlargest(limit, counter.values())[-1]
        items = [item for item in items if item[1] >= cutoff]
    return sorted(items, key=lambda item: (-item[1], item[0]))[:limit]


def handles_by_id(posts: Iterable[NormalizedPost]) -> dict[str, str]:
    """Author id -> handle as the posts show it."""
    return {p.author_id: p.author_handle for p in posts if p.author_handle}


def replied_handles(posts: Iterable[NormalizedPost]) -> dict[str, str]:
    """Replied-to account id -> handle, where the source named it (X `includes.users`, rtweet
    `reply_to_screen_name`)."""
    return {p.reply_to_user_id: p.reply_to_handle for p in posts if p.reply_to_handle and p.reply_to_user_id}


def contributors(posts: Sequence[NormalizedPost], handles: dict[str, str], limit: int) -> list[dict[str, Any]]:
    """Authors ranked by their posts in this chat (never by lifetime post counts)."""
    counts = Counter(p.author_id for p in posts)
    return [{"author_id": a, "handle": handles.get(a, a), "posts": c} for a, c in ranked(counts, limit)]


def mention_counts(posts: Iterable[NormalizedPost]) -> Counter[str]:
    """Posts mentioning each handle (lower-case), once per post; reposts excluded: they repeat the original's."""
    found: list[str] = []  # counted once at the end
    for post in posts:
        if post.kind != "repost" and post.mentions:
            found.extend({m.lower() for m in post.mentions})
    return Counter(found)


def most_mentioned(
    posts: Sequence[NormalizedPost],
    limit: int,
    *,
    counts: Counter[str] | None = None,
    spelled: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Handles mentioned by the most posts (`counts`: their `mention_counts`, when already counted), each spelled
    as its owner writes it where the chat knows the account (`spelled`: lower-case handle -> handle)."""
    counts = mention_counts(posts) if counts is None else counts
    spelled = spelled or {}
    return [{"handle": spelled.get(h, h), "mentions": c} for h, c in ranked(counts, limit)]


def spellings(handles: Mapping[str, str]) -> dict[str, str]:
    """Lower-case handle -> the handle as its account spells it (`handles`: account id -> handle)."""
    return {handle.lower(): handle for handle in handles.values() if handle}


def most_replied_to(posts: Sequence[NormalizedPost], handles: dict[str, str], limit: int) -> list[dict[str, Any]]:
    """Accounts that received the most replies from others (reposts excluded), by handle; None where no
    source or stored account names it."""
    counts = Counter(
        p.reply_to_user_id
        for p in posts
        if p.reply_to_user_id and p.reply_to_user_id != p.author_id and p.kind != "repost"
    )
    return [{"author_id": a, "handle": handles.get(a), "replies": c} for a, c in ranked(counts, limit)]


def engagement(post: NormalizedPost) -> int:
    return post.metrics.likes + post.metrics.reposts + post.metrics.replies + post.metrics.quotes


def most_engaged(posts: Iterable[NormalizedPost], limit: int) -> list[NormalizedPost]:
    """Posts with the most likes + reposts + replies + quotes (reposts themselves excluded); ties oldest first."""
    candidates = [p for p in posts if p.kind != "repost"]
    if limit <= 0 or not candidates:
        return []
    # only posts at or above the limit-th highest engagement can make the list: rank those few in full
    scores = [p.metrics.likes + p.metrics.reposts + p.metrics.replies + p.metrics.quotes for p in candidates]
    cutoff = heapq.nlargest(limit, scores)[-1]
    contenders = [p for p, score in zip(candidates, scores, strict=True) if score >= cutoff]
    return sorted(contenders, key=lambda p: (-engagement(p), p.created_at, p.id))[:limit]


def hashtag_counts(posts: Iterable[NormalizedPost], hashtag: str) -> tuple[Counter[str], int]:
    """Other hashtags used with the chat's, counted once per post (case-insensitive), and the posts without the
    chat's hashtag (replies that came in through their conversation); reposts excluded from both."""
    own = hashtag.lstrip("#").casefold()
    alone = [own]  # the chat's tag and no other, as the store keeps it (folded): most posts of a chat, no set built
    others: list[str] = []
    without = 0
    for post in posts:
        if post.kind == "repost" or post.hashtags == alone:
            continue
        if not post.hashtags:
            without += 1
            continue
        tags = {t.lstrip("#").casefold() for t in post.hashtags}
        if own in tags:
            tags.remove(own)
        else:
            without += 1
        tags.discard("")
        others.extend(tags)
    return Counter(others), without


def co_hashtags(
    posts: Sequence[NormalizedPost], hashtag: str, limit: int, *, counts: Counter[str] | None = None
) -> list[dict[str, Any]]:
    """Other hashtags used with the chat's (`counts`: from `hashtag_counts`, when already counted)."""
    counts = hashtag_counts(posts, hashtag)[0] if counts is None else counts
    return [{"tag": t, "posts": c} for t, c in ranked(counts, limit)]
