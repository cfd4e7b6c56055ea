"""Re-running communities on a delivered map: the modal, and the new summary and picture in the card's thread."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.models.base import require_id
from assistant.models.mapping import CrawlState
from assistant.services.mapping import report
from assistant.services.mapping import requests as service
from assistant.services.mapping.decisions import Rerun, rerun_communities
from assistant.slack.blocks import mapping as blocks
from assistant.slack.blocks import mapping_forms
from assistant.slack.context import Services, Viewer
from assistant.slack.listeners.mapping.card import open_for_comms
from assistant.slack.listeners.mapping.common import refuse, request_id_of
from assistant.slack.parse import parse_id

log = logging.getLogger(__name__)


def on_rerun(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The re-run modal, once the map is made."""
    ack()
    with context["session"]() as session:
        try:
            request = service.get(session, request_id_of(body), workspace_id=require_id(context["workspace"]))
        except service.RequestError as exc:
            refuse(client, body, str(exc))
            return
    if request.crawl_state != CrawlState.done:
        refuse(client, body, "The map isn't made yet: communities can be re-run once the analysis is done.")
        return
    open_for_comms(body, client, context, mapping_forms.rerun_modal(request))


def on_rerun_submit(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Communities found again at the resolution or number asked for (stored data only: no X call)."""
    viewer: Viewer = context["viewer"]
    services: Services = context["services"]
    resolution, number, errors = mapping_forms.rerun_values(body["view"]["state"]["values"])
    if errors:
        ack(response_action="errors", errors=errors)
        return
    if not viewer.is_comms:
        ack(response_action="errors", errors={"resolution": "Only the comms team can re-run communities."})
        return
    request_id = parse_id(body["view"]["private_metadata"], "request")
    with context["session"]() as session:
        try:
            service.get(session, request_id, workspace_id=require_id(context["workspace"]))  # this workspace's
        except service.RequestError as exc:
            ack(response_action="errors", errors={"resolution": str(exc)})
            return
    ack()
    rerun = rerun_communities(services.engine, request_id, resolution=resolution, wanted=number, actor=viewer.user_id)
    post_rerun(client, context, rerun, viewer.user_id)


def post_rerun(client: WebClient, context: BoltContext, rerun: Rerun, user_id: str) -> None:
    """The new summary and picture in the card's thread."""
    request, made = rerun.request, rerun.report
    if not (request.card_channel and request.card_ts):
        return
    text = blocks.rerun_text(request, len(made.analysis.communities), user_id)
    channel, thread = request.card_channel, request.card_ts
    summary = blocks.delivery(request, made.analysis, made.slots)
    try:
        client.chat_postMessage(channel=channel, thread_ts=thread, text=text, blocks=summary)
        with context["session"]() as session:
            png = report.artefact(session, require_id(request), "png")
        if png:
            client.files_upload_v2(
                channel=channel,
                thread_ts=thread,
                file=png,
                filename=f"mapping-{request.id}.png",
                title=f"{request.title} (communities)",
            )
    except SlackApiError as exc:
        log.warning("mapping %s: re-run summary failed: %s", request.id, exc.response.get("error"))
