"""Test helpers around the Slack stand-in: an app wired to it, and signed requests sent over WSGI."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx
from slack_bolt import App
from sqlalchemy.engine import Engine

from assistant.clients import Clients, new_http
from assistant.config import Settings
from assistant.slack.app import create_app
from assistant.slack.context import Services
from assistant.standins import slack_requests as requests
from assistant.standins.blockkit import ack_problems
from assistant.standins.slack import SlackStandIn
from assistant.web import create_wsgi_app

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-bot-token-0001"


def make_settings(database_url: str, slack: SlackStandIn, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        database_url=database_url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.base_url,
        slack_comms_usergroup="S0COMMS001",
        slack_app_token=None,
        slack_client_id=None,
        slack_admin_users="",
    )
    values.update(overrides)
    return Settings(**values)


@dataclass
class SlackHarness:
    """The app under test, the stand-in it talks to, and an HTTP client for its WSGI front."""

    slack: SlackStandIn
    settings: Settings
    services: Services
    bolt: App
    http: httpx.Client

    def use_networks(self, fake: Callable[[httpx.Request], httpx.Response] | httpx.BaseTransport) -> Clients:
        """The app's outside HTTP calls (X, Mastodon, Bluesky, Yammer) answered by `fake`; the new Clients."""
        transport = fake if isinstance(fake, httpx.BaseTransport) else httpx.MockTransport(fake)
        self.services.clients = replace(self.services.clients, http=lambda: new_http(transport))
        return self.services.clients

    def post(self, signed: requests.SignedRequest) -> httpx.Response:
        """Send a signed request; an ack carrying Block Kit Slack would refuse fails the test here."""
        response = self.http.post("/slack/events", content=signed.body, headers=signed.headers)
        if response.status_code == 200 and "json" in response.headers.get("content-type", ""):
            body = json.loads(response.text)
            if isinstance(body, dict):
                assert ack_problems(body) == [], f"Slack would refuse this ack: {body}"
        return response

    def command(self, text: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("response_url", self.slack.response_url())
        return self.post(requests.signed_command(text, SIGNING_SECRET, **kwargs))

    def action(self, payload: dict[str, Any]) -> httpx.Response:
        return self.post(requests.signed_payload(payload, SIGNING_SECRET))

    def press(self, action_id: str, value: str, user_id: str, name: str, *, channel_id: str = "C0COMMS001") -> str:
        """Press a message button as `user_id` (signed, acked with 200); the text of the app's last answer to it."""
        payload = requests.block_actions(
            {"type": "button", "action_id": action_id, "value": value},
            user_id=user_id,
            channel_id=channel_id,
            response_url=self.slack.response_url(name),
        )
        assert self.action(payload).status_code == 200
        return str(self.slack.wait_for(f"response/{name}")[-1].args["text"])

    def event(self, envelope: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.post(requests.signed_event(envelope, SIGNING_SECRET, **kwargs))


@contextmanager
def harness(engine: Engine, database_url: str, **overrides: Any) -> Iterator[SlackHarness]:
    with SlackStandIn() as slack:
        settings = make_settings(database_url, slack, **overrides)
        services = Services.build(settings, engine)
        bolt = create_app(settings, services)
        wsgi = create_wsgi_app(bolt, engine)
        with httpx.Client(transport=httpx.WSGITransport(app=wsgi), base_url="http://outreach.test") as http:
            yield SlackHarness(slack, settings, services, bolt, http)


def ack_json(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    if "json" in response.headers.get("content-type", ""):
        loaded = json.loads(response.text)
        assert isinstance(loaded, dict)
        return loaded
    return {"text": response.text}


def view_arg(call_args: dict[str, Any]) -> dict[str, Any]:
    view = call_args["view"]
    return json.loads(view) if isinstance(view, str) else view
