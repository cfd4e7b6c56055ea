"""The app's error handler: a listener that fails still answers the user, in words, with a 200."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.models.codecs import BadValue
from assistant.slack.parse import ParseError
from assistant.slack.roles import SLACK_NOT_ANSWERING, SlackUnavailable

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = "Something went wrong on my side and I could not finish that. Please try again in a minute."
MALFORMED = "That request arrived incomplete or in a shape I don't know, so nothing was changed."
# What reading a crafted or incomplete payload raises (a missing key, a number where a dict was expected).
PAYLOAD_ERRORS = (KeyError, IndexError, TypeError, AttributeError)


def answer_error(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    respond: Respond | None,
    client: WebClient | None,
) -> BoltResponse | None:
    """Bolt's error handler: Slack not answering a role lookup is said as such; anything else is logged whole."""
    if isinstance(error, (ParseError, BadValue)):
        log.info("refused a %s request: %s", body.get("type") or "command", error)
        text = f"I couldn't use that: {error}. Nothing was changed."
    elif isinstance(error, PAYLOAD_ERRORS) and body.get("type") in ("block_actions", "view_submission"):
        log.warning("refused a malformed %s payload: %s", body.get("type"), _where(error))
        text = MALFORMED
    elif isinstance(error, SlackUnavailable):
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


def _where(error: BaseException) -> str:
    """The error and the innermost line of ours that raised it: enough to find a real bug, one line long."""
    frame = None
    trace = error.__traceback__
    while trace is not None:
        if "/assistant/" in trace.tb_frame.f_code.co_filename:
            frame = trace
        trace = trace.tb_next
    place = f" at {frame.tb_frame.f_code.co_filename.rsplit('/assistant/', 1)[-1]}:{frame.tb_lineno}" if frame else ""
    return f"{type(error).__name__} {str(error)[:80]!r}{place}"


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(payload), headers={"content-type": "application/json"})
