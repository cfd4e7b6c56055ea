"""Doctor checks against Slack: the bot token, the scopes it was granted, the app token, the comms team."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from assistant.config import DEFAULT_SLACK_SCOPES, EXPECTED
from assistant.doctor import Context, Verdict, fail, ok, skip
from assistant.models import Workspace

NEEDED_SCOPES = frozenset(DEFAULT_SLACK_SCOPES.split(","))
TOKEN_ERRORS = {
    "invalid_auth": "Slack does not know this token",
    "not_authed": "no token was sent",
    "account_inactive": "the token belongs to a deactivated user or a removed app",
    "token_revoked": "the token was revoked (the app was uninstalled or its tokens rotated)",
    "token_expired": "the token expired (token rotation is on: turn it off or use a multi-workspace install)",
}


class SlackUnreachable(Exception):
    """Slack answered nothing usable (connection refused, DNS, TLS)."""


def _call(client: WebClient, method: str, **params: Any) -> SlackResponse:
    """A Web API call; Slack's own refusals raise SlackApiError, a network failure SlackUnreachable."""
    try:
        return client.api_call(method, params=params)
    except SlackApiError:
        raise
    except (SlackClientError, OSError) as exc:
        raise SlackUnreachable(f"cannot reach Slack at {client.base_url} ({type(exc).__name__})") from None


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or "unknown_error")


def granted_scopes(response: SlackResponse) -> set[str] | None:
    """The token's scopes from Slack's `x-oauth-scopes` response header (None when Slack sent none)."""
    headers = {str(name).lower(): value for name, value in (response.headers or {}).items()}
    raw = headers.get("x-oauth-scopes")
    if raw is None:
        return None
    text = raw[0] if isinstance(raw, list) else str(raw)
    return {scope.strip() for scope in text.split(",") if scope.strip()}


def checks(context: Context) -> Iterator[Verdict]:
    settings = context.settings
    if settings.slack_bot_token is None:
        if settings.multi_workspace:
            yield skip("Slack", "multi-workspace install: each workspace's token is checked as it installs")
        else:
            yield fail("Slack", f"SLACK_BOT_TOKEN is not set; expected {EXPECTED['SLACK_BOT_TOKEN']}")
        return
    client = WebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url, timeout=15)
    try:
        response = _call(client, "auth.test")
    except SlackApiError as exc:
        error = _error(exc)
        yield fail(
            "Slack auth.test",
            f"{error}: {TOKEN_ERRORS.get(error, 'refused')}; copy the Bot User OAuth Token (xoxb-…) into SLACK_BOT_TOKEN",
        )
        return
    except SlackUnreachable as exc:
        yield fail("Slack auth.test", f"{exc}; check SLACK_API_URL and the network")
        return
    yield ok("Slack auth.test", f"bot @{response.get('user')} in {response.get('team')} ({response.get('team_id')})")
    yield scopes(response)
    if settings.slack_app_token is not None:
        yield socket_mode(context)
    yield comms_team(context, client)


def scopes(response: SlackResponse) -> Verdict:
    granted = granted_scopes(response)
    if granted is None:
        return fail("Slack scopes", "Slack sent no x-oauth-scopes header, so the granted scopes are unknown")
    missing = sorted(NEEDED_SCOPES - granted)
    if missing:
        return fail(
            "Slack scopes",
            f"missing {', '.join(missing)}; add them under OAuth & Permissions → Bot Token Scopes "
            "(or from manifest.yml), then reinstall the app to the workspace",
        )
    return ok("Slack scopes", f"all {len(NEEDED_SCOPES)} needed scopes granted")


def socket_mode(context: Context) -> Verdict:
    token = context.settings.slack_app_token
    assert token is not None
    client = WebClient(token=token.get_secret_value(), base_url=context.settings.slack_api_url, timeout=15)
    try:
        _call(client, "apps.connections.open")
    except SlackApiError as exc:
        return fail(
            "Socket Mode",
            f"apps.connections.open refused SLACK_APP_TOKEN ({_error(exc)}); create an app-level token with "
            "connections:write under Basic Information, and turn Socket Mode on",
        )
    except SlackUnreachable as exc:
        return fail("Socket Mode", str(exc))
    return ok("Socket Mode", "SLACK_APP_TOKEN opens a connection")


def _stored_comms(context: Context) -> tuple[str | None, str | None]:
    """The comms user group and channel saved with /outreach settings, when the settings name neither."""
    table = Workspace.__table__  # type: ignore[attr-defined]
    try:
        with context.engine.connect() as connection:
            row = connection.execute(
                sa.select(table.c.comms_usergroup_id, table.c.comms_channel_id).order_by(table.c.id).limit(1)
            ).first()
    except sa.exc.SQLAlchemyError:
        return None, None
    return (row.comms_usergroup_id, row.comms_channel_id) if row else (None, None)


def comms_team(context: Context, client: WebClient) -> Verdict:
    group, channel = context.settings.slack_comms_usergroup, context.settings.slack_comms_channel
    source = "SLACK_COMMS_USERGROUP" if group else "SLACK_COMMS_CHANNEL"
    if not group and not channel:
        group, channel = _stored_comms(context)
        source = (
            "the comms user group saved in /outreach settings"
            if group
            else "the comms channel saved in /outreach settings"
        )
    if not group and not channel:
        return fail(
            "comms team",
            "no comms team: set SLACK_COMMS_USERGROUP (a user group id, S…) or SLACK_COMMS_CHANNEL (a channel id, C…)",
        )
    try:
        if group:
            members = list(_call(client, "usergroups.users.list", usergroup=group).get("users") or [])
            where = f"user group {group}"
        else:
            members = list(_call(client, "conversations.members", channel=channel).get("members") or [])
            where = f"channel {channel}"
    except SlackApiError as exc:
        error = _error(exc)
        hints = {
            "no_such_subteam": "no such user group in this workspace; copy its id from the group's page (S…)",
            "channel_not_found": "no such channel, or a private one the bot was not invited to (/invite @outreach)",
            "missing_scope": f"the bot lacks {exc.response.get('needed')}; add it and reinstall the app",
        }
        return fail("comms team", f"{source}: {error}; {hints.get(error, 'Slack refused the lookup')}")
    except SlackUnreachable as exc:
        return fail("comms team", str(exc))
    if not members:
        return fail("comms team", f"{where} ({source}) has no members; add the comms team to it")
    return ok("comms team", f"{where} has {len(members)} member(s)")
