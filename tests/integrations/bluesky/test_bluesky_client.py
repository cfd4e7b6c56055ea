"""Bluesky client against a fake XRPC service: sessions, searchPosts paging, thread walks, lexicon shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from assistant.config import Settings
from integrations.bluesky.client import BlueskyClient, flatten_thread, jwt_expiry
from integrations.errors import AuthError, NotFound, RateLimited
from tests.integrations.bluesky.fake import DID, HANDLE, PASSWORD, FakeBluesky
from tests.integrations.bluesky.lexicon import check_output, check_params

SEARCH = "app.bsky.feed.searchPosts"
THREAD = "app.bsky.feed.getPostThread"


def make_client(fake: FakeBluesky, **kwargs: object) -> BlueskyClient:
    settings = Settings(bluesky_handle=HANDLE, bluesky_app_password=SecretStr(PASSWORD))
    client = BlueskyClient.from_config(settings.bluesky_config(), fake.client())
    for key, value in kwargs.items():
        setattr(client, key, value)
    return client


def sent_params(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.url.query.decode())


def test_search_pages_follow_the_cursor_and_match_the_lexicon() -> None:
    fake = FakeBluesky()
    client = make_client(fake)
    since = datetime(2025, 1, 1, tzinfo=UTC)
    pages = list(client.search_posts("tidytuesday", tags=["#TidyTuesday"], since=since, until="2025-12-31", limit=100))
    total = len(fake.views)
    assert [len(p.posts) for p in pages] == [100] * (total // 100) + [total % 100]
    assert sum(len(p.batch.posts) for p in pages) == total
    assert pages[-1].cursor is None and pages[0].cursor == "100" and pages[0].hits_total == total
    assert fake.sessions == 1
    searches = [r for r in fake.requests if r.url.path.endswith(SEARCH)]
    assert len(searches) == len(pages)
    for request in searches:
        params = sent_params(request)
        check_params(SEARCH, params)
        assert request.headers["authorization"] == f"Bearer {fake.access}"
    first = sent_params(searches[0])
    assert first["tag"] == ["TidyTuesday"] and first["since"] == ["2025-01-01T00:00:00.000Z"]
    assert first["sort"] == ["latest"] and first["limit"] == ["100"] and "cursor" not in first
    assert sent_params(searches[1])["cursor"] == ["100"]
    checked = sum(check_output(SEARCH, body) for nsid, body in fake.responses if nsid == SEARCH)
    assert checked >= 2 * total  # every postView and its author were checked against the lexicon


def test_limit_is_capped_at_the_lexicon_maximum() -> None:
    fake = FakeBluesky()
    client = make_client(fake)
    next(client.search_posts("x", limit=1000))
    assert sent_params(fake.requests[-1])["limit"] == ["100"]


def test_search_posts_is_lazy() -> None:
    fake = FakeBluesky()
    pages = make_client(fake).search_posts("x")
    assert fake.requests == []
    next(pages)
    assert len(fake.requests) == 2  # createSession + one search


def test_missing_credentials_are_named_before_any_request() -> None:
    fake = FakeBluesky()
    client = BlueskyClient(fake.client(), handle=None, app_password=None)
    with pytest.raises(AuthError, match="BLUESKY_HANDLE and BLUESKY_APP_PASSWORD"):
        next(client.search_posts("x"))
    assert fake.requests == []


def test_wrong_password_names_the_settings() -> None:
    fake = FakeBluesky()
    client = BlueskyClient(fake.client(), handle=HANDLE, app_password="wrong")
    with pytest.raises(AuthError, match="BLUESKY_HANDLE and BLUESKY_APP_PASSWORD") as info:
        next(client.search_posts("x"))
    assert info.value.status == 401 and "Invalid identifier or password" in str(info.value)


def test_401_on_a_query_names_the_settings() -> None:
    fake = FakeBluesky()
    client = make_client(fake)
    fake.reject_queries = True
    with pytest.raises(AuthError, match="BLUESKY_APP_PASSWORD") as info:
        next(client.search_posts("x"))
    assert info.value.status == 401 and fake.refreshes == 0


def test_invalid_access_token_is_renewed() -> None:
    fake = FakeBluesky()
    client = make_client(fake)
    client.create_session()
    fake.access = "rotated-by-the-server"  # the server no longer accepts the token the client holds
    page = next(client.search_posts("x", limit=3))
    assert len(page.posts) == 3 and fake.refreshes == 1


def test_expired_token_is_refreshed_once_and_the_call_retried() -> None:
    fake = FakeBluesky()
    client = make_client(fake)
    client.create_session()
    fake.expire_next_query = True
    page = next(client.search_posts("x", limit=5))
    assert len(page.posts) == 5 and fake.refreshes == 1 and fake.sessions == 1
    refresh = next(r for r in fake.requests if r.url.path.endswith("refreshSession"))
    assert refresh.method == "POST" and refresh.headers["authorization"].startswith("Bearer ")


def test_token_near_expiry_is_refreshed_before_the_call() -> None:
    fake = FakeBluesky(access_lifetime=timedelta(seconds=30))
    client = make_client(fake)
    session = client.create_session()
    assert session.did == DID and jwt_expiry(session.access_jwt) is not None
    next(client.search_posts("x", limit=1))
    assert fake.refreshes == 1
    assert [r.url.path.rsplit("/", 1)[-1] for r in fake.requests] == [
        "com.atproto.server.createSession",
        "com.atproto.server.refreshSession",
        SEARCH,
    ]


def test_revoked_refresh_token_logs_in_again() -> None:
    fake = FakeBluesky()
    client = make_client(fake)
    client.create_session()
    fake.refresh = "revoked"
    client.refresh_session()
    assert fake.sessions == 2


def thread_fixture(fake: FakeBluesky) -> dict:
    views = [v for v in fake.views if "reply" not in v["record"]][:6]

    def node(view: dict, replies: list | None = None, parent: dict | None = None) -> dict:
        item: dict = {"$type": "app.bsky.feed.defs#threadViewPost", "post": view}
        if replies is not None:
            item["replies"] = replies
        if parent is not None:
            item["parent"] = parent
        return item

    missing = {
        "$type": "app.bsky.feed.defs#notFoundPost",
        "uri": "at://did:plc:gone/app.bsky.feed.post/1",
        "notFound": True,
    }
    grandparent = node(views[0])
    parent = node(views[1], parent=grandparent)
    return node(
        views[2],
        parent=parent,
        replies=[node(views[3], replies=[node(views[4])]), missing, node(views[5], replies=[])],
    )


def test_get_post_thread_walks_parents_and_replies() -> None:
    fake = FakeBluesky()
    fake.thread = thread_fixture(fake)
    client = make_client(fake)
    uri = fake.thread["post"]["uri"]
    batch = client.get_post_thread(uri)
    views = [v for v in fake.views if "reply" not in v["record"]][:6]
    assert [p.id for p in batch.posts] == [views[i]["uri"] for i in (0, 1, 2, 3, 4, 5)]
    assert batch.problems == ["Bluesky: post at://did:plc:gone/app.bsky.feed.post/1 not found"]
    request = fake.requests[-1]
    params = sent_params(request)
    check_params(THREAD, params)
    assert params["uri"] == [uri]
    assert check_output(THREAD, fake.responses[-1][1]) >= 12


def test_flatten_thread_of_nothing() -> None:
    assert flatten_thread(None) == ([], [])


def test_unknown_post_thread_is_an_error() -> None:
    fake = FakeBluesky()
    client = make_client(fake)
    with pytest.raises(NotFound, match="Post not found"):
        client.get_post_thread("at://did:plc:x/app.bsky.feed.post/1")


def test_429_uses_the_ratelimit_reset_header() -> None:
    fake = FakeBluesky()
    client = make_client(fake)
    client.create_session()
    reset = int(datetime(2030, 1, 1, 12, 0, tzinfo=UTC).timestamp())

    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"ratelimit-reset": str(reset)}, json={"error": "RateLimitExceeded"})

    client.http = httpx.Client(transport=httpx.MockTransport(limited))
    with pytest.raises(RateLimited) as info:
        next(client.search_posts("x"))
    assert info.value.reset_at == datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
