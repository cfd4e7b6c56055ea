"""The queue card's buttons: claim, cancel, deliver, and decline or ask through a short modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from assistant.models.base import require_id
from assistant.services.mapping import requests as service
from assistant.services.mapping.decisions import record_question
from assistant.slack.blocks import mapping as blocks
from assistant.slack.blocks import mapping_forms
from assistant.slack.context import Services, Viewer
from assistant.slack.listeners.mapping.common import apply, refuse, request_id_of
from assistant.slack.parse import parse_id


def _change(action: str, ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    refusal = apply(client, context, action, request_id_of(body))
    if refusal:
        refuse(client, body, refusal)


def on_claim(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    _change("claim", ack, body, client, context)


def on_cancel(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    _change("cancel", ack, body, client, context)


def on_deliver(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    _change("deliver", ack, body, client, context)


def comms_modal(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, view: dict[str, Any]) -> None:
    """Acknowledge, then open `view` for a comms member; refuse anyone else."""
    ack()
    open_for_comms(body, client, context, view)


def open_for_comms(body: dict[str, Any], client: WebClient, context: BoltContext, view: dict[str, Any]) -> None:
    """Open `view` for a comms member; refuse anyone else."""
    if not context["viewer"].is_comms:
        refuse(client, body, "Only the comms team can do that with mapping requests.")
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def on_decline(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    view = mapping_forms.reason_modal(
        blocks.VIEW_DECLINE, request_id_of(body), title="Decline request", label="Why? (the requester sees this)"
    )
    comms_modal(ack, body, client, context, view)


def on_ask(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    view = mapping_forms.reason_modal(
        blocks.VIEW_ASK, request_id_of(body), title="Ask a question", label="Your question"
    )
    comms_modal(ack, body, client, context, view)


def on_decline_submit(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The reason for declining, shown to the requester."""
    reason = body["view"]["state"]["values"]["text"]["text"].get("value") or ""
    request_id = parse_id(body["view"]["private_metadata"], "request")
    refusal = apply(client, context, "decline", request_id, reason=reason) if reason.strip() else "Say why."
    if refusal:
        ack(response_action="errors", errors={"text": refusal})
        return
    ack()


def on_ask_submit(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A question to the requester, in the card's thread and by DM."""
    viewer: Viewer = context["viewer"]
    services: Services = context["services"]
    question = body["view"]["state"]["values"]["text"]["text"].get("value") or ""
    if not question.strip():
        ack(response_action="errors", errors={"text": "Write the question."})
        return
    if not viewer.is_comms:
        ack(response_action="errors", errors={"text": "Only the comms team can ask about mapping requests."})
        return
    with context["session"]() as session:
        try:
            request = service.get(
                session,
                parse_id(body["view"]["private_metadata"], "request"),
                workspace_id=require_id(context["workspace"]),
            )
        except service.RequestError as exc:
            ack(response_action="errors", errors={"text": str(exc)})
            return
    ack()
    text = blocks.question_text(request, viewer.user_id, question)
    if request.card_channel and request.card_ts:
        client.chat_postMessage(channel=request.card_channel, thread_ts=request.card_ts, text=text)
    client.chat_postMessage(channel=request.requester_id, text=text + blocks.REPLY_HINT)
    record_question(services.engine, request, actor=viewer.user_id)
