"""An admin's answer to a job held at the team's monthly X budget: the Approve and Decline buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from assistant.models.base import require_id, utcnow
from assistant.models.chats import ChatSeries
from assistant.services.chats import signoff
from assistant.services.chats.signoff import RunSheet
from assistant.services.costs import holds
from assistant.services.digests import records as digests
from assistant.slack.blocks import chat_messages
from assistant.slack.blocks import cost as blocks
from assistant.slack.context import Services, Viewer
from assistant.slack.listeners.chats.notices import notify
from assistant.slack.parse import ParseError, parse_id


def decide(
    approve: bool, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Record the admin's yes or no once, let the held job go (or end it), and replace the request."""
    ack()
    viewer: Viewer = context["viewer"]
    if not viewer.is_admin:
        respond(text="Only an admin can let a job cross the monthly X budget.", replace_original=False)
        return
    try:
        hold_id = parse_id(str(body["actions"][0].get("value", "")), "request")
    except ParseError as exc:
        respond(text=str(exc), replace_original=False)
        return
    now = utcnow()
    with context["session"]() as session:
        try:
            hold = holds.decide(
                session,
                hold_id,
                approve=approve,
                actor=viewer.user_id,
                workspace_id=require_id(context["workspace"]),
                now=now,
            )
        except holds.HoldError as exc:
            respond(text=str(exc), replace_original=False)
            return
        if hold.job_kind == "digest":
            digests.release(session, int(hold.job_id), approved=approve, now=now)
        signed: tuple[ChatSeries, RunSheet] | None = None
        stale_sheet = False
        if hold.job_kind == "chat" and approve:
            try:
                signed = signoff.release(session, hold, admin=viewer.user_id, now=now)
            except ValueError:  # the questions changed since: the answer says the newer sheet needs its own sign-off
                stale_sheet = True
        text, decided = blocks.hold_decided(hold, stale_sheet=stale_sheet)
    respond(replace_original=True, text=text, blocks=decided)
    if signed is not None:
        series, sheet = signed
        notify(client, [series.created_by], chat_messages.decided_note(series, signoff.APPROVED, viewer.user_id))


def approve(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    decide(True, ack, body, respond, client, context)


def decline(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    decide(False, ack, body, respond, client, context)


def register(app: App, services: Services) -> None:
    app.action(blocks.HOLD_APPROVE)(approve)
    app.action(blocks.HOLD_DECLINE)(decline)
