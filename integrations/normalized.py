"""The normalized post, account and follow edge that every source yields and the store keeps."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

Platform = Literal["x", "mastodon", "bluesky", "yammer"]

# What a web address from a network may hold: printable ASCII without blanks or the characters that end or
# split a link in chat markup (<, >, |, quotes, backticks). International addresses arrive percent-encoded.
_WEB_URL = re.compile(r"[!#-;=?-\[\]_a-z~%]+", re.IGNORECASE)


def web_url(value: object) -> str:
    """`value` if it is an http(s) address with a host and nothing a chat message could turn into markup;
    otherwise "" (a network's profile or post link is outside text, checked where it enters)."""
    text = str(value or "").strip()
    if not text or not _WEB_URL.fullmatch(text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return ""
    return text


PostKind = Literal["original", "reply", "quote", "repost"]


@dataclass(slots=True)
class Metrics:
    """Engagement counts as the source reported them at capture time (None where not given)."""

    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    impressions: int | None = None

    @property
    def engagement(self) -> int:
        return self.likes + self.reposts + self.replies + self.quotes


@dataclass(slots=True)
class NormalizedAccount:
    """A public account on any network, keyed by (platform, id)."""

    platform: Platform
    id: str
    handle: str
    display_name: str = ""
    bio: str = ""
    location: str = ""
    url: str = ""
    followers: int | None = None
    following: int | None = None
    post_count: int | None = None
    verified: bool = False
    created_at: datetime | None = None
    raw: dict[str, Any] | None = None


@dataclass(slots=True)
class NormalizedPost:
    """A public post on any network, keyed by (platform, id); times are aware UTC."""

    platform: Platform
    id: str
    author_id: str
    created_at: datetime
    text: str
    author_handle: str = ""
    lang: str | None = None
    kind: PostKind = "original"
    reply_to_post_id: str | None = None
    reply_to_user_id: str | None = None
    conversation_id: str | None = None
    quoted_post_id: str | None = None
    reposted_post_id: str | None = None
    hashtags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    metrics: Metrics = field(default_factory=Metrics)
    source: str = ""
    url: str = ""
    raw: dict[str, Any] | None = None
    reply_to_handle: str = ""  # the replied-to account's handle where the source names it (not stored)


@dataclass(slots=True)
class FollowEdge:
    """`source_id` follows `target_id` on `platform`."""

    platform: Platform
    source_id: str
    target_id: str


@dataclass(slots=True)
class Batch:
    """What one page or one archive line yields: posts, the accounts seen, and anything skipped.

    `captured_at` is when the source observed the batch's counts, where it recorded that (a twarc2 page's
    `__twarc.retrieved_at`); None when unknown.
    """

    posts: list[NormalizedPost] = field(default_factory=list)
    accounts: list[NormalizedAccount] = field(default_factory=list)
    edges: list[FollowEdge] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    captured_at: datetime | None = None


@dataclass(slots=True)
class BatchBuilder:
    """A Batch filled item by item, each post and each account once; a post that does not parse is a problem."""

    batch: Batch = field(default_factory=Batch)
    _posts: set[str] = field(default_factory=set)
    _accounts: set[str] = field(default_factory=set)

    def add_post(self, post_id: str, parse: Callable[[], NormalizedPost], *, source: str, what: str) -> bool:
        """Add the post `parse` gives unless `post_id` was seen; False when seen or when it did not parse (the
        problem names it as `what` and the id, e.g. "Bluesky: post at://…")."""
        if post_id in self._posts:
            return False
        self._posts.add(post_id)
        try:
            post = parse()
        except (KeyError, ValueError, TypeError) as exc:
            self.batch.problems.append(f"{what} {post_id} skipped: {exc!r}")
            return False
        post.source = source
        self.batch.posts.append(post)
        return True

    def add_account(self, account_id: str, parse: Callable[[], NormalizedAccount]) -> None:
        """Add the account `parse` gives unless `account_id` was seen."""
        if account_id not in self._accounts:
            self._accounts.add(account_id)
            self.batch.accounts.append(parse())
