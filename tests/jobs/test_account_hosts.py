"""Connected Mastodon and Bluesky accounts are reached on their own instance or PDS, not the configured default."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.crypto import TokenCipher
from assistant.services.accounts.team_accounts import connect_account
from integrations.x.oauth import TokenSet
from tests.fakes.chats import ChatWorld, chat_world
from tests.integrations.bluesky.fake import DID, HANDLE, PASSWORD
from tests.integrations.bluesky.pds import FakePDS

BEFORE = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
MASTODON_HOST = "social.council.example"
PDS_HOST = "pds.council.example"

Handler = Callable[[httpx.Request], httpx.Response]


def only_on(host: str, handler: Handler, seen: list[str]) -> httpx.Client:
    """An httpx client whose transport answers on `host` alone; any other host is unreachable (and noted)."""

    def guarded(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if request.url.host != host:
            raise httpx.ConnectError(f"{request.url.host} is not the account's host", request=request)
        return handler(request)

    return httpx.Client(transport=httpx.MockTransport(guarded))


@pytest.fixture
def world(engine: Engine) -> Iterator[ChatWorld]:
    with chat_world(engine) as w:
        yield w


def _connect(world: ChatWorld, platform: str, account_id: str, handle: str, token: str, instance: str) -> None:
    with Session(world.engine) as session:
        connect_account(
            session,
            TokenCipher.from_settings(world.settings),
            workspace_id=world.workspace_id,
            platform=platform,
            account_id=account_id,
            handle=handle,
            tokens=TokenSet(access_token=token),
            actor="U0COMMS001",
            now=BEFORE,
            instance_url=instance,
        )
        session.commit()


def test_a_chat_is_cross_posted_to_mastodon_on_the_connected_account_instance(world: ChatWorld) -> None:
    assert world.settings.mastodon_base_url == "https://mastodon.social"  # the default, which must not be used
    posted: list[dict[str, str]] = []

    def instance(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/statuses"
        assert request.headers["authorization"] == "Bearer masto-council-token"
        posted.append({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
        status_id = str(110_000 + len(posted))
        return httpx.Response(200, json={"id": status_id, "url": f"https://{MASTODON_HOST}/@council/{status_id}"})

    hosts: list[str] = []
    world.runner.mastodon_http = only_on(MASTODON_HOST, instance, hosts)
    _connect(world, "mastodon", "77", f"@council@{MASTODON_HOST}", "masto-council-token", f"https://{MASTODON_HOST}")
    world.chat(BEFORE, cross_post=["mastodon"])
    world.tick(T0)
    world.tick(T0 + timedelta(minutes=5))
    assert set(hosts) == {MASTODON_HOST}
    assert [p["status"].split(" ")[0] for p in posted] == ["Welcome", "Q1"]
    assert posted[1]["in_reply_to_id"] == "110001"


def test_a_chat_is_cross_posted_to_bluesky_on_the_connected_account_pds(world: ChatWorld) -> None:
    assert world.settings.bluesky_api_url == "https://bsky.social/xrpc"  # the default, which must not be used
    pds = FakePDS()
    hosts: list[str] = []
    world.runner.bluesky_http = only_on(PDS_HOST, pds, hosts)
    _connect(world, "bluesky", DID, "@" + HANDLE, PASSWORD, f"https://{PDS_HOST}")  # a PDS origin, without /xrpc
    world.chat(BEFORE, cross_post=["bluesky"])
    world.tick(T0)
    world.tick(T0 + timedelta(minutes=5))
    assert set(hosts) == {PDS_HOST}
    assert all(r.url.path.startswith("/xrpc/") for r in pds.requests)
    assert [r["text"].split(" ")[0] for r in pds.created] == ["Welcome", "Q1"]
    assert pds.sessions == 1
