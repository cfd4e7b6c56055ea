"""Account, keyword and mentions watches on Mastodon and Bluesky: the right endpoints, parameters and tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import parse_qs

import httpx
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.clients import Clients
from assistant.config import Settings
from assistant.crypto import TokenCipher
from assistant.jobs.watches import WatchSources
from assistant.models.watches import Watch
from assistant.services.accounts.team_accounts import connect_account
from assistant.services.team.workspaces import ensure_workspace
from assistant.services.watches.manage import create_watch
from assistant.worker import Worker
from integrations.x.oauth import TokenSet
from tests.integrations.bluesky import fake as bsky
from tests.integrations.bluesky.lexicon import check_params
from tests.integrations.mastodon.replay import load_exchanges

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
KEY = "test-encryption-key-for-watches-0123456789abcdef"
INSTANCE = "https://mastodon.example"
RECORDED_ACCOUNT = "117020565966271181"


def _recorded(path_end: str) -> Any:
    for exchange in load_exchanges("Mastodon.py_test_fetch_next_previous.decoded.json"):
        if exchange["request"]["method"] == "GET" and exchange["request"]["uri"].split("?")[0].endswith(path_end):
            return exchange["body"]
    raise AssertionError(path_end)


class FakeSlack:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:  # noqa: N802 - slack_sdk's name
        self.messages.append(kwargs)
        return {"ok": True, "ts": f"1700000000.{len(self.messages):06d}"}


class FakeMastodon:
    """accounts/lookup, an account's statuses, /api/v2/search and mention notifications, from recorded bodies."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.statuses: list[dict[str, Any]] = _recorded(f"/accounts/{RECORDED_ACCOUNT}/statuses")
        self.account: dict[str, Any] = _recorded("/accounts/verify_credentials")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path, params = request.url.path, request.url.params
        newer = [s for s in self.statuses if not params.get("since_id") or int(s["id"]) > int(params["since_id"])]
        if path == "/api/v1/accounts/lookup":
            assert params["acct"] == "council@mastodon.example"
            return httpx.Response(200, json=self.account)
        if path == f"/api/v1/accounts/{RECORDED_ACCOUNT}/statuses":
            return httpx.Response(200, json=newer)
        if request.headers.get("authorization") != "Bearer masto-SECRET":
            return httpx.Response(401, json={"error": "The access token is invalid"})
        if path == "/api/v2/search":
            assert (params["type"], params["q"]) == ("statuses", "FE funding")
            newer = [s for s in self.statuses if not params.get("min_id") or int(s["id"]) > int(params["min_id"])]
            return httpx.Response(200, json={"accounts": [], "statuses": newer[:2], "hashtags": []})
        if path == "/api/v1/notifications":
            assert params.get_list("types[]") == ["mention"]
            notes = [
                {
                    "id": str(70 + i),
                    "type": "mention",
                    "created_at": s["created_at"],
                    "account": s["account"],
                    "status": s,
                }
                for i, s in enumerate(self.statuses[:3])
            ]
            return httpx.Response(
                200, json=[n for n in notes if not params.get("since_id") or n["id"] > params["since_id"]]
            )
        return httpx.Response(404, json={"error": "Record not found"})


def _deps(handler: Any, slack: FakeSlack, **settings: Any) -> Clients:
    values: dict[str, Any] = dict(_env_file=None, encryption_key=KEY, mastodon_base_url=INSTANCE)
    values.update(settings)
    return Clients(
        settings=Settings(**values),
        http=lambda: httpx.Client(transport=httpx.MockTransport(handler)),
        slack=lambda: cast(WebClient, slack),
    )


def _setup(engine: Engine, deps: Clients, *, kind: str, term: str, network: str, connect: str | None = None) -> int:
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.commit()
        if connect == "mastodon":
            connect_account(
                session,
                TokenCipher.from_settings(deps.settings),
                workspace_id=workspace.id or 0,
                platform="mastodon",
                account_id="1091",
                handle="@council@mastodon.example",
                tokens=TokenSet(access_token="masto-SECRET"),
                actor="U0COMMS001",
                now=NOW,
                instance_url=INSTANCE,
            )
        elif connect == "bluesky":
            connect_account(
                session,
                TokenCipher.from_settings(deps.settings),
                workspace_id=workspace.id or 0,
                platform="bluesky",
                account_id=bsky.DID,
                handle="@" + bsky.HANDLE,
                tokens=TokenSet(access_token=bsky.PASSWORD),
                actor="U0COMMS001",
                now=NOW,
            )
        watch = create_watch(
            session,
            workspace_id=workspace.id or 0,
            channel_id="C0COMMS001",
            kind=kind,
            term=term,
            networks=[network],
            every_minutes=15,
            only=None,
            actor="U0COMMS001",
            now=NOW,
        )
        return watch.id or 0


def _poll(engine: Engine, deps: Clients, minute: int = 0) -> None:
    Worker(engine, [WatchSources(deps).polls], now=lambda: NOW + timedelta(minutes=minute)).tick()


def _posted_ids(slack: FakeSlack) -> list[str]:
    return [
        e["value"]
        for m in slack.messages
        for b in m.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "watch_open"
    ]


def test_mastodon_account_watch_looks_the_account_up_once_then_reads_its_new_statuses(engine: Engine) -> None:
    fake, slack = FakeMastodon(), FakeSlack()
    deps = _deps(fake, slack)
    watch_id = _setup(engine, deps, kind="account", term="council@mastodon.example", network="mastodon")
    _poll(engine, deps)
    assert len(slack.messages) == 1 and len(_posted_ids(slack)) == len(fake.statuses)
    _poll(engine, deps, 16)
    lookups = [r for r in fake.requests if r.url.path.endswith("/lookup")]
    assert len(lookups) == 1
    newest = max(s["id"] for s in fake.statuses)
    assert fake.requests[-1].url.params["since_id"] == newest
    assert len(slack.messages) == 1
    with Session(engine) as session:
        watch = session.get(Watch, watch_id)
        assert watch is not None and watch.since_ids["mastodon:account_id"] == RECORDED_ACCOUNT


def test_mastodon_keyword_watch_searches_with_the_connected_accounts_token(engine: Engine) -> None:
    fake, slack = FakeMastodon(), FakeSlack()
    deps = _deps(fake, slack, mastodon_base_url="https://other.example")
    _setup(engine, deps, kind="keyword", term="FE funding", network="mastodon", connect="mastodon")
    _poll(engine, deps)
    searches = [r for r in fake.requests if r.url.path == "/api/v2/search"]
    assert searches and searches[0].url.host == "mastodon.example"
    assert searches[0].headers["authorization"] == "Bearer masto-SECRET"
    assert len(_posted_ids(slack)) == 2
    _poll(engine, deps, 16)
    assert "min_id" in fake.requests[-1].url.params


def test_mastodon_mentions_watch_reads_the_accounts_mention_notifications(engine: Engine) -> None:
    fake, slack = FakeMastodon(), FakeSlack()
    deps = _deps(fake, slack)
    _setup(engine, deps, kind="mentions", term="our accounts", network="mastodon", connect="mastodon")
    _poll(engine, deps)
    assert sorted(_posted_ids(slack)) == sorted(s["id"] for s in fake.statuses[:3])
    _poll(engine, deps, 16)
    notifications = [r for r in fake.requests if r.url.path == "/api/v1/notifications"]
    assert notifications[-1].url.params["since_id"] == "72"
    assert len(slack.messages) == 1


class FakeBlueskySearch(bsky.FakeBluesky):
    """The Bluesky fake, checking every searchPosts call against the lexicon and keeping its parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.searches: list[dict[str, list[str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("app.bsky.feed.searchPosts"):
            params = parse_qs(request.url.query.decode())
            check_params("app.bsky.feed.searchPosts", params)
            self.searches.append(params)
        return super().__call__(request)


def _bluesky(engine: Engine, kind: str, term: str) -> dict[str, list[str]]:
    fake, slack = FakeBlueskySearch(), FakeSlack()
    deps = _deps(
        fake,
        slack,
        bluesky_handle=bsky.HANDLE,
        bluesky_app_password=bsky.PASSWORD,
        bluesky_api_url="https://bsky.example/xrpc",
    )
    _setup(engine, deps, kind=kind, term=term, network="bluesky", connect="bluesky")
    _poll(engine, deps)
    assert fake.searches and slack.messages
    return fake.searches[0]


def test_bluesky_account_watch_searches_by_author(engine: Engine) -> None:
    params = _bluesky(engine, "account", "@partner.bsky.social")
    assert params["author"] == ["partner.bsky.social"] and "mentions" not in params


def test_bluesky_keyword_watch_searches_the_phrase(engine: Engine) -> None:
    params = _bluesky(engine, "keyword", "FE funding")
    assert params["q"] == ['"FE funding"']


def test_bluesky_mentions_watch_filters_on_the_connected_account(engine: Engine) -> None:
    params = _bluesky(engine, "mentions", "our accounts")
    assert params["mentions"] == [bsky.HANDLE]
