"""The Slack stand-in's method answers (auth, chat, views, files and the directory's), and the scopes each needs.

Shapes follow ../shared/specs/slack/slack_web_openapi_v2.json (checked by tests/standins/test_slack_methods.py);
a refusal answers with the error real Slack gives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from assistant.standins import blockkit
from assistant.standins import slack_directory as directory
from assistant.standins.slack_workspace import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID, TEAM_NAME, Workspace

Answer = Callable[[Workspace, dict[str, Any]], dict[str, Any]]


def _auth_test(workspace: Workspace, _args: dict[str, Any]) -> dict[str, Any]:
    return {
        "ok": True,
        "url": "https://demo-council.slack.com/",
        "team": TEAM_NAME,
        "user": "outreach",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def _message(workspace: Workspace, args: dict[str, Any], ts: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "message",
        "text": str(args.get("text") or ""),
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "ts": ts,
    }
    blocks = _maybe_json(args.get("blocks"))
    if blocks:
        message["blocks"] = blocks
    if args.get("thread_ts"):
        message["thread_ts"] = str(args["thread_ts"])
    return message


def _post_message(workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = str(args.get("channel") or "")
    if not channel:
        return {"ok": False, "error": "channel_not_found"}
    if not args.get("text") and not args.get("blocks"):
        return {"ok": False, "error": "no_text"}
    ts = workspace.next_ts()
    message = _message(workspace, args, ts)
    workspace.messages[(channel, ts)] = message
    return {"ok": True, "channel": channel, "ts": ts, "message": message}


def _post_ephemeral(workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("channel") or not args.get("user"):
        return {"ok": False, "error": "channel_not_found"}
    return {"ok": True, "message_ts": workspace.next_ts()}


def _update(workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
    if (channel, ts) not in workspace.messages:
        return {"ok": False, "error": "message_not_found"}
    message = _message(workspace, args, ts)
    workspace.messages[(channel, ts)] = message
    return {"ok": True, "channel": channel, "ts": ts, "text": message["text"], "message": message}


def _delete(workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
    if workspace.messages.pop((channel, ts), None) is None:
        return {"ok": False, "error": "message_not_found"}
    return {"ok": True, "channel": channel, "ts": ts}


def _view(workspace: Workspace, args: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
    view = _maybe_json(args.get("view")) or {}
    view_id = view_id or workspace.next_id("V")
    stored = {
        "id": view_id,
        "team_id": TEAM_ID,
        "type": view.get("type", "modal"),
        "callback_id": view.get("callback_id", ""),
        "private_metadata": view.get("private_metadata", ""),
        "external_id": view.get("external_id", ""),
        "hash": f"{int(time.time())}.{view_id}",
        "title": view.get("title"),
        "blocks": view.get("blocks", []),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "state": {"values": {}},
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "root_view_id": view_id,
        "previous_view_id": None,
        "app_id": APP_ID,
        "bot_id": BOT_ID,
    }
    workspace.views[view_id] = stored
    return {"ok": True, "view": stored}


def _views_open(workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("trigger_id"):
        return {"ok": False, "error": "invalid_trigger_id"}
    return _view(workspace, args)


def _views_update(workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    view_id = str(args.get("view_id") or "")
    if view_id not in workspace.views:
        return {"ok": False, "error": "not_found"}
    return _view(workspace, args, view_id)


def _views_publish(workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("user_id"):
        return {"ok": False, "error": "invalid_arguments"}
    return _view(workspace, args)


def _upload_url(workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    file_id = workspace.next_id("F")
    workspace.files[file_id] = {"filename": args.get("filename"), "length": args.get("length")}
    return {"ok": True, "upload_url": f"{workspace.origin}/upload/{file_id}", "file_id": file_id}


def _complete_upload(workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    files = _maybe_json(args.get("files")) or []
    done = []
    for entry in files:
        file_id = entry.get("id")
        if file_id not in workspace.files:
            return {"ok": False, "error": "file_not_found"}
        workspace.files[file_id].update(title=entry.get("title"), channel=args.get("channel_id"))
        done.append({"id": file_id, "title": entry.get("title") or workspace.files[file_id]["filename"]})
    return {"ok": True, "files": done}


HANDLERS: dict[str, Answer] = {
    "auth.test": _auth_test,
    "chat.postMessage": _post_message,
    "chat.postEphemeral": _post_ephemeral,
    "chat.update": _update,
    "chat.delete": _delete,
    "views.open": _views_open,
    "views.update": _views_update,
    "views.publish": _views_publish,
    "users.info": directory.users_info,
    "usergroups.users.list": directory.usergroup_users,
    "conversations.members": directory.conversation_members,
    "conversations.open": directory.conversation_open,
    "files.getUploadURLExternal": _upload_url,
    "files.completeUploadExternal": _complete_upload,
}


# Any one of these scopes lets a bot token call the method (Slack's "accepted scopes"; none for auth.test, views.*).
NEEDED_SCOPES: dict[str, set[str]] = {
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.delete": {"chat:write"},
    "users.info": {"users:read"},
    "usergroups.users.list": {"usergroups:read"},
    "conversations.members": {"channels:read", "groups:read", "im:read", "mpim:read"},
    "conversations.open": {"im:write", "mpim:write", "channels:manage", "groups:write"},
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
}


def _maybe_json(value: Any) -> Any:
    decoded = blockkit.loaded(value)
    return None if decoded is ValueError else decoded
