"""A chat's run sheet signed off (or sent back) by comms, from the buttons of the sign-off message."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from assistant.models.base import require_id, utcnow
from assistant.models.codecs import BadValue, SheetRef
from assistant.render.mrkdwn import escape
from assistant.services.chats import signoff
from assistant.services.chats.repo import get_chat
from assistant.services.chats.signoff import APPROVED, CHANGES_REQUESTED
from assistant.services.costs import holds
from assistant.slack.blocks import chat_messages
from assistant.slack.blocks import cost as cost_blocks
from assistant.slack.context import Viewer
from assistant.slack.listeners.chats.notices import notify


def decide(
    decision: str, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Record comms' decision on the sheet the button carries (refused when the sheet changed since)."""
    ack()
    viewer: Viewer = context["viewer"]
    try:
        ref: SheetRef | None = SheetRef.decode(str(body["actions"][0].get("value", "")))
    except BadValue:
        ref = None
    if not viewer.is_comms:
        respond(
            text="Only comms members can sign off chat questions.", replace_original=False, response_type="ephemeral"
        )
        return
    with context["session"]() as session:
        series = get_chat(session, require_id(context["workspace"]), ref.series_id) if ref else None
        if series is None:
            respond(text="That chat no longer exists.", replace_original=False)
            return
        channel = (body.get("channel") or {}).get("id") or series.channel_id or viewer.user_id
        try:
            sheet = signoff.decide(
                session,
                series,
                decision=decision,
                actor=viewer.user_id,
                expected_hash=ref.sheet_hash if ref else "",
                now=utcnow(),
                admin=viewer.is_admin,
                channel_id=channel,
            )
        except signoff.HeldForBudget as held:
            if held.asked.new:
                hold = held.asked.hold
                posted = client.chat_postMessage(
                    channel=hold.channel_id, text=cost_blocks.hold_text(hold), blocks=cost_blocks.hold_request(hold)
                )
                holds.posted(session, hold, posted.get("ts"))
            respond(text=escape(str(held)), replace_original=False, response_type="ephemeral")
            return
        except ValueError as exc:
            respond(text=str(exc), replace_original=False, response_type="ephemeral")
            return
        respond(
            replace_original=True,
            text=chat_messages.decided_text(sheet, decision, viewer.user_id),
            blocks=chat_messages.decided_blocks(sheet, decision, viewer.user_id),
        )
        notify(client, [series.created_by], chat_messages.decided_note(series, decision, viewer.user_id))


def approve(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    decide(APPROVED, ack, body, respond, client, context)


def request_changes(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    decide(CHANGES_REQUESTED, ack, body, respond, client, context)
