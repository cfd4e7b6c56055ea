"""Mastodon client against recorded real exchanges: Link-header paging, time window, params, rate limits."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import httpx
import pytest
from pydantic import SecretStr

from assistant.config import Settings
from integrations.errors import AuthError, NotFound, RateLimited
from integrations.mastodon.client import MastodonClient
from tests.integrations.mastodon.replay import Replay, load_exchanges

BASE = "http://localhost:3000"
ACCOUNT = "117020565966271181"
PAGING = "Mastodon.py_test_fetch_next_previous.decoded.json"
HASHTAG = "Mastodon.py_test_hashtag_tl.decoded.json"


def recorded_pages() -> list[list[str]]:
    """Status ids of the recorded account-status pages, in the order Mastodon.py fetched them."""
    exchanges = load_exchanges(PAGING)
    return [[s["id"] for s in ex["body"]] for ex in exchanges if "/statuses?" in ex["request"]["uri"]]


def test_link_header_pagination_over_recorded_pages() -> None:
    replay = Replay(load_exchanges(PAGING))
    client = MastodonClient(replay.client(), base_url=BASE + "/")
    pages = list(client.account_statuses(ACCOUNT, limit=5))
    first, second = recorded_pages()[:2]
    assert [[p.id for p in page.batch.posts] for page in pages] == [first, second, []]
    assert [page.next_max_id for page in pages[:2]] == [first[-1], second[-1]]
    # The third request is the recorded rel="next" of page 2, which the recording stops before.
    assert replay.unrecorded == [f"{BASE}/api/v1/accounts/{ACCOUNT}/statuses?limit=5&max_id={second[-1]}"]
    assert len(replay.requests) == 3
    assert all(page.batch.accounts[0].handle == "mastodonpy_test" for page in pages[:2])


def test_time_window_stops_paging() -> None:
    replay = Replay(load_exchanges(PAGING))
    client = MastodonClient(replay.client(), base_url=BASE)
    statuses = [ex["body"] for ex in load_exchanges(PAGING) if ex["request"]["uri"].endswith("/statuses?limit=5")][0]
    since = datetime.fromisoformat(statuses[2]["created_at"])
    until = datetime.fromisoformat(statuses[0]["created_at"])
    pages = list(client.account_statuses(ACCOUNT, limit=5, since=since))
    assert len(pages) == 1 and len(replay.requests) == 1 and pages[0].reached_since
    assert [p.id for p in pages[0].batch.posts] == [s["id"] for s in statuses[:3]]
    windowed = list(
        client.paginate(f"{BASE}/api/v1/accounts/{ACCOUNT}/statuses", [("limit", "5")], since=since, until=until)
    )
    assert [p.id for p in windowed[0].batch.posts] == [s["id"] for s in statuses[1:3]]


def test_hashtag_timeline_recorded() -> None:
    replay = Replay(load_exchanges(HASHTAG), ignore=frozenset({"limit"}))
    client = MastodonClient(replay.client(), base_url=BASE)
    pages = list(client.hashtag_timeline("#hoot"))
    post = pages[0].batch.posts[0]
    assert post.text == "#hoot (hashtag toot)" and post.hashtags == ["hoot"]
    assert post.author_handle == "mastodonpy_test_2"
    assert post.created_at == datetime(2026, 8, 1, 13, 55, 55, 867000, tzinfo=UTC)
    assert replay.requests[0].url.path == "/api/v1/timelines/tag/hoot"
    assert replay.unrecorded == [f"{BASE}/api/v1/timelines/tag/hoot?max_id=117020593741189701"]
    rate = pages[0].rate_limit
    assert (rate.limit, rate.remaining) == (300, 299)
    assert rate.reset_at == datetime(2026, 8, 1, 14, 0, 0, 70144, tzinfo=UTC)
    assert "Authorization" not in replay.requests[0].headers


def test_hashtag_parameters_and_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    settings = Settings(mastodon_base_url="https://social.example", mastodon_access_token=SecretStr("tok"))
    client = MastodonClient.from_config(
        settings.mastodon_config(), httpx.Client(transport=httpx.MockTransport(handler))
    )
    list(
        client.hashtag_timeline(
            "edchat",
            any_tags=["ukfechat", "#fediEd"],
            all_tags=["uk"],
            none_tags=["spam"],
            local=True,
            remote=False,
            only_media=False,
            limit=500,
            max_id="9",
            since_id="1",
            min_id="2",
        )
    )
    request = seen[0]
    assert request.url.host == "social.example" and request.url.path == "/api/v1/timelines/tag/edchat"
    assert parse_qsl(request.url.query.decode()) == [
        ("any[]", "ukfechat"),
        ("any[]", "fediEd"),
        ("all[]", "uk"),
        ("none[]", "spam"),
        ("local", "true"),
        ("remote", "false"),
        ("only_media", "false"),
        ("limit", "40"),
        ("max_id", "9"),
        ("since_id", "1"),
        ("min_id", "2"),
    ]
    assert request.headers["Authorization"] == "Bearer tok"


def test_429_raises_rate_limited_with_the_reset_time() -> None:
    replay = Replay(load_exchanges(HASHTAG), ignore=frozenset({"limit"}))
    replay.status_override = 429
    client = MastodonClient(replay.client(), base_url=BASE)
    with pytest.raises(RateLimited) as info:
        next(client.hashtag_timeline("hoot"))
    assert info.value.reset_at == datetime(2026, 8, 1, 14, 0, 0, 70144, tzinfo=UTC)


def test_401_raises_auth_error_naming_the_setting() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "The access token is invalid"})

    client = MastodonClient(httpx.Client(transport=httpx.MockTransport(handler)), base_url=BASE, access_token="x")
    with pytest.raises(AuthError, match="MASTODON_ACCESS_TOKEN"):
        next(client.hashtag_timeline("hoot"))


def test_until_only_skips_newer_posts_without_stopping() -> None:
    replay = Replay(load_exchanges(PAGING))
    client = MastodonClient(replay.client(), base_url=BASE)
    first = recorded_pages()[0]
    until = datetime(2026, 8, 1, 13, 52, 33, 500000, tzinfo=UTC)
    pages = list(client.paginate(f"{BASE}/api/v1/accounts/{ACCOUNT}/statuses", [("limit", "5")], until=until))
    kept = [p.id for page in pages for p in page.batch.posts]
    assert first[0] not in kept and len(pages) == 3
    assert all(p.created_at < until for page in pages for p in page.batch.posts)


def test_status_context_gives_the_thread_with_roots_from_the_reply_chain() -> None:
    statuses = [s for ex in load_exchanges(PAGING) if "/statuses?limit=5" in ex["request"]["uri"] for s in ex["body"]]
    root, above, below, deeper = (copy.deepcopy(s) for s in statuses[:4])
    root.update(in_reply_to_id=above["id"], in_reply_to_account_id=ACCOUNT)  # the status replies to `above`
    below.update(in_reply_to_id=root["id"], in_reply_to_account_id=ACCOUNT)
    deeper.update(in_reply_to_id=below["id"], in_reply_to_account_id=ACCOUNT)
    seen: list[httpx.Request] = []

    def context(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path != f"/api/v1/statuses/{root['id']}/context":
            return httpx.Response(404, json={"error": "Record not found"})
        return httpx.Response(200, json={"ancestors": [above], "descendants": [below, deeper]})

    client = MastodonClient(httpx.Client(transport=httpx.MockTransport(context)), base_url=BASE, access_token="t")
    found = client.status_context(root["id"], status=root)
    assert seen[0].headers["authorization"] == "Bearer t" and seen[0].method == "GET"
    assert [s["id"] for s in found.ancestors] == [above["id"]]
    assert [s["id"] for s in found.descendants] == [below["id"], deeper["id"]]
    posts = {p.id: p for p in found.batch.posts}
    assert set(posts) == {above["id"], root["id"], below["id"], deeper["id"]}
    assert {p.conversation_id for p in posts.values()} == {above["id"]}  # every one under the thread's root
    assert posts[deeper["id"]].kind == "reply" and posts[deeper["id"]].reply_to_post_id == below["id"]
    without_status = client.status_context(root["id"])
    assert root["id"] not in {p.id for p in without_status.batch.posts}
    with pytest.raises(NotFound):
        client.status_context("1")
