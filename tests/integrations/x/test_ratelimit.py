"""Rate-limit budgets read from headers: calls left and when the next call can be made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from integrations.x.ratelimit import Budget, RateLimits, budget_from_headers
from tests.integrations.x.recorded import recorded

RESET = datetime.fromtimestamp(1665183229, UTC)


def test_budget_from_recorded_headers() -> None:
    budget = budget_from_headers(httpx.Headers(recorded("test_client_search_recent_tweets")["headers"]))
    assert budget == Budget(limit=450, remaining=448, reset_at=RESET)


def test_no_headers_no_budget() -> None:
    assert budget_from_headers(httpx.Headers({"content-type": "application/json"})) is None
    limits = RateLimits()
    assert limits.update("GET /2/users", httpx.Headers()) == Budget()
    assert limits.calls_left("GET /2/users", RESET) is None
    assert limits.next_call_at("GET /2/users", RESET) == RESET


def test_spent_window_waits_for_reset_then_refills() -> None:
    budget = Budget(limit=15, remaining=0, reset_at=RESET)
    before = RESET - timedelta(seconds=30)
    assert budget.calls_left(before) == 0
    assert budget.next_call_at(before) == RESET
    assert budget.calls_left(RESET) == 15
    assert budget.next_call_at(RESET + timedelta(seconds=1)) == RESET + timedelta(seconds=1)


def test_a_429_marks_the_endpoint_exhausted() -> None:
    limits = RateLimits()
    limits.exhausted("GET /2/tweets/search/recent", RESET)
    assert limits.calls_left("GET /2/tweets/search/recent", RESET - timedelta(minutes=1)) == 0
    assert limits.next_call_at("GET /2/tweets/search/recent", RESET - timedelta(minutes=1)) == RESET
