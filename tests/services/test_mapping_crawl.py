"""The mapping crawl against the local fake X: checkpoints, resume after a kill, rate limits, budgets, bad seeds."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.config import Settings
from assistant.db import session_scope
from assistant.models.base import require_id
from assistant.models.mapping import CrawlState, CrawlStep, MappingRequest
from assistant.models.posts import FollowEdge
from assistant.samples.network import synthetic_world
from assistant.services.mapping import archive_import, crawl, members, requests
from assistant.services.team.workspaces import ensure_workspace
from assistant.standins.x_graph import FakeClock, FakeXGraph
from integrations.x.client import XClient
from integrations.x.cost import Prices
from tests.conftest import shared_path

TOKEN = "fake-bearer"
SMALL_LIMITS = {
    "GET /2/users/by": 300,
    "GET /2/users": 300,
    "GET /2/users/{id}/following": 4,
    "GET /2/tweets/search/recent": 450,
}


class Killed(BaseException):
    """The process died mid-call."""


def _client(
    fake: FakeXGraph, clock: FakeClock, *, handler: Callable[[httpx.Request], httpx.Response] | None = None
) -> XClient:
    settings = Settings(x_bearer_token=TOKEN, database_url="sqlite://")
    transport = httpx.MockTransport(handler or fake.handle)
    return XClient(httpx.Client(transport=transport), settings.x_config(), clock=clock.now, sleep=clock.sleep)


def _request(
    engine: Engine,
    *,
    seeds: tuple[str, ...],
    hashtags: tuple[str, ...] = (),
    strategy: str = "follows",
    **budget: float,
) -> int:
    with session_scope(engine) as session:
        request = requests.create(
            session,
            workspace_id=require_id(ensure_workspace(session, slack_team_id="T1")),
            requester_id="U1",
            data=requests.RequestInput(title="FE", seeds=seeds, hashtags=hashtags),
        )
        for name, value in budget.items():
            setattr(request, name, value)
        crawl.approve(session, request, strategy=strategy, by="U2", now=FakeClock().now())
        assert request.id is not None
        return request.id


def _served(fake: FakeXGraph) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    return [(c.path, tuple(sorted(c.params.items()))) for c in fake.calls if c.status == 200]


def _run_to_end(engine: Engine, rid: int, client: XClient, clock: FakeClock) -> list[crawl.CrawlResult]:
    results = []
    while True:
        result = crawl.run_crawl(engine, rid, client, now=clock.now)
        results.append(result)
        if result.status != "waiting":
            return results
        assert result.until is not None
        clock.set(result.until)  # the worker comes back at the reset; nothing sleeps


def test_estimates_show_the_follow_graph_is_expensive() -> None:
    request = MappingRequest(
        workspace_id=1, requester_id="U", title="x", seeds=[f"s{i}" for i in range(50)], hashtags=["ukfechat"]
    )
    inter, follows = crawl.estimate(request, Prices())
    assert follows.cost > 1000 > inter.cost  # 50 seeds x 2,000 follows at $0.01 each
    assert follows.minutes >= 15 * (50 * 2 // 15)  # 100 following pages at 15 per window
    with pytest.raises(crawl.MappingInputError, match="seed accounts .* or hashtags"):
        crawl.estimate(MappingRequest(workspace_id=1, requester_id="U", title="x"), Prices())


def test_killed_half_way_resumes_without_repeating_calls(engine: Engine) -> None:
    world = synthetic_world(3, accounts=200, follows_each=1500 // 100, partners=10)
    clock = FakeClock()
    fake = FakeXGraph(world, clock=clock.now, token=TOKEN, limits=dict(SMALL_LIMITS))
    rid = _request(engine, seeds=tuple(world.seeds), hashtags=("ukfechat",))

    def dying(request: httpx.Request) -> httpx.Response:
        if len(fake.calls) >= 6:
            raise Killed()
        return fake.handle(request)

    with pytest.raises(Killed):
        _run_to_end(engine, rid, _client(fake, clock, handler=dying), clock)
    before = _served(fake)
    assert len(before) == 6
    with Session(engine) as session:
        checkpointed = session.exec(select(CrawlStep).where(CrawlStep.pages_done > 0)).all()
        assert sum(s.pages_done for s in checkpointed) == 6  # every answered page was checkpointed
    results = _run_to_end(engine, rid, _client(fake, clock), clock)  # a fresh process: new client, same database
    assert results[-1].status == "done"
    assert any(r.status == "waiting" for r in results)  # the following window (4 calls) ran out on the way
    served = _served(fake)
    assert len(served) == len(set(served)), "a finished call was repeated"
    assert not [c for c in fake.calls if c.status == 429]  # the client planned against the headers
    with Session(engine) as session:
        request = session.get(MappingRequest, rid)
        assert request is not None and request.crawl_state == CrawlState.analysing.value
        assert request.calls_made == len(served)
        edges = session.exec(select(FollowEdge)).all()
    assert len(edges) == sum(len(world.following[world.by_username(s)["id"]]) for s in world.seeds)  # type: ignore[index]


def test_unknown_and_suspended_seeds_are_named_and_the_rest_mapped(engine: Engine) -> None:
    world = synthetic_world(4, accounts=60, partners=4, chat_weeks=0)
    clock = FakeClock()
    fake = FakeXGraph(world, clock=clock.now, suspended={world.seeds[1].lower()})
    rid = _request(engine, seeds=(*world.seeds, "nosuchaccount"), strategy="follows")
    assert _run_to_end(engine, rid, _client(fake, clock), clock)[-1].status == "done"
    with Session(engine) as session:
        request = session.get(MappingRequest, rid)
        assert request is not None
        text = " ".join(request.problems)
        assert "@nosuchaccount" in text and f"@{world.seeds[1]}" in text and "Suspended" in text
        assert len(members.member_ids(session, rid, "seed")) == 3
    followed = {c.path for c in fake.calls if c.path.endswith("/following")}
    assert len(followed) == 3


def test_budgets_stop_cleanly_and_say_what_was_covered(engine: Engine) -> None:
    world = synthetic_world(5, accounts=80, partners=6, chat_weeks=0)
    clock = FakeClock()
    fake = FakeXGraph(world, clock=clock.now)
    rid = _request(engine, seeds=tuple(world.seeds), strategy="follows", budget_money=1.0)
    result = _run_to_end(engine, rid, _client(fake, clock), clock)[-1]
    assert result.status == "stopped" and "money budget ($1.00)" in result.message
    assert "of 7 crawl steps done" in result.message  # the seed lookup and 6 follow lists were planned
    with Session(engine) as session:
        request = session.get(MappingRequest, rid)
        assert request is not None and 0.5 < request.money_spent <= 1.0
        assert request.crawl_state == CrawlState.analysing.value  # what was covered still gets mapped
    calls = len(fake.calls)
    assert crawl.run_crawl(engine, rid, _client(fake, clock), now=clock.now).status == "done"
    assert len(fake.calls) == calls


def test_call_budget(engine: Engine) -> None:
    world = synthetic_world(5, accounts=80, partners=6, chat_weeks=0)
    clock = FakeClock()
    fake = FakeXGraph(world, clock=clock.now)
    rid = _request(engine, seeds=tuple(world.seeds), strategy="follows", budget_calls=3)
    result = _run_to_end(engine, rid, _client(fake, clock), clock)[-1]
    assert result.status == "stopped" and "call budget (3 calls)" in result.message
    assert len(fake.calls) == 3


def test_a_refused_token_names_the_setting_to_fix(engine: Engine) -> None:
    world = synthetic_world(6, accounts=20, partners=2, chat_weeks=0)
    clock = FakeClock()
    fake = FakeXGraph(world, clock=clock.now, token="the-right-token")
    rid = _request(engine, seeds=tuple(world.seeds))
    result = crawl.run_crawl(engine, rid, _client(fake, clock), now=clock.now)
    assert result.status == "failed" and "X_BEARER_TOKEN" in result.message and "401" in result.message


def test_recorded_responses_are_served(engine: Engine) -> None:
    world = synthetic_world(7, accounts=10, partners=1, chat_weeks=0)
    clock = FakeClock()
    fake = FakeXGraph(world, clock=clock.now)
    assert fake.load_recordings(shared_path("fixtures", "x", "recorded_responses", "tweepy_cassettes_decoded")) >= 5
    rid = _request(engine, seeds=("Twitter", "TwitterDev"), strategy="follows")
    _run_to_end(engine, rid, _client(fake, clock), clock)
    with Session(engine) as session:
        seeds = members.member_ids(session, rid, "seed")
    assert seeds == {"783214", "2244994945"}  # the recorded users lookup
    assert any(c.path == "/2/users/783214/following" for c in fake.calls)


def test_maps_from_an_archive_without_x(engine: Engine) -> None:
    with session_scope(engine) as session:
        request = requests.create(
            session,
            workspace_id=require_id(ensure_workspace(session, slack_team_id="T1")),
            requester_id="U1",
            data=requests.RequestInput(title="R", hashtags=("tidytuesday",)),
        )
        rid = request.id
    assert rid is not None
    kept = archive_import.import_archive(engine, rid, shared_path("fixtures", "datasets", "tt_tweets.jsonl"))
    assert kept > 4000
    with Session(engine) as session:
        request = session.get(MappingRequest, rid)
        assert request is not None and request.crawl_state == CrawlState.analysing.value
        assert len(members.member_ids(session, rid, "account")) > 500
