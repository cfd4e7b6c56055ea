"""Reading X's post counts: the total of a counts answer in either dialect (tweet_count or post_count)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def total_posts(body: dict[str, Any]) -> int:
    """meta.total_tweet_count (v2.112) or meta.total_post_count (v2.167), else the buckets added up."""
    meta = body.get("meta") or {}
    for key in ("total_tweet_count", "total_post_count"):
        if isinstance(meta.get(key), int):
            return int(meta[key])
    return sum(int(b.get("tweet_count", b.get("post_count", 0)) or 0) for b in body.get("data") or [])


def total_over_pages(bodies: Iterable[dict[str, Any]]) -> int:
    """The total of a paginated counts answer (the full-archive endpoint pages by 31 days)."""
    return sum(total_posts(body) for body in bodies)
