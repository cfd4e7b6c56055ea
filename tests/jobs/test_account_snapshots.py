"""Daily snapshots of Mastodon and Bluesky accounts: posts and mentions of the last day, paged, with the account's token."""

from __future__ import annotations

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
from assistant.models.credentials import Credential
from assistant.models.digests import AccountSnapshot
from assistant.services.accounts.credentials import load_tokens
from assistant.services.accounts.team_accounts import connect_account
from assistant.services.team.workspaces import ensure_workspace
from assistant.worker import Worker
from integrations.bluesky.client import BlueskyClient
from integrations.x.oauth import TokenSet
from tests.integrations.bluesky import fake as bsky
from tests.integrations.bluesky.lexicon import conform
from tests.integrations.mastodon.replay import load_exchanges

KEY = "test-encryption-key-for-accounts-0123456789abcdef"
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
INSTANCE = "https://mastodon.example"


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _recorded_status() -> dict[str, Any]:
    """A real status from the recorded Mastodon exchanges, to re-date."""
    for exchange in load_exchanges("Mastodon.py_test_hashtag_tl.decoded.json"):
        body = exchange["body"]
        if isinstance(body, list) and body:
            return dict(body[0])
        if isinstance(body, dict) and "account" in body:
            return dict(body)
    raise AssertionError("no recorded status")


def _deps(handler: Any) -> Clients:
    settings = Settings(_env_file=None, encryption_key=KEY, bluesky_api_url="https://bsky.example/xrpc")
    return Clients(
        settings=settings,
        http=lambda: httpx.Client(transport=httpx.MockTransport(handler)),
        slack=lambda: cast(WebClient, None),
    )


def _seed(engine: Engine, settings: Settings, platform: str, account_id: str, handle: str, token: str) -> None:
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.commit()
        connect_account(
            session,
            TokenCipher.from_settings(settings),
            workspace_id=workspace.id or 0,
            platform=platform,
            account_id=account_id,
            handle=handle,
            tokens=TokenSet(access_token=token),
            actor="U0COMMS001",
            now=NOW,
            instance_url=INSTANCE if platform == "mastodon" else settings.bluesky_api_url,
        )


def _snapshot(engine: Engine, deps: Clients) -> AccountSnapshot:
    outcomes = Worker(engine, [AccountSources(deps).snapshots], now=lambda: NOW).tick()
    assert [o.status for _, o in outcomes] == ["performed"], outcomes
    with Session(engine) as session:
        return session.exec(select(AccountSnapshot)).one()


class FakeMastodon:
    """verify_credentials, the account's statuses (two pages) and mention notifications (two pages)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        base = _recorded_status()
        hours = [1, 3, 5, 20, 23, 26, 30]  # hours ago: five in the last day, then older ones
        self.statuses = [
            {**base, "id": str(900 - i), "created_at": _iso(NOW - timedelta(hours=h)), "reblog": None}
            for i, h in enumerate(hours)
        ]
        self.statuses[1]["reblog"] = dict(base)  # a boost is not a post of ours
        self.mentions = [
            {"id": str(500 - i), "type": "mention", "created_at": _iso(NOW - timedelta(hours=h)), "status": base}
            for i, h in enumerate([2, 4, 22, 25])
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("authorization") != "Bearer masto-SECRET":
            return httpx.Response(401, json={"error": "The access token is invalid"})
        path, params = request.url.path, request.url.params
        if path == "/api/v1/accounts/verify_credentials":
            return httpx.Response(
                200, json={"id": "1091", "username": "council", "followers_count": 120, "following_count": 8}
            )
        if path == "/api/v1/accounts/1091/statuses":
            return self._page(request, self.statuses, params.get("max_id"))
        if path == "/api/v1/notifications":
            assert params.get_list("types[]") == ["mention"]
            return self._page(request, self.mentions, params.get("max_id"))
        return httpx.Response(404, json={"error": "Record not found"})

    def _page(self, request: httpx.Request, rows: list[dict[str, Any]], max_id: str | None) -> httpx.Response:
        start = next((i + 1 for i, row in enumerate(rows) if row["id"] == max_id), 0) if max_id else 0
        page = rows[start : start + 3]
        headers = {}
        if start + 3 < len(rows):
            headers["Link"] = f'<{request.url.copy_set_param("max_id", page[-1]["id"])}>; rel="next"'
        return httpx.Response(200, json=page, headers=headers)


def test_mastodon_snapshot_counts_own_posts_and_mentions_of_the_last_day(engine: Engine) -> None:
    fake = FakeMastodon()
    deps = _deps(fake)
    _seed(engine, deps.settings, "mastodon", "1091", "@council@mastodon.example", "masto-SECRET")
    row = _snapshot(engine, deps)
    assert (row.followers, row.following) == (120, 8)
    assert row.posts == 4  # five statuses in 24 hours, one of them a boost
    assert row.mentions == 3
    statuses = [r for r in fake.requests if r.url.path.endswith("/statuses")]
    assert len(statuses) == 2  # paged through Link rel="next", stopped at the first older status
    assert all(r.headers["authorization"] == "Bearer masto-SECRET" for r in fake.requests)


class FakeBlueskyAccount:
    """The Bluesky fake's sessions plus getProfile, getAuthorFeed and listNotifications, paged by cursor."""

    def __init__(self) -> None:
        self.service = bsky.FakeBluesky()
        self.calls: list[tuple[str, dict[str, list[str]]]] = []
        view = bsky.wire_post_views()[0]
        me = {**view["author"], "did": bsky.DID, "handle": bsky.HANDLE}
        other = view["author"]

        def post(hours: float, author: dict[str, Any]) -> dict[str, Any]:
            created = _iso(NOW - timedelta(hours=hours))
            return {**view, "author": author, "record": {**view["record"], "createdAt": created}, "indexedAt": created}

        repost = {"$type": "app.bsky.feed.defs#reasonRepost", "by": me, "indexedAt": _iso(NOW - timedelta(hours=2))}
        pin = {"$type": "app.bsky.feed.defs#reasonPin"}
        self.feed = [
            {"post": post(200, me), "reason": pin},
            {"post": post(1, me)},
            {"post": post(6, other), "reason": repost},
            {"post": post(9, me)},
            {"post": post(23, me)},
            {"post": post(30, me)},
        ]
        reasons = [("mention", 1), ("like", 2), ("mention", 5), ("reply", 7), ("mention", 26)]
        self.notifications = [
            {
                "uri": view["uri"],
                "cid": view["cid"],
                "author": other,
                "reason": reason,
                "record": view["record"],
                "isRead": False,
                "indexedAt": _iso(NOW - timedelta(hours=hours)),
            }
            for reason, hours in reasons
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.rsplit("/", 1)[-1]
        if nsid.startswith("com.atproto.server."):
            return self.service(request)
        if request.headers.get("authorization") != f"Bearer {self.service.access}":
            return httpx.Response(401, json={"error": "AuthenticationRequired"})
        from urllib.parse import parse_qs

        params = parse_qs(request.url.query.decode())
        self.calls.append((nsid, params))
        if nsid == "app.bsky.actor.getProfile":
            return httpx.Response(
                200, json={"did": bsky.DID, "handle": bsky.HANDLE, "followersCount": 77, "followsCount": 5}
            )
        rows, key = (
            (self.feed, "feed") if nsid == "app.bsky.feed.getAuthorFeed" else (self.notifications, "notifications")
        )
        start = int(params.get("cursor", ["0"])[0])
        body: dict[str, Any] = {key: rows[start : start + 2]}
        if start + 2 < len(rows):
            body["cursor"] = str(start + 2)
        return httpx.Response(200, json=body)


def test_bluesky_snapshot_counts_own_posts_and_mentions_of_the_last_day(engine: Engine) -> None:
    fake = FakeBlueskyAccount()
    for item in fake.feed:  # the feed items are feedViewPosts as app.bsky.feed.defs describes them
        assert (
            conform(item, {"type": "ref", "ref": "app.bsky.feed.defs#feedViewPost"}, "app.bsky.feed.defs", "feed") > 0
        )
    deps = _deps(fake)
    _seed(engine, deps.settings, "bluesky", bsky.DID, "@" + bsky.HANDLE, bsky.PASSWORD)
    row = _snapshot(engine, deps)
    assert (row.followers, row.following) == (77, 5)
    assert row.posts == 3  # the pin (old) and the repost of someone else's post are skipped
    assert row.mentions == 2  # likes and replies are not mentions; the 26-hour-old one is outside the day
    feeds = [params for nsid, params in fake.calls if nsid == "app.bsky.feed.getAuthorFeed"]
    assert feeds[0]["actor"] == [bsky.DID] and [p.get("cursor") for p in feeds] == [None, ["2"], ["4"]]
    notes = [params for nsid, params in fake.calls if nsid == "app.bsky.notification.listNotifications"]
    assert notes[0]["reasons"] == ["mention"] and len(notes) == 3


def test_bluesky_snapshots_refresh_the_stored_session_and_log_in_again_only_when_refused(engine: Engine) -> None:
    """createSession is rate limited: each day's snapshot continues the session saved at connect (refreshSession,
    the rotated refresh JWT stored), on the account's own PDS; a refused refresh falls back to one new login."""
    fake = FakeBlueskyAccount()
    hosts: list[str] = []

    def pds_only(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.url.host != "pds.council.example":
            raise httpx.ConnectError("not the account's PDS", request=request)
        return fake(request)

    deps = _deps(pds_only)
    cipher = TokenCipher.from_settings(deps.settings)
    with Session(engine) as session:  # as connecting does: one login, its refresh JWT stored with the app password
        connected = BlueskyClient(
            deps.http(), handle=bsky.HANDLE, app_password=bsky.PASSWORD, base_url="https://pds.council.example/xrpc"
        ).create_session()
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.commit()
        account = connect_account(
            session,
            cipher,
            workspace_id=workspace.id or 0,
            platform="bluesky",
            account_id=bsky.DID,
            handle="@" + bsky.HANDLE,
            tokens=TokenSet(access_token=bsky.PASSWORD, refresh_token=connected.refresh_jwt),
            actor="U0COMMS001",
            now=NOW,
            instance_url="https://pds.council.example",
        )
        credential_id = account.credential_id

    def stored_refresh() -> str | None:
        with Session(engine) as session:
            credential = session.get(Credential, credential_id)
            assert credential is not None
            return load_tokens(cipher, credential).refresh_token

    def day(n: int) -> list[str]:
        at = NOW + timedelta(days=n)
        outcomes = Worker(engine, [AccountSources(deps).snapshots], now=lambda: at).tick()
        return [o.status for _, o in outcomes]

    assert day(0) == ["performed"] and day(1) == ["performed"]
    assert (fake.service.sessions, fake.service.refreshes) == (1, 2)  # the connect's login, then refreshes only
    assert stored_refresh() == fake.service.refresh  # the rotated token is kept (the old one no longer works)
    assert set(hosts) == {"pds.council.example"}

    fake.service.refresh = "revoked-by-the-server"  # e.g. the session was ended from Bluesky's settings
    assert day(2) == ["performed"]
    assert (fake.service.sessions, fake.service.refreshes) == (2, 2)  # one new login after the refused refresh
    assert stored_refresh() == fake.service.refresh
    assert day(3) == ["performed"] and (fake.service.sessions, fake.service.refreshes) == (2, 3)
    with Session(engine) as session:
        assert len(session.exec(select(AccountSnapshot)).all()) == 4
