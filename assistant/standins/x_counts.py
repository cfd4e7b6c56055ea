"""X's post counts (GET /2/tweets/counts/recent and /all) for the stand-ins: the real shape and the real refusals.

Shape: `{"data": [{"start", "end", "tweet_count"}], "meta": {"total_tweet_count"}}` as in the recorded answer
(fixtures/x/recorded_responses/.../test_client_get_recent_tweets_count.json) and the v2.112 spec's SearchCount;
the first bucket starts at start_time, the others on whole minutes, hours or days. Refused as X refuses, with its
invalid-request body: an empty query, an unknown granularity, both next_token and pagination_token, a start_time
older than seven days (recent), an end_time less than ten seconds before the request, a start_time not before end_time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

RECENT = timedelta(days=7)
END_MARGIN = timedelta(seconds=10)
STEPS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
INVALID = "https://api.twitter.com/2/problems/invalid-request"


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parse(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def invalid(parameter: str, value: str, message: str) -> dict[str, Any]:
    """X's 400 body for a parameter it will not take."""
    return {
        "errors": [{"parameters": {parameter: [value]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID,
    }


def _floor(at: datetime, granularity: str) -> datetime:
    if granularity == "minute":
        return at.replace(second=0, microsecond=0)
    if granularity == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def counts(
    posts: Iterable[dict[str, Any]],
    params: dict[str, str],
    now: datetime,
    *,
    matches: Callable[[dict[str, Any], str], bool],
    archive: bool = False,
    earliest: datetime | None = None,
) -> tuple[int, dict[str, Any]]:
    """(status, body) for a counts request over `posts` (X post objects); `matches(post, query)` is the search.

    `earliest` widens the default window back to it (a stand-in whose search ignores time, counting the same posts).
    """
    query = params.get("query", "")
    if not query.strip():
        return 400, invalid("query", query, "The `query` query parameter can not be empty")
    granularity = params.get("granularity", "hour")
    if granularity not in STEPS:
        return 400, invalid(
            "granularity",
            granularity,
            f"The `granularity` query parameter value [{granularity}] is not one of [minute,hour,day]",
        )
    if "next_token" in params and "pagination_token" in params:
        return 400, invalid(
            "pagination_token",
            params["pagination_token"],
            "At most one of `pagination_token`, `next_token` may be provided.",
        )
    end = now - END_MARGIN
    if "end_time" in params:
        given = _parse(params["end_time"])
        if given is None or given > end:
            return 400, invalid(
                "end_time",
                params["end_time"],
                f"Invalid 'end_time':'{params['end_time']}'. 'end_time' must be a minimum of 10 seconds prior to the request time.",
            )
        end = given
    start = now - RECENT if not archive else end - timedelta(days=30)
    if earliest is not None and "start_time" not in params:
        start = min(start, earliest)
    if "start_time" in params:
        given = _parse(params["start_time"])
        if given is None or (not archive and given < now - RECENT):
            return 400, invalid(
                "start_time",
                params["start_time"],
                f"Invalid 'start_time':'{params['start_time']}'. 'start_time' must be on or after {_stamp(now - RECENT)}",
            )
        start = given
    if start >= end:
        return 400, invalid(
            "start_time",
            params.get("start_time", _stamp(start)),
            "Invalid 'start_time'. 'start_time' must be before 'end_time'",
        )
    edges = [start]
    step = STEPS[granularity]
    at = _floor(start, granularity) + step
    while at < end:
        edges.append(at)
        at += step
    edges.append(end)
    tally = [0] * (len(edges) - 1)
    for post in posts:
        created = _parse(str(post.get("created_at", "")))
        if created is None or not start <= created < end or not matches(post, query):
            continue
        low, high = 0, len(edges) - 1
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if edges[middle] <= created else (low, middle)
        tally[low] += 1
    data = [
        {"end": _stamp(edges[i + 1]), "start": _stamp(edges[i]), "tweet_count": tally[i]} for i in range(len(tally))
    ]
    return 200, {"data": data, "meta": {"total_tweet_count": sum(tally)}}
