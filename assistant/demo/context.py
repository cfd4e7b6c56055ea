"""What every demo step is handed: the console, settings, database, Slack stand-in and the Bolt app."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from assistant.clients import Clients
from assistant.config import Settings
from assistant.render.blocks_text import blocks_to_text
from assistant.standins import slack_requests as requests
from assistant.standins.blockkit import ack_problems
from assistant.standins.slack import SlackStandIn

DEMO_SIGNING_SECRET = "demo-signing-secret-not-for-production"
DEMO_BOT_TOKEN = "xoxb-demo-token"


@dataclass
class DemoContext:
    """Everything a demo step may use."""

    console: Console
    settings: Settings
    engine: Engine
    slack: SlackStandIn
    bolt: App
    output: Path
    notes: list[str] = field(default_factory=list)

    def command(self, text: str, *, user_id: str = "U0STAFF001") -> dict[str, Any]:
        """Send `/outreach TEXT` through the real Bolt path (signed, verified) and return the ack body."""
        signed = requests.signed_command(
            text, DEMO_SIGNING_SECRET, user_id=user_id, response_url=self.slack.response_url()
        )
        response = self.bolt.dispatch(BoltRequest(body=signed.body, headers=signed.headers))
        if response.status != 200:
            raise RuntimeError(f"/outreach {text} answered HTTP {response.status}: {response.body}")
        body = ack_body(response.body, response.headers)
        problems = ack_problems(body)
        if problems:
            raise RuntimeError(f"/outreach {text} answered what Slack would refuse: {problems[0].slack_line()}")
        return body

    def event(self, envelope: dict[str, Any]) -> None:
        signed = requests.signed_event(envelope, DEMO_SIGNING_SECRET)
        response = self.bolt.dispatch(BoltRequest(body=signed.body, headers=signed.headers))
        if response.status != 200:
            raise RuntimeError(f"event answered HTTP {response.status}")

    def clients(self) -> Clients:
        """The clients a demo worker runs with: HTTP as configured, Slack at the stand-in with the demo's bot token."""
        token = self.settings.slack_bot_token.get_secret_value() if self.settings.slack_bot_token else None
        return Clients(
            settings=self.settings, slack=lambda: WebClient(token=token, base_url=self.settings.slack_api_url)
        )

    def posted_since(self, before: int) -> tuple[str, list[dict[str, Any]]]:
        """The channel and blocks of the next chat.postMessage after the first `before` ones (waits for it)."""
        posted = self.slack.wait_for("chat.postMessage", count=before + 1)[-1].args
        blocks = posted["blocks"]
        return str(posted["channel"]), json.loads(blocks) if isinstance(blocks, str) else blocks

    def show(self, title: str, blocks: list[dict[str, Any]] | None = None, text: str = "") -> None:
        body = blocks_to_text(blocks) if blocks else text
        self.console.print(Panel(body, title=title, title_align="left", expand=False))


Step = Callable[[DemoContext], None]


def ack_body(body: str, headers: dict[str, Any]) -> dict[str, Any]:
    """What the person sees from an ack: JSON blocks/text, or a plain-text reply."""
    content_type = " ".join(headers.get("content-type", []))
    if body and "json" in content_type:
        loaded = json.loads(body)
        return loaded if isinstance(loaded, dict) else {"text": str(loaded)}
    return {"text": body}
