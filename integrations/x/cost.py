"""What X bills per call: item counts, a per-UTC-day "already paid" record, a running meter, a ledger hook, estimates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol

Resource = Literal["posts", "users", "counts", "create", "none"]
ItemKind = Literal["post", "user"]


@dataclass(frozen=True, slots=True)
class Prices:
    """US dollars per item (the app sets them from its X_PRICE_* settings)."""

    post_read: float = 0.005
    user_read: float = 0.010
    post_create: float = 0.015
    post_create_with_link: float = 0.20


@dataclass(slots=True)
class Billed:
    """Items billed (after same-day dedup) by one call or a whole job."""

    posts_read: int = 0
    users_read: int = 0
    posts_created: int = 0
    posts_created_with_link: int = 0

    def add(self, other: Billed) -> None:
        self.posts_read += other.posts_read
        self.users_read += other.users_read
        self.posts_created += other.posts_created
        self.posts_created_with_link += other.posts_created_with_link

    def cost(self, prices: Prices) -> float:
        return round(
            self.posts_read * prices.post_read
            + self.users_read * prices.user_read
            + self.posts_created * prices.post_create
            + self.posts_created_with_link * prices.post_create_with_link,
            6,
        )


class SeenToday(Protocol):
    """Remembers which items were already billed on a UTC day; a DB-backed version can implement this."""

    def mark(self, kind: ItemKind, item_ids: Iterable[str], day: date) -> list[str]:
        """Record `item_ids` as read on `day`; return those not read before that day (the billable ones)."""
        ...


@dataclass(frozen=True, slots=True)
class BilledCall:
    """One call as billed, handed to the Ledger as the call returns."""

    endpoint: str
    day: date
    at: datetime
    billed: Billed
    cost: float


class Ledger(Protocol):
    """Where each call's bill is written as it returns (the app's is a database table shared by every process)."""

    def record(self, call: BilledCall) -> None: ...


@dataclass
class MemorySeenToday:
    """In-memory SeenToday for one process (tests, one-off scripts); keeps only the current day."""

    day: date | None = None
    seen: set[tuple[ItemKind, str]] = field(default_factory=set)

    def mark(self, kind: ItemKind, item_ids: Iterable[str], day: date) -> list[str]:
        if day != self.day:
            self.day, self.seen = day, set()
        new: list[str] = []
        for item_id in item_ids:
            key = (kind, item_id)
            if key not in self.seen:
                self.seen.add(key)
                new.append(item_id)
        return new


def billable_ids(body: dict[str, Any], resource: Resource) -> tuple[list[str], list[str]]:
    """(post ids, user ids) a response body is billed for: its data by resource, plus its includes."""
    posts: list[str] = []
    users: list[str] = []
    data = body.get("data")
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    ids = [str(item["id"]) for item in items if isinstance(item, dict) and "id" in item]
    if resource == "posts":
        posts.extend(ids)
    elif resource == "users":
        users.extend(ids)
    includes = body.get("includes") or {}
    for key in ("tweets", "posts"):
        posts.extend(str(item["id"]) for item in includes.get(key) or [] if "id" in item)
    users.extend(str(item["id"]) for item in includes.get("users") or [] if "id" in item)
    return posts, users


def has_link(text: str) -> bool:
    """Whether X would see a link in `text` (bare domains count, as in the weighted-length rules)."""
    # imported here: its patterns take 0.17 s to compile, and most processes that read the prices never ask
    from twitter_text import extract_urls

    return bool(extract_urls(text))


class CostMeter:
    """The running cost of one job; the client records every call here."""

    def __init__(
        self,
        prices: Prices,
        *,
        seen: SeenToday | None = None,
        ledger: Ledger | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.prices = prices
        self.seen: SeenToday = seen if seen is not None else MemorySeenToday()
        self.ledger = ledger
        self.clock = clock
        self.total = Billed()
        self.calls = 0

    @property
    def cost(self) -> float:
        return self.total.cost(self.prices)

    def record_read(self, body: dict[str, Any], resource: Resource, *, endpoint: str = "") -> Billed:
        """Bill a read response; items already read today are free."""
        post_ids, user_ids = billable_ids(body, resource)
        at = self.clock().astimezone(UTC)
        billed = Billed(
            posts_read=len(self.seen.mark("post", dict.fromkeys(post_ids), at.date())),
            users_read=len(self.seen.mark("user", dict.fromkeys(user_ids), at.date())),
        )
        return self._record(billed, endpoint, at)

    def record_create(self, text: str, *, endpoint: str = "") -> Billed:
        """Bill one created post, at the link price when X sees a link in it."""
        billed = Billed(posts_created_with_link=1) if has_link(text) else Billed(posts_created=1)
        return self._record(billed, endpoint, self.clock().astimezone(UTC))

    def _record(self, billed: Billed, endpoint: str, at: datetime) -> Billed:
        self.calls += 1
        self.total.add(billed)
        if self.ledger is not None:
            self.ledger.record(BilledCall(endpoint, at.date(), at, billed, billed.cost(self.prices)))
        return billed


@dataclass(frozen=True, slots=True)
class Estimate:
    """A job's expected bill before it starts: items, calls and dollars."""

    billed: Billed
    calls: int
    cost: float


def _pages(items: int, per_page: int) -> int:
    return max(1, -(-items // per_page)) if items > 0 else 0


def estimate_follow_crawl(seeds: int, follows_each: int, prices: Prices, *, per_page: int = 1000) -> Estimate:
    """Crawl who `seeds` accounts follow: seed lookups plus every follow-list entry at the user price."""
    billed = Billed(users_read=seeds + seeds * follows_each)
    calls = _pages(seeds, 100) + seeds * max(1, _pages(follows_each, per_page))
    return Estimate(billed=billed, calls=calls, cost=billed.cost(prices))


def estimate_search(
    posts: int, prices: Prices, *, authors_per_post: float = 1.0, referenced_per_post: float = 0.0
) -> Estimate:
    """Search for `posts` posts with their authors (and referenced posts) expanded; an upper bound."""
    billed = Billed(
        posts_read=posts + round(posts * referenced_per_post),
        users_read=round(posts * authors_per_post),
    )
    return Estimate(billed=billed, calls=_pages(posts, 100), cost=billed.cost(prices))


def estimate_user_lookup(users: int, prices: Prices) -> Estimate:
    billed = Billed(users_read=users)
    return Estimate(billed=billed, calls=_pages(users, 100), cost=billed.cost(prices))


def estimate_posts_created(texts: Iterable[str], prices: Prices) -> Estimate:
    billed = Billed()
    for text in texts:
        billed.add(Billed(posts_created_with_link=1) if has_link(text) else Billed(posts_created=1))
    calls = billed.posts_created + billed.posts_created_with_link
    return Estimate(billed=billed, calls=calls, cost=billed.cost(prices))
