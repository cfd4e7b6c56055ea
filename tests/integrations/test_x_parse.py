"""X API v2 page parsing: real twarc2-captured pages, both namings (classic tweets / new posts)."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from integrations.x.parse import parse_page, parse_tweet, parse_user
from tests.conftest import shared_path

TWARC = ("fixtures", "twarc2", "twarc-csv_test-data")

# classic name -> name in the new spec (checked against the v2.167 OpenAPI file below)
RENAMES = {
    "referenced_tweets": "referenced_posts",
    "retweet_count": "repost_count",
    "tweet_count": "post_count",
    "edit_history_tweet_ids": "edit_history_post_ids",
    "pinned_tweet_id": "pinned_post_id",
}


def load_page(name: str, line: int = 0) -> dict[str, Any]:
    with shared_path(*TWARC, name).open() as fp:
        return json.loads(fp.readlines()[line])


def to_posts_dialect(value: Any) -> Any:
    """A deep copy of a classic page with every key renamed as the new spec names it."""
    if isinstance(value, dict):
        return {RENAMES.get(key, key): to_posts_dialect(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_posts_dialect(item) for item in value]
    return value


def without_raw(obj: Any) -> dict[str, Any]:
    data = dataclasses.asdict(obj)
    data.pop("raw")
    return data


def test_new_names_exist_in_the_latest_spec() -> None:
    spec = json.loads(shared_path("specs", "x", "x-api-v2-openapi_v2.167_latest.json").read_text())
    schemas = spec["components"]["schemas"]
    assert "referenced_posts" in schemas["Post"]["properties"]
    assert "edit_history_post_ids" in schemas["Post"]["properties"]
    assert "repost_count" in schemas["PostPublicMetrics"]["properties"]
    assert "post_count" in schemas["UserPublicMetrics"]["properties"]
    assert "pinned_post_id" in schemas["User"]["properties"]
    assert "posts" in schemas["Expansions"]["properties"]


def test_page_yields_every_primary_and_included_post_once() -> None:
    page = load_page("noflat.jsonl")
    expected = {t["id"] for t in page["data"]} | {t["id"] for t in page["includes"]["tweets"]}
    batch = parse_page(page)
    ids = [post.id for post in batch.posts]
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected
    assert {a.id for a in batch.accounts} == {u["id"] for u in page["includes"]["users"]}
    assert all(post.source == "x-api" for post in batch.posts)


def test_retweet_fields() -> None:
    page = load_page("noflat.jsonl")
    post = parse_page(page).posts[0]
    assert post.id == "1380242611781386245"
    assert post.kind == "repost"
    assert post.reposted_post_id == "1380175475545362437"
    assert post.author_handle == "Alexandravm12"
    assert post.url == "https://x.com/Alexandravm12/status/1380242611781386245"
    assert post.mentions == ["williamserafino"]
    assert post.created_at == datetime(2021, 4, 8, 19, 34, 16, tzinfo=UTC)
    assert post.metrics.reposts == 410 and post.metrics.impressions is None
    assert post.lang == "es" and post.conversation_id == "1380242611781386245"


def test_references_entities_and_metrics_match_the_json() -> None:
    page = load_page("entities_test.jsonl")
    by_id = {post.id: post for post in parse_page(page).posts}
    items = page["data"] + page["includes"]["tweets"]
    checked = {"replied_to": 0, "quoted": 0, "retweeted": 0}
    for item in items:
        post = by_id[item["id"]]
        refs = {ref["type"]: ref["id"] for ref in item.get("referenced_tweets", [])}
        checked.update({kind: checked[kind] + 1 for kind in refs})
        assert post.reply_to_post_id == refs.get("replied_to")
        assert post.quoted_post_id == refs.get("quoted")
        assert post.reposted_post_id == refs.get("retweeted")
        assert post.reply_to_user_id == item.get("in_reply_to_user_id")
        entities = item.get("entities", {})
        assert post.hashtags == [h["tag"].lower() for h in entities.get("hashtags", [])]
        assert post.mentions == [m["username"].lower() for m in entities.get("mentions", [])]
        # where the link leads: X's unwound_url (a shortener's destination) before expanded_url
        assert post.urls == [u.get("unwound_url") or u.get("expanded_url") or u["url"] for u in entities.get("urls", [])]
        assert post.text == item["text"].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        assert post.metrics.likes == item["public_metrics"]["like_count"]
        assert post.metrics.replies == item["public_metrics"]["reply_count"]
        assert post.metrics.quotes == item["public_metrics"]["quote_count"]
        if "retweeted" in refs:
            assert post.kind == "repost"
        elif "replied_to" in refs:
            assert post.kind == "reply"
        elif "quoted" in refs:
            assert post.kind == "quote"
        else:
            assert post.kind == "original"
    assert all(checked.values()), checked  # the file exercises every reference type


def test_both_namings_give_identical_posts_and_accounts() -> None:
    classic = load_page("noflat.jsonl")
    posts_page = to_posts_dialect(copy.deepcopy(classic))
    posts_page["includes"]["posts"] = posts_page["includes"].pop("tweets")
    assert "referenced_posts" in json.dumps(posts_page) and "retweet_count" not in json.dumps(posts_page)
    a, b = parse_page(classic), parse_page(posts_page)
    assert [without_raw(p) for p in a.posts] == [without_raw(p) for p in b.posts]
    assert [without_raw(u) for u in a.accounts] == [without_raw(u) for u in b.accounts]
    assert any(p.kind == "repost" for p in b.posts) and any(u.post_count for u in b.accounts)


def test_partial_errors_become_readable_problems() -> None:
    batch = parse_page(load_page("noflat.jsonl"))
    assert batch.problems == ["X API: Forbidden (user gatewaypundit): User has been suspended: [gatewaypundit]."]


def test_single_object_data_from_the_stream() -> None:
    page = load_page("streaming_output_with_error.jsonl")
    batch = parse_page(page, source="stream")
    assert batch.posts[0].id == page["data"]["id"]
    assert batch.posts[0].kind == "quote"
    assert batch.posts[0].author_handle  # resolved through includes.users
    assert {p.id for p in batch.posts} == {page["data"]["id"]} | {t["id"] for t in page["includes"]["tweets"]}


def test_users_page_yields_accounts() -> None:
    page = load_page("users.jsonl")
    batch = parse_page(page)
    expected = {u["id"] for u in page["data"]} | {u["id"] for u in page["includes"].get("users", [])}
    assert {a.id for a in batch.accounts} == expected
    first = page["data"][0]
    account = next(a for a in batch.accounts if a.id == first["id"])
    assert account.handle == first["username"]
    assert account.followers == first["public_metrics"]["followers_count"]
    assert account.post_count == first["public_metrics"]["tweet_count"]


def test_impressions_and_new_metric_names() -> None:
    obj = {
        "id": "1",
        "text": "hi #Chat",
        "author_id": "9",
        "created_at": "2024-01-02T03:04:05.000Z",
        "public_metrics": {
            "repost_count": 2,
            "like_count": 3,
            "reply_count": 4,
            "quote_count": 5,
            "impression_count": 99,
        },
        "entities": {"hashtags": [{"start": 3, "end": 8, "tag": "Chat"}], "urls": [{"url": "https://t.co/x"}]},
    }
    post = parse_tweet(obj, {"9": {"id": "9", "username": "nine"}})
    assert (post.metrics.reposts, post.metrics.likes, post.metrics.replies, post.metrics.quotes) == (2, 3, 4, 5)
    assert post.metrics.impressions == 99
    assert post.hashtags == ["chat"] and post.urls == ["https://t.co/x"]
    assert post.author_handle == "nine" and post.kind == "original"


@pytest.mark.parametrize("key", ["note_tweet", "note_post"])
def test_long_post_text_and_entities_come_from_the_note(key: str) -> None:
    full = "A long answer " + "x" * 300 + " #UKFEChat"
    obj = {
        "id": "3",
        "text": "A long answer xxx… https://t.co/more",
        "created_at": "2024-01-02T03:04:05Z",
        "entities": {"urls": [{"url": "https://t.co/more"}]},
        key: {"text": full, "entities": {"hashtags": [{"start": 315, "end": 325, "tag": "UKFEChat"}]}},
    }
    post = parse_tweet(obj)
    assert post.text == full and post.hashtags == ["ukfechat"] and post.urls == []


def test_user_profile_url_is_expanded() -> None:
    user = {
        "id": "5",
        "username": "org",
        "name": "Org",
        "url": "https://t.co/abc",
        "entities": {"url": {"urls": [{"url": "https://t.co/abc", "expanded_url": "https://org.example"}]}},
        "public_metrics": {"followers_count": 10, "following_count": 2, "post_count": 7},
        "created_at": "2010-01-01T00:00:00.000Z",
    }
    account = parse_user(user)
    assert account.url == "https://org.example"
    assert (account.followers, account.following, account.post_count) == (10, 2, 7)
    assert account.created_at == datetime(2010, 1, 1, tzinfo=UTC)


def test_post_without_created_at_is_reported_not_crashing() -> None:
    page = {"data": [{"id": "1", "text": "x"}, {"id": "2", "text": "y", "created_at": "2024-01-01T00:00:00Z"}]}
    batch = parse_page(page)
    assert [p.id for p in batch.posts] == ["2"]
    assert len(batch.problems) == 1 and "post 1" in batch.problems[0]


@pytest.mark.parametrize("data", [None, []])
def test_empty_page(data: Any) -> None:
    assert parse_page({"data": data, "meta": {"result_count": 0}}).posts == []
