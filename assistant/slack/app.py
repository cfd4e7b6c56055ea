"""The Bolt app factory: builds the app from settings and services; importing this module does no I/O."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.middleware.authorization import SingleTeamAuthorization
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from assistant.config import SLACK_INSTALL_PATH, ConfigError, Settings
from assistant.models import SlackEventReceipt
from assistant.slack.context import Services, request_context
from assistant.slack.errors import answer_error
from assistant.slack.features import FEATURES
from assistant.slack.listeners import actions, commands, events, home

log = logging.getLogger(__name__)

INSTALL_PATH = SLACK_INSTALL_PATH
REDIRECT_PATH = "/slack/oauth_redirect"
EVENTS_PATH = "/slack/events"


def create_app(
    settings: Settings,
    services: Services,
    client: WebClient | None = None,
    *,
    process_before_response: bool = False,
    verify_token: bool = True,
) -> App:
    """Build the Bolt app: single bot token, or multi-workspace OAuth when SLACK_CLIENT_ID is set."""
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    if settings.multi_workspace:
        client = client or WebClient(base_url=settings.slack_api_url)
        app = App(
            signing_secret=signing_secret,
            client=client,
            oauth_settings=oauth_settings(settings, services),
            process_before_response=process_before_response,
            logger=logging.getLogger("slack_bolt"),
        )
    else:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        client = client or WebClient(token=token, base_url=settings.slack_api_url)
        identity = verify_bot_token(client, token, settings.slack_api_url) if token and verify_token else None
        app = App(
            signing_secret=signing_secret,
            client=client,
            token_verification_enabled=False,
            process_before_response=process_before_response,
            logger=logging.getLogger("slack_bolt"),
        )
        if identity is not None:
            remember_auth_test(app, identity)
    app.middleware(drop_retried_events(services))
    app.middleware(request_context(services))
    app.error(answer_error)
    # `/outreach` is registered first: Bolt tries listeners in order, and commands are the hot path.
    routes = commands.register(app, services)
    for feature in FEATURES:
        routes.update(feature.register(app, services) or {})
    services.subcommands = set(routes)
    actions.register(app, services)
    home.register(app, services)
    events.register(app, services)
    return app


def oauth_settings(settings: Settings, services: Services) -> OAuthSettings:
    """Multi-workspace install: installations and OAuth state live in the app's own database."""
    client_id = settings.slack_client_id or ""
    secret = settings.slack_client_secret.get_secret_value() if settings.slack_client_secret else ""
    return OAuthSettings(
        client_id=client_id,
        client_secret=secret,
        scopes=[scope.strip() for scope in settings.slack_scopes.split(",") if scope.strip()],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=SQLAlchemyInstallationStore(client_id=client_id, engine=services.engine),
        state_store=SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=services.engine),
    )


def verify_bot_token(client: WebClient, token: str, api_url: str) -> SlackResponse:
    """Call auth.test once at start; a wrong token fails with one clear line (never the token)."""
    try:
        response = client.auth_test(token=token)
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error")
        raise ConfigError(
            f"SLACK_BOT_TOKEN was rejected by Slack at {api_url} ({error}); "
            "copy the Bot User OAuth Token (xoxb-...) from the app's OAuth & Permissions page"
        ) from None
    except OSError as exc:
        raise ConfigError(f"SLACK_API_URL {api_url} is unreachable ({type(exc).__name__})") from None
    log.info("Slack bot verified: team %s, bot user %s", response.get("team_id"), response.get("user_id"))
    return response


def remember_auth_test(app: App, result: SlackResponse) -> None:
    """Hand Bolt the start-up auth.test, so a request never waits on Slack before its ack (Bolt asked lazily)."""
    for middleware in app._middleware_list:  # noqa: SLF001 - Bolt takes the result only from its own call
        if isinstance(middleware, SingleTeamAuthorization):
            middleware.auth_test_result = result


def drop_retried_events(services: Services) -> Callable[..., Any]:
    """Middleware: an Events API delivery whose event_id was already handled is acknowledged and dropped."""

    def middleware(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:  # noqa: A002
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return next()
        try:
            with Session(services.engine) as session:
                session.add(SlackEventReceipt(event_id=event_id, team_id=body.get("team_id")))
                session.commit()
        except IntegrityError:
            log.info("dropping repeated delivery of event %s", event_id)
            return BoltResponse(status=200, body="")
        return next()

    return middleware
