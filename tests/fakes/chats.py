"""A chat world for tests: the Slack and X stand-ins, a connected X host account and the chat worker source."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
from cryptography.fernet import Fernet
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings
from assistant.crypto import TokenCipher
from assistant.jobs.chats.runner import ChatRunner
from assistant.models.chats import ChatOccurrence, ChatSeries
from assistant.services.accounts.credentials import save_credential
from assistant.services.chats.form import ChatInput, validate
from assistant.services.chats.repo import create_chat, occurrences_of
from assistant.services.team.workspaces import ensure_workspace
from assistant.standins.slack import SlackStandIn
from assistant.standins.x import XStandIn
from assistant.worker import Outcome, Worker
from integrations.x.oauth import TokenSet

BOT_TOKEN = "xoxb-test-bot-token-0001"
APP_BEARER = "app-bearer-token"


class Crash(BaseException):
    """The process dies between "posted" and "recorded": nothing after this point runs."""


@dataclass
class ChatWorld:
    engine: Engine
    slack: SlackStandIn
    x: XStandIn
    settings: Settings
    runner: ChatRunner
    workspace_id: int
    credential_id: int
    digests: list[dict[str, Any]] = field(default_factory=list)

    def chat(self, now: datetime, **changes: Any) -> tuple[ChatSeries, list[ChatOccurrence]]:
        values: dict[str, Any] = dict(
            hashtag="ukfechat",
            title="Further education after the review",
            start_date="2026-12-03",
            start_time="21:00",
            timezone="Europe/London",
            duration=60,
            recurrence="none",
            channel_id="C0COMMS001",
            host=str(self.credential_id),
            moderators=["U0COMMS001"],
            questions="5 | What changed this term?\n20 | Which support helped most?\n40 | What next?",
        )
        values.update(changes)
        with Session(self.engine) as session:
            valid = validate(session, ChatInput(**values), workspace_id=self.workspace_id, now=now)
            series = create_chat(session, valid, workspace_id=self.workspace_id, actor="U0STAFF001", now=now)
            return series, occurrences_of(session, series.id or 0)

    def tick(self, at: datetime, *, name: str = "w1") -> list[tuple[str, Outcome]]:
        return Worker(self.engine, [self.runner], now=lambda: at, name=name).tick()

    def crash_after_posting(self, key: str, at: datetime) -> None:
        """A tick at `at` whose worker dies right after posting `key`, before recording it; then a healthy runner."""

        def die(done_key: str) -> None:
            if done_key == key:
                raise Crash()

        self.runner.after_post = die
        try:
            self.tick(at)
        except Crash:
            return
        finally:
            self.runner.after_post = lambda _key: None
        raise AssertionError(f"{key} was not posted at {at}")

    def x_texts(self) -> list[str]:
        return [post["text"] for post in self.x.created()]

    def dms(self) -> list[dict[str, Any]]:
        return [
            call.args
            for call in self.slack.calls_to("chat.postMessage")
            if str(call.args.get("channel", "")).startswith("D")
        ]


@contextmanager
def chat_world(engine: Engine, *, fake_digest: bool = True) -> Iterator[ChatWorld]:
    with SlackStandIn() as slack, XStandIn(app_token=APP_BEARER) as x, httpx.Client(timeout=10) as http:
        settings = Settings(
            _env_file=None,
            database_url=str(engine.url),
            slack_bot_token=BOT_TOKEN,
            slack_api_url=slack.base_url,
            x_api_url=x.base_url,
            x_bearer_token=APP_BEARER,
            encryption_key=Fernet.generate_key().decode(),
            slack_app_token=None,
            slack_client_id=None,
        )
        with Session(engine) as session:
            workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
            session.commit()
            host = x.users[0]
            credential = save_credential(
                session,
                TokenCipher.from_settings(settings),
                platform="x",
                account_id=host.id,
                tokens=TokenSet(access_token=host.token),
                now=datetime.now().astimezone(),
                workspace_id=workspace.id,
                handle=host.username,
            )
            workspace_id, credential_id = workspace.id or 0, credential.id or 0
        digests: list[dict[str, Any]] = []

        def request_digest(session: Session, **kwargs: Any) -> object:
            digests.append(kwargs)
            return type("Job", (), {"id": len(digests)})()

        runner = ChatRunner(
            settings,
            WebClient(token=BOT_TOKEN, base_url=slack.base_url),
            http,
            request_digest=request_digest if fake_digest else None,
        )
        yield ChatWorld(engine, slack, x, settings, runner, workspace_id, credential_id, digests)


@dataclass
class FakeMastodon:
    """A Mastodon instance that honours Idempotency-Key (a repeated key answers with the first status)."""

    statuses: dict[str, dict[str, str]] = field(default_factory=dict)  # by Idempotency-Key: what was created
    calls: list[dict[str, str]] = field(default_factory=list)  # every POST /api/v1/statuses

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/statuses" and request.headers["Authorization"] == "Bearer masto-token"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        key = request.headers["Idempotency-Key"]
        self.calls.append({"key": key, **form})
        status = self.statuses.setdefault(key, {"id": str(110_000 + len(self.statuses)), **form})
        return httpx.Response(200, json={"id": status["id"], "url": f"https://mastodon.social/@council/{status['id']}"})


def connect_mastodon(world: ChatWorld, now: datetime) -> FakeMastodon:
    """The team's Mastodon account (@council, token `masto-token`) connected, its instance answered by a fake."""
    fake = FakeMastodon()
    world.runner.mastodon_http = httpx.Client(transport=httpx.MockTransport(fake))
    with Session(world.engine) as session:
        save_credential(
            session,
            TokenCipher.from_settings(world.settings),
            platform="mastodon",
            account_id="77",
            tokens=TokenSet(access_token="masto-token"),
            now=now,
            workspace_id=world.workspace_id,
            handle="council",
        )
    return fake
