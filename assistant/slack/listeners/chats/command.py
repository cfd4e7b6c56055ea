"""`/outreach chat ...`: new, list, show, edit, questions, the calendar file, and cancel."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from assistant.models.base import require_id, utcnow
from assistant.models.chats import ChatSeries
from assistant.render.mrkdwn import code, escape
from assistant.services.chats.cancelling import NoSitting, calendar_file, cancel_sitting
from assistant.services.chats.clashes import upcoming
from assistant.services.chats.editing import current_sheet, questions_text
from assistant.services.chats.repo import can_change, get_chat
from assistant.slack.blocks import chat_messages
from assistant.slack.blocks import chats as blocks
from assistant.slack.listeners.chats.form import open_chat_modal
from assistant.slack.listeners.chats.notices import notify
from assistant.slack.listeners.commands import CommandContext
from assistant.slack.parse import ParseError, parse_date, parse_id

USAGE = (
    "Usage: `/outreach chat new` · `list` · `show ID` · `edit ID` · `questions ID` · `ics ID` · "
    "`cancel ID` (next sitting) · `cancel ID --date 2026-12-03` · `cancel ID --series`"
)
CHANGES = ("edit", "cancel", "questions")  # what only the chat's creator, moderators and comms may do


def chat_command(ctx: CommandContext) -> None:
    """Route `/outreach chat ACTION [ID]`; `list` when no action is given."""
    words = ctx.parsed.words()
    action = words[0].lower() if words else "list"
    if action == "new":
        ctx.ack()
        open_chat_modal(ctx.client, ctx.services, ctx.workspace, ctx.trigger_id, ctx.user_id, ctx.channel_id)
        return
    if action == "list":
        with ctx.services.session() as session:
            rows = upcoming(session, require_id(ctx.workspace), utcnow())
            ctx.ack(text="Upcoming hashtag chats", blocks=chat_messages.list_blocks(rows))
        return
    route = ROUTES.get(action)
    if route is None:
        ctx.error(f"I don't know `chat {escape(action)}`. {USAGE}")
        return
    try:
        series_id = parse_id(words[1] if len(words) > 1 else "", "chat")
    except ParseError as exc:
        ctx.error(
            f"`chat {action}` needs the chat's number, e.g. `/outreach chat {action} 12` (see `/outreach chat list`)"
            f" ({exc})."
        )
        return
    with ctx.services.session() as session:
        series = get_chat(session, require_id(ctx.workspace), series_id)
        if series is None:
            ctx.error(f"There is no chat {series_id} in this workspace; `/outreach chat list` shows them.")
            return
        if action in CHANGES and not can_change(session, series, ctx.user_id, is_comms=ctx.viewer.is_comms):
            ctx.error(f"You can't {action} chat {series_id}: only its creator, its moderators and comms members may.")
            return
        route(ctx, session, series)


def _show(ctx: CommandContext, session: Session, series: ChatSeries) -> None:
    sheet = current_sheet(session, series, now=utcnow(), prices=ctx.services.settings.x_prices())
    ctx.ack(text=f"Run sheet of #{series.hashtag}", blocks=chat_messages.run_sheet_blocks(sheet))


def _edit(ctx: CommandContext, session: Session, series: ChatSeries) -> None:
    ctx.ack()
    open_chat_modal(ctx.client, ctx.services, ctx.workspace, ctx.trigger_id, ctx.user_id, ctx.channel_id, series=series)


def _questions(ctx: CommandContext, session: Session, series: ChatSeries) -> None:
    ctx.ack()
    text = questions_text(session, require_id(series))
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=blocks.questions_modal(series, text))


def _ics(ctx: CommandContext, session: Session, series: ChatSeries) -> None:
    ctx.ack(text=f"Uploading the calendar file of #{escape(series.hashtag)}…")
    data = calendar_file(session, series)
    try:
        ctx.client.files_upload_v2(
            channel=ctx.channel_id,
            content=data,
            filename=f"chat-{series.id}-{series.hashtag}.ics",
            title=f"#{series.hashtag}: {series.title}",
        )
    except SlackApiError as exc:
        ctx.client.chat_postEphemeral(
            channel=ctx.channel_id,
            user=ctx.user_id,
            text=f"I couldn't upload the calendar file ({exc.response.get('error')}).",
        )


def _cancel(ctx: CommandContext, session: Session, series: ChatSeries) -> None:
    options = ctx.parsed.options
    wanted = options.get("date")
    day = None
    if not options.get("series") and isinstance(wanted, str):
        try:
            day = parse_date(wanted, "--date")
        except ParseError:
            ctx.error(f"--date must look like 2026-12-03, got {code(wanted)}.")
            return
    try:
        done = cancel_sitting(
            session, series, actor=ctx.user_id, now=utcnow(), day=day, whole=bool(options.get("series"))
        )
    except NoSitting:
        on = " on " + escape(str(wanted)) if wanted else ""
        ctx.error(f"Chat {series.id} has no upcoming sitting{on} to cancel.")
        return
    notes = chat_messages.cancellation(done, ctx.user_id)
    ctx.ack(text=notes.reply)
    notify(ctx.client, done.moderators, notes.moderators)
    notify(ctx.client, [series.channel_id], notes.channel)


ROUTES: dict[str, Callable[[CommandContext, Session, ChatSeries], None]] = {
    "show": _show,
    "edit": _edit,
    "questions": _questions,
    "ics": _ics,
    "cancel": _cancel,
}
