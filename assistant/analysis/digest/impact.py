"""Host impact: mentions on the day against the 90-day baseline, followers gained against the 28-day average."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

MENTION_DAYS = 90
FOLLOWER_DAYS = 28


def _ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return round(value / base, 2)


def host_impact(
    *,
    handle: str,
    day: date,
    mentions_in_chat: int,
    mentions_on_day: int | None,
    daily_mentions: Sequence[int] | None,
    followers_by_day: Mapping[date, int],
) -> dict[str, Any]:
    """The host's figures; `daily_mentions` are the counts of the MENTION_DAYS days before `day`.

    Followers gained on `day` is the snapshot of the day after minus that of `day` (snapshots are
    taken once a day); the baseline is the average daily gain over the FOLLOWER_DAYS days before.
    """
    baseline = sum(daily_mentions) / len(daily_mentions) if daily_mentions else None
    total = sum(daily_mentions) if daily_mentions else None
    gained = _gain(followers_by_day, day)
    gains = [
        g
        for g in (_gain(followers_by_day, day - timedelta(days=i)) for i in range(1, FOLLOWER_DAYS + 1))
        if g is not None
    ]
    average_gain = sum(gains) / len(gains) if gains else None
    return {
        "handle": handle,
        "mentions_in_chat": mentions_in_chat,
        "mentions_on_day": mentions_on_day,
        "baseline_mentions_per_day": None if baseline is None else round(baseline, 2),
        "mentions_ratio": _ratio(mentions_on_day, baseline),
        "share_of_baseline_period": _ratio(mentions_on_day, total),
        "followers_gained": gained,
        "baseline_daily_gain": None if average_gain is None else round(average_gain, 2),
        "followers_ratio": _ratio(gained, average_gain),
    }


def _gain(followers_by_day: Mapping[date, int], day: date) -> int | None:
    before, after = followers_by_day.get(day), followers_by_day.get(day + timedelta(days=1))
    return None if before is None or after is None else after - before
