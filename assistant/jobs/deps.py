"""What the worker's feature sources need (settings, HTTP to the networks, Slack), built lazily from the environment."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings, load_settings
from assistant.models.workspaces import Workspace
from integrations.errors import AuthError

log = logging.getLogger(__name__)


class SlackInstallations:
    """Bot tokens per workspace from the OAuth installation store (multi-workspace installs).

    Reads slack_sdk's `slack_bots` table, the one Bolt's SQLAlchemyInstallationStore writes on install, and
    refreshes a rotating token shortly before it expires (saving the new one), as Bolt does for requests.
    """

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.store = SQLAlchemyInstallationStore(client_id=settings.slack_client_id or "", engine=engine)

    def bot(self, team_id: str) -> Bot | None:
        """The latest installation of the app in `team_id` that has a bot token (any Enterprise Grid org)."""
        bots = self.store.bots
        c = bots.c
        query = (
            bots.select()
            .where(c.client_id == self.store.client_id, c.team_id == team_id, c.bot_token.is_not(None))
            .order_by(sa.desc(c.installed_at))
            .limit(1)
        )
        with self.store.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            return None
        bot = self.store.build_bot_entity(row)
        return self._rotated(bot)

    def _rotated(self, bot: Bot) -> Bot:
        secret = self.settings.slack_client_secret
        if not bot.bot_refresh_token or secret is None:
            return bot
        rotator = TokenRotator(
            client_id=self.store.client_id,
            client_secret=secret.get_secret_value(),
            client=WebClient(base_url=self.settings.slack_api_url),
        )
        refreshed = rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=10)
        if refreshed is None:
            return bot
        self.store.save_bot(refreshed)
        return refreshed

    def token(self, team_id: str) -> str | None:
        bot = self.bot(team_id)
        return bot.bot_token if bot is not None else None


@dataclass
class JobDeps:
    settings: Settings
    http: Callable[[], httpx.Client]
    slack: Callable[[], WebClient]
    installations: SlackInstallations | None = None

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine | None = None) -> JobDeps:
        """The single-workspace client from SLACK_BOT_TOKEN; with SLACK_CLIENT_ID, per-team tokens from the store."""
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        installations = None
        if settings.multi_workspace:
            from assistant.db import create_db_engine

            installations = SlackInstallations(settings, engine or create_db_engine(settings.database_url))
        return cls(
            settings=settings,
            http=lambda: httpx.Client(timeout=20.0),
            slack=lambda: WebClient(token=token, base_url=settings.slack_api_url),
            installations=installations,
        )

    def slack_for(self, team_id: str | None) -> WebClient:
        """The WebClient of one workspace: its installation's bot token, else the single-workspace client.

        Raises AuthError (the outbox gives up, nobody is retried every minute) when the app is not installed in
        that workspace and there is no SLACK_BOT_TOKEN to fall back on.
        """
        if self.installations is None or not team_id:
            return self.slack()
        token = self.installations.token(team_id)
        if token is not None:
            return WebClient(token=token, base_url=self.settings.slack_api_url)
        if self.settings.slack_bot_token is not None:
            return self.slack()
        raise AuthError(f"the app is not installed in Slack workspace {team_id} (no bot token)", service="Slack")

    def slack_for_workspace(self, session: Session, workspace_id: int | None) -> WebClient:
        """`slack_for` by the app's Workspace row id, as most job rows carry it."""
        workspace = session.get(Workspace, workspace_id) if workspace_id is not None else None
        return self.slack_for(workspace.slack_team_id if workspace is not None else None)


class LazyDeps:
    """Resolves JobDeps on first use so importing the job modules reads nothing.

    Pass the worker's engine to `get`: a multi-workspace install reads its bot tokens through it (without one,
    JobDeps opens its own engine on DATABASE_URL).
    """

    def __init__(self, deps: JobDeps | None = None, factory: Callable[[Engine | None], JobDeps] | None = None) -> None:
        self._deps = deps
        self._factory = factory or (lambda engine: JobDeps.from_settings(load_settings(), engine))

    def get(self, engine: Engine | None = None) -> JobDeps:
        if self._deps is None:
            self._deps = self._factory(engine)
        return self._deps
