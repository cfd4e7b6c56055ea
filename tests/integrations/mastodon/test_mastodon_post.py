"""Posting to Mastodon: form body, Idempotency-Key and bearer token on the wire; failures in the shared error family."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest

from integrations.errors import AuthError, RateLimited
from integrations.mastodon.post import post_status


def test_post_sends_the_status_reply_and_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"id": "1101", "url": "https://mastodon.social/@c/1101", "content": "<p>hi</p>"}
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        posted = post_status(
            http,
            base_url="https://mastodon.social/",
            access_token="tok",
            text="Q1 hi #edchat",
            idempotency_key="chat:1:question:1:mastodon",
            in_reply_to_id="1100",
        )
    assert (posted.id, posted.url) == ("1101", "https://mastodon.social/@c/1101")
    (request,) = seen
    assert request.method == "POST" and str(request.url) == "https://mastodon.social/api/v1/statuses"
    assert request.headers["Idempotency-Key"] == "chat:1:question:1:mastodon"
    assert request.headers["Authorization"] == "Bearer tok"
    assert parse_qs(request.content.decode()) == {
        "status": ["Q1 hi #edchat"],
        "visibility": ["public"],
        "in_reply_to_id": ["1100"],
    }


def test_refusals_map_to_the_error_family() -> None:
    answers = iter(
        [
            httpx.Response(401, json={"error": "The access token is invalid"}),
            httpx.Response(
                429, headers={"X-RateLimit-Reset": "2030-01-01T00:00:00.000Z"}, json={"error": "Too many requests"}
            ),
        ]
    )
    with httpx.Client(transport=httpx.MockTransport(lambda _r: next(answers))) as http:
        with pytest.raises(AuthError):
            post_status(http, base_url="https://m.example", access_token="bad", text="x", idempotency_key="k")
        with pytest.raises(RateLimited):
            post_status(http, base_url="https://m.example", access_token="ok", text="x", idempotency_key="k")
