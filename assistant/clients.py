"""The one place outside clients are built: HTTP with one timeout policy, Slack per workspace, X, Mastodon, Bluesky, Yammer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings
from assistant.models.workspaces import Workspace
from integrations.bluesky.client import BlueskyClient
from integrations.errors import AuthError
from integrations.mastodon.client import MastodonClient
from integrations.x.client import XClient
from integrations.x.oauth import XOAuth
from integrations.yammer.client import YammerClient

log = logging.getLogger(__name__)

# One timeout policy for every call to an outside service: 5 s to connect, 30 s for each read, write or pool wait.
HTTP_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
USER_AGENT = "outreach-assistant"


def new_http(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An httpx client with the app's timeout policy (tests give a MockTransport)."""
    return httpx.Client(timeout=HTTP_TIMEOUT, transport=transport, headers={"User-Agent": USER_AGENT})


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
class Clients:
    """Built once from the Settings the CLI or server loaded, and handed to the jobs, listeners and services.

    `http` opens an httpx client (the caller closes it); `slack` is the single-workspace WebClient; with a
    multi-workspace install, `installations` holds each workspace's bot token. Tests build their own Clients
    (an `http` over httpx.MockTransport, a `slack` pointed at the Slack stand-in).
    """

    settings: Settings
    http: Callable[[], httpx.Client] = new_http
    slack: Callable[[], WebClient] | None = None
    installations: SlackInstallations | None = None

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine | None = None) -> Clients:
        """The single-workspace client from SLACK_BOT_TOKEN; with SLACK_CLIENT_ID, per-team tokens from the store."""
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        installations = None
        if settings.multi_workspace:
            from assistant.db import create_db_engine

            installations = SlackInstallations(settings, engine or create_db_engine(settings.database_url))
        return cls(
            settings=settings,
            slack=lambda: WebClient(token=token, base_url=settings.slack_api_url),
            installations=installations,
        )

    @property
    def runs_slack(self) -> bool:
        """Whether there is any way to reach Slack (a bot token or the installation store)."""
        return self.settings.slack_bot_token is not None or self.installations is not None

    # Slack

    def slack_client(self) -> WebClient:
        """The single-workspace client (SLACK_BOT_TOKEN on SLACK_API_URL)."""
        if self.slack is not None:
            return self.slack()
        token = self.settings.slack_bot_token
        return WebClient(token=token.get_secret_value() if token else None, base_url=self.settings.slack_api_url)

    def slack_for(self, team_id: str | None) -> WebClient:
        """The WebClient of one workspace: its installation's bot token, else the single-workspace client.

        Raises AuthError (the outbox gives up, nobody is retried every minute) when the app is not installed in
        that workspace and there is no SLACK_BOT_TOKEN to fall back on.
        """
        if self.installations is None or not team_id:
            return self.slack_client()
        token = self.installations.token(team_id)
        if token is not None:
            return WebClient(token=token, base_url=self.settings.slack_api_url)
        if self.settings.slack_bot_token is not None:
            return self.slack_client()
        raise AuthError(f"the app is not installed in Slack workspace {team_id} (no bot token)", service="Slack")

    def slack_for_workspace(self, session: Session, workspace_id: int | None) -> WebClient:
        """`slack_for` by the app's Workspace row id, as most job rows carry it."""
        workspace = session.get(Workspace, workspace_id) if workspace_id is not None else None
        return self.slack_for(workspace.slack_team_id if workspace is not None else None)

    # The networks (each over an httpx client from `http`, which the caller owns)

    def x(self, http: httpx.Client, **options: Any) -> XClient:
        """An X client with the app's config; `options` are XClient's (user_token, meter, clock, sleep...)."""
        return XClient(http, self.settings.x_config(), **options)

    def x_oauth(self, http: httpx.Client, *, redirect_uri: str | None = None) -> XOAuth:
        return XOAuth(
            http,
            self.settings.x_config(),
            redirect_uri=self.settings.x_redirect_uri if redirect_uri is None else redirect_uri,
        )

    def mastodon(self, http: httpx.Client) -> MastodonClient:
        return MastodonClient.from_config(self.settings.mastodon_config(), http)

    def mastodon_as(self, http: httpx.Client, *, token: str | None, instance_url: str | None = None) -> MastodonClient:
        """A Mastodon client as one account: its token on its own instance (MASTODON_BASE_URL when none is stored,
        as for an account connected before instances were)."""
        return MastodonClient(http, base_url=instance_url or self.settings.mastodon_base_url, access_token=token)

    def bluesky(self, http: httpx.Client) -> BlueskyClient:
        return BlueskyClient.from_config(self.settings.bluesky_config(), http)

    def bluesky_as(
        self, http: httpx.Client, *, handle: str, app_password: str | None, base_url: str | None = None
    ) -> BlueskyClient:
        """A Bluesky client as one account: its handle and app password on the XRPC base of its own PDS
        (BLUESKY_API_URL when none is given)."""
        return BlueskyClient(
            http,
            handle=handle.lstrip("@"),
            app_password=app_password,
            base_url=base_url or self.settings.bluesky_api_url,
        )

    def yammer(self, http: httpx.Client, *, token: str | None = None) -> YammerClient:
        return YammerClient.from_config(self.settings.yammer_config(), http, token=token)
