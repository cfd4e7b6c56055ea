"""Shared fixtures of the worker jobs: a multi-workspace install (two workspaces, each with its own bot token)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.clients import Clients
from assistant.config import Settings
from assistant.services.team.workspaces import ensure_workspace
from assistant.standins.slack import SlackStandIn

CLIENT_ID = "1111.2222"
TOKENS = {"T0DEMO0001": "xoxb-demo-team-token", "T0OTHER001": "xoxb-other-team-token"}
INSTALLED_AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
ENCRYPTION_KEY = "test-encryption-key-for-workspaces-0123456789abcdef"


def install(engine: Engine, tokens: Mapping[str, str] = TOKENS, *, client_id: str = CLIENT_ID) -> None:
    """Save one installation per team in slack_sdk's SQLAlchemy installation store, as Bolt's OAuth flow does."""
    store = SQLAlchemyInstallationStore(client_id=client_id, engine=engine)
    for team, token in tokens.items():
        store.save(
            Installation(
                app_id="A0APP00001",
                team_id=team,
                bot_token=token,
                bot_id=f"B{team[1:]}",
                bot_user_id=f"U{team[1:]}",
                bot_scopes="chat:write,im:write,usergroups:read,files:write",
                user_id="U0ADMIN001",
                installed_at=INSTALLED_AT.timestamp(),
            )
        )


@dataclass
class TwoWorkspaces:
    """Two installed workspaces (`TOKENS`), their Workspace rows, the Slack stand-in and multi-workspace Clients."""

    engine: Engine
    slack: SlackStandIn
    settings: Settings
    deps: Clients
    ids: dict[str, int]  # Slack team id → Workspace.id

    @property
    def demo(self) -> int:
        return self.ids["T0DEMO0001"]

    @property
    def other(self) -> int:
        return self.ids["T0OTHER001"]

    def tokens(self, method: str = "chat.postMessage", arg: str = "channel") -> dict[str, str | None]:
        """The bot token each call to `method` carried, by the value of its `arg` (a channel, say)."""
        return {str(call.args.get(arg)): call.token for call in self.slack.calls_to(method)}


@pytest.fixture
def two_workspaces(engine: Engine) -> Iterator[TwoWorkspaces]:
    """SLACK_CLIENT_ID set, no SLACK_BOT_TOKEN: every message must find its workspace's installation."""
    with SlackStandIn() as slack:
        settings = Settings(
            _env_file=None,
            slack_bot_token=None,
            slack_client_id=CLIENT_ID,
            slack_client_secret=SecretStr("secret"),
            slack_api_url=slack.base_url,
            encryption_key=SecretStr(ENCRYPTION_KEY),
            x_bearer_token=SecretStr("bearer-SECRET"),
        )
        install(engine)
        with Session(engine) as session:
            ids = {team: ensure_workspace(session, slack_team_id=team).id or 0 for team in TOKENS}
            session.commit()
        yield TwoWorkspaces(engine, slack, settings, Clients.from_settings(settings, engine), ids)
