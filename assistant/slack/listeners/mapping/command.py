"""`/outreach map`: a new request, the queue (comms) or your requests, one request shown, or cancelled."""

from __future__ import annotations

from assistant.models.base import require_id, utcnow
from assistant.render.mrkdwn import escape
from assistant.services.mapping import requests as service
from assistant.slack.blocks import mapping as blocks
from assistant.slack.listeners.commands import CommandContext
from assistant.slack.listeners.mapping.common import apply
from assistant.slack.listeners.mapping.form import open_form
from assistant.slack.parse import ParseError, parse_id

USAGE = "Usage: `/outreach map` (new request) · `map list` · `map show ID` · `map cancel ID`"


def map_command(ctx: CommandContext) -> None:
    """Route `/outreach map [new | list | show ID | cancel ID]`."""
    words = ctx.parsed.words()
    action = words[0].lower() if words else "new"
    if action == "new":
        ctx.ack()
        open_form(ctx.client, ctx.trigger_id)
        return
    if action == "list":
        _list(ctx)
        return
    if action not in ("show", "cancel"):
        ctx.error(f"I don't know `map {escape(action)}`. {USAGE}")
        return
    try:
        request_id = parse_id(words[1] if len(words) > 1 else "", "request")
    except ParseError as exc:
        ctx.error(f"`map {action}` needs the request's number, e.g. `/outreach map {action} 12` ({exc}).")
        return
    if action == "show":
        with ctx.services.session() as session:
            try:
                request = service.get(session, request_id, workspace_id=require_id(ctx.workspace))
            except service.RequestError as exc:
                ctx.error(str(exc))
                return
        ctx.ack(text=f"Mapping request #{request_id}", blocks=blocks.show(request))
        return
    assert ctx.context is not None, "CommandContext built without the request context"
    refusal = apply(ctx.client, ctx.context, "cancel", request_id)
    ctx.ack(text=refusal or f"Mapping request #{request_id} is cancelled.")


def _list(ctx: CommandContext) -> None:
    """Comms see the queue, overdue first; anyone else their own requests."""
    comms = ctx.viewer.is_comms
    today = utcnow().date()
    workspace_id = require_id(ctx.workspace)
    with ctx.services.session() as session:
        if comms:
            rows = service.queue(session, workspace_id=workspace_id, today=today)
            title = "Mapping queue (overdue first, then by status and age)"
        else:
            rows = service.mine(session, workspace_id=workspace_id, user_id=ctx.user_id)
            title = "Your mapping requests"
        lines = [blocks.request_line(r, today=today, overdue=service.is_overdue(r, today)) for r in rows]
    ctx.ack(text=title, blocks=blocks.request_list(title, lines))
