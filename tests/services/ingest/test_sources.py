"""`outreach fetch`'s sources build each network's client through the caller's Clients; a refusal stops the fetch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from assistant.clients import Clients, new_http
from assistant.config import Settings
from assistant.services.ingest.sources import SOURCES, Search, fetch_into
from integrations.bluesky.client import BlueskyClient
from integrations.mastodon.client import MastodonClient
from integrations.x.client import XClient


@dataclass
class RecordedClients(Clients):
    """Clients that note which network clients were asked of them."""

    built: list[str] = field(default_factory=list)

    def x(self, http: httpx.Client, **options: Any) -> XClient:
        self.built.append("x")
        return super().x(http, **options)

    def mastodon(self, http: httpx.Client) -> MastodonClient:
        self.built.append("mastodon")
        return super().mastodon(http)

    def bluesky(self, http: httpx.Client) -> BlueskyClient:
        self.built.append("bluesky")
        return super().bluesky(http)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_source_builds_its_client_through_clients_and_a_refusal_stops_it(engine: Engine, name: str) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        x_bearer_token="x-token",
        bluesky_handle="council.bsky.social",
        bluesky_app_password="app-password",
    )
    asked: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.host)
        return httpx.Response(401, json={"error": "refused"})

    clients = RecordedClients(settings=settings, http=lambda: new_http(httpx.MockTransport(refuse)))
    with clients.http() as http:
        fetched = fetch_into(engine, SOURCES[name], Search("edchat", limit=5), clients, http)
    assert clients.built == [name]
    assert len(asked) == 1  # the one refused call, nothing retried
    assert fetched.stopped != ""
    assert fetched.tally.result.posts == 0
