"""`/outreach accounts`: list, connect (X by OAuth PKCE, others by token), hand over and disconnect."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from assistant.crypto import TokenCipher
from assistant.models.accounts import ConnectedAccount
from assistant.models.base import require_id, utcnow
from assistant.models.platforms import Platform
from assistant.render.mrkdwn import escape
from assistant.services.accounts import connect
from assistant.services.accounts import team_accounts as accounts_service
from assistant.slack.blocks import accounts as blocks
from assistant.slack.context import Services, Viewer
from assistant.slack.listeners.commands import CommandContext, Handler
from assistant.slack.parse import parse_id
from integrations.errors import IntegrationError
from integrations.x.oauth import TokenSet

log = logging.getLogger(__name__)

MAX_GROUP_DMS = 50  # a team handover is offered to at most this many members by DM

ONLY_COMMS = "Only the comms team and admins can connect the team's accounts."


def register(app: App, services: Services) -> dict[str, Handler]:
    """Register the connect buttons and form and the hand-over answers; return the `accounts` subcommand."""
    app.action(blocks.CONNECT_X)(on_connect_x)
    app.action("accounts_x_link")(on_x_link)
    app.action(blocks.CONNECT_MASTODON)(on_open_connect_form)
    app.action(blocks.CONNECT_BLUESKY)(on_open_connect_form)
    app.action(blocks.CONNECT_YAMMER)(on_open_connect_form)
    app.view(blocks.CONNECT_VIEW)(on_connect_submit)
    app.action(blocks.HANDOVER_ACCEPT)(on_accept)
    app.action(blocks.HANDOVER_DECLINE)(on_decline)
    return {"accounts": lambda ctx: accounts_command(services, ctx)}


def on_connect_x(ack: Ack, respond: Respond, context: BoltContext) -> None:
    """Start X's OAuth (PKCE) for a comms member and answer with the link to authorize on X."""
    ack()
    viewer: Viewer = context["viewer"]
    services: Services = context["services"]
    if not viewer.is_comms:
        respond(text=ONLY_COMMS, replace_original=False)
        return
    try:
        cipher = TokenCipher.from_settings(services.settings)
        with services.clients.http() as http, context["session"]() as session:
            url = connect.start_x_connect(
                session,
                cipher,
                services.clients.x_oauth(http),
                workspace_id=require_id(context["workspace"]),
                user_id=viewer.user_id,
                now=utcnow(),
            )
    except Exception as exc:  # ConfigError / AuthError name the missing setting
        respond(text=f"I can't connect X here: {escape(str(exc))}", replace_original=False)
        return
    respond(text="Authorize on X", blocks=blocks.x_connect_link(url), replace_original=False)


def on_x_link(ack: Ack) -> None:
    """The Authorize link is a URL button: Slack opens it itself."""
    ack()


def on_open_connect_form(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Mastodon, Bluesky and Yammer connect by token: open that network's form (comms only)."""
    ack()
    if not context["viewer"].is_comms:
        respond(text=ONLY_COMMS, replace_original=False)
        return
    platform = _FORM_OF[action["action_id"]]
    client.views_open(trigger_id=body["trigger_id"], view=blocks.connect_modal(platform))


_FORM_OF = {
    blocks.CONNECT_MASTODON: Platform.mastodon.value,
    blocks.CONNECT_BLUESKY: Platform.bluesky.value,
    blocks.CONNECT_YAMMER: Platform.yammer.value,
}


def on_connect_submit(ack: Ack, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The token form: checked with the network, then stored encrypted; errors shown on the form."""
    viewer: Viewer = context["viewer"]
    platform = view.get("private_metadata") or ""
    values = {key: (field.get("value", {}) or {}).get("value") or "" for key, field in view["state"]["values"].items()}
    if not viewer.is_comms:
        ack(response_action="errors", errors={"token": "Only the comms team and admins can connect accounts."})
        return
    try:
        account = _connect_by_token(context, platform, values)
    except accounts_service.AccountError as exc:
        ack(response_action="errors", errors={"token": str(exc)[:150]})
        return
    except IntegrationError as exc:
        ack(response_action="errors", errors={"token": f"The network answered with an error: {exc}"[:150]})
        return
    ack()
    client.chat_postMessage(
        channel=viewer.user_id, text=f"Connected {escape(account.handle)} ({platform}). You own it."
    )


def on_accept(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    _decide(context, body, respond, client, accept=True)


def on_decline(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    _decide(context, body, respond, client, accept=False)


def accounts_command(services: Services, ctx: CommandContext) -> None:
    words = [arg.value.lower() for arg in ctx.parsed.args[:1]]
    action = words[0] if words and ctx.parsed.args[0].kind == "word" else "list"
    if action == "handover":
        _handover(services, ctx)
    elif action == "disconnect":
        _disconnect(services, ctx)
    elif action == "list":
        can_connect = ctx.viewer.is_comms
        with services.session() as session:
            lines = [
                blocks.AccountLine(
                    require_id(a),
                    a.platform,
                    a.handle,
                    a.owner_user_id,
                    list(a.co_owner_user_ids),
                    a.status,
                    a.owner_group_id,
                )
                for a in accounts_service.list_accounts(session, workspace_id=require_id(ctx.workspace))
            ]
        ctx.ack(text="The team's public accounts", blocks=blocks.accounts_list(lines, can_connect=can_connect))
    else:
        ctx.error(
            f"I don't know `accounts {action}`. Use `/outreach accounts`, "
            "`/outreach accounts handover @account @person` or `/outreach accounts disconnect @account`."
        )


def _handover(services: Services, ctx: CommandContext) -> None:
    args = ctx.parsed.args[1:]
    account_ref = next((a.value for a in args if a.kind in ("handle", "word", "text")), None)
    person = next((a.value for a in args if a.kind == "user"), None)
    group = next((a for a in args if a.kind == "usergroup"), None)
    if not account_ref or not (person or group) or (person and group):
        ctx.error(
            "Use `/outreach accounts handover @account @person` or `/outreach accounts handover @account @team` "
            "(the account's handle, then the new owner: one person or one user group)."
        )
        return
    members: list[str] = []
    if person:
        problem = _outside_workspace(ctx.client, person)
    else:
        assert group is not None
        members, problem = _usergroup_members(ctx.client, group.value)
        if problem is None and not members:
            problem = f"The user group {group.label or group.value} has no members; nobody could accept it."
    if problem:
        ctx.error(problem)
        return
    is_admin = ctx.viewer.is_admin
    with services.session() as session:
        account = _find_account(session, ctx, account_ref, "; `/outreach accounts` lists them")
        if account is None:
            return
        try:
            handover = accounts_service.request_handover(
                session,
                account=account,
                to_user_id=person,
                to_group_id=group.value if group else None,
                actor=ctx.user_id,
                is_admin=is_admin,
                in_owner_group=_in_owner_group(ctx.client, account, ctx.user_id),
                now=utcnow(),
            )
        except accounts_service.AccountError as exc:
            ctx.error(blocks.account_error(exc))
            return
        team = escape(group.label) if group else None
        message = blocks.handover_request(
            account.handle, account.platform, handover.from_user_id, ctx.user_id, require_id(handover), team=team
        )
        handle = escape(account.handle)  # shown in text and DMs: outside text, escaped once
    if person:
        ctx.ack(text=f"Asked <@{person}> to take over {handle}; they get a message to accept or decline.")
        ctx.client.chat_postMessage(channel=person, text=f"Take over {handle}?", blocks=message)
        return
    assert group is not None
    recipients = [member for member in members if member != ctx.user_id][:MAX_GROUP_DMS] or members[:1]
    ctx.ack(
        text=f"Asked the team <!subteam^{group.value}> to take over {handle}: its {len(members)} member(s) get a "
        "message, and the first to accept takes it for the team."
    )
    for member in recipients:
        ctx.client.chat_postMessage(
            channel=member, text=f"Take over {handle} for your team{' ' + team if team else ''}?", blocks=message
        )


def _usergroup_members(client: WebClient, group_id: str) -> tuple[list[str], str | None]:
    """The group's members (usergroups.users.list), or why it can't take an account."""
    try:
        users = client.usergroups_users_list(usergroup=group_id)["users"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in ("no_such_subteam", "subteam_not_found", "invalid_usergroup"):
            return [], "That user group does not exist in this workspace; hand over to one that does."
        return [], f"I couldn't look up that user group ({error}); try again."
    return [str(user) for user in users or []], None


def _in_owner_group(client: WebClient, account: accounts_service.ConnectedAccount, user_id: str) -> bool:
    if not account.owner_group_id:
        return False
    members, problem = _usergroup_members(client, account.owner_group_id)
    return problem is None and user_id in members


def _outside_workspace(client: WebClient, user_id: str) -> str | None:
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        if exc.response.get("error") == "user_not_found":
            return f"<@{user_id}> is not in this workspace; hand over to someone who is."
        return f"I couldn't look up <@{user_id}> ({exc.response.get('error')}); try again."
    if user.get("deleted"):
        return f"<@{user_id}> has left this workspace (deactivated); hand over to someone who is here."
    if user.get("is_bot"):
        return "A bot can't own an account."
    return None


def _find_account(session: Session, ctx: CommandContext, ref: str, hint: str = "") -> ConnectedAccount | None:
    """The workspace's connected account `ref` names; None, the person told, when none matches."""
    account = accounts_service.find_account(session, workspace_id=require_id(ctx.workspace), ref=ref)
    if account is None:
        ctx.error(f"No connected account matches `{ref}`{hint}.")
    return account


def _disconnect(services: Services, ctx: CommandContext) -> None:
    ref = next((a.value for a in ctx.parsed.args[1:] if a.kind in ("handle", "word", "text")), None)
    if not ref:
        ctx.error("Use `/outreach accounts disconnect @account`.")
        return
    is_admin = ctx.viewer.is_admin
    with services.session() as session:
        account = _find_account(session, ctx, ref)
        if account is None:
            return
        in_group = _in_owner_group(ctx.client, account, ctx.user_id)
        if not accounts_service.can_manage(account, ctx.user_id, is_admin=is_admin, in_owner_group=in_group):
            ctx.error(f"Only the owner of {account.handle} or an admin can disconnect it.")
            return
        ctx.ack(text=f"Disconnecting {escape(account.handle)}…")
        cipher = TokenCipher.from_settings(services.settings)
        tokens = connect.stored_tokens(session, cipher, account)
        with services.clients.http() as http:
            revoked = connect.revoke_remotely(http, services.settings, cipher, account, tokens)
            session_ended = connect.end_bluesky_session(http, services.settings, account, tokens)
        handle, platform = account.handle, account.platform
        accounts_service.remove_account(session, account=account, actor=ctx.user_id, revoked_remotely=revoked)
    text = connect.disconnect_message(platform, handle, revoked=revoked, session_ended=session_ended)
    ctx.respond(text=text, response_type="ephemeral")


def _connect_by_token(context: BoltContext, platform: str, values: dict[str, str]) -> accounts_service.ConnectedAccount:
    services: Services = context["services"]
    token = values.get("token", "").strip()
    if not token:
        raise accounts_service.AccountError("Paste the token.")
    cipher = TokenCipher.from_settings(services.settings)
    settings = services.settings
    instance: str | None = None
    refresh_jwt: str | None = None
    revoke_client = values.get("client", "").strip() or None
    with services.clients.http() as http:
        if platform == Platform.mastodon:
            instance = connect.normalise_instance(values.get("instance", ""))
            account_id, handle = connect.verify_mastodon(http, instance_url=instance, token=token)
        elif platform == Platform.bluesky:
            account_id, handle, refresh_jwt, instance = connect.verify_bluesky_session(
                services.clients,
                http,
                base_url=settings.bluesky_api_url,
                handle=values.get("handle", ""),
                app_password=token,
            )
        elif platform == Platform.yammer:
            account_id, handle = connect.verify_yammer(http, api_url=settings.yammer_api_url, token=token)
        else:
            raise accounts_service.AccountError(f"Unknown network {platform!r}.")
    with context["session"]() as session:
        return accounts_service.connect_account(
            session,
            cipher,
            workspace_id=require_id(context["workspace"]),
            platform=platform,
            account_id=account_id,
            handle=handle,
            tokens=TokenSet(access_token=token, refresh_token=refresh_jwt, token_type="app_password")
            if platform == Platform.bluesky
            else TokenSet(access_token=token, token_type="bearer"),
            actor=context["viewer"].user_id,
            now=utcnow(),
            instance_url=instance,
            revoke_client=revoke_client,
        )


def _decide(context: BoltContext, body: dict[str, Any], respond: Respond, client: WebClient, *, accept: bool) -> None:
    user_id = context["viewer"].user_id
    handover_id = parse_id(body["actions"][0]["value"], "hand-over")
    with context["session"]() as session:
        group_id = accounts_service.handover_group(session, handover_id)
        members: list[str] | None = None
        if group_id:
            members, problem = _usergroup_members(client, group_id)
            if problem:
                respond(text=problem, replace_original=False)
                return
        try:
            handover, account = accounts_service.decide_handover(
                session, handover_id=handover_id, user_id=user_id, accept=accept, now=utcnow(), group_members=members
            )
        except accounts_service.AccountError as exc:
            respond(text=blocks.account_error(exc), replace_original=False)
            return
        handle, requester, previous = escape(account.handle), handover.requested_by, handover.from_user_id
        team = handover.to_group_id
    verdict = "accepted" if accept else "declined"
    if accept and team:
        outcome = f" Your team <!subteam^{team}> now owns it: its members act as its owners."
    else:
        outcome = " You are now its owner." if accept else ""
    respond(text=f"You {verdict} {handle}.{outcome}", replace_original=True)
    for person in {requester, previous} - {user_id}:
        client.chat_postMessage(
            channel=person,
            text=f"<@{user_id}> {verdict} the handover of {handle}" + (" for their team." if team else "."),
        )
