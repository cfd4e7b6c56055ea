"""XClient against recorded X responses: search, paging, errors, retries, budgets, users, follows, counts."""

from __future__ import annotations

import json
import sys
import types
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from integrations.errors import AuthError, DuplicatePost, RateLimited, ServerError
from integrations.normalized import Batch
from integrations.x.client import XClient
from tests.integrations.x.recorded import (
    NOW,
    make_client,
    problem_response,
    recorded,
    recorded_response,
    settings,
    twarc_pages,
)

SEARCH_HEADERS = recorded("test_client_search_recent_tweets")["headers"]
RESET_EPOCH = 1_795_000_000  # 2026-11-18; any epoch works, the client takes it from the header


def _json(page: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.Response(200, json=page, headers=headers)


def test_search_with_includes_keeps_the_raw_page_budget_and_bill() -> None:
    page_body = twarc_pages("twarc-network_tweets.jsonl")[0]
    rate_headers = {k: v for k, v in SEARCH_HEADERS.items() if k.startswith("x-rate-limit")}
    client, recorder = make_client(lambda request, n: _json(page_body, **rate_headers))

    pages = list(client.search_recent("blacklivesmatter", max_pages=1))

    assert len(pages) == 1
    page = pages[0]
    assert page.raw == page_body
    assert page.endpoint == "GET /2/tweets/search/recent"
    assert page.rate_limit.limit == 450
    assert page.rate_limit.remaining == 448
    assert page.rate_limit.reset_at == datetime.fromtimestamp(1665183229, UTC)
    post_ids = {p["id"] for p in page_body["data"]} | {p["id"] for p in page_body["includes"]["tweets"]}
    user_ids = {u["id"] for u in page_body["includes"]["users"]}
    assert page.billed.posts_read == len(post_ids) > 100
    assert page.billed.users_read == len(user_ids)
    assert client.meter.total.posts_read == len(post_ids)
    sent = recorder.params(0)
    assert sent["query"] == "blacklivesmatter"
    assert sent["max_results"] == "100"
    assert sent["expansions"] == "author_id,referenced_tweets.id,entities.mentions.username,in_reply_to_user_id"
    assert set(sent["tweet.fields"].split(",")) == {
        "created_at", "public_metrics", "entities", "conversation_id",
        "referenced_tweets", "lang", "in_reply_to_user_id", "author_id",
    }  # fmt: skip
    assert set(sent["user.fields"].split(",")) == {
        "created_at", "description", "location", "public_metrics", "verified", "url", "username", "name",
    }  # fmt: skip
    assert recorder.requests[0].headers["authorization"].startswith("Bearer ")
    assert str(recorder.requests[0].url).startswith("https://api.x.com/2/tweets/search/recent?")


def test_recorded_tweepy_search_page_and_start_end_times() -> None:
    client, recorder = make_client(lambda request, n: recorded_response("test_client_search_recent_tweets"))
    start = datetime(2022, 10, 7, 23, 0, tzinfo=UTC)
    page = next(client.search_recent("Tweepy", start_time=start, end_time=start + timedelta(hours=1)))
    assert len(page.data) == 10
    assert page.next_token == "b26v89c19zqg8o3fpzbn1e0ffhxjiofzw6po136rvbnul"
    assert recorder.params(0)["start_time"] == "2022-10-07T23:00:00Z"
    assert recorder.params(0)["end_time"] == "2022-10-08T00:00:00Z"
    with pytest.raises(ValueError, match="aware"):
        client.search_request("Tweepy", start_time=datetime(2022, 10, 7))
    with pytest.raises(ValueError, match="max_results"):
        client.search_request("Tweepy", max_results=500)


def test_full_archive_search_uses_the_all_endpoint() -> None:
    client, recorder = make_client(lambda request, n: _json(twarc_pages("twarc-csv_test-data", "two_tweets.jsonl")[0]))
    page = next(client.search_all("(#POIUYTREWQ)"))
    assert recorder.requests[0].url.path == "/2/tweets/search/all"
    assert page.billed.posts_read == 2


def test_pagination_follows_next_token_over_recorded_pages() -> None:
    pages = twarc_pages("twarc-network_tweets.jsonl")
    by_token = {None: pages[0]} | {p["meta"]["next_token"]: nxt for p, nxt in zip(pages, pages[1:], strict=False)}
    last = {"meta": {"result_count": 0}}  # X's last page: no data, no next_token

    def reply(request: httpx.Request, n: int) -> httpx.Response:
        return _json(by_token.get(request.url.params.get("next_token"), last))

    client, recorder = make_client(reply)
    got = list(client.search_recent("blacklivesmatter"))

    assert len(got) == 6
    assert [g.raw for g in got[:5]] == pages
    assert [r.url.params.get("next_token") for r in recorder.requests] == [None] + [
        p["meta"]["next_token"] for p in pages
    ]
    assert all("pagination_token" not in r.url.params for r in recorder.requests)
    # The rest of the query is unchanged from page to page.
    assert all(recorder.params(i)["query"] == "blacklivesmatter" for i in range(6))


def test_pagination_stops_at_max_pages_and_is_lazy() -> None:
    pages = twarc_pages("twarc-network_tweets.jsonl")
    client, recorder = make_client(lambda request, n: _json(pages[n - 1]))
    iterator = client.search_recent("blacklivesmatter", max_pages=2)
    assert recorder.requests == []
    assert len(list(iterator)) == 2
    assert len(recorder.requests) == 2


def test_429_raises_rate_limited_with_reset_then_succeeds_after_reset() -> None:
    now = [NOW]
    reset_at = datetime.fromtimestamp(RESET_EPOCH, UTC)
    now[0] = reset_at - timedelta(minutes=10)

    def reply(request: httpx.Request, n: int) -> httpx.Response:
        if n == 1:
            return problem_response(
                429,
                **{"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(RESET_EPOCH)},
            )
        return recorded_response("test_client_search_recent_tweets")

    sleeps: list[float] = []
    client, recorder = make_client(reply, sleeps=sleeps, clock=lambda: now[0])

    with pytest.raises(RateLimited) as caught:
        next(client.search_recent("Tweepy"))
    assert caught.value.reset_at == reset_at
    assert sleeps == []  # the client never sleeps on a 429
    assert client.rate_limits.calls_left("GET /2/tweets/search/recent", now[0]) == 0
    assert client.rate_limits.next_call_at("GET /2/tweets/search/recent", now[0]) == reset_at

    # Before the reset the client refuses without spending a call.
    with pytest.raises(RateLimited) as again:
        next(client.search_recent("Tweepy"))
    assert again.value.reset_at == reset_at
    assert len(recorder.requests) == 1

    now[0] = reset_at + timedelta(seconds=1)
    page = next(client.search_recent("Tweepy"))
    assert len(page.data) == 10
    assert len(recorder.requests) == 2
    # Other endpoints have their own budget.
    assert client.rate_limits.calls_left("GET /2/users/by", now[0]) is None


def test_budget_from_headers_lets_a_job_plan() -> None:
    reset = RESET_EPOCH
    headers = {"x-rate-limit-limit": "15", "x-rate-limit-remaining": "1", "x-rate-limit-reset": str(reset)}
    now = datetime.fromtimestamp(reset - 600, UTC)
    client, recorder = make_client(
        lambda request, n: _json({"data": [{"id": "1"}], "meta": {"result_count": 1}}, **headers), clock=lambda: now
    )
    next(client.following("783214"))
    endpoint = "GET /2/users/{id}/following"
    assert client.rate_limits.calls_left(endpoint, now) == 1
    assert client.rate_limits.next_call_at(endpoint, now) == now
    next(client.followers("783214"))  # a different endpoint, a different budget
    assert client.rate_limits.calls_left(endpoint, now) == 1
    headers["x-rate-limit-remaining"] = "0"
    next(client.following("12"))
    assert client.rate_limits.calls_left(endpoint, now) == 0
    assert client.rate_limits.next_call_at(endpoint, now) == datetime.fromtimestamp(reset, UTC)
    assert client.rate_limits.calls_left(endpoint, datetime.fromtimestamp(reset, UTC)) == 15
    with pytest.raises(RateLimited):
        next(client.following("12"))
    assert len(recorder.requests) == 3


def test_401_names_the_bearer_token_for_reads_and_the_user_token_for_posts() -> None:
    client, _ = make_client(lambda request, n: problem_response(401))
    with pytest.raises(AuthError) as read_error:
        next(client.search_recent("Tweepy"))
    assert "X_BEARER_TOKEN" in str(read_error.value)
    assert read_error.value.status == 401
    with pytest.raises(AuthError) as post_error:
        client.create_post("hello")
    assert "user token" in str(post_error.value)
    assert "X_BEARER_TOKEN" not in str(post_error.value)


def test_missing_tokens_fail_before_any_call() -> None:
    client, recorder = make_client(lambda request, n: _json({}), user_token=None, x_bearer_token=None)
    with pytest.raises(AuthError, match="X_BEARER_TOKEN"):
        next(client.search_recent("Tweepy"))
    with pytest.raises(AuthError, match="user token"):
        client.create_post("hello")
    assert recorder.requests == []


def test_403_client_forbidden_is_an_auth_error() -> None:
    client, _ = make_client(lambda request, n: problem_response(403))
    with pytest.raises(AuthError, match="approved developer account"):
        next(client.search_all("Tweepy"))


def test_503_is_retried_with_capped_backoff_then_succeeds() -> None:
    def reply(request: httpx.Request, n: int) -> httpx.Response:
        return problem_response(503) if n <= 2 else recorded_response("test_client_search_recent_tweets")

    sleeps: list[float] = []
    client, recorder = make_client(reply, sleeps=sleeps)
    page = next(client.search_recent("Tweepy"))
    assert len(page.data) == 10
    assert len(recorder.requests) == 3
    assert len(sleeps) == 2
    assert sleeps[0] < sleeps[1] <= 30.0


def test_5xx_gives_up_after_max_attempts_with_server_error() -> None:
    sleeps: list[float] = []
    client, recorder = make_client(lambda request, n: problem_response(503), sleeps=sleeps)
    with pytest.raises(ServerError) as caught:
        next(client.search_recent("Tweepy"))
    assert caught.value.status == 503
    assert len(recorder.requests) == 4
    assert len(sleeps) == 3
    assert all(0 < s <= 30.0 for s in sleeps)


def test_backoff_is_capped() -> None:
    http = httpx.Client(transport=httpx.MockTransport(lambda request: problem_response(503)))
    sleeps: list[float] = []
    client = XClient(
        http, settings().x_config(), sleep=sleeps.append, max_attempts=10, backoff_cap=4.0, jitter=lambda: 1.0
    )
    with pytest.raises(ServerError):
        next(client.search_recent("Tweepy"))
    assert len(sleeps) == 9
    assert max(sleeps) == 4.0


@pytest.mark.parametrize("failure", [httpx.ReadTimeout, httpx.ConnectError, httpx.RemoteProtocolError])
def test_timeouts_and_dropped_connections_are_retried(failure: type[httpx.TransportError]) -> None:
    def reply(request: httpx.Request, n: int) -> httpx.Response:
        if n == 1:
            raise failure("connection reset by peer", request=request)
        return recorded_response("test_client_search_recent_tweets")

    sleeps: list[float] = []
    client, recorder = make_client(reply, sleeps=sleeps)
    assert len(next(client.search_recent("Tweepy")).data) == 10
    assert len(sleeps) == 1


def test_a_create_is_not_retried_when_it_may_have_reached_x() -> None:
    def reply(request: httpx.Request, n: int) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    sleeps: list[float] = []
    client, recorder = make_client(reply, sleeps=sleeps)
    with pytest.raises(ServerError, match="ReadTimeout"):
        client.create_post("Q1: what helps?")
    assert len(recorder.requests) == 1
    assert client.meter.total.posts_created == 0


def test_partial_errors_of_a_200_page_are_kept() -> None:
    body = twarc_pages("twarc-csv_test-data", "kpop.jsonl")[0]
    client, _ = make_client(lambda request, n: _json(body))
    page = next(client.search_recent("#kpop"))
    assert page.errors == body["errors"]
    assert page.errors[0]["detail"] == "User has been suspended: [leeseunggi]."
    assert len(page.data) == 100


def test_following_pages_with_pagination_token() -> None:
    first = recorded("test_asyncclient_get_users_following")
    second = recorded("test_client_get_users_following")

    def reply(request: httpx.Request, n: int) -> httpx.Response:
        token = request.url.params.get("pagination_token")
        return recorded_response("test_client_get_users_following" if token else "test_asyncclient_get_users_following")

    client, recorder = make_client(reply)
    pages = list(client.following("2244994945"))

    assert len(pages) == 2
    assert recorder.params(0)["max_results"] == "1000"
    assert "pagination_token" not in recorder.params(0)
    assert recorder.params(1)["pagination_token"] == first["body"]["meta"]["next_token"] == "KNBGDJ8PVCQ1EZZZ"
    assert all("next_token" not in r.url.params for r in recorder.requests)
    users = {u["id"] for u in first["body"]["data"]} | {u["id"] for u in second["body"]["data"]}
    assert client.meter.total.users_read == len(users)
    assert client.meter.total.posts_read == 0


def test_followers_recorded_page() -> None:
    client, recorder = make_client(lambda request, n: recorded_response("test_client_get_users_followers"))
    page = next(client.followers("783214", max_results=100))
    assert recorder.requests[0].url.path == "/2/users/783214/followers"
    assert page.billed.users_read == 100
    assert page.next_token == "5CS0O0C6II61EZZZ"


def test_counts_recent_with_granularity() -> None:
    exchange = recorded("test_client_get_recent_tweets_count")
    client, recorder = make_client(lambda request, n: recorded_response("test_client_get_recent_tweets_count"))
    pages = list(client.counts("Tweepy", granularity="day"))
    assert len(pages) == 1
    assert pages[0].meta["total_tweet_count"] == exchange["body"]["meta"]["total_tweet_count"] == 411
    assert pages[0].data == exchange["body"]["data"]
    assert recorder.params(0) == {"query": "Tweepy", "granularity": "day"}
    assert client.meter.cost == 0  # counts bill no posts
    with pytest.raises(ValueError, match="granularity"):
        client.counts_request("Tweepy", granularity="week")  # type: ignore[arg-type]


def test_counts_all_endpoint() -> None:
    body = twarc_pages("twarc-csv_test-data", "counts.jsonl")[0]
    client, recorder = make_client(lambda request, n: _json(body))
    page = next(client.counts("dogs", archive=True, granularity="hour"))
    assert recorder.requests[0].url.path == "/2/tweets/counts/all"
    assert page.meta["total_tweet_count"] == 771665


def test_250_usernames_are_looked_up_in_3_batches() -> None:
    client, recorder = make_client(lambda request, n: recorded_response("test_client_get_users"))
    names = [f"user_{i:03d}" for i in range(250)]
    pages = list(client.users_by_usernames(names + ["@user_000"]))  # a duplicate with @ is dropped

    assert len(pages) == len(recorder.requests) == 3
    sent = [recorder.params(i)["usernames"].split(",") for i in range(3)]
    assert [len(batch) for batch in sent] == [100, 100, 50]
    assert sum(sent, []) == names
    assert all(r.url.path == "/2/users/by" for r in recorder.requests)
    # The recorded body (Twitter, TwitterDev) came back 3 times: billed once today.
    assert client.meter.total.users_read == 2
    assert [p.billed.users_read for p in pages] == [2, 0, 0]


def test_users_by_ids_are_batched_by_100() -> None:
    body = twarc_pages("twarc-csv_test-data", "users.jsonl")[0]
    client, recorder = make_client(lambda request, n: _json(body))
    ids = [str(10_000 + i) for i in range(101)]
    pages = list(client.users_by_ids(ids))
    assert [len(recorder.params(i)["ids"].split(",")) for i in range(2)] == [100, 1]
    assert recorder.requests[0].url.path == "/2/users"
    assert pages[0].errors == body["errors"]
    with pytest.raises(ValueError, match="user id"):
        client.users_by_ids_requests(["not-a-number"])


def test_user_posts_and_mentions_use_pagination_token() -> None:
    mentions = recorded("test_client_get_users_mentions")

    def reply(request: httpx.Request, n: int) -> httpx.Response:
        if request.url.params.get("pagination_token"):
            return _json({"meta": {"result_count": 0}})
        return recorded_response("test_client_get_users_mentions")

    client, recorder = make_client(reply)
    pages = list(client.mentions("783214"))
    assert len(pages) == 2
    assert recorder.params(1)["pagination_token"] == mentions["body"]["meta"]["next_token"]
    assert pages[0].billed.posts_read == 10
    next(client.user_posts("783214", max_results=5))
    assert recorder.requests[2].url.path == "/2/users/783214/tweets"
    assert recorder.params(2)["max_results"] == "5"


def test_create_reply_and_delete_use_the_user_token() -> None:
    def reply(request: httpx.Request, n: int) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(201, json={"data": {"id": "1578900000000000000", "text": "A1"}})
        return httpx.Response(200, json={"data": {"deleted": True}})

    client, recorder = make_client(reply)
    created = client.create_post("A1 see https://example.org/q", reply_to="1578516068309794817")
    deleted = client.delete_post("1578900000000000000")

    assert json.loads(recorder.requests[0].content) == {
        "text": "A1 see https://example.org/q",
        "reply": {"in_reply_to_tweet_id": "1578516068309794817"},
    }
    assert recorder.requests[0].headers["authorization"] == "Bearer user-token-SECRET-abcdef"
    assert recorder.requests[1].method == "DELETE"
    assert recorder.requests[1].url.path == "/2/tweets/1578900000000000000"
    assert created.status == 201 and created.data["id"] == "1578900000000000000"
    assert deleted.data == {"deleted": True}
    assert created.billed.posts_created_with_link == 1
    assert client.meter.cost == pytest.approx(0.20)


def test_base_url_comes_from_settings() -> None:
    client, recorder = make_client(lambda request, n: _json({"meta": {}}), x_api_url="http://127.0.0.1:9999/")
    next(client.counts("a"))
    assert str(recorder.requests[0].url).startswith("http://127.0.0.1:9999/2/tweets/counts/recent?")


def test_batch_delegates_to_the_parser_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    body = twarc_pages("twarc-csv_test-data", "two_tweets.jsonl")[0]
    seen: list[dict[str, Any]] = []
    fake = types.ModuleType("integrations.x.parse")

    def parse_page(page: dict[str, Any]) -> Batch:
        seen.append(page)
        return Batch(problems=["stand-in"])

    fake.parse_page = parse_page  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "integrations.x.parse", fake)
    client, _ = make_client(lambda request, n: _json(body))
    page = next(client.search_all("(#POIUYTREWQ)"))
    assert seen == []
    assert page.batch().problems == ["stand-in"]
    assert seen == [body]


def test_batch_runs_the_real_parser_on_a_recorded_page() -> None:
    body = twarc_pages("twarc-network_tweets.jsonl")[0]
    client, _ = make_client(lambda request, n: _json(body))
    batch = next(client.search_recent("blacklivesmatter")).batch()
    assert isinstance(batch, Batch)
    assert {p["id"] for p in body["data"]} <= {post.id for post in batch.posts}
    assert {u["id"] for u in body["includes"]["users"]} <= {account.id for account in batch.accounts}


def test_since_id_lets_a_watch_poll_incrementally() -> None:
    client, recorder = make_client(lambda request, n: _json({"meta": {"result_count": 0}}))
    assert list(client.search_recent("#ukfechat", since_id="1578516068309794817"))[0].raw == {
        "meta": {"result_count": 0}
    }
    assert recorder.params(0)["since_id"] == "1578516068309794817"
    with pytest.raises(ValueError, match="post id"):
        client.search_request("#ukfechat", since_id="latest")


def test_a_create_is_not_retried_on_503_and_is_not_billed() -> None:
    sleeps: list[float] = []
    client, recorder = make_client(lambda request, n: problem_response(503), sleeps=sleeps)
    with pytest.raises(ServerError, match="Service Unavailable"):
        client.create_post("Q2: which tools do you use?")
    assert len(recorder.requests) == 1 and sleeps == []
    assert client.meter.cost == 0


def test_a_body_that_is_not_json_is_a_server_error() -> None:
    client, _ = make_client(lambda request, n: httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(ServerError, match="not a JSON object"):
        next(client.search_recent("Tweepy"))


def test_a_post_x_already_has_is_a_duplicate_post_and_other_403s_are_not() -> None:
    duplicate = {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    }
    client, _ = make_client(lambda request, n: httpx.Response(403, json=duplicate))
    with pytest.raises(DuplicatePost, match="duplicate content"):
        client.create_post("Q1: what helps?")
    client, _ = make_client(lambda request, n: problem_response(403))
    with pytest.raises(AuthError) as refused:
        client.create_post("Q1: what helps?")
    assert not isinstance(refused.value, DuplicatePost)
