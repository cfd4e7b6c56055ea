"""`outreach fetch`'s sources build each network's client through the caller's Clients; a refusal stops the fetch;
Mastodon's follows a chat's threads as the digest collection does (statuses' context built from recorded ones)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.clients import Clients, new_http
from assistant.config import Settings
from assistant.services.digests.make import make_digest
from assistant.services.ingest.sources import SOURCES, Search, fetch_into
from integrations.bluesky.client import BlueskyClient
from integrations.mastodon.client import MastodonClient
from integrations.x.client import XClient
from tests.integrations.mastodon.threads import OutsideThread, outside_thread


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


def _mastodon_over(chat: OutsideThread, asked: list[str]) -> Clients:
    """Clients whose Mastodon is the chat's server (the contexts asked for noted in `asked`)."""
    return Clients(
        settings=Settings(_env_file=None, mastodon_base_url="http://localhost:3000"),  # type: ignore[call-arg]
        http=lambda: new_http(httpx.MockTransport(chat.server(asked))),
    )


def test_fetch_mastodon_follows_the_threads_a_digest_collection_follows(db: Engine) -> None:
    # the chat of tests/integrations/mastodon/threads.py: three tagged statuses with every count 0, a tagged reply to
    # an outside status from two hours before, an untagged reply below each of two tagged ones, and the outside
    # status's own reply (the sibling), which is no business of the chat
    chat = outside_thread()
    asked: list[str] = []
    clients = _mastodon_over(chat, asked)
    with clients.http() as http:
        fetched = fetch_into(db, SOURCES["mastodon"], Search("#hoot", start=chat.start, end=chat.end), clients, http)
    assert fetched.stopped == ""
    # the contexts the collection asks for: the reply to the outside status, and the intro (it has a tagged reply);
    # the intro's tagged reply is inside the intro's thread
    assert asked == [chat.on_outside["id"], chat.intro["id"]]
    # the three tagged, the two untagged replies and the outside status above one of them, each once; not the sibling
    assert (fetched.tally.result.posts_inserted, fetched.tally.result.posts_updated) == (6, 0)
    with db.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, conversation_id FROM post WHERE platform = 'mastodon'")).all()
    roots = {post_id: root for post_id, root in rows}
    assert set(roots) == {
        chat.intro["id"],
        chat.on_intro["id"],
        chat.under_on_intro["id"],
        chat.outside["id"],
        chat.on_outside["id"],
        chat.under_on_outside["id"],
    }
    outside_id = chat.outside["id"]
    assert roots[chat.under_on_outside["id"]] == roots[chat.on_outside["id"]] == outside_id
    assert roots[chat.under_on_intro["id"]] == roots[chat.on_intro["id"]] == chat.intro["id"]
    # a digest of what fetch stored reads the chat as after a collection: five posts, two of them found through
    # the threads, and the outside status only as the context of the reply to it
    with Session(db) as session:
        figures = make_digest(session, hashtag="hoot", start=chat.start, end=chat.end, save=False).result.figures
    assert (figures["volume"]["posts"], figures["volume"]["via_conversation"]) == (5, 2)
    assert [(c["id"], c["context_for"]) for c in figures["context_posts"]] == [(outside_id, [chat.on_outside["id"]])]


def test_fetch_mastodon_without_a_window_keeps_every_thread_reply(engine: Engine) -> None:
    chat = outside_thread()
    asked: list[str] = []
    clients = _mastodon_over(chat, asked)
    with clients.http() as http:
        fetched = fetch_into(engine, SOURCES["mastodon"], Search("hoot"), clients, http)
    assert asked == [chat.on_outside["id"], chat.intro["id"]]
    assert fetched.tally.result.posts_inserted == 6  # as with the chat's window: every reply falls inside it
