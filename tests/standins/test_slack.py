"""The Slack stand-in checks the token and its scopes as Slack does, and answers over HTTP in Slack's way."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.standins.slack import SlackStandIn


def test_an_accepted_token_gets_its_scopes_in_the_header_a_refused_one_none() -> None:
    with SlackStandIn(scopes="commands,chat:write") as slack:
        response = WebClient(token="xoxb-1", base_url=slack.base_url).auth_test()
        headers = {name.lower(): value for name, value in response.headers.items()}
        assert headers["x-oauth-scopes"] == "commands,chat:write"
        with pytest.raises(SlackApiError) as refused:
            WebClient(token="xoxp-not-a-bot", base_url=slack.base_url).auth_test()
        assert "x-oauth-scopes" not in {name.lower() for name in refused.value.response.headers}


def test_a_method_needing_a_scope_not_granted_answers_missing_scope() -> None:
    with SlackStandIn(scopes="commands,chat:write") as slack:
        client = WebClient(token="xoxb-1", base_url=slack.base_url)
        with pytest.raises(SlackApiError) as refused:
            client.users_info(user="U0ADMIN001")
        assert refused.value.response["error"] == "missing_scope"
        assert refused.value.response["needed"] == "users:read"
        assert client.chat_postMessage(channel="C0COMMS001", text="hi")["ok"] is True


def test_wrong_token_gets_invalid_auth_like_slack() -> None:
    with SlackStandIn(valid_token="xoxb-right") as slack:
        with pytest.raises(SlackApiError) as info:
            WebClient(token="xoxb-wrong", base_url=slack.base_url).auth_test()
        assert info.value.response["error"] == "invalid_auth"


def test_a_token_in_the_form_body_is_read_like_the_bearer_header() -> None:
    with SlackStandIn() as slack, httpx.Client(base_url=slack.base_url) as http:
        answer = http.post("auth.test", data={"token": "xoxb-in-form"}).json()
        assert answer["ok"] is True
        assert slack.calls_to("auth.test")[0].token == "xoxb-in-form"
        assert "token" not in slack.calls_to("auth.test")[0].args


def test_a_json_body_gives_the_arguments() -> None:
    with SlackStandIn() as slack, httpx.Client(base_url=slack.base_url) as http:
        answer = http.post(
            "chat.postMessage", json={"channel": "C0GENERAL1", "text": "hi"}, headers={"Authorization": "Bearer xoxb-1"}
        ).json()
        assert answer["ok"] is True and answer["channel"] == "C0GENERAL1"
        assert slack.calls_to("chat.postMessage")[0].args == {"channel": "C0GENERAL1", "text": "hi"}


def test_a_rate_limited_call_gets_429_with_retry_after() -> None:
    with SlackStandIn() as slack, httpx.Client(base_url=slack.base_url) as http:
        slack.fail_status["auth.test"] = [429]
        limited = http.post("auth.test", headers={"Authorization": "Bearer xoxb-1"})
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
        assert limited.json() == {"ok": False, "error": "ratelimited"}
        assert http.post("auth.test", headers={"Authorization": "Bearer xoxb-1"}).json()["ok"] is True
