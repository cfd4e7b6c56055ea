"""The app's error handler: a listener that fails still answers the user, in words, with a 200."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.slack.roles import SLACK_NOT_ANSWERING, SlackUnavailable

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = "Something went wrong on my side and I could not finish that. Please try again in a minute."


def answer_error(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    respond: Respond | None,
    client: WebClient | None,
) -> BoltResponse | None:
    """Bolt's error handler: Slack not answering a role lookup is said as such; anything else is logged whole."""
    if isinstance(error, SlackUnavailable):
        log.warning("answered 'Slack is not answering' (%s)", error)
        text = SLACK_NOT_ANSWERING
    else:
        log.error("listener failed on a %s request", body.get("type") or "command", exc_info=error)
        text = SOMETHING_WENT_WRONG
    if response is not None:  # not acknowledged yet: the answer is the acknowledgement
        if body.get("command"):
            return _json({"response_type": "ephemeral", "text": text})
        if body.get("type") == "view_submission":
            return _json({"response_action": "push", "view": notice_view(text)})
        _tell(body, respond, client, text)
        return BoltResponse(status=200, body="")
    _tell(body, respond, client, text)
    return None


def notice_view(text: str) -> dict[str, Any]:
    """A small modal pushed over the user's form, so closing it returns to what they typed."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Outreach Assistant"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def _tell(body: dict[str, Any], respond: Respond | None, client: WebClient | None, text: str) -> None:
    """Tell the user after the ack: in the conversation when Slack gave a response_url, else by DM."""
    try:
        if respond is not None and body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        user = body.get("user_id") or (body.get("user") or {}).get("id")
        if client is not None and user:
            client.chat_postMessage(channel=user, text=text)
    except (SlackApiError, OSError) as exc:
        log.warning("could not tell the user about an error: %s", type(exc).__name__)


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(payload), headers={"content-type": "application/json"})
