"""A digest collection's estimate from X's counts and the collection's first page (a sample of how users grow
with posts) against the fake X with a known chat: within 10% of what the collection bills, on a first run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings
from assistant.samples.chat import generate_chat
from assistant.samples.network import World, synthetic_world
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


def _chat_world(posts: int) -> World:
    """One #ukfechat chat of `posts` posts (the generator's people, questions, replies and mentions)."""
    world = World()
    for page in generate_chat(posts, 5, hashtag="ukfechat", start=datetime(2026, 10, 1, 21, 0)):
        world.posts.extend(page["data"])
        for user in page["includes"]["users"]:
            world.users.setdefault(user["id"], user)
    world.posts.sort(key=lambda post: str(post["created_at"]))
    return world


def _truth(world: World, start: datetime, end: datetime) -> tuple[int, int]:
    """The window's posts tagged #ukfechat (replies without the tag are not in X's hashtag search) and the
    distinct users the search brings with them (authors and people mentioned)."""
    low, high = start.strftime("%Y-%m-%dT%H:%M:%S"), end.strftime("%Y-%m-%dT%H:%M:%S")
    tagged = [p for p in world.posts if "ukfechat" in {h["tag"] for h in p["entities"].get("hashtags", [])}]
    inside = [p for p in tagged if low <= p["created_at"][:19] < high]
    users = {u for p in inside for u in [p["author_id"], *(m.get("id") for m in p["entities"].get("mentions", []))]}
    return len(inside), len(users & set(world.users))


def test_a_first_digest_collection_is_within_ten_percent_of_its_estimate(engine: Engine) -> None:
    world = _chat_world(600)
    clock = FakeClock(FIRST_CHAT)
    fake = FakeXGraph(world, clock=clock.now)
    promised, stored = _digest(engine, fake, clock, 1, 0)
    assert [c.endpoint for c in fake.calls[:2]] == ["GET /2/tweets/counts/recent", "GET /2/tweets/search/recent"]
    posts, users = _truth(world, FIRST_CHAT - timedelta(minutes=30), FIRST_CHAT + timedelta(minutes=90))
    with Session(engine) as session:
        against = figures.compared(session, job_kind="digest", job_id=1)
    assert against is not None and against.label == "#ukfechat"
    assert (against.actual.posts, against.actual.users) == (posts, users) and posts > 300  # the sample read free again
    assert promised.posts == posts == stored  # X's count is what the search returns
    assert against.off is not None and abs(against.off) <= 0.10, against.describe()


def test_a_chat_smaller_than_a_page_is_estimated_exactly(engine: Engine) -> None:
    world = synthetic_world(11, accounts=300, partners=12, chat_weeks=6)
    clock = FakeClock(FIRST_CHAT)
    fake = FakeXGraph(world, clock=clock.now)
    promised, stored = _digest(engine, fake, clock, 2, 1)
    with Session(engine) as session:
        against = figures.compared(session, job_kind="digest", job_id=2)
    assert against is not None and 0 < stored <= 100
    assert (promised.posts, promised.users) == (against.actual.posts, against.actual.users)
