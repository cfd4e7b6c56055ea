"""Making a digest from the store: host impact from snapshots and stored mentions (or X counts), previous occurrences."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings
from assistant.models import Account, AccountSnapshot
from assistant.services.digest_make import host_baseline, make_digest, mention_counts_from_x
from assistant.services.store import upsert_batch
from integrations.normalized import Batch, NormalizedPost
from integrations.x.client import XClient

DAY = date(2026, 3, 5)
START = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)


def _post(pid: str, at: datetime, text: str, **kw: Any) -> NormalizedPost:
    return NormalizedPost(
        platform="x",
        id=pid,
        author_id=kw.pop("author", "7"),
        author_handle=kw.pop("handle", "amy"),
        created_at=at,
        text=text,
        **kw,
    )


def test_host_impact_from_snapshots_and_stored_mentions(engine: Engine) -> None:
    # the story: mentions that day were 10% of three months' worth; +522 followers, three times the daily average
    posts = [_post(f"old{i}", START - timedelta(days=i + 1), "hi @SecEd", mentions=["seced"]) for i in range(90)]
    posts += [
        _post(f"day{i}", START + timedelta(minutes=i), "A1 yes @SecEd #edchat", mentions=["seced"], hashtags=["edchat"])
        for i in range(9)
    ]
    with engine.begin() as connection:
        upsert_batch(connection, Batch(posts=posts))
    with Session(engine) as session:
        session.add(Account(platform="x", id="99", handle="SecEd"))
        followers = 10_000
        for offset in range(29, 0, -1):
            session.add(
                AccountSnapshot(platform="x", account_id="99", day=DAY - timedelta(days=offset), followers=followers)
            )
            followers += 174
        session.add(AccountSnapshot(platform="x", account_id="99", day=DAY, followers=followers))
        session.add(
            AccountSnapshot(platform="x", account_id="99", day=DAY + timedelta(days=1), followers=followers + 522)
        )
        session.commit()
        baseline = host_baseline(session, handle="@SecEd", platform="x", day=DAY)
        assert baseline.mentions_on_day == 9 and sum(baseline.daily_mentions or []) == 90
        host = make_digest(
            session, hashtag="edchat", start=START, end=START + timedelta(hours=1), host_handle="SecEd", save=False
        ).result.figures["host"]
    assert host["mentions_in_chat"] == 9 and host["share_of_baseline_period"] == 0.1
    assert host["mentions_ratio"] == 9.0
    assert host["followers_gained"] == 522 and host["baseline_daily_gain"] == 174.0 and host["followers_ratio"] == 3.0


def test_mention_baseline_from_the_x_counts_endpoint() -> None:
    seen: list[httpx.Request] = []

    def counts(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.url.path == "/2/tweets/counts/all"
        buckets = [
            {
                "start": f"{(DAY - timedelta(days=i)).isoformat()}T00:00:00.000Z",
                "end": f"{(DAY - timedelta(days=i - 1)).isoformat()}T00:00:00.000Z",
                "tweet_count": 5 if i else 50,
            }
            for i in range(0, 91)
        ]
        return httpx.Response(200, json={"data": buckets, "meta": {"total_tweet_count": 500}})

    settings = Settings(_env_file=None, x_bearer_token="bearer-SECRET")  # type: ignore[call-arg]
    client = XClient(httpx.Client(transport=httpx.MockTransport(counts)), settings)
    found = mention_counts_from_x(client, handle="SecEd", day=DAY)
    assert found[DAY] == 50 and found[DAY - timedelta(days=90)] == 5
    assert seen[0].url.params["query"] == "@SecEd" and seen[0].url.params["granularity"] == "day"


def test_previous_occurrences_feed_the_comparison(engine: Engine) -> None:
    weeks = [START - timedelta(weeks=2), START - timedelta(weeks=1), START]
    posts = [
        _post(f"w{w}p{i}", at + timedelta(minutes=i), "A1 yes #edchat", hashtags=["edchat"], author=str(i))
        for w, at in enumerate(weeks)
        for i in range(3 + w)
    ]
    with engine.begin() as connection:
        upsert_batch(connection, Batch(posts=posts))
    with Session(engine) as session:
        for at in weeks[:2]:
            make_digest(session, hashtag="edchat", start=at, end=at + timedelta(hours=1))
        session.commit()
        figures = make_digest(
            session, hashtag="#EdChat", start=START, end=START + timedelta(hours=1), save=False
        ).result.figures
    assert figures["comparison"]["posts"] == {"value": 5.0, "previous": 4.0, "average": 3.5, "occurrences": 2}
    assert figures["volume"]["returning_participants"] == 4 and figures["volume"]["new_participants"] == 1
