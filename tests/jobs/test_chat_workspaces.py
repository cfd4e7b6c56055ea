"""A multi-workspace install: each workspace's due chat work goes out with that workspace's own bot token."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.clients import Clients
from assistant.config import load_settings
from assistant.jobs.chats.runner import ChatRunner
from assistant.models import OutboxItem
from assistant.services.chats.form import ChatInput, validate
from assistant.services.chats.repo import create_chat
from assistant.services.team.workspaces import ensure_workspace
from assistant.worker import Worker
from integrations.errors import AuthError
from tests.fakes.chats import BOT_TOKEN, ChatWorld, chat_world
from tests.jobs.conftest import CLIENT_ID, TOKENS, install

BEFORE = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)


@pytest.fixture
def world(engine: Engine) -> Iterator[ChatWorld]:
    with chat_world(engine) as w:
        w.settings = w.settings.model_copy(
            update={"slack_client_id": CLIENT_ID, "slack_client_secret": SecretStr("secret"), "slack_bot_token": None}
        )
        install(engine)
        yield w


def _other_chat(world: ChatWorld, team: str = "T0OTHER001", channel: str = "C0OTHER001") -> None:
    with Session(world.engine) as session:
        workspace = ensure_workspace(session, slack_team_id=team)
        session.commit()
        form = ChatInput(
            hashtag="othertalk",
            title="The other team's chat",
            start_date="2026-12-03",
            start_time="21:00",
            timezone="Europe/London",
            channel_id=channel,
            moderators=["U0OTHER001"],
            questions="What next?",
        )
        valid = validate(session, form, workspace_id=workspace.id or 0, now=BEFORE)
        create_chat(session, valid, workspace_id=workspace.id or 0, actor="U0OTHER002", now=BEFORE)


def _runner(world: ChatWorld) -> ChatRunner:
    deps = Clients.from_settings(world.settings, world.engine)
    return ChatRunner(world.settings, None, world.runner.http, slack_for=deps.slack_for)


def test_reminders_in_two_workspaces_go_out_with_each_workspace_token(world: ChatWorld) -> None:
    world.chat(BEFORE)
    _other_chat(world)
    Worker(world.engine, [_runner(world)], now=lambda: T0 - timedelta(hours=24)).tick()
    by_channel = {c.args["channel"]: c.token for c in world.slack.calls_to("chat.postMessage")}
    assert by_channel == {
        "C0COMMS001": TOKENS["T0DEMO0001"],
        "D0COMMS001": TOKENS["T0DEMO0001"],
        "D0STAFF001": TOKENS["T0DEMO0001"],
        "C0OTHER001": TOKENS["T0OTHER001"],
        "D0OTHER001": TOKENS["T0OTHER001"],
        "D0OTHER002": TOKENS["T0OTHER001"],
    }
    opened = {c.args["users"]: c.token for c in world.slack.calls_to("conversations.open")}
    assert opened["U0OTHER001"] == TOKENS["T0OTHER001"] and opened["U0STAFF001"] == TOKENS["T0DEMO0001"]


def test_the_registered_source_uses_the_installation_store(world: ChatWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.jobs import sources

    world.chat(BEFORE)
    _other_chat(world)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "secret")
    monkeypatch.setenv("SLACK_API_URL", world.slack.base_url)
    clients = Clients.from_settings(load_settings(), world.engine)
    chats = [s for s in sources(clients) if getattr(s, "__name__", "") == "chat_jobs"]
    Worker(world.engine, chats, now=lambda: T0 - timedelta(hours=24)).tick()
    tokens = {c.args["channel"]: c.token for c in world.slack.calls_to("chat.postMessage")}
    assert tokens["C0COMMS001"] == TOKENS["T0DEMO0001"] and tokens["C0OTHER001"] == TOKENS["T0OTHER001"]
    assert len(tokens) == 6


def test_a_workspace_without_an_installation_uses_slack_bot_token_else_gives_up(world: ChatWorld) -> None:
    _other_chat(world, team="T0NOINSTAL", channel="C0NOINSTAL")
    with_fallback = world.settings.model_copy(update={"slack_bot_token": SecretStr(BOT_TOKEN)})
    deps = Clients.from_settings(with_fallback, world.engine)
    assert deps.slack_for("T0NOINSTAL").token == BOT_TOKEN
    assert deps.slack_for("T0OTHER001").token == TOKENS["T0OTHER001"]
    with Session(world.engine) as session:
        assert deps.slack_for_workspace(session, world.workspace_id).token == TOKENS["T0DEMO0001"]
        assert deps.slack_for_workspace(session, None).token == BOT_TOKEN
    assert (
        Clients.from_settings(world.settings.model_copy(update={"slack_client_id": None}), world.engine)
        .slack_for("T0OTHER001")
        .token
        is None
    )  # single-workspace settings never read the store
    with pytest.raises(AuthError):
        Clients.from_settings(world.settings, world.engine).slack_for("T0NOINSTAL")
    Worker(world.engine, [_runner(world)], now=lambda: T0 - timedelta(hours=24)).tick()
    assert world.slack.calls_to("chat.postMessage") == []
    with Session(world.engine) as session:
        states = {row.key: row.state for row in session.exec(select(OutboxItem))}
    assert states and set(states.values()) == {"dead"}  # not retried every minute


@contextmanager
def _oauth_endpoint(answer: dict[str, object]) -> Iterator[tuple[str, list[dict[str, list[str]]]]]:
    """A local Slack Web API that only knows oauth.v2.access (the token refresh); records each request's form."""
    seen: list[dict[str, list[str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", "0"))
            seen.append({"path": [self.path], **parse_qs(self.rfile.read(length).decode())})
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/", seen
    finally:
        server.shutdown()
        server.server_close()


def test_an_expiring_rotating_bot_token_is_refreshed_and_saved_before_use(world: ChatWorld) -> None:
    store = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=world.engine)
    store.save(
        Installation(
            app_id="A0APP00001",
            team_id="T0ROTATE01",
            bot_token="xoxe.xoxb-old-rotating-token",
            bot_refresh_token="xoxe-1-refresh-old",
            bot_token_expires_in=120,  # within the 10 minutes before expiry: refresh now
            bot_id="B0ROTATE01",
            bot_user_id="U0ROTATE01",
            user_id="U0ADMIN001",
        )
    )
    refreshed = {
        "ok": True,
        "token_type": "bot",
        "access_token": "xoxe.xoxb-new-rotating-token",
        "refresh_token": "xoxe-1-refresh-new",
        "expires_in": 43200,
    }
    with _oauth_endpoint(refreshed) as (url, seen):
        deps = Clients.from_settings(world.settings.model_copy(update={"slack_api_url": url}), world.engine)
        assert deps.slack_for("T0ROTATE01").token == "xoxe.xoxb-new-rotating-token"
        assert deps.slack_for("T0ROTATE01").token == "xoxe.xoxb-new-rotating-token"  # saved: not refreshed again
    (call,) = seen
    assert call["path"] == ["/api/oauth.v2.access"] and call["refresh_token"] == ["xoxe-1-refresh-old"]
    bot = store.find_bot(enterprise_id=None, team_id="T0ROTATE01")
    assert bot is not None and bot.bot_refresh_token == "xoxe-1-refresh-new"
