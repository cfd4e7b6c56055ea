"""Asking for a digital map: the shortcut and `/outreach map` open the form; its submission makes the request."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from assistant.db import session_scope
from assistant.models.base import require_id
from assistant.models.workspaces import Workspace
from assistant.services.mapping import requests as service
from assistant.services.mapping.decisions import place_card
from assistant.slack.blocks import mapping as blocks
from assistant.slack.blocks import mapping_forms
from assistant.slack.context import Services
from assistant.slack.parse import ParseError, parse_date


def open_form(client: WebClient, trigger_id: str) -> None:
    client.views_open(trigger_id=trigger_id, view=mapping_forms.request_modal())


def on_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    open_form(client, body["trigger_id"])


def on_submit(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A new request: checked, stored, its card posted to the comms channel, the requester and watchers told."""
    services: Services = context["services"]
    values = mapping_forms.form_values(body["view"]["state"]["values"])
    try:
        deadline = parse_date(values["deadline"], "deadline") if values["deadline"] else None
    except ParseError as exc:
        ack(response_action="errors", errors={"deadline": f"{str(exc).capitalize()}."})
        return
    data = service.RequestInput(
        title=values["title"],
        decision=values["decision"],
        keywords=tuple(k.strip() for k in values["keywords"].split(",") if k.strip()),
        hashtags=tuple(mapping_forms.split(values["hashtags"])),
        seeds=tuple(mapping_forms.split(values["seeds"])),
        region=values["region"],
        language=values["language"],
        deadline=deadline,
        watchers=tuple(values["watchers"]),
        timezone=services.settings.default_timezone,
    )
    errors = service.validate(data)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    user_id = context["viewer"].user_id
    workspace: Workspace = context["workspace"]
    with session_scope(services.engine) as session:
        request = service.create(session, workspace_id=require_id(workspace), requester_id=user_id, data=data)
    channel = workspace.comms_channel_id or services.settings.slack_comms_channel
    if channel:
        posted = client.chat_postMessage(
            channel=channel, text=f"Mapping request #{request.id}", blocks=blocks.card(request)
        )
        with session_scope(services.engine) as session:
            request = place_card(session, require_id(request), channel=posted["channel"], ts=posted["ts"])
    client.chat_postMessage(
        channel=user_id,
        text=f"Mapping request #{request.id} sent",
        blocks=blocks.status_dm(request, blocks.sent_text(bool(channel))),
    )
    for watcher in data.watchers:
        client.chat_postMessage(channel=watcher, text=blocks.watcher_text(request, user_id))
