"""The Slack stand-in reports a token's scopes in x-oauth-scopes, and refuses a method past them, as Slack does."""

from __future__ import annotations

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
