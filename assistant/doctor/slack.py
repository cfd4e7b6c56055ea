"""Doctor checks against Slack: the bot token, the scopes it was granted, the app token, the comms team."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
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
            yield from installed_workspaces(context)
        else:
            yield fail("Slack", f"SLACK_BOT_TOKEN is not set; expected {EXPECTED['SLACK_BOT_TOKEN']}")
        return
    client = WebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url, timeout=15)
    verdicts = list(bot_checks(context, client, hint="copy the Bot User OAuth Token (xoxb-…) into SLACK_BOT_TOKEN"))
    yield from verdicts
    if any(v.status == "fail" and v.name == "Slack auth.test" for v in verdicts):
        return
    if settings.slack_app_token is not None:
        yield socket_mode(context)
    group, channel, source = _comms_of(context)
    yield comms_team(client, group, channel, source)


def bot_checks(context: Context, client: WebClient, *, hint: str, label: str = "") -> Iterator[Verdict]:
    """auth.test and the granted scopes of one bot token; `label` names the workspace in multi-workspace mode."""
    try:
        response = _call(client, "auth.test")
    except SlackApiError as exc:
        error = _error(exc)
        yield fail(f"Slack auth.test{label}", f"{error}: {TOKEN_ERRORS.get(error, 'refused')}; {hint}")
        return
    except SlackUnreachable as exc:
        yield fail(f"Slack auth.test{label}", f"{exc}; check SLACK_API_URL and the network")
        return
    yield ok(
        f"Slack auth.test{label}", f"bot @{response.get('user')} in {response.get('team')} ({response.get('team_id')})"
    )
    yield scopes(response, label)


def installed_workspaces(context: Context) -> Iterator[Verdict]:
    """Multi-workspace: each installed workspace's bot token (from the installation store) and its comms team."""
    settings = context.settings
    assert settings.slack_client_id is not None
    store = SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=context.engine)
    try:
        with context.engine.connect() as connection:
            teams = connection.execute(
                sa.select(store.bots.c.enterprise_id, store.bots.c.team_id)
                .where(store.bots.c.client_id == settings.slack_client_id)
                .distinct()
                .order_by(store.bots.c.team_id)
            ).all()
    except sa.exc.SQLAlchemyError:
        yield skip("Slack", "multi-workspace install: the installations could not be read (see the database check)")
        return
    if not teams:
        yield skip(
            "Slack",
            f"multi-workspace install: no workspace has installed the app yet; open {settings.slack_install_url} "
            "to add one",
        )
        return
    for enterprise_id, team_id in teams:
        bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        label = f" ({team_id})"
        if bot is None or not bot.bot_token:
            yield fail(
                f"Slack auth.test{label}", f"no bot token stored; reinstall the app from {settings.slack_install_url}"
            )
            continue
        client = WebClient(token=bot.bot_token, base_url=settings.slack_api_url, timeout=15)
        verdicts = list(
            bot_checks(context, client, hint=f"reinstall the app from {settings.slack_install_url}", label=label)
        )
        yield from verdicts
        if verdicts[0].status != "fail":
            group, channel = _stored_comms(context, team_id)
            source = "its comms user group" if group else "its comms channel"
            yield comms_team(client, group, channel, f"{source} in /outreach settings", label=label)


def scopes(response: SlackResponse, label: str = "") -> Verdict:
    granted = granted_scopes(response)
    if granted is None:
        return fail(f"Slack scopes{label}", "Slack sent no x-oauth-scopes header, so the granted scopes are unknown")
    missing = sorted(NEEDED_SCOPES - granted)
    if missing:
        return fail(
            f"Slack scopes{label}",
            f"missing {', '.join(missing)}; add them under OAuth & Permissions → Bot Token Scopes "
            "(or from manifest.yml), then reinstall the app to the workspace",
        )
    return ok(f"Slack scopes{label}", f"all {len(NEEDED_SCOPES)} needed scopes granted")


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


def _stored_comms(context: Context, team_id: str | None = None) -> tuple[str | None, str | None]:
    """The comms user group and channel saved with /outreach settings (of `team_id`, else the first workspace)."""
    table = Workspace.__table__  # type: ignore[attr-defined]
    query = sa.select(table.c.comms_usergroup_id, table.c.comms_channel_id).order_by(table.c.id).limit(1)
    if team_id is not None:
        query = query.where(table.c.slack_team_id == team_id)
    try:
        with context.engine.connect() as connection:
            row = connection.execute(query).first()
    except sa.exc.SQLAlchemyError:
        return None, None
    return (row.comms_usergroup_id, row.comms_channel_id) if row else (None, None)


def _comms_of(context: Context) -> tuple[str | None, str | None, str]:
    """The comms team named by the settings, else the one saved with /outreach settings, and where it came from."""
    group, channel = context.settings.slack_comms_usergroup, context.settings.slack_comms_channel
    if group or channel:
        return group, channel, "SLACK_COMMS_USERGROUP" if group else "SLACK_COMMS_CHANNEL"
    group, channel = _stored_comms(context)
    source = "the comms user group" if group else "the comms channel"
    return group, channel, f"{source} saved in /outreach settings"


def comms_team(client: WebClient, group: str | None, channel: str | None, source: str, *, label: str = "") -> Verdict:
    name = f"comms team{label}"
    if not group and not channel:
        return fail(
            name,
            "no comms team: set SLACK_COMMS_USERGROUP (a user group id, S…) or SLACK_COMMS_CHANNEL (a channel id, C…)"
            if not label
            else "no comms team yet: an admin of that workspace sets it with /outreach settings",
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
        return fail(name, f"{source}: {error}; {hints.get(error, 'Slack refused the lookup')}")
    except SlackUnreachable as exc:
        return fail(name, str(exc))
    if not members:
        return fail(name, f"{where} ({source}) has no members; add the comms team to it")
    return ok(name, f"{where} has {len(members)} member(s)")
