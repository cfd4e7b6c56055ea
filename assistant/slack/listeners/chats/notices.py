"""Telling people about a chat: a note to moderators and channels, and the run sheet sent for sign-off."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from assistant.models.chats import ChatSeries
from assistant.models.workspaces import Workspace
from assistant.services.chats.signoff import run_sheet, sheet_hash
from assistant.slack.blocks import chat_messages
from assistant.slack.context import Services

log = logging.getLogger(__name__)


def notify(client: WebClient, targets: list[str], text: str) -> None:
    """`text` to each user (by DM) and channel once; one that cannot be told is logged and skipped."""
    for target in dict.fromkeys(targets):
        try:
            channel = target
            if target.startswith(("U", "W")):
                channel = client.conversations_open(users=target)["channel"]["id"]
            client.chat_postMessage(channel=channel, text=text)
        except SlackApiError as exc:
            log.warning("could not tell %s: %s", target, exc.response.get("error"))


def request_sign_off(
    client: WebClient, services: Services, workspace: Workspace, session: Session, series: ChatSeries, user_id: str
) -> None:
    """The run sheet (undated) with Approve / Request changes, in the comms channel (else the chat's own)."""
    channel = workspace.comms_channel_id or services.settings.slack_comms_channel or series.channel_id
    sheet = run_sheet(session, series, prices=services.settings.x_prices())
    client.chat_postMessage(
        channel=channel,
        text=f"Sign-off needed for #{series.hashtag}",
        blocks=chat_messages.approval_blocks(sheet, sheet_hash(sheet), user_id),
    )
