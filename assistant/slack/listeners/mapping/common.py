"""What the mapping listeners share: a request's change made and announced, a refusal, the button's request id."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.db import session_scope
from assistant.models.base import require_id
from assistant.models.mapping import MappingRequest
from assistant.services.mapping import requests as service
from assistant.slack.blocks import mapping as blocks
from assistant.slack.context import Services, Viewer
from assistant.slack.parse import parse_id

log = logging.getLogger(__name__)


def announce(client: WebClient, request: MappingRequest, change: str) -> None:
    """The card updated in place and the requester told by DM; a Slack failure is logged, not raised."""
    if request.card_channel and request.card_ts:
        try:
            client.chat_update(
                channel=request.card_channel,
                ts=request.card_ts,
                text=f"Mapping request #{request.id}: {request.status}",
                blocks=blocks.card(request),
            )
        except SlackApiError as exc:
            log.warning("mapping %s: card update failed: %s", request.id, exc.response.get("error"))
    try:
        client.chat_postMessage(
            channel=request.requester_id,
            text=f"Your mapping request #{request.id}: {request.status}",
            blocks=blocks.status_dm(request, change),
        )
    except SlackApiError as exc:
        log.warning("mapping %s: DM failed: %s", request.id, exc.response.get("error"))


def apply(client: WebClient, context: BoltContext, action: str, request_id: int, reason: str = "") -> str | None:
    """Make the change; returns the refusal text, or None when done (and announced)."""
    viewer: Viewer = context["viewer"]
    services: Services = context["services"]
    comms = viewer.is_comms
    try:
        with session_scope(services.engine) as session:
            request = service.get(session, request_id, workspace_id=require_id(context["workspace"]))
            service.transition(session, request, action, actor=viewer.user_id, is_comms=comms, reason=reason)
    except service.RequestError as exc:
        return str(exc)
    announce(client, request, blocks.change_text(action, viewer.user_id, reason))
    return None


def refuse(client: WebClient, body: dict[str, Any], text: str) -> None:
    """An ephemeral answer where the button was pressed (else by DM)."""
    channel = (body.get("channel") or {}).get("id") or body["user"]["id"]
    client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text)


def request_id_of(body: dict[str, Any]) -> int:
    return parse_id(body["actions"][0]["value"], "request")
