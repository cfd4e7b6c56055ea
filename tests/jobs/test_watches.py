"""Watches: one message per batch (newest last), dedup across batches and restarts, pauses told to the channel."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.clients import Clients
from assistant.config import Settings
from assistant.jobs.watches import WatchSources
from assistant.models.costs import CostEntry
from assistant.models.watches import Watch
from assistant.models.workspaces import Workspace
from assistant.services.team.workspaces import ensure_workspace
from assistant.services.watches.manage import create_watch, fold_batch
from assistant.slack.blocks import watches as blocks
from assistant.worker import Worker
from integrations.normalized import NormalizedPost, Platform
from tests.conftest import shared_path

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _search_page() -> dict[str, Any]:
    path = shared_path("fixtures", "x", "example_responses", "pytwitter_testdata", "search_tweets_query.json")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _recorded_counts() -> dict[str, Any]:
    path = shared_path(
        "fixtures", "x", "recorded_responses", "tweepy_cassettes_decoded", "test_client_get_recent_tweets_count.json"
    )
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))[0]["body"]
    return body


class FakeSlack:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:  # noqa: N802 - slack_sdk's name
        self.messages.append(kwargs)
        return {"ok": True, "ts": f"1700000000.{len(self.messages):06d}"}


class FakeX:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.rate_limited_until: datetime | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/2/tweets/counts/recent":  # its own rate limit; the recorded answer (411 posts)
            return httpx.Response(200, json=_recorded_counts())
        assert request.url.path == "/2/tweets/search/recent"
        if self.rate_limited_until is not None:
            reset = str(int(self.rate_limited_until.timestamp()))
            return httpx.Response(429, headers={"x-rate-limit-reset": reset}, json={"title": "Too Many Requests"})
        return httpx.Response(200, json=_search_page())  # the same posts every time: dedup must hold


def _deps(fake: FakeX, slack: FakeSlack) -> Clients:
    settings = Settings(_env_file=None, x_bearer_token="bearer-SECRET")
    return Clients(
        settings=settings,
        http=lambda: httpx.Client(transport=httpx.MockTransport(fake)),
        slack=lambda: cast(WebClient, slack),
    )


def at(minute: int) -> Callable[[], datetime]:
    return lambda: NOW + timedelta(minutes=minute)


def _watch(engine: Engine, **overrides: Any) -> int:
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.commit()
        values: dict[str, Any] = dict(
            workspace_id=workspace.id or 0,
            channel_id="C0COMMS001",
            kind="hashtag",
            term="snowman",
            networks=["x"],
            every_minutes=15,
            only=None,
            actor="U0COMMS001",
            now=NOW,
        )
        values.update(overrides)
        return create_watch(session, **values).id or 0


def test_one_message_per_batch_newest_last_and_nothing_twice(engine: Engine) -> None:
    fake, slack = FakeX(), FakeSlack()
    _watch(engine)
    Worker(engine, [WatchSources(_deps(fake, slack)).polls], now=lambda: NOW).tick()
    assert len(slack.messages) == 1
    message = slack.messages[0]
    assert message["channel"] == "C0COMMS001"
    sections = [b for b in message["blocks"] if b["type"] == "section"]
    assert sections, message
    saves = [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == blocks.SAVE_CONTACT
    ]
    assert saves and all(e["value"].startswith("x:") for e in saves)
    # a later poll asks only for newer posts; the network sends the same ones again: nothing is posted
    Worker(engine, [WatchSources(_deps(fake, slack)).polls], now=lambda: NOW + timedelta(minutes=16)).tick()
    assert fake.requests[-1].url.params["since_id"] == "1276035977375477760"
    assert len(slack.messages) == 1
    # a restarted worker (fresh sources) at the same poll time does not post again either
    Worker(engine, [WatchSources(_deps(fake, slack)).polls], now=lambda: NOW + timedelta(minutes=16)).tick()
    assert len(slack.messages) == 1


def test_rate_limit_pauses_and_resumes_with_the_channel_told_once(engine: Engine) -> None:
    fake, slack = FakeX(), FakeSlack()
    watch_id = _watch(engine)
    fake.rate_limited_until = NOW + timedelta(minutes=10)
    sources = WatchSources(_deps(fake, slack))
    for minute in (0, 1, 5):
        Worker(engine, [sources.polls], now=at(minute)).tick()
    assert [m["text"] for m in slack.messages if "paused" in m["text"]] == [slack.messages[0]["text"]]
    assert "rate limit" in slack.messages[0]["text"]
    fake.rate_limited_until = None
    Worker(engine, [sources.polls], now=lambda: NOW + timedelta(minutes=11)).tick()
    texts = [m["text"] for m in slack.messages]
    assert any("resumed" in text for text in texts) and len(texts) == 3  # paused, resumed, the batch
    with Session(engine) as session:
        watch = session.get(Watch, watch_id)
        assert watch is not None and watch.paused_reason is None


def test_budget_spent_pauses_the_watch(engine: Engine) -> None:
    fake, slack = FakeX(), FakeSlack()
    _watch(engine, cost_budget=0.01)
    Worker(engine, [WatchSources(_deps(fake, slack)).polls], now=lambda: NOW).tick()
    assert not fake.requests
    assert "cost budget" in slack.messages[0]["text"]


def _post(
    pid: str,
    text: str,
    *,
    platform: Platform = "x",
    kind: str = "original",
    of: str | None = None,
    handle: str = "ann",
    minute: int = 0,
) -> NormalizedPost:
    return NormalizedPost(
        platform=platform,
        id=pid,
        author_id=f"id-{handle}",
        author_handle=handle,
        created_at=NOW + timedelta(minutes=minute),
        text=text,
        kind=kind,  # type: ignore[arg-type]
        reposted_post_id=of,
    )


def test_reposts_fold_into_their_original_and_cross_posts_merge() -> None:
    posts = [
        _post("1", "FE maths resources thread", minute=0),
        _post("2", "RT FE maths", kind="repost", of="1", handle="bob", minute=2),
        _post("m1", "FE maths resources thread", platform="mastodon", minute=1),
        _post("3", "Another post", handle="cat", minute=3),
    ]
    shown, remember = fold_batch(posts, set())
    assert [(p.platform, p.id) for p in shown] == [("x", "1"), ("x", "3")]
    assert shown[0].reposted_by == ["bob"] and shown[0].also_on == ["mastodon"]
    again, _ = fold_batch(posts, remember)
    assert again == []


def test_the_team_monthly_budget_pauses_x_watches_until_the_next_month(engine: Engine) -> None:
    fake, slack = FakeX(), FakeSlack()
    watch_id = _watch(engine)
    Worker(engine, [WatchSources(_deps(fake, slack)).polls], now=lambda: NOW).tick()
    with Session(engine) as session:
        billed = session.exec(select(CostEntry).where(CostEntry.job_kind == "watch")).all()
        assert [(row.job_id, row.endpoint) for row in billed] == [  # a new watch's first page is the day's sample
            (f"{watch_id}:2026-11-23", "GET /2/tweets/search/recent"),
            (f"{watch_id}:2026-11-23", "GET /2/tweets/counts/recent"),
        ]
        workspace = session.exec(select(Workspace)).one()
        workspace.settings = {
            "x_monthly_budget": round(sum(row.dollars for row in billed), 6)
        }  # this month's spend reaches it
        session.add(workspace)
        session.commit()
    calls = len(fake.requests)
    Worker(engine, [WatchSources(_deps(fake, slack)).polls], now=lambda: NOW + timedelta(minutes=16)).tick()
    assert len(fake.requests) == calls
    assert "monthly X budget is spent" in slack.messages[-1]["text"]
    assert "2026-12-01 00:00 UTC" in slack.messages[-1]["text"]
    with Session(engine) as session:
        watch = session.get(Watch, watch_id)
        assert watch is not None and watch.paused_reason == "monthly_budget"
        assert watch.paused_until == datetime(2026, 12, 1, tzinfo=UTC)
