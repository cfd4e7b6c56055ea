"""Build and sign the requests Slack sends (slash commands, actions, views, shortcuts, events)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from assistant.standins.slack_workspace import APP_ID, TEAM_ID


@dataclass(frozen=True, slots=True)
class SignedRequest:
    body: str
    headers: dict[str, str | Sequence[str]]


def signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def sign(
    body: str, secret: str, *, content_type: str, timestamp: int | None = None, retry_num: int | None = None
) -> SignedRequest:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers: dict[str, str | Sequence[str]] = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(secret, ts, body),
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return SignedRequest(body, headers)


def _user(user_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM_ID}


def slash_command(
    text: str,
    *,
    user_id: str = "U0STAFF001",
    channel_id: str = "C0GENERAL1",
    response_url: str = "",
    command: str = "/outreach",
) -> dict[str, str]:
    return {
        "token": "deprecated-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "demo-council",
        "channel_id": channel_id,
        "channel_name": "general",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.trigger",
    }


def block_actions(
    action: dict[str, Any],
    *,
    user_id: str = "U0STAFF001",
    channel_id: str = "C0GENERAL1",
    response_url: str = "",
    view: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "demo-council"},
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": "deprecated-verification-token",
        "container": {"type": "message", "channel_id": channel_id, "is_ephemeral": True},
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.trigger",
        "channel": {"id": channel_id, "name": "general"},
        "response_url": response_url,
        "actions": [{"block_id": "b1", "action_ts": f"{time.time():.6f}", **action}],
    }
    if view is not None:
        payload["view"] = view
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0")}
        payload.pop("channel")
    if message is not None:
        payload["message"] = message
    return payload


def view_submission(
    callback_id: str, values: dict[str, Any], *, user_id: str = "U0STAFF001", private_metadata: str = ""
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "demo-council"},
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": "deprecated-verification-token",
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.trigger",
        "view": {
            "id": "V0VIEW",
            "team_id": TEAM_ID,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
            "hash": "1.hash",
            "app_id": APP_ID,
        },
        "response_urls": [],
    }


def shortcut(
    callback_id: str,
    *,
    user_id: str = "U0STAFF001",
    message: dict[str, Any] | None = None,
    channel_id: str = "C0GENERAL1",
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "message_action" if message is not None else "shortcut",
        "callback_id": callback_id,
        "team": {"id": TEAM_ID, "domain": "demo-council"},
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": "deprecated-verification-token",
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.trigger",
        "action_ts": f"{time.time():.6f}",
    }
    if message is not None:
        payload.update(
            message=message,
            channel={"id": channel_id, "name": "general"},
            message_ts=message.get("ts", ""),
            response_url="",
        )
    return payload


def event_callback(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "deprecated-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": TEAM_ID, "user_id": "U0BOT00001", "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
    }


def app_home_opened(user_id: str = "U0STAFF001", *, event_id: str | None = None) -> dict[str, Any]:
    return event_callback(
        {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D0HOME0001",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
        event_id=event_id,
    )


def form_body(fields: dict[str, str]) -> str:
    return urlencode(fields)


def payload_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def signed_command(text: str, secret: str, **kwargs: Any) -> SignedRequest:
    return sign(form_body(slash_command(text, **kwargs)), secret, content_type="application/x-www-form-urlencoded")


def signed_payload(payload: dict[str, Any], secret: str, **kwargs: Any) -> SignedRequest:
    return sign(payload_body(payload), secret, content_type="application/x-www-form-urlencoded", **kwargs)


def signed_event(envelope: dict[str, Any], secret: str, **kwargs: Any) -> SignedRequest:
    return sign(json.dumps(envelope), secret, content_type="application/json", **kwargs)
