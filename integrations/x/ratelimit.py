"""Per-endpoint rate-limit budgets from x-rate-limit-* headers, so long jobs plan instead of hitting 429."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import httpx


@dataclass(frozen=True, slots=True)
class Budget:
    """One endpoint's window as last reported: `limit` calls per window, `remaining` until `reset_at`."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None

    @property
    def known(self) -> bool:
        return self.remaining is not None

    def calls_left(self, now: datetime) -> int | None:
        """How many calls can be made now (None when never reported); a past reset restores the limit."""
        if self.remaining is None:
            return None
        if self.reset_at is not None and now >= self.reset_at:
            return self.limit if self.limit is not None else None
        return self.remaining

    def next_call_at(self, now: datetime) -> datetime:
        """The earliest time the next call will not be refused: now, or the reset when the window is spent."""
        left = self.calls_left(now)
        if left is None or left > 0 or self.reset_at is None:
            return now
        return self.reset_at


def budget_from_headers(headers: httpx.Headers) -> Budget | None:
    """The budget in x-rate-limit-limit/-remaining/-reset (epoch seconds), or None when absent."""
    remaining = _int(headers.get("x-rate-limit-remaining"))
    if remaining is None:
        return None
    reset = _int(headers.get("x-rate-limit-reset"))
    return Budget(
        limit=_int(headers.get("x-rate-limit-limit")),
        remaining=remaining,
        reset_at=datetime.fromtimestamp(reset, UTC) if reset is not None else None,
    )


@dataclass
class RateLimits:
    """Budgets keyed by endpoint name (e.g. 'GET /2/tweets/search/recent'), updated from every response."""

    budgets: dict[str, Budget] = field(default_factory=dict)

    def get(self, endpoint: str) -> Budget:
        return self.budgets.get(endpoint, Budget())

    def update(self, endpoint: str, headers: httpx.Headers) -> Budget:
        budget = budget_from_headers(headers)
        if budget is not None:
            self.budgets[endpoint] = budget
        return self.get(endpoint)

    def exhausted(self, endpoint: str, reset_at: datetime) -> None:
        """Record a 429: nothing left until `reset_at`."""
        self.budgets[endpoint] = replace(self.get(endpoint), remaining=0, reset_at=reset_at)

    def calls_left(self, endpoint: str, now: datetime) -> int | None:
        return self.get(endpoint).calls_left(now)

    def next_call_at(self, endpoint: str, now: datetime) -> datetime:
        return self.get(endpoint).next_call_at(now)


def _int(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None
