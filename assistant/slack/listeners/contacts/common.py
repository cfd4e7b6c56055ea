"""What the contact listeners share: who is asking, as the contact book sees them, and a private answer."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.models.base import require_id
from assistant.services.contacts import book
from assistant.slack.context import Viewer

log = logging.getLogger(__name__)


def contact_viewer(context: BoltContext) -> book.Viewer:
    """The request's viewer with the roles contact visibility and edit rights depend on."""
    viewer: Viewer = context["viewer"]
    return book.Viewer(
        require_id(context["workspace"]), viewer.user_id, is_comms=viewer.is_comms, is_admin=viewer.is_admin
    )


def private(
    client: WebClient, channel: str | None, user_id: str, text: str, blocks_: list[dict[str, Any]] | None = None
) -> None:
    """An answer only `user_id` sees: ephemeral in the channel when there is one, else a DM."""
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=blocks_)
            return
        except SlackApiError as exc:
            log.info("ephemeral in %s failed (%s); sending a DM", channel, exc.response.get("error"))
    client.chat_postMessage(channel=user_id, text=text, blocks=blocks_)
