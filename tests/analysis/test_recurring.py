"""Recurring-chat detection: a synthetic year of a weekly chat with noise, and #TidyTuesday's weekday pattern."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest

from assistant.analysis.recurring import RecurringSlot, detect_recurring_chats, slot_overlaps, weekday_hour_profile
from assistant.samples.chat import generate_chat
from integrations.archives import read_archive
from integrations.twarc import parse_twarc_line
from tests.conftest import shared_path

Row = tuple[str, datetime, str, str]


def _chat_year(seed: int = 7, weeks: int = 52, noise: int = 3000) -> list[Row]:
    rows: list[Row] = []
    for page in generate_chat(40, seed, weeks=weeks):
        batch = parse_twarc_line(page)
        assert not isinstance(batch, str)
        for post in batch.posts:
            rows.extend((tag.lower(), post.created_at, post.author_id, post.text) for tag in post.hashtags)
    rng = random.Random(seed)
    begin = datetime(2026, 3, 1, tzinfo=UTC)
    for _ in range(noise):
        at = begin + timedelta(seconds=rng.randrange(365 * 86400))
        rows.append((rng.choice(("edchat", "edtech", "other")), at, f"noise{rng.randrange(400)}", "just saying"))
    rng.shuffle(rows)
    return rows


@pytest.fixture(scope="module")
def year() -> list[Row]:
    return _chat_year()


def test_weekly_chat_found_in_its_local_slot_across_dst(year: list[Row]) -> None:
    slots = detect_recurring_chats(year, tz="Europe/London")
    assert [s.hashtag for s in slots] == ["edchat"]  # the noise hashtags never burst
    slot = slots[0]
    assert (slot.weekday, slot.start, slot.end) == (3, time(21, 0), time(22, 0))
    assert slot.describe() == "Thursdays 21:00-22:00 Europe/London"
    assert slot.weeks_seen == 52  # the clocks changed twice in the year; the local slot held
    assert slot.weeks_observed >= 52
    assert 30 <= slot.typical_posts <= 45
    assert slot.typical_participants >= 8
    assert slot.organisers[0] == "1500000000"  # the host posts Q1, Q2...
    assert all(not o.startswith("noise") for o in slot.organisers)


def test_in_utc_the_same_chat_drifts_an_hour_at_the_clock_change(year: list[Row]) -> None:
    slots = [s for s in detect_recurring_chats(year, tz="UTC") if s.hashtag == "edchat"]
    assert [(s.start, s.end) for s in slots] == [(time(20, 0), time(22, 0))]  # BST 20:00 UTC, GMT 21:00 UTC
    one_hour = [s for s in detect_recurring_chats(year, tz="UTC", max_window_hours=1) if s.hashtag == "edchat"]
    assert all(s.weeks_seen < 52 for s in one_hour)


def test_min_weeks_and_window_are_honoured() -> None:
    rows = _chat_year(weeks=2, noise=0)
    assert detect_recurring_chats(rows, tz="Europe/London") == []
    assert [s.weeks_seen for s in detect_recurring_chats(rows, tz="Europe/London", min_weeks=2)] == [2]
    one_hour = detect_recurring_chats(_chat_year(weeks=4, noise=0), tz="Europe/London", max_window_hours=1)
    assert one_hour[0].duration == timedelta(hours=1)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        detect_recurring_chats([("x", datetime(2026, 1, 1), "a", "t")], tz="UTC")


def test_slot_overlaps_in_the_slot_zone() -> None:
    slot = RecurringSlot("ukfechat", 3, time(21, 0), time(22, 0), "Europe/London", 10, 10, 100, 30)
    summer = datetime(2026, 7, 2, 20, 30, tzinfo=UTC)  # Thursday 21:30 BST
    winter = datetime(2026, 12, 3, 21, 30, tzinfo=UTC)  # Thursday 21:30 GMT
    assert slot_overlaps(slot, summer, summer + timedelta(minutes=30))
    assert slot_overlaps(slot, winter, winter + timedelta(minutes=30))
    assert not slot_overlaps(slot, summer + timedelta(hours=1), summer + timedelta(hours=2))  # 22:30 BST
    assert not slot_overlaps(slot, datetime(2026, 7, 1, 20, tzinfo=UTC), datetime(2026, 7, 1, 21, tzinfo=UTC))
    assert slot_overlaps(slot, datetime(2026, 6, 29, tzinfo=UTC), datetime(2026, 7, 6, tzinfo=UTC))  # a week
    late = RecurringSlot("late", 6, time(23, 30), time(0, 30), "UTC", 3, 3, 10, 5)
    monday = datetime(2026, 7, 6, 0, 10, tzinfo=UTC)  # a Sunday-night slot running past midnight
    assert slot_overlaps(late, monday, monday + timedelta(minutes=5))


def test_tidytuesday_bursts_on_tuesdays() -> None:
    rows: list[Row] = []
    for chunk in read_archive(shared_path("fixtures", "datasets", "tt_tweets.jsonl")):
        for post in chunk.batch.posts:
            rows.extend((tag.lower(), post.created_at, post.author_id, post.text) for tag in post.hashtags)
    profile = weekday_hour_profile(rows, tz="UTC")["tidytuesday"]
    per_day = [sum(day) for day in profile]
    assert per_day.index(max(per_day)) == 1  # Tuesday is the busiest day
    slots = [s for s in detect_recurring_chats(rows, tz="UTC") if s.hashtag == "tidytuesday"]
    assert slots and slots[0].weekday == 1
    assert slots[0].weeks_seen < slots[0].weeks_observed / 2  # a weekly habit, not a fixed-hour chat
