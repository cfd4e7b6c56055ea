"""The worker runs a mapping end to end: crawl slices rescheduled at the rate-limit reset, analysis, delivery."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.clients import Clients
from assistant.config import Settings
from assistant.db import session_scope
from assistant.jobs.mapping import MappingJobs, Throttle
from assistant.models.base import require_id
from assistant.models.mapping import CrawlState, MappingRequest
from assistant.samples.network import synthetic_world
from assistant.services.mapping import crawl, report, requests
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.blocks import mapping as blocks
from assistant.standins.slack import SlackStandIn
from assistant.standins.x_graph import FakeClock, FakeXGraph
from assistant.worker import Worker
from integrations.x.client import XClient
from tests.conftest import shared_path

TOKEN = "xoxb-test"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as stand_in:
        yield stand_in


def test_worker_crawls_waits_out_the_window_analyses_and_delivers(engine: Engine, slack: SlackStandIn) -> None:
    world = synthetic_world(2, accounts=120, partners=6, follows_each=20, chat_weeks=4)
    clock = FakeClock()
    limits = {
        "GET /2/users/by": 300,
        "GET /2/users": 300,
        "GET /2/users/{id}/following": 4,
        "GET /2/tweets/search/recent": 450,
    }
    fake = FakeXGraph(world, clock=clock.now, limits=limits)
    settings = Settings(database_url="sqlite://", x_bearer_token="x-token", slack_api_url=slack.base_url)
    deps = Clients(settings=settings, http=httpx.Client, slack=lambda: WebClient(token=TOKEN, base_url=slack.base_url))
    jobs = MappingJobs(
        deps,
        x_client=lambda: XClient(
            httpx.Client(transport=fake.transport), settings.x_config(), clock=clock.now, sleep=clock.sleep
        ),
    )
    card = WebClient(token=TOKEN, base_url=slack.base_url).chat_postMessage(channel="C0COMMS001", text="card")
    with session_scope(engine) as session:
        request = requests.create(
            session,
            workspace_id=require_id(ensure_workspace(session, slack_team_id="T1")),
            requester_id="U0STAFF001",
            data=requests.RequestInput(title="FE", seeds=tuple(world.seeds), hashtags=("ukfechat",)),
        )
        request.card_channel, request.card_ts = "C0COMMS001", card["ts"]
        requests.transition(session, request, "claim", actor="U0COMMS001", is_comms=True)
        requests.transition(session, request, "start", actor="U0COMMS001", is_comms=True)
        crawl.approve(session, request, strategy="follows", by="U0COMMS001", now=clock.now())
        rid = request.id
    assert rid is not None
    worker = Worker(engine, [jobs], now=clock.now)

    outcomes = worker.tick()
    assert [o.status for _, o in outcomes] == ["performed"]
    with Session(engine) as session:
        waiting = session.get(MappingRequest, rid)
        assert waiting is not None and waiting.next_run_at is not None and waiting.next_run_at > clock.now()
    posted = slack.calls_to("chat.postMessage")[-1].args
    assert posted["thread_ts"] == card["ts"] and "Mapping progress" == posted["text"]
    latest = slack.calls_to("chat.update")[-1].args  # the progress message, updated in place with the outcome
    assert "Waiting for the X rate limit" in json.dumps(latest["blocks"])
    calls = len(fake.calls)
    assert worker.tick() == [] and len(fake.calls) == calls  # nothing due before the reset; nobody sleeps

    for _ in range(10):
        clock.set(waiting.next_run_at)
        worker.tick()
        with Session(engine) as session:
            waiting = session.get(MappingRequest, rid)
            assert waiting is not None and waiting.next_run_at is not None
        if waiting.crawl_state == CrawlState.done.value:
            break
    assert waiting.crawl_state == CrawlState.done.value
    assert slack.calls_to("chat.update")  # the progress message and the card were updated in place
    assert blocks.DELIVER in json.dumps(slack.calls_to("chat.update")[-1].args["blocks"])
    with Session(engine) as session:
        made = report.stored_report(session, rid)
        assert made is not None and [s.describe() for s in made.slots] == ["Thursdays 21:00-22:00 Europe/London"]
        for kind in report.FORMATS:
            assert report.artefact(session, rid, kind)

    with session_scope(engine) as session:
        stored = session.get(MappingRequest, rid)
        assert stored is not None
        requests.transition(session, stored, "deliver", actor="U0COMMS001", is_comms=True)
    worker.tick()
    sent = [c.args for c in slack.calls_to("chat.postMessage") if c.args.get("text", "").startswith("Digital map")]
    assert {c["channel"] for c in sent} == {"U0STAFF001", "C0COMMS001"}
    summary = json.dumps(sent[0]["blocks"])
    assert blocks.SAVE_ACCOUNTS in summary and blocks.SCHEDULE_CHAT in summary and "ukfechat" in summary
    assert "Top accounts" in summary and "Thursdays 21:00-22:00" in summary
    assert {f["filename"] for f in slack.files.values()} == {
        f"mapping-{rid}.png",
        f"mapping-{rid}.html",
        f"mapping-{rid}.csv",
    }
    pngs = sorted(f["channel"] for f in slack.files.values() if f["filename"] == f"mapping-{rid}.png")
    assert pngs == ["C0COMMS001", "D0STAFF001"]  # the picture in the card's thread and the requester's DM, once each
    assert [c.args["users"] for c in slack.calls_to("conversations.open")] == ["U0STAFF001"]
    assert worker.tick() == []  # delivered once
    assert len(slack.files) == 4 and len(slack.calls_to("conversations.open")) == 1


def test_without_an_x_token_the_worker_says_which_token_or_maps_an_archive(engine: Engine, slack: SlackStandIn) -> None:
    settings = Settings(database_url="sqlite://", slack_api_url=slack.base_url)
    deps = Clients(settings=settings, http=httpx.Client, slack=lambda: WebClient(token=TOKEN, base_url=slack.base_url))
    jobs = MappingJobs(deps)
    card = WebClient(token=TOKEN, base_url=slack.base_url).chat_postMessage(channel="C0COMMS001", text="card")
    ids = []
    for source in ("x", f"archive:{shared_path('fixtures', 'datasets', 'tt_tweets.jsonl')}"):
        with session_scope(engine) as session:
            request = requests.create(
                session,
                workspace_id=require_id(ensure_workspace(session, slack_team_id="T1")),
                requester_id="U1",
                data=requests.RequestInput(title="R", hashtags=("tidytuesday",)),
            )
            request.source, request.card_channel, request.card_ts = source, "C0COMMS001", card["ts"]
            crawl.approve(session, request, strategy="interactions", by="U2", now=FakeClock().now())
            ids.append(request.id)
    worker = Worker(engine, [jobs], now=FakeClock().now)
    worker.tick()
    with Session(engine) as session:
        no_token, archive = (session.get(MappingRequest, i) for i in ids)
        assert no_token is not None and archive is not None
        assert no_token.crawl_state == CrawlState.failed.value and "X_BEARER_TOKEN" in no_token.problems[-1]
        assert archive.crawl_state == CrawlState.analysing.value
    assert any("X_BEARER_TOKEN" in json.dumps(c.args.get("blocks")) for c in slack.calls_to("chat.postMessage"))


def test_progress_updates_after_pages_but_no_more_often_than_the_throttle(engine: Engine, slack: SlackStandIn) -> None:
    world = synthetic_world(3, accounts=120, partners=6, follows_each=20, chat_weeks=4)
    clock, seconds = FakeClock(), [0.0]
    fake = FakeXGraph(world, clock=clock.now)

    class Timed(httpx.BaseTransport):
        """Each X call takes 0.5 s of the progress clock, so a fast crawl has many pages within the throttle."""

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            seconds[0] += 0.5
            return fake.transport.handle_request(request)

    updates: list[float] = []

    class Recording(WebClient):
        def chat_update(self, **kwargs: Any) -> Any:
            updates.append(seconds[0])
            return super().chat_update(**kwargs)

    settings = Settings(database_url="sqlite://", x_bearer_token="x-token", slack_api_url=slack.base_url)
    deps = Clients(settings=settings, http=httpx.Client, slack=lambda: Recording(token=TOKEN, base_url=slack.base_url))
    jobs = MappingJobs(
        deps,
        x_client=lambda: XClient(
            httpx.Client(transport=Timed()), settings.x_config(), clock=clock.now, sleep=clock.sleep
        ),
        clock=lambda: seconds[0],
        progress_every=2.0,
    )
    card = WebClient(token=TOKEN, base_url=slack.base_url).chat_postMessage(channel="C0COMMS001", text="card")
    with session_scope(engine) as session:
        request = requests.create(
            session,
            workspace_id=require_id(ensure_workspace(session, slack_team_id="T1")),
            requester_id="U0STAFF001",
            data=requests.RequestInput(title="FE", seeds=tuple(world.seeds), hashtags=("ukfechat",)),
        )
        request.card_channel, request.card_ts = "C0COMMS001", card["ts"]
        crawl.approve(session, request, strategy="follows", by="U0COMMS001", now=clock.now())
        rid = request.id
    assert rid is not None

    assert jobs.crawl(engine, rid)["status"] in ("paused", "done")
    pages = len(fake.calls)
    assert pages >= 8
    assert len(slack.calls_to("chat.postMessage")) == 2  # the card, then the progress message once
    page_updates, final = updates[:-1], updates[-1]
    assert len(page_updates) > 1  # the message moved during the crawl, not only at its end
    assert all(b - a >= 2.0 for a, b in zip(page_updates, page_updates[1:], strict=False))
    assert len(updates) <= pages * 0.5 / 2.0 + 2  # far fewer than one a page
    assert final >= page_updates[-1]


def test_throttle_lets_one_update_through_per_window() -> None:
    now = [0.0]
    throttle = Throttle(2.0, lambda: now[0])
    seen = []
    for step in range(20):
        now[0] = step * 0.5
        seen.append(throttle.ready())
    assert [i * 0.5 for i, ok in enumerate(seen) if ok] == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert throttle.ready(force=True)
