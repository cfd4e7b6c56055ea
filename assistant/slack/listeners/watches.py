"""`/outreach watch`: follow a hashtag, account, keyword or our mentions in a channel; list and stop watches."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from assistant.models.base import require_id, utcnow
from assistant.models.codecs import AccountRef, BadValue
from assistant.models.contacts import ContactSource
from assistant.models.platforms import Platform
from assistant.models.watches import Watch
from assistant.render.mrkdwn import escape
from assistant.services.contacts import from_accounts
from assistant.services.watches import estimate as watch_estimate
from assistant.services.watches import manage as service
from assistant.slack.blocks import watches as blocks
from assistant.slack.context import Services
from assistant.slack.listeners.commands import CommandContext, Handler
from assistant.slack.listeners.contacts.common import contact_viewer
from assistant.slack.parse import ParseError, parse_id
from integrations.errors import IntegrationError

USAGE = (
    'Use `/outreach watch #hashtag | @account | "keyword" | mentions [--network x|mastodon|bluesky] '
    "[--every 15m] [--only inside|outside] [--budget 2.50]`, `/outreach watch list`, "
    "`/outreach watch budget ID 2.50` or `/outreach watch stop ID`."
)
MASTODON_SEARCH_NOTE = (
    " Mastodon searches the full text only of posts whose authors opted in to search (and posts the searching "
    "account interacted with), so some matching posts there will not arrive."
)


def register(app: App, services: Services) -> dict[str, Handler]:
    """Register the watch message buttons; return the `watch` subcommand."""
    app.action(blocks.OPEN_POST)(on_open)
    app.action(blocks.SAVE_CONTACT)(on_save)
    return {"watch": lambda ctx: watch_command(services, ctx)}


def on_open(ack: Ack) -> None:
    """A link button: Slack opens the URL; nothing to do here."""
    ack()


def on_save(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Save a watched post's author to the team's contacts, told privately."""
    ack()
    try:
        ref = AccountRef.decode(str(body["actions"][0].get("value", "")))
    except BadValue as exc:
        respond(
            text=f"I couldn't save that account: {escape(str(exc))}", replace_original=False, response_type="ephemeral"
        )
        return
    with context["session"]() as session:
        result = from_accounts.save_account_keys(
            session, contact_viewer(context), [(ref.platform, ref.account_id)], source=ContactSource.watch
        )
        session.commit()
        added = [contact.name for contact in result.added]
        already = [contact.name for contact in result.already]
    if added:
        text = f"Saved {', '.join(added)} to the team's contacts."
    elif already:
        text = f"{', '.join(already)} is already in the contacts."
    else:
        text = "I couldn't save that account: " + "; ".join(result.skipped or ["unknown account"])
    respond(text=text, replace_original=False, response_type="ephemeral")


def watch_command(services: Services, ctx: CommandContext) -> None:
    args = ctx.parsed.args
    first = args[0] if args else None
    if first is None:
        ctx.error(USAGE)
        return
    if first.kind == "word" and first.value.lower() == "list":
        today = utcnow().date().isoformat()
        now = utcnow()
        with services.session() as session:
            lines = [
                blocks.WatchLine(
                    require_id(w),
                    w.kind,
                    w.term,
                    list(w.networks),
                    w.every_minutes,
                    w.paused_reason,
                    w.channel_id,
                    w.cost_spent if w.cost_day == today else 0.0,
                    w.cost_budget,
                    watch_estimate.estimate_today(session, require_id(w), now),
                )
                for w in service.list_watches(session, workspace_id=require_id(ctx.workspace))
            ]
        ctx.ack(text="Watches", blocks=blocks.watch_list(lines))
        return
    is_comms = ctx.viewer.is_comms
    if first.kind == "word" and first.value.lower() == "stop":
        try:
            stop_id = parse_id(args[1].value if len(args) > 1 else "", "watch")
        except ParseError as exc:
            ctx.error(f"Use `/outreach watch stop ID` (the number from `/outreach watch list`): {exc}.")
            return
        with services.session() as session:
            try:
                watch = service.stop_watch(
                    session,
                    workspace_id=require_id(ctx.workspace),
                    watch_id=stop_id,
                    actor=ctx.user_id,
                    is_comms=is_comms,
                )
            except service.WatchError as exc:
                ctx.error(blocks.watch_error(exc))
                return
            ctx.ack(text=f"Stopped watch {watch.id} ({blocks.describe(watch.kind, watch.term)}).")
        return
    if first.kind == "word" and first.value.lower() == "budget":
        _change_budget(services, ctx, is_comms)
        return
    if not is_comms:
        ctx.error("Watches read public posts at a cost (X bills every post read): ask the comms team to start one.")
        return
    kinds = {"hashtag": "hashtag", "handle": "account", "text": "keyword"}
    if first.kind == "word" and first.value.lower() == "mentions":
        kind, term = "mentions", "our accounts"
    elif first.kind in kinds:
        kind, term = kinds[first.kind], first.value
    else:
        ctx.error(f"I can't watch `{first.value}`. " + USAGE)
        return
    try:
        networks = service.parse_networks(ctx.parsed.options.get("network"), kind)
        every = service.parse_every(ctx.parsed.options.get("every"))
        budget = service.parse_budget(ctx.parsed.options.get("budget"))
        only_raw = ctx.parsed.options.get("only")
        only = str(only_raw).lower() if isinstance(only_raw, str) else None
        with services.session() as session:
            service.check_sources(
                session,
                workspace_id=require_id(ctx.workspace),
                kind=kind,
                networks=networks,
                mastodon_token_set=services.settings.mastodon_access_token is not None,
            )
            watch = service.create_watch(
                session,
                workspace_id=require_id(ctx.workspace),
                channel_id=ctx.channel_id,
                kind=kind,
                term=term,
                networks=networks,
                every_minutes=every,
                only=only,
                actor=ctx.user_id,
                now=utcnow(),
                cost_budget=budget,
            )
            watch_id = watch.id
    except service.WatchError as exc:
        ctx.error(blocks.watch_error(exc))
        return
    where = f" (only {only} its chat slot)" if only else ""
    cost = f" X reads within ${budget:.2f} a day." if Platform.x in networks else ""
    note = MASTODON_SEARCH_NOTE if kind == "keyword" and Platform.mastodon in networks else ""
    ctx.ack(
        response_type="in_channel",
        text=f"<@{ctx.user_id}> started watch {watch_id}: {escape(blocks.describe(kind, term))} on "
        f"{', '.join(networks)} every {every} minutes{where}.{cost} New posts arrive here in batches. "
        f"`/outreach watch stop {watch_id}` ends it.{note}",
    )
    if Platform.x in networks and services.settings.x_bearer_token and watch_id is not None:
        _tell_cost(services, ctx, watch_id)


def _tell_cost(services: Services, ctx: CommandContext, watch_id: int) -> None:
    """After the confirmation: the watch's first page read (its first poll reads it again free today) and X's
    count of the last 24 hours (free), priced today, a later day and to the month's end."""
    now = utcnow()
    try:
        with services.session() as session, services.clients.http() as http:
            watch = session.get(Watch, watch_id)
            found = watch_estimate.preview(session, services.clients.x(http), watch, now) if watch else None
            session.commit()
    except IntegrationError as exc:
        ctx.respond(
            response_type="in_channel", text=f"I couldn't estimate watch {watch_id}'s X cost: {escape(str(exc))}"
        )
        return
    if found is not None:
        ctx.respond(response_type="in_channel", text=blocks.cost_preview(watch_id, found))


def _change_budget(services: Services, ctx: CommandContext, is_comms: bool) -> None:
    args = ctx.parsed.args
    amount = args[2].value if len(args) > 2 else None
    try:
        watch_id = parse_id(args[1].value if len(args) > 1 else "", "watch")
    except ParseError:
        amount = None
    if amount is None:
        ctx.error("Use `/outreach watch budget ID 2.50` (US$ of X reads a day; the ID is in `/outreach watch list`).")
        return
    try:
        budget = service.parse_budget(amount)
        with services.session() as session:
            watch = service.set_budget(
                session,
                workspace_id=require_id(ctx.workspace),
                watch_id=watch_id,
                budget=budget,
                actor=ctx.user_id,
                is_comms=is_comms,
            )
            described = blocks.describe(watch.kind, watch.term)
    except service.WatchError as exc:
        ctx.error(blocks.watch_error(exc))
        return
    ctx.ack(text=f"Watch {watch_id} ({escape(described)}) may now spend ${budget:.2f} a day on X reads.")
