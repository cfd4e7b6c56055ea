"""A multi-workspace install: every worker job that posts to Slack uses the bot token of the row's own workspace."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from assistant.clients import Clients
from assistant.config import load_settings
from assistant.crypto import TokenCipher
from assistant.jobs.accounts import AccountSources
from assistant.jobs.contacts import ShoutoutReplies
from assistant.jobs.digests import DigestJobs
from assistant.jobs.mapping import MappingJobs
from assistant.jobs.watches import WatchSources
from assistant.jobs.weekly import WeeklyDigests
from assistant.models import OutboxItem
from assistant.models.accounts import AccountStatus
from assistant.models.base import require_id
from assistant.models.workspaces import Workspace
from assistant.services.accounts.team_accounts import connect_account, mark_token_problem
from assistant.services.digests import records as digests
from assistant.services.mapping import requests as mapping_requests
from assistant.services.team.workspaces import ensure_workspace
from assistant.services.watches.manage import create_watch
from assistant.services.yammer import shoutouts
from assistant.worker import Worker
from integrations.x.oauth import TokenSet
from integrations.yammer.client import YammerClient
from tests.conftest import shared_path
from tests.fakes.yammer import BASE_URL, GROUP_ID, TOKEN, FakeYammer
from tests.jobs.conftest import TOKENS, TwoWorkspaces

NOW = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)  # a Monday, just after the default weekly slot (09:00 London)
DEMO, OTHER = TOKENS["T0DEMO0001"], TOKENS["T0OTHER001"]


def test_token_problems_are_told_to_the_owners_with_their_workspace_token(two_workspaces: TwoWorkspaces) -> None:
    w = two_workspaces
    with Session(w.engine) as session:
        for workspace_id, owner in ((w.demo, "U0DEMOOWN1"), (w.other, "U0OTHEROWN")):
            account = connect_account(
                session,
                TokenCipher.from_settings(w.settings),
                workspace_id=workspace_id,
                platform="mastodon",
                account_id=f"10{workspace_id}",
                handle=f"@team{workspace_id}@mastodon.example",
                tokens=TokenSet(access_token="masto-SECRET"),
                actor=owner,
                now=NOW,
                instance_url="https://mastodon.example",
            )
            account.owner_group_id = "S0COMMS001" if workspace_id == w.other else None
            mark_token_problem(session, account=account, status=AccountStatus.revoked, reason="401", now=NOW)
        session.commit()
    Worker(w.engine, [AccountSources(w.deps).token_problems], now=lambda: NOW).tick()
    assert w.tokens() == {"U0DEMOOWN1": DEMO, "U0OTHEROWN": OTHER, "U0COMMS001": OTHER, "U0ADMIN001": OTHER}
    assert w.tokens("usergroups.users.list", "usergroup") == {"S0COMMS001": OTHER}


def _search_page(request: httpx.Request) -> httpx.Response:
    path = shared_path("fixtures", "x", "example_responses", "pytwitter_testdata", "search_tweets_query.json")
    return httpx.Response(200, json=json.loads(path.read_text(encoding="utf-8")))


def test_watch_batches_and_pause_notices_go_out_with_their_workspace_token(two_workspaces: TwoWorkspaces) -> None:
    w = two_workspaces
    deps = dataclasses.replace(w.deps, http=lambda: httpx.Client(transport=httpx.MockTransport(_search_page)))
    with Session(w.engine) as session:
        for workspace_id, channel, budget in ((w.other, "C0OTHER001", 5.0), (w.demo, "C0DEMO0001", 0.0)):
            create_watch(
                session,
                workspace_id=workspace_id,
                channel_id=channel,
                kind="hashtag",
                term="snowman",
                networks=["x"],
                every_minutes=15,
                only=None,
                actor="U0COMMS001",
                now=NOW,
                cost_budget=budget,
            )
    Worker(w.engine, [WatchSources(deps).polls], now=lambda: NOW).tick()
    posted = {c.args["channel"]: (c.token, c.args["text"]) for c in w.slack.calls_to("chat.postMessage")}
    assert posted["C0OTHER001"][0] == OTHER and "new post(s)" in posted["C0OTHER001"][1]  # the batch
    assert posted["C0DEMO0001"][0] == DEMO and "paused" in posted["C0DEMO0001"][1]  # the budget notice


def test_weekly_digests_go_out_with_their_workspace_token(two_workspaces: TwoWorkspaces) -> None:
    w = two_workspaces
    channels = {"T0DEMO0001": "C0DIGESTDE", "T0OTHER001": "C0DIGESTOT"}
    with Session(w.engine) as session:
        for workspace in session.exec(select(Workspace)):
            workspace.digest_channel_id = channels[workspace.slack_team_id]
            session.add(workspace)
        session.commit()
    outcomes = Worker(w.engine, [WeeklyDigests(w.deps)], now=lambda: NOW).tick()
    assert [o.status for _key, o in outcomes] == ["performed", "performed"]
    assert w.tokens() == {"C0DIGESTDE": DEMO, "C0DIGESTOT": OTHER}


def _x_search(request: httpx.Request) -> httpx.Response:
    """X refuses the search of #brokenchat (an auth error: the step gives up); #quietchat has no posts."""
    if "brokenchat" in request.url.params.get("query", "").lower():
        return httpx.Response(401, json={"title": "Unauthorized", "status": 401})
    return httpx.Response(200, json={"meta": {"result_count": 0}})


def test_digests_and_failure_notices_go_out_with_their_workspace_token(two_workspaces: TwoWorkspaces) -> None:
    w = two_workspaces
    deps = dataclasses.replace(w.deps, http=lambda: httpx.Client(transport=httpx.MockTransport(_x_search)))
    with Session(w.engine) as session:
        for workspace_id, hashtag, channel in (
            (w.other, "#quietchat", "C0OTHER001"),
            (w.demo, "#brokenchat", "C0DEMO0001"),
        ):
            digests.request_digest(
                session,
                workspace_id=workspace_id,
                hashtag=hashtag,
                start=NOW - timedelta(hours=2),
                end=NOW - timedelta(hours=1),
                channel_id=channel,
                due_at=NOW - timedelta(minutes=30),
            )
        session.commit()
    worker = Worker(w.engine, [DigestJobs(deps)], now=lambda: NOW)
    for _ in range(6):
        worker.tick()
    posted = {c.args["channel"]: (c.token, c.args["text"]) for c in w.slack.calls_to("chat.postMessage")}
    assert posted["C0OTHER001"] == (OTHER, "Digest of #quietchat: 0 posts from 0 people")  # the digest
    assert posted["C0DEMO0001"][0] == DEMO and "could not be made" in posted["C0DEMO0001"][1]  # the notice
    assert w.tokens("files.completeUploadExternal", "channel_id") == {"C0OTHER001": OTHER}  # the archive upload


def test_shoutout_replies_go_into_their_thread_with_their_workspace_token(two_workspaces: TwoWorkspaces) -> None:
    w = two_workspaces
    fake = FakeYammer()
    settings = w.settings.model_copy(update={"yammer_api_url": BASE_URL, "yammer_access_token": SecretStr(TOKEN)})
    deps = dataclasses.replace(w.deps, settings=settings, http=fake.client)
    yammer = YammerClient(fake.client(), token=TOKEN, base_url=BASE_URL)
    started = []
    with Session(w.engine, expire_on_commit=False) as session:
        for workspace_id, channel in ((w.demo, "C0DEMO0001"), (w.other, "C0OTHER001")):
            started.append(
                shoutouts.start_shoutout(
                    session,
                    yammer,
                    workspace_id=workspace_id,
                    requested_by="U0STAFF001",
                    question="Who knows FE maths leads?",
                    group_id=GROUP_ID,
                    slack_channel_id=channel,
                    slack_ts="1700000000.000001",
                    now=NOW,
                )
            )
        session.commit()
    for shoutout in started:
        fake.add_reply(shoutout.thread_id, "Ask Jo at jo.lead@college.example.org")
    later = max(shoutout.next_poll_at for shoutout in started) + timedelta(seconds=1)
    outcomes = Worker(w.engine, [ShoutoutReplies(deps)], now=lambda: later).tick()
    assert [o.status for _key, o in outcomes] == ["performed", "performed"]
    threaded = {c.args["channel"]: c.token for c in w.slack.calls_to("chat.postMessage") if c.args.get("thread_ts")}
    assert threaded == {"C0DEMO0001": DEMO, "C0OTHER001": OTHER}


def test_mapping_progress_and_delivery_go_out_with_the_requesting_workspace_token(
    two_workspaces: TwoWorkspaces,
) -> None:
    w = two_workspaces
    jobs = MappingJobs(w.deps)
    with Session(w.engine) as session:
        request = mapping_requests.create(
            session,
            workspace_id=require_id(ensure_workspace(session, slack_team_id="T0OTHER001")),
            requester_id="U0OTHER001",
            data=mapping_requests.RequestInput(title="FE", seeds=("fe_news",), hashtags=("ukfechat",)),
        )
        request.card_channel, request.card_ts = "C0OTHER001", "1700000000.000009"
        session.add(request)
        session.commit()
        request_id = request.id or 0
    jobs.progress(w.engine, request_id, 3, 10, "")
    jobs.upload_picture_to_requester(jobs.slack(request.workspace_id, w.engine), request, b"\x89PNG")
    assert w.tokens() == {"C0OTHER001": OTHER}
    assert w.tokens("conversations.open", "users") == {"U0OTHER001": OTHER}


def test_a_workspace_without_an_installation_is_given_up_not_retried(two_workspaces: TwoWorkspaces) -> None:
    w = two_workspaces
    with Session(w.engine) as session:
        workspace = Workspace(slack_team_id="T0NOINSTAL", digest_channel_id="C0NOINSTAL")
        session.add(workspace)
        session.commit()
        lost = workspace.id
    outcomes = dict(Worker(w.engine, [WeeklyDigests(w.deps)], now=lambda: NOW).tick())
    assert "C0NOINSTAL" not in w.tokens()
    with Session(w.engine) as session:
        states = {row.key: row.state for row in session.exec(select(OutboxItem))}
    assert [states[key] for key in outcomes if key.startswith(f"weekly:{lost}:")] == ["dead"]


def test_a_source_built_from_the_environment_runs_with_slack_client_id_alone(
    two_workspaces: TwoWorkspaces, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the worker builds it (Clients from the environment's Settings and the worker's engine): SLACK_CLIENT_ID,
    no SLACK_BOT_TOKEN."""
    w = two_workspaces
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("SLACK_CLIENT_ID", w.settings.slack_client_id or "")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "secret")
    monkeypatch.setenv("SLACK_API_URL", w.slack.base_url)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///does-not-exist/never-opened.db")  # the worker's engine is used
    with Session(w.engine) as session:
        workspace = session.exec(select(Workspace).where(Workspace.slack_team_id == "T0OTHER001")).one()
        workspace.digest_channel_id = "C0OTHER001"
        session.add(workspace)
        session.commit()
    clients = Clients.from_settings(load_settings(), w.engine)
    outcomes = Worker(w.engine, [WeeklyDigests(clients)], now=lambda: NOW).tick()
    assert [o.status for _key, o in outcomes] == ["performed"]
    assert w.tokens() == {"C0OTHER001": OTHER}
