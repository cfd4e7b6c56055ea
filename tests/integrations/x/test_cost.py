"""Billing: what each response costs, same-UTC-day dedup, the running meter and estimates before a job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from integrations.x.cost import (
    Billed,
    CostMeter,
    MemorySeenToday,
    Prices,
    billable_ids,
    estimate_follow_crawl,
    estimate_posts_created,
    estimate_search,
    estimate_user_lookup,
    has_link,
)
from tests.integrations.x.recorded import recorded, settings, twarc_pages

PRICES = settings().x_prices()


def test_prices_come_from_settings() -> None:
    assert PRICES == Prices(post_read=0.005, user_read=0.010, post_create=0.015, post_create_with_link=0.20)
    assert settings(x_price_post_read=0.5).x_prices().post_read == 0.5


def test_a_search_page_bills_its_posts_includes_tweets_and_includes_users() -> None:
    page = twarc_pages("twarc-network_tweets.jsonl")[0]
    posts, users = billable_ids(page, "posts")
    assert len(posts) == len(page["data"]) + len(page["includes"]["tweets"])
    assert len(users) == len(page["includes"]["users"])


def test_posts_naming_includes_are_billed_too() -> None:
    page = {"data": [{"id": "1"}], "includes": {"posts": [{"id": "2"}], "users": [{"id": "9"}]}}
    assert billable_ids(page, "posts") == (["1", "2"], ["9"])


def test_a_follow_list_bills_each_entry_as_a_user() -> None:
    body = recorded("test_client_get_users_followers")["body"]
    posts, users = billable_ids(body, "users")
    assert posts == [] and len(users) == 100
    assert billable_ids(recorded("test_client_get_recent_tweets_count")["body"], "counts") == ([], [])


def test_same_item_read_twice_the_same_utc_day_is_billed_once() -> None:
    now = [datetime(2026, 11, 23, 9, 0, tzinfo=UTC)]
    meter = CostMeter(PRICES, clock=lambda: now[0])
    page = twarc_pages("twarc-network_tweets.jsonl")[0]
    first = meter.record_read(page, "posts")
    again = meter.record_read(page, "posts")
    assert first.posts_read > 100 and first.users_read > 100
    assert again == Billed()
    assert meter.total == first
    assert meter.cost == pytest.approx(first.posts_read * 0.005 + first.users_read * 0.010)

    now[0] += timedelta(days=1)
    next_day = meter.record_read(page, "posts")
    assert next_day == first
    assert meter.calls == 3


def test_the_day_is_the_utc_day_not_the_local_one() -> None:
    london_evening = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    new_york_same_instant_later = datetime(2026, 11, 23, 19, 45, tzinfo=ZoneInfo("America/New_York"))  # 00:45 UTC
    times = iter([london_evening, new_york_same_instant_later])
    meter = CostMeter(PRICES, clock=lambda: next(times))
    body = {"data": [{"id": "7"}]}
    assert meter.record_read(body, "posts").posts_read == 1
    assert meter.record_read(body, "posts").posts_read == 1  # a new UTC day has begun


def test_a_post_and_a_user_with_the_same_id_are_different_items() -> None:
    cache = MemorySeenToday()
    day = datetime(2026, 11, 23, tzinfo=UTC).date()
    assert cache.mark("post", ["1"], day) == ["1"]
    assert cache.mark("user", ["1"], day) == ["1"]
    assert cache.mark("post", ["1", "2"], day) == ["2"]


def test_a_seen_cache_can_be_swapped_for_another_implementation() -> None:
    class NeverSeen:
        def mark(self, kind: str, item_ids: object, day: object) -> list[str]:
            return list(item_ids)  # type: ignore[call-overload]

    meter = CostMeter(PRICES, seen=NeverSeen())
    meter.record_read({"data": [{"id": "1"}]}, "posts")
    meter.record_read({"data": [{"id": "1"}]}, "posts")
    assert meter.total.posts_read == 2


def test_created_posts_cost_more_with_a_link() -> None:
    meter = CostMeter(PRICES)
    meter.record_create("Q1: what does good feedback look like? #ukfechat")
    meter.record_create("Slides: example.org/slides #ukfechat")
    assert meter.total == Billed(posts_created=1, posts_created_with_link=1)
    assert meter.cost == pytest.approx(0.015 + 0.20)
    assert has_link("see https://t.co/abc") and has_link("www.gov.uk") and not has_link("3.5 out of 10 #edchat")


def test_estimate_follow_crawl() -> None:
    estimate = estimate_follow_crawl(10, 1500, PRICES)
    assert estimate.billed.users_read == 10 + 10 * 1500
    assert estimate.calls == 1 + 10 * 2  # one lookup batch, two follow pages per seed
    assert estimate.cost == pytest.approx((10 + 15000) * 0.010)


def test_estimate_search_and_lookups_and_posting() -> None:
    search = estimate_search(1000, PRICES, authors_per_post=0.5, referenced_per_post=0.3)
    assert search.billed == Billed(posts_read=1300, users_read=500)
    assert search.calls == 10
    assert search.cost == pytest.approx(1300 * 0.005 + 500 * 0.010)
    assert estimate_search(0, PRICES).calls == 0
    assert estimate_user_lookup(250, PRICES).calls == 3
    questions = estimate_posts_created(["Q1 welcome", "Q2 read gov.uk/x first"], PRICES)
    assert questions.cost == pytest.approx(0.215)
    # The cheap path is much cheaper than the follow graph for the same seeds.
    assert estimate_search(500, PRICES).cost < estimate_follow_crawl(10, 1000, PRICES).cost
