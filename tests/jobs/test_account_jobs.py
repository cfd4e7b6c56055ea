"""Daily account snapshots (X replayed from recorded responses) and token problems told to owners once."""

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
from assistant.crypto import TokenCipher
from assistant.jobs.accounts import AccountSources
from assistant.models.accounts import AccountStatus, ConnectedAccount
from assistant.models.digests import AccountSnapshot
from assistant.services.accounts.team_accounts import connect_account
from assistant.worker import Worker
from integrations.x.oauth import TokenSet
from tests.conftest import shared_path

KEY = "test-encryption-key-for-accounts-0123456789abcdef"
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def _pytwitter(name: str) -> dict[str, Any]:
    path = shared_path("fixtures", "x", "example_responses", "pytwitter_testdata", name)
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


class FakeSlack:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:  # noqa: N802 - slack_sdk's name
        self.messages.append(kwargs)
        return {"ok": True}


def _deps(handler: Any, slack: FakeSlack) -> Clients:
    settings = Settings(_env_file=None, x_bearer_token="bearer-SECRET", encryption_key=KEY)
    return Clients(
        settings=settings,
        http=lambda: httpx.Client(transport=httpx.MockTransport(handler)),
        slack=lambda: cast(WebClient, slack),
    )


def _at(minute: int) -> Callable[[], datetime]:
    return lambda: NOW + timedelta(minutes=minute)


def _seed(engine: Engine, settings: Settings, platform: str = "x", account_id: str = "783214") -> int:
    from assistant.services.team.workspaces import ensure_workspace

    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.commit()
        account = connect_account(
            session,
            TokenCipher.from_settings(settings),
            workspace_id=workspace.id or 0,
            platform=platform,
            account_id=account_id,
            handle="@Twitter",
            tokens=TokenSet(access_token="tok-SECRET"),
            actor="U0COMMS001",
            now=NOW,
            instance_url="https://mastodon.example" if platform == "mastodon" else None,
        )
        return account.id or 0


def test_a_snapshot_is_recorded_once_a_day_from_x(engine: Engine) -> None:
    requests: list[httpx.Request] = []

    def x(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.path == "/2/users":
            return httpx.Response(200, json=_pytwitter("users_resp.json"))
        assert request.url.path == "/2/tweets/counts/recent"
        return httpx.Response(200, json=_pytwitter("tweets_counts_recent_resp.json"))

    deps = _deps(x, FakeSlack())
    _seed(engine, deps.settings)
    sources = AccountSources(deps)
    worker = Worker(engine, [sources.snapshots], now=lambda: NOW)
    outcomes = worker.tick()
    assert [o.status for _, o in outcomes] == ["performed"]
    assert worker.tick() == []  # today's is there: nothing due
    assert Worker(engine, [sources.snapshots], now=lambda: NOW + timedelta(hours=1)).tick() == []
    with Session(engine) as session:
        row = session.exec(select(AccountSnapshot)).one()
    assert (row.followers, row.following, row.day) == (58677711, 9, NOW.date())
    assert row.posts == 744364 and row.mentions == 744364
    queries = [r.url.params.get("query") for r in requests if "counts" in r.url.path]
    assert queries == ["from:Twitter", "@Twitter -from:Twitter"]
    # the next day records a new one
    Worker(engine, [sources.snapshots], now=lambda: NOW + timedelta(days=1)).tick()
    with Session(engine) as session:
        assert len(session.exec(select(AccountSnapshot)).all()) == 2


def test_a_revoked_token_is_told_to_the_owners_once(engine: Engine) -> None:
    def mastodon(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "The access token was revoked"})

    slack = FakeSlack()
    deps = _deps(mastodon, slack)
    account_id = _seed(engine, deps.settings, platform="mastodon", account_id="1091")
    sources = AccountSources(deps)
    for minute in range(5):
        Worker(engine, [sources.snapshots, sources.token_problems], now=_at(minute)).tick()
    with Session(engine) as session:
        account = session.get(ConnectedAccount, account_id)
        assert account is not None and account.status == AccountStatus.revoked
        assert account.status_notified_at is not None
    assert [m["channel"] for m in slack.messages] == ["U0COMMS001"]
    assert "revoked" in slack.messages[0]["text"] and "tok-SECRET" not in slack.messages[0]["text"]


def test_x_tokens_are_refreshed_before_expiry_and_a_refused_refresh_is_reported_once(engine: Engine) -> None:
    from assistant.models.credentials import Credential
    from assistant.services.accounts.credentials import load_tokens
    from tests.integrations.x.test_oauth import CLIENT_ID, CLIENT_SECRET, FakeTokenEndpoint

    endpoint = FakeTokenEndpoint()
    endpoint.live_refresh.add("refresh-SECRET-0")
    slack = FakeSlack()
    settings = Settings(
        _env_file=None,
        encryption_key=KEY,
        x_client_id=CLIENT_ID,
        x_client_secret=CLIENT_SECRET,
        public_url="https://outreach.example.org",
    )
    deps = Clients(
        settings=settings,
        http=lambda: httpx.Client(transport=httpx.MockTransport(endpoint)),
        slack=lambda: cast(WebClient, slack),
    )
    cipher = TokenCipher.from_settings(settings)
    from assistant.services.team.workspaces import ensure_workspace

    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.commit()
        account = connect_account(
            session,
            cipher,
            workspace_id=workspace.id or 0,
            platform="x",
            account_id="783214",
            handle="@Twitter",
            tokens=TokenSet(
                access_token="old-SECRET", refresh_token="refresh-SECRET-0", expires_at=NOW + timedelta(minutes=30)
            ),
            actor="U0COMMS001",
            now=NOW,
        )
        credential_id = account.credential_id
    sources = AccountSources(deps)
    assert Worker(engine, [sources.refresh_tokens], now=lambda: NOW).tick() == []  # 30 minutes left: not yet
    outcomes = Worker(engine, [sources.refresh_tokens], now=lambda: NOW + timedelta(minutes=20)).tick()
    assert [o.status for _, o in outcomes] == ["performed"]
    with Session(engine) as session:
        credential = session.get(Credential, credential_id)
        assert credential is not None
        assert load_tokens(cipher, credential).access_token == "access-SECRET-1"
        assert credential.expires_at is not None and credential.expires_at > NOW + timedelta(hours=1)
        credential.expires_at = NOW + timedelta(hours=2, minutes=5)
        credential.refresh_token_encrypted = cipher.encrypt("refresh-SECRET-revoked")  # X no longer knows it
        session.add(credential)
        session.commit()
    for minute in range(120, 123):
        Worker(engine, [sources.refresh_tokens, sources.token_problems], now=_at(minute)).tick()
    with Session(engine) as session:
        stored = session.exec(select(ConnectedAccount)).one()
        assert stored.status == AccountStatus.expired
    assert [m["channel"] for m in slack.messages] == ["U0COMMS001"]
    assert "SECRET" not in slack.messages[0]["text"]
