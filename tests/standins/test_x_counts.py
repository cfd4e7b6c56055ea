"""The X stand-ins answer /2/tweets/counts/recent in X's shape (spec and recording) and refuse what X refuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from assistant.config import Settings
from assistant.samples.network import synthetic_world
from assistant.standins import x_counts
from assistant.standins.x import XStandIn
from assistant.standins.x_graph import FakeClock, FakeXGraph
from integrations.errors import IntegrationError
from integrations.x.client import XClient
from integrations.x.counts import total_over_pages, total_posts
from tests.conftest import shared_path

USER_TOKEN = "x-user-token-demo"
RECORDED = ("x", "recorded_responses", "tweepy_cassettes_decoded", "test_client_get_recent_tweets_count.json")


def _check(name: str, body: dict[str, Any]) -> None:
    spec = json.loads(shared_path("specs", "x", "x-api-v2-openapi_v2.112_classic.json").read_text("utf-8"))
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})
    assert [e.message for e in validator.iter_errors(body)] == []


def test_counts_of_the_standin_match_the_spec_and_the_recording() -> None:
    recorded = json.loads(shared_path("fixtures", *RECORDED).read_text("utf-8"))[0]["body"]
    now = [datetime(2026, 12, 4, 21, 0, 5, tzinfo=UTC)]
    with (
        XStandIn(clock=lambda: now[0]) as x,
        httpx.Client(base_url=x.base_url, headers={"Authorization": f"Bearer {USER_TOKEN}"}) as http,
    ):
        for text in ("Welcome to #ukfechat", "Q1 skills? #ukfechat", "Something else"):
            assert http.post("/2/tweets", json={"text": text}).status_code == 201
        now[0] += timedelta(seconds=9)  # X counts nothing from the last ten seconds
        assert http.get("/2/tweets/counts/recent", params={"query": "#ukfechat"}).json()["meta"] == {
            "total_tweet_count": 0
        }
        now[0] += timedelta(minutes=1)
        answer = http.get("/2/tweets/counts/recent", params={"query": "#ukfechat"})
    assert answer.status_code == 200
    body = answer.json()
    _check("Get2TweetsCountsRecentResponse", body)
    assert set(body) == set(recorded) and set(body["meta"]) == set(recorded["meta"])
    assert set(body["data"][0]) == set(recorded["data"][0])
    assert body["meta"]["total_tweet_count"] == 2 == sum(b["tweet_count"] for b in body["data"])
    assert 168 <= len(body["data"]) <= 169  # a week of hours, the first one partial
    assert body["data"][1]["start"].endswith(":00:00.000Z")
    assert total_posts(recorded) == 411 == sum(b["tweet_count"] for b in recorded["data"])


def test_the_client_reads_the_total_in_either_dialect() -> None:
    assert total_posts({"data": [{"start": "a", "end": "b", "post_count": 4}], "meta": {"total_post_count": 4}}) == 4
    assert total_posts({"data": [{"start": "a", "end": "b", "post_count": 4}]}) == 4
    assert total_over_pages([{"meta": {"total_tweet_count": 3}}, {"meta": {"total_tweet_count": 2}}]) == 5


NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "parameter", "message"),
    [
        ({"query": ""}, "query", "The `query` query parameter can not be empty"),
        ({"query": "#a", "granularity": "week"}, "granularity", "is not one of [minute,hour,day]"),
        (
            {"query": "#a", "start_time": "2026-11-26T11:59:00Z"},
            "start_time",
            "must be on or after 2026-11-27T12:00:00",
        ),
        ({"query": "#a", "end_time": "2026-12-04T11:59:55Z"}, "end_time", "a minimum of 10 seconds prior"),
        (
            {"query": "#a", "start_time": "2026-12-03T10:00:00Z", "end_time": "2026-12-03T09:00:00Z"},
            "start_time",
            "'start_time' must be before 'end_time'",
        ),
        ({"query": "#a", "next_token": "x", "pagination_token": "y"}, "pagination_token", "At most one of"),
    ],
)
def test_what_x_refuses_is_refused_with_its_invalid_request_body(
    params: dict[str, str], parameter: str, message: str
) -> None:
    status, body = x_counts.counts([], params, NOW, matches=lambda post, query: True)
    assert status == 400
    _check("Problem", body)
    assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert list(body["errors"][0]["parameters"]) == [parameter]
    assert message in body["errors"][0]["message"]


def test_buckets_hold_each_post_once_by_day() -> None:
    posts = [
        {"created_at": "2026-12-01T23:59:59.000Z", "text": "a"},
        {"created_at": "2026-12-02T00:00:00.000Z", "text": "a"},
        {"created_at": "2026-12-02T10:00:00.000Z", "text": "b"},
    ]
    params = {
        "query": "a",
        "granularity": "day",
        "start_time": "2026-12-01T12:00:00Z",
        "end_time": "2026-12-03T00:00:00Z",
    }
    status, body = x_counts.counts(posts, params, NOW, matches=lambda post, query: post["text"] == query)
    assert status == 200
    assert [(b["start"], b["tweet_count"]) for b in body["data"]] == [
        ("2026-12-01T12:00:00.000Z", 1),
        ("2026-12-02T00:00:00.000Z", 1),
    ]


def test_the_mapping_fake_counts_what_its_search_returns_and_the_client_refuses_nothing_x_takes() -> None:
    world = synthetic_world(11, accounts=300, partners=12, chat_weeks=6)
    clock = FakeClock()
    fake = FakeXGraph(world, clock=clock.now, token="t")
    client = XClient(
        httpx.Client(transport=fake.transport), Settings(x_bearer_token="t", database_url="sqlite://").x_config()
    )
    query = "#ukfechat OR apprenticeships"
    counted = total_over_pages(page.raw for page in client.counts(query, granularity="day"))
    searched = sum(len(page.data or []) for page in client.search_recent(query))
    assert counted == searched == 349
    assert client.meter.total.posts_read == 349  # the counts call billed nothing, the search every post
    with pytest.raises(IntegrationError):
        list(client.counts(query, start_time=clock.now() - timedelta(days=8)))
