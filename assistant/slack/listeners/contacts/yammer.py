"""`/outreach contact ask … --yammer GROUP` (a question posted to Yammer) and `contact crosspost` (admins)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from assistant.models.base import require_id, utcnow
from assistant.render.mrkdwn import escape
from assistant.services.yammer import shoutouts
from assistant.slack.blocks import contacts as blocks
from assistant.slack.context import Services
from assistant.slack.listeners.commands import CommandContext

log = logging.getLogger(__name__)

ASK_USAGE = 'Ask like this: `/outreach contact ask "Who knows FE maths leads in the North West?" --yammer GROUP_ID`'
CROSSPOST_USAGE = "`/outreach contact crosspost GROUP_ID [announcements,digests]` or `/outreach contact crosspost off`"


def ask(ctx: CommandContext) -> None:
    """The question announced in the channel, posted to the Yammer group, and followed for answers."""
    texts = [arg.value for arg in ctx.parsed.args[1:]]
    question = " ".join(texts).strip()
    group = ctx.parsed.options.get("yammer")
    if not question or not isinstance(group, str):
        ctx.error(ASK_USAGE)
        return
    ctx.ack(text="Posting your question to Yammer…")
    client, services = ctx.client, ctx.services
    posted = client.chat_postMessage(
        channel=ctx.channel_id, text=f":mega: <@{ctx.user_id}> is asking on Yammer: _{escape(question)}_"
    )
    channel, ts = str(posted["channel"]), str(posted["ts"])
    workspace_id = require_id(ctx.workspace)
    try:
        with services.session() as db, services.clients.http() as http:
            yammer = shoutouts.yammer_client(db, services.settings, http, workspace_id=workspace_id)
            shoutout = shoutouts.start_shoutout(
                db,
                yammer,
                workspace_id=workspace_id,
                requested_by=ctx.user_id,
                question=question,
                group_id=group,
                slack_channel_id=channel,
                slack_ts=ts,
                now=utcnow(),
            )
            db.commit()
            web_url = shoutout.web_url
    except shoutouts.ShoutoutError as exc:
        client.chat_delete(channel=channel, ts=ts)
        ctx.respond(text=escape(str(exc)), response_type="ephemeral")
        if exc.for_admin:
            tell_admins(services, client, f":warning: {exc.for_admin} (asked by <@{ctx.user_id}>)")
        return
    client.chat_update(channel=channel, ts=ts, text=blocks.shoutout_posted(question, group, web_url))


def tell_admins(services: Services, client: WebClient, text: str) -> None:
    admins = sorted(services.settings.admin_user_ids)
    for admin in admins:
        client.chat_postMessage(channel=admin, text=text)
    if not admins:
        log.warning("no admin to tell (set SLACK_ADMIN_USERS): %s", text)


def crosspost(ctx: CommandContext) -> None:
    """Choose the Yammer group announcements and digests are cross-posted to, or turn it off (admins only)."""
    if not ctx.viewer.is_admin:
        ctx.error("Only admins can choose the Yammer group for cross-posting.")
        return
    args = [a.value for a in ctx.parsed.args[1:]]
    if not args:
        ctx.error(CROSSPOST_USAGE)
        return
    group = None if args[0].lower() == "off" else args[0]
    kinds = [k.strip() for part in args[1:] for k in part.split(",") if k.strip()]
    with ctx.services.session() as db:
        try:
            setting = shoutouts.change_crosspost(
                db, require_id(ctx.workspace), group_id=group, kinds=kinds, actor=ctx.user_id
            )
        except shoutouts.ShoutoutError as exc:
            ctx.error(str(exc))
            return
    ctx.services.workspaces.forget(ctx.team_id)
    if setting is None:
        ctx.ack(text="Cross-posting to Yammer is off.")
    else:
        ctx.ack(text=f"Cross-posting {' and '.join(setting.kinds)} to Yammer group {escape(setting.group_id)}.")
