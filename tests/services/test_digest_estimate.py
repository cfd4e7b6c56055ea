"""A digest collection's estimate from X's counts against the fake X with a known weekly chat: within 10% of
what the collection bills, once the team's own searches have measured its users per post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings
from assistant.samples.network import synthetic_world
from assistant.services.costs import figures
from assistant.services.costs.ledger import x_meter
from assistant.services.digests import estimate as digest_estimate
from assistant.services.digests.collect import collect
from assistant.standins.x_graph import FakeClock, FakeXGraph
from integrations.x.client import XClient
from integrations.x.cost import Prices

PRICES = Prices(post_read=0.005, user_read=0.010)
FIRST_CHAT = datetime(2026, 10, 1, 20, 0, tzinfo=UTC)  # Thursday 21:00 in London (BST)


def _digest(engine: Engine, fake: FakeXGraph, clock: FakeClock, job_id: int, week: int) -> tuple[figures.Spend, int]:
    start = FIRST_CHAT + timedelta(weeks=week) - timedelta(minutes=30)
    end = start + timedelta(hours=2)
    clock.set(end + timedelta(hours=12))
    settings = Settings(x_bearer_token="t", database_url="sqlite://")
    meter = x_meter(engine, PRICES, workspace_id=None, job_kind="digest", job_id=job_id, clock=clock.now)
    client = XClient(httpx.Client(transport=fake.transport), settings.x_config(), meter=meter, clock=clock.now)
    promised = digest_estimate.measure(
        engine, client, hashtag="ukfechat", start=start, end=end, now=clock.now(), workspace_id=None, job_id=job_id
    )
    collected = collect(engine, hashtag="#ukfechat", start=start, end=end, platforms=["x"], x=client, now=clock.now())
    return promised, collected.total


def test_a_digest_collection_is_within_ten_percent_of_its_estimate(engine: Engine) -> None:
    world = synthetic_world(11, accounts=300, partners=12, chat_weeks=6)
    clock = FakeClock(FIRST_CHAT)
    fake = FakeXGraph(world, clock=clock.now)
    first, _ = _digest(engine, fake, clock, 1, 0)
    assert first.users == round(first.posts * figures.DEFAULT_USERS_PER_POST)  # no history: the first guess
    before = len(fake.calls)
    promised, stored = _digest(engine, fake, clock, 2, 1)  # a week later: a new UTC day, X bills all again
    assert fake.calls[before].endpoint == "GET /2/tweets/counts/recent"  # counted before anything is read
    with Session(engine) as session:
        against = figures.compared(session, job_kind="digest", job_id=2)
    assert against is not None and against.label == "#ukfechat"
    assert promised.posts == against.actual.posts == stored > 0  # X's count is what the search returns
    assert against.off is not None and abs(against.off) <= 0.10, against.describe()
