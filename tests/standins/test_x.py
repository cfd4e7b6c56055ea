"""The X stand-in answers in the shapes of X's published OpenAPI spec and records what it was asked."""

from __future__ import annotations

import json
from typing import Any

import httpx
from jsonschema import Draft202012Validator

from assistant.standins.x import XStandIn
from tests.conftest import shared_path

USER_TOKEN = "x-user-token-demo"


def _validator(name: str) -> Draft202012Validator:
    spec = json.loads(shared_path("specs", "x", "x-api-v2-openapi_v2.112_classic.json").read_text("utf-8"))
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


def _check(name: str, body: dict[str, Any]) -> None:
    errors = [e.message for e in _validator(name).iter_errors(body)]
    assert errors == [], errors


def test_create_reply_search_me_and_delete_match_the_spec() -> None:
    with XStandIn() as x, httpx.Client(base_url=x.base_url, headers={"Authorization": f"Bearer {USER_TOKEN}"}) as http:
        first = http.post("/2/tweets", json={"text": "Welcome to #ukfechat"})
        assert first.status_code == 201
        _check("TweetCreateResponse", first.json())
        intro = first.json()["data"]["id"]
        reply = http.post("/2/tweets", json={"text": "Q1 Why? #ukfechat", "reply": {"in_reply_to_tweet_id": intro}})
        _check("TweetCreateResponse", reply.json())
        me = http.get("/2/users/me")
        _check("Get2UsersMeResponse", me.json())
        assert me.json()["data"]["username"] == "demo_council"
        found = http.get(
            "/2/tweets/search/recent", params={"query": "from:demo_council #ukfechat", "max_results": "10"}
        )
        _check("Get2TweetsSearchRecentResponse", found.json())
        assert [p["text"] for p in found.json()["data"]] == ["Q1 Why? #ukfechat", "Welcome to #ukfechat"]
        assert found.json()["data"][0]["conversation_id"] == intro
        nothing = http.get("/2/tweets/search/recent", params={"query": "from:demo_council #other"})
        _check("Get2TweetsSearchRecentResponse", nothing.json())
        assert nothing.json()["meta"]["result_count"] == 0
        deleted = http.delete(f"/2/tweets/{intro}")
        _check("TweetDeleteResponse", deleted.json())
        assert deleted.json() == {"data": {"deleted": True}}
        assert [(c.method, c.path) for c in x.calls][:2] == [("POST", "/2/tweets"), ("POST", "/2/tweets")]
        assert x.calls[1].body == {"text": "Q1 Why? #ukfechat", "reply": {"in_reply_to_tweet_id": intro}}


def test_refusals_are_problems() -> None:
    with XStandIn() as x, httpx.Client(base_url=x.base_url) as http:
        anonymous = http.post("/2/tweets", json={"text": "hi"})
        assert anonymous.status_code == 401
        _check("Problem", anonymous.json())
        authed = {"Authorization": f"Bearer {USER_TOKEN}"}
        http.post("/2/tweets", json={"text": "same"}, headers=authed)
        duplicate = http.post("/2/tweets", json={"text": "same"}, headers=authed)
        assert duplicate.status_code == 403 and "duplicate" in duplicate.json()["detail"]
        _check("Problem", duplicate.json())


def test_search_pages_through_published_posts_within_the_window() -> None:
    from assistant.standins.x import XUser

    people = [XUser("1500000000000000201", "dana_fe", "Dana", "token-dana")]
    posts = [
        {"id": str(1_900_000_000_000_000_000 + n), "text": f"A{n} yes & no #ukfechat", "author_id": people[0].id}
        | {"created_at": f"2026-03-05T21:{n:02d}:00.000Z", "conversation_id": "1"}
        for n in range(25)
    ]
    with XStandIn() as x, httpx.Client(base_url=x.base_url, headers={"Authorization": "Bearer app-bearer-token"}) as http:
        x.publish(posts, people)
        window = {"start_time": "2026-03-05T21:02:00Z", "end_time": "2026-03-05T21:22:00Z"}
        pages, token = [], None
        while True:
            params = {"query": "#ukfechat", "max_results": "10", **window, **({"next_token": token} if token else {})}
            answer = http.get("/2/tweets/search/recent", params=params).json()
            _check("Get2TweetsSearchRecentResponse", answer)
            pages.append(answer)
            token = answer["meta"].get("next_token")
            if token is None:
                break
    # minutes 2 to 21 (20 posts, end excluded) in pages of 10, newest first; text as X delivers it
    assert [len(page["data"]) for page in pages] == [10, 10]
    assert [p["text"] for p in pages[0]["data"]][:2] == ["A21 yes &amp; no #ukfechat", "A20 yes &amp; no #ukfechat"]
    assert pages[1]["data"][-1]["text"].startswith("A2 ")
    assert pages[0]["includes"]["users"] == [{"id": people[0].id, "name": "Dana", "username": "dana_fe"}]
