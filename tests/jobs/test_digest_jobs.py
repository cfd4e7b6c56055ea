"""The digest worker: collect (X replayed from twarc2 fixtures), make, post and upload once; rate limits make it late."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.clients import Clients
from assistant.config import Settings
from assistant.jobs.digests import DigestJobs
from assistant.models import Digest, DigestJob, DigestJobState, OutboxItem
from assistant.services.costs import figures as cost_figures
from assistant.services.digests import records as service
from assistant.services.team.workspaces import ensure_workspace
from assistant.standins.slack import SlackStandIn
from assistant.worker import Worker
from tests.chat_shapes import raw_chat
from tests.conftest import shared_path

BOT = "xoxb-test-bot-token-0001"
START = datetime(2021, 6, 26, 0, 0, tzinfo=UTC)
END = datetime(2021, 6, 26, 20, 0, tzinfo=UTC)
NOW = END + timedelta(minutes=15)


def _pages() -> list[dict[str, Any]]:
    path = shared_path("fixtures", "twarc2", "twarc-network_tweets.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


class ReplayX:
    """Answers search requests with the recorded twarc2 pages (paged by next_token), 429 when told to."""

    def __init__(self, rate_limited: int = 0) -> None:
        self.pages = _pages()
        self.queries: list[str] = []
        self.paths: list[str] = []
        self.rate_limited = rate_limited

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer bearer-SECRET"
        query = request.url.params["query"]
        self.queries.append(query)
        self.paths.append(request.url.path)
        if self.rate_limited:
            self.rate_limited -= 1
            reset = int((NOW + timedelta(minutes=15)).timestamp())
            return httpx.Response(
                429,
                headers={"x-rate-limit-reset": str(reset)},
                json={"title": "Too Many Requests", "type": "about:blank", "status": 429},
            )
        if request.url.path.startswith("/2/tweets/counts/"):  # X's count of the window, from the same recording
            start, end = (_when(request.url.params[name]) for name in ("start_time", "end_time"))
            return httpx.Response(200, json={"data": [], "meta": {"total_tweet_count": len(_tagged(start, end))}})
        if "conversation_id:" in query:
            return httpx.Response(200, json={"meta": {"result_count": 0}})
        index = int(request.url.params.get("next_token", "0"))
        page = {k: v for k, v in self.pages[index].items() if k != "__twarc"}
        meta = {**page.get("meta", {})}
        meta.pop("next_token", None)
        if index + 1 < len(self.pages):
            meta["next_token"] = str(index + 1)
        return httpx.Response(200, json={**page, "meta": meta})


def _deps(slack: SlackStandIn, x: ReplayX | None, **overrides: Any) -> Clients:
    values: dict[str, Any] = {"x_bearer_token": "bearer-SECRET" if x else None, "slack_api_url": slack.base_url}
    values.update(overrides)
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    transport = httpx.MockTransport(x or (lambda request: httpx.Response(500)))
    return Clients(
        settings=settings,
        http=lambda: httpx.Client(transport=transport),
        slack=lambda: WebClient(token=BOT, base_url=slack.base_url),
    )


def _request(engine: Engine) -> int:
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0TEST0001", timezone="America/New_York")
        session.commit()
        job = service.request_digest(
            session,
            workspace_id=workspace.id or 0,
            hashtag="#BlackLivesMatter",
            start=START,
            end=END,
            channel_id="C0COMMS001",
            chat_occurrence_id=42,
            due_at=END + timedelta(minutes=15),
        )
        session.commit()
        return job.id or 0


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _recorded_posts() -> dict[str, dict[str, Any]]:
    posts: dict[str, dict[str, Any]] = {}
    for page in _pages():
        for post in [*page["data"], *page.get("includes", {}).get("tweets", [])]:
            posts.setdefault(post["id"], post)
    return posts


def _tagged(start: datetime, end: datetime) -> dict[str, dict[str, Any]]:
    return {
        i: p
        for i, p in _recorded_posts().items()
        if "blacklivesmatter" in {h["tag"].lower() for h in (p.get("entities") or {}).get("hashtags", [])}
        and start <= _when(p["created_at"]) < end
    }


def _expected_posts() -> int:
    return len(raw_chat(_recorded_posts(), "blacklivesmatter", START, END))


def test_a_due_chat_gets_its_digest_once(engine: Engine, slack: SlackStandIn) -> None:
    job_id = _request(engine)
    x = ReplayX()
    worker = Worker(engine, [DigestJobs(_deps(slack, x))], now=lambda: NOW)
    assert Worker(engine, [DigestJobs(_deps(slack, x))], now=lambda: NOW - timedelta(minutes=1)).tick() == []
    keys = [key for key, outcome in worker.tick() if outcome.done]  # one pass: each step chains to the next
    assert keys == [f"digest:{job_id}:{step}" for step in ("budget", "collect", "make", "post", "files")]
    assert x.queries[0] == "#BlackLivesMatter" or "blacklivesmatter" in x.queries[0].lower()
    assert any("conversation_id:" in q for q in x.queries)  # threads followed

    posted = slack.calls_to("chat.postMessage")
    assert len(posted) == 1
    blocks = (
        json.loads(posted[0].args["blocks"]) if isinstance(posted[0].args["blocks"], str) else posted[0].args["blocks"]
    )
    assert blocks[0]["text"]["text"] == "Digest of #BlackLivesMatter"
    assert len(slack.calls_to("files.completeUploadExternal")) == 1
    assert sorted(f["filename"] for f in slack.files.values()) == [
        "BlackLivesMatter-archive.html",
        "BlackLivesMatter-timeline.png",
    ]
    with Session(engine) as session:
        job = session.get(DigestJob, job_id)
        assert job is not None and job.state == DigestJobState.done
        digest = session.exec(select(Digest)).one()
        assert digest.posts == _expected_posts() and digest.chat_occurrence_id == 42
        assert digest.figures["window"]["timezone"] == "America/New_York"

    assert worker.tick() == []  # nothing more: the digest went out once
    assert len(slack.calls_to("chat.postMessage")) == 1
    # X's count came first (no items billed) and was kept as the estimate; the ledger holds the bill beside it
    assert x.paths[0] == "/2/tweets/counts/recent"
    with Session(engine) as session:
        against = cost_figures.compared(session, job_kind="digest", job_id=job_id)
    assert against is not None and against.estimate.posts == len(_tagged(START, END)) > 0
    assert against.actual.posts >= against.estimate.posts  # the threads bring replies without the hashtag


def test_http_mode_links_to_the_archive_instead_of_uploading_it(engine: Engine, slack: SlackStandIn) -> None:
    _request(engine)
    worker = Worker(engine, [DigestJobs(_deps(slack, None, public_url="https://outreach.example"))], now=lambda: NOW)
    for _ in range(5):
        worker.tick()
    args = slack.calls_to("chat.postMessage")[0].args
    blocks = json.loads(args["blocks"]) if isinstance(args["blocks"], str) else args["blocks"]
    buttons = blocks[-1]["elements"]
    with Session(engine) as session:
        token = session.exec(select(Digest)).one().token
    assert buttons[0]["url"] == f"https://outreach.example/archive/{token}"
    assert [b["action_id"] for b in buttons][-1] == "digest_save_participants"
    assert [f["filename"] for f in slack.files.values()] == []  # empty chat from the store: no chart, no upload
    assert "No posts with #BlackLivesMatter" in json.dumps(blocks)


def test_rate_limit_retries_after_the_reset_and_says_the_digest_is_late(engine: Engine, slack: SlackStandIn) -> None:
    job_id = _request(engine)
    x = ReplayX(rate_limited=1)
    clock = {"now": NOW}
    worker = Worker(engine, [DigestJobs(_deps(slack, x))], now=lambda: clock["now"])
    ((key, outcome),) = worker.tick()
    assert key == f"digest:{job_id}:budget" and outcome.status == "waiting"  # X's count comes first
    late = [c.args["text"] for c in slack.calls_to("chat.postMessage")]
    assert len(late) == 1 and "late" in late[0] and "16:30 EDT" in late[0]  # reset 20:30 UTC, in the team zone
    assert [o.status for _k, o in worker.tick()] == ["waiting"]  # before the reset: left alone
    clock["now"] = NOW + timedelta(minutes=16)
    for _ in range(5):
        worker.tick()
    with Session(engine) as session:
        assert session.get(DigestJob, job_id).state == DigestJobState.done  # type: ignore[union-attr]
        assert session.exec(select(OutboxItem).where(OutboxItem.key == f"digest:{job_id}:late")).one().state == "done"
    texts = [c.args.get("text", "") for c in slack.calls_to("chat.postMessage")]
    assert len(texts) == 2 and sum("late" in t for t in texts) == 1


def _yammer_team(engine: Engine, settings: Settings, *, crosspost: bool) -> None:
    """The test team's Yammer cross-posting setting and its connected Yammer account."""
    from assistant.crypto import TokenCipher
    from assistant.models import Workspace
    from assistant.services.accounts.team_accounts import connect_account
    from integrations.x.oauth import TokenSet

    with Session(engine) as session:
        workspace = session.exec(select(Workspace)).one()
        workspace.settings = {"yammer_crosspost": crosspost, "yammer_group_id": "4242"}
        session.add(workspace)
        connect_account(
            session,
            TokenCipher.from_settings(settings),
            workspace_id=workspace.id or 0,
            platform="yammer",
            account_id="1488374236",
            handle="Comms Team",
            tokens=TokenSet(access_token="yammer-SECRET"),
            actor="U0ADMIN001",
            now=NOW,
        )
        session.commit()


@pytest.mark.parametrize("crosspost", [True, False])
def test_the_digest_is_cross_posted_to_the_yammer_group_once_when_the_team_turned_it_on(
    engine: Engine, slack: SlackStandIn, crosspost: bool
) -> None:
    from urllib.parse import parse_qs

    posted: list[dict[str, str]] = []

    def yammer(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "yammer.test" and request.url.path == "/api/v1/messages.json"
        assert request.headers["authorization"] == "Bearer yammer-SECRET"
        posted.append({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
        return httpx.Response(201, json={"messages": [{"id": 900000001, "body": {"plain": "ok"}}]})

    deps = _deps(
        slack,
        None,
        public_url="https://outreach.example",
        yammer_api_url="https://yammer.test/api/v1",
        encryption_key="test-encryption-key-for-accounts-0123456789abcdef",
    )
    deps = Clients(
        settings=deps.settings, http=lambda: httpx.Client(transport=httpx.MockTransport(yammer)), slack=deps.slack
    )
    _request(engine)
    _yammer_team(engine, deps.settings, crosspost=crosspost)
    worker = Worker(engine, [DigestJobs(deps)], now=lambda: NOW)
    for _ in range(6):
        worker.tick()
    assert len(slack.calls_to("chat.postMessage")) == 1
    if not crosspost:
        assert posted == []
        return
    with Session(engine) as session:
        digest = session.exec(select(Digest)).one()
        keys = {row.key for row in session.exec(select(OutboxItem))}
    assert len(posted) == 1 and posted[0]["group_id"] == "4242"
    assert posted[0]["body"] == (
        f"Digest of #BlackLivesMatter: {digest.posts} posts from {digest.participants} people\n\n"
        f"https://outreach.example/archive/{digest.token}"
    )
    assert f"digest:{digest.id}:yammer-crosspost" in keys


def _failure_texts(slack: SlackStandIn) -> list[str]:
    return [c.args.get("text", "") for c in slack.calls_to("chat.postMessage") if "could not be made" in c.args["text"]]


def test_a_digest_that_gives_up_tells_the_channel_once_how_to_retry(engine: Engine, slack: SlackStandIn) -> None:
    job_id = _request(engine)
    rejected = lambda request: httpx.Response(401, json={"title": "Unauthorized", "status": 401})  # noqa: E731
    worker = Worker(engine, [DigestJobs(_deps(slack, rejected))], now=lambda: NOW)  # type: ignore[arg-type]
    ((key, outcome),) = worker.tick()
    assert key == f"digest:{job_id}:budget" and outcome.status == "dead"  # an auth error: no point retrying
    ((key, outcome),) = worker.tick()
    assert key == f"digest:{job_id}:failed" and outcome.status == "performed"
    for _ in range(3):
        assert worker.tick() == []
    (text,) = _failure_texts(slack)
    assert text.startswith("The digest of #BlackLivesMatter on Fri 25 Jun 2021 could not be made: the budget step")
    assert "X refused the request" in text
    # the window in the team's zone (America/New_York), ready to paste
    assert text.endswith(
        "comms can retry with `/outreach digest #BlackLivesMatter --from 2021-06-25T20:00 --to 2021-06-26T16:00`."
    )
    assert len(slack.calls_to("chat.postMessage")) == 1
    with Session(engine) as session:
        job = session.get(DigestJob, job_id)
        assert job is not None and job.state == DigestJobState.failed and "budget" in (job.last_error or "")


def test_a_digest_whose_retries_run_out_tells_the_channel_once(engine: Engine, slack: SlackStandIn) -> None:
    from assistant.worker import MAX_ATTEMPTS

    job_id = _request(engine)
    clock = {"now": NOW}
    broken = lambda request: httpx.Response(400, json={"title": "Invalid Request"})  # noqa: E731
    worker = Worker(engine, [DigestJobs(_deps(slack, broken))], now=lambda: clock["now"])  # type: ignore[arg-type]
    statuses = []
    for _ in range(MAX_ATTEMPTS + 3):
        statuses += [outcome.status for _key, outcome in worker.tick()]
        clock["now"] += timedelta(hours=2)  # past every backoff
    # the worker's last attempt marks the step dead; the next pass tells the channel, and nothing more runs
    assert statuses == ["failed"] * (MAX_ATTEMPTS - 1) + ["performed"]
    (text,) = _failure_texts(slack)
    assert "could not be made: the budget step failed" in text and "/outreach digest #BlackLivesMatter" in text
    assert not any("late" in c.args.get("text", "") for c in slack.calls_to("chat.postMessage"))
    with Session(engine) as session:
        assert session.get(DigestJob, job_id).state == DigestJobState.failed  # type: ignore[union-attr]
        budget = session.exec(select(OutboxItem).where(OutboxItem.key == f"digest:{job_id}:budget")).one()
        assert budget.state == "dead"  # X's count is the first call


def test_a_failure_notice_escapes_the_reason() -> None:
    from assistant.slack.blocks.digests import failure_notice

    text = failure_notice("edchat", START, END, "UTC", "bad <!channel> & <@U123>")
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text
