"""A local stand-in for the Slack Web API: a real HTTP server on 127.0.0.1 that records every call."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlparse

from assistant.config import DEFAULT_SLACK_SCOPES
from assistant.standins import blockkit
from assistant.standins.server import LocalServer

TEAM_ID = "T0DEMO0001"
TEAM_NAME = "Demo Council"
BOT_USER_ID = "U0BOT00001"
BOT_ID = "B0BOT00001"
APP_ID = "A0APP00001"
VALID_TOKEN_PREFIX = "xoxb-"


class SocketLinks(Protocol):
    def open_url(self) -> str: ...


@dataclass
class Call:
    """One request the app made: the API method (or path), its arguments and its token."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.monotonic)


@dataclass
class SlackUser:
    id: str
    name: str
    real_name: str
    tz: str = "Europe/London"
    is_admin: bool = False
    deleted: bool = False


def _default_users() -> dict[str, SlackUser]:
    people = [
        SlackUser("U0ADMIN001", "amara", "Amara Okafor", is_admin=True),
        SlackUser("U0COMMS001", "dev", "Dev Patel"),
        SlackUser("U0STAFF001", "sian", "Siân Jones"),
        SlackUser("U0TEACH001", "li", "Li Wei", tz="America/New_York"),
    ]
    return {person.id: person for person in people}


class SlackStandIn(LocalServer):
    """Answers the Web API methods the app uses, in the shapes of Slack's published OpenAPI spec.

    Use as a context manager; `base_url` is what `SLACK_API_URL` should be set to. Block Kit that real Slack
    would refuse is refused with Slack's error (see `blockkit`) and kept in `refused`; leaving the context with
    refusals unread fails (clear `refused` in a test that sends them on purpose).
    """

    thread_name = "slack-standin"

    def __init__(self, *, valid_token: str | None = None, scopes: str = DEFAULT_SLACK_SCOPES) -> None:
        self.valid_token = valid_token
        self.scopes = scopes  # granted to the bot token: sent as x-oauth-scopes, and missing_scope past them
        self.calls: list[Call] = []
        self.users = _default_users()
        self.usergroups: dict[str, list[str]] = {"S0COMMS001": ["U0COMMS001", "U0ADMIN001"]}
        self.channel_members: dict[str, list[str]] = {"C0COMMS001": ["U0COMMS001", "U0ADMIN001"], "C0GENERAL1": []}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.fail_next: dict[str, str] = {}
        self.socket_mode: SocketLinks | None = None  # hands out Socket Mode links for apps.connections.open
        self.refused: list[tuple[Call, Any]] = []
        self.fail_status: dict[str, list[int]] = {}  # method -> HTTP statuses (429, 5xx) for its next calls
        self.hung: set[str] = set()  # methods ("*" = every one) that hang until release() or 30 s
        self.hanging = 0  # calls hanging right now
        self._release = threading.Event()
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.origin}/response/{name}"

    # inspection

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 30.0) -> list[Call]:
        """Block until `count` calls to `method` arrived; raise AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [call for call in self.calls if call.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = sorted({call.method for call in self.calls})
                    raise AssertionError(f"expected {count} call(s) to {method}, got {len(found)}; saw {seen}")
                self._changed.wait(remaining)

    # failure modes

    def hang(self, *methods: str) -> None:
        """Make these methods (none given: every method) hang until release(), as a very slow Slack does."""
        self._release.clear()
        self.hung = set(methods or ("*",))

    def release(self) -> None:
        self.hung = set()
        self._release.set()

    def _hold(self, method: str) -> None:
        if not method.startswith(("response/", "upload/")) and (method in self.hung or "*" in self.hung):
            with self._lock:
                self.hanging += 1
            self._release.wait(30.0)
            with self._lock:
                self.hanging -= 1

    # request handling

    def handle(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any] | str, dict[str, str]]:
        """Status, body and the headers real Slack adds: x-oauth-scopes whenever the token is accepted."""
        self._hold(method)
        status, payload = self._respond(method, args, token)
        granted = self._token_ok(token) and not (isinstance(payload, dict) and payload.get("error") == "invalid_auth")
        return status, payload, ({"x-oauth-scopes": self.scopes} if granted else {})

    def granted(self) -> set[str]:
        return {scope.strip() for scope in self.scopes.split(",") if scope.strip()}

    def _respond(self, method: str, args: dict[str, Any], token: str | None) -> tuple[int, dict[str, Any] | str]:
        with self._changed:
            self.calls.append(Call(method, args, token))
            self._changed.notify_all()
            statuses = self.fail_status.get(method)
            if statuses:
                status = statuses.pop(0)
                return status, {"ok": False, "error": "ratelimited" if status == 429 else "internal_error"}
            if method.startswith("response/"):
                problem = blockkit.response_url_refusal(args)
                if problem is not None:
                    self.refused.append((self.calls[-1], problem))
                    return 400, problem
                return 200, {"ok": True}
            if method.startswith("upload/"):
                return 200, {"ok": True}
            error = self.fail_next.pop(method, None)
            if error:
                return 200, {"ok": False, "error": error}
            if method == "apps.connections.open":
                return 200, self._connections_open(token)
            if not self._token_ok(token):
                return 200, {"ok": False, "error": "invalid_auth"}
            answer = HANDLERS.get(method)
            if answer is None:
                return 200, {"ok": False, "error": "unknown_method"}
            needed = NEEDED_SCOPES.get(method)
            if needed and not needed & self.granted():
                return 200, {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": ",".join(sorted(needed)),
                    "provided": self.scopes,
                }
            refused = blockkit.refusal(method, args)
            if refused is not None:
                self.refused.append((self.calls[-1], refused))
                return 200, refused
            return 200, answer(self, args)

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        if self.refused and exc[0] is None:
            lines = [f"{call.method}: {answer}" for call, answer in self.refused]
            raise AssertionError("Slack would refuse what the app sent:\n" + "\n".join(lines))

    def _connections_open(self, token: str | None) -> dict[str, Any]:
        """Only an app-level token opens a Socket Mode link; a bot token is the wrong type, as on Slack."""
        if token is None:
            return {"ok": False, "error": "not_authed"}
        if token.startswith(VALID_TOKEN_PREFIX):
            return {"ok": False, "error": "not_allowed_token_type"}
        if not token.startswith("xapp-") or self.socket_mode is None:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.socket_mode.open_url()}

    def _token_ok(self, token: str | None) -> bool:
        if token is None:
            return False
        if self.valid_token is not None:
            return token == self.valid_token
        return token.startswith(VALID_TOKEN_PREFIX)

    def next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.{next(self._ids):06d}"

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"


# Method answers: shapes follow ../shared/specs/slack/slack_web_openapi_v2.json (checked by a test).

Answer = Callable[[SlackStandIn, dict[str, Any]], dict[str, Any]]


def _auth_test(slack: SlackStandIn, _args: dict[str, Any]) -> dict[str, Any]:
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


def _message(slack: SlackStandIn, args: dict[str, Any], ts: str) -> dict[str, Any]:
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


def _post_message(slack: SlackStandIn, args: dict[str, Any]) -> dict[str, Any]:
    channel = str(args.get("channel") or "")
    if not channel:
        return {"ok": False, "error": "channel_not_found"}
    if not args.get("text") and not args.get("blocks"):
        return {"ok": False, "error": "no_text"}
    ts = slack.next_ts()
    message = _message(slack, args, ts)
    slack.messages[(channel, ts)] = message
    return {"ok": True, "channel": channel, "ts": ts, "message": message}


def _post_ephemeral(slack: SlackStandIn, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("channel") or not args.get("user"):
        return {"ok": False, "error": "channel_not_found"}
    return {"ok": True, "message_ts": slack.next_ts()}


def _update(slack: SlackStandIn, args: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
    if (channel, ts) not in slack.messages:
        return {"ok": False, "error": "message_not_found"}
    message = _message(slack, args, ts)
    slack.messages[(channel, ts)] = message
    return {"ok": True, "channel": channel, "ts": ts, "text": message["text"], "message": message}


def _delete(slack: SlackStandIn, args: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
    if slack.messages.pop((channel, ts), None) is None:
        return {"ok": False, "error": "message_not_found"}
    return {"ok": True, "channel": channel, "ts": ts}


def _view(slack: SlackStandIn, args: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
    view = _maybe_json(args.get("view")) or {}
    view_id = view_id or slack.next_id("V")
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
    slack.views[view_id] = stored
    return {"ok": True, "view": stored}


def _views_open(slack: SlackStandIn, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("trigger_id"):
        return {"ok": False, "error": "invalid_trigger_id"}
    return _view(slack, args)


def _views_update(slack: SlackStandIn, args: dict[str, Any]) -> dict[str, Any]:
    view_id = str(args.get("view_id") or "")
    if view_id not in slack.views:
        return {"ok": False, "error": "not_found"}
    return _view(slack, args, view_id)


def _views_publish(slack: SlackStandIn, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("user_id"):
        return {"ok": False, "error": "invalid_arguments"}
    return _view(slack, args)


def _users_info(slack: SlackStandIn, args: dict[str, Any]) -> dict[str, Any]:
    person = slack.users.get(str(args.get("user") or ""))
    if person is None:
        return {"ok": False, "error": "user_not_found"}
    return {
        "ok": True,
        "user": {
            "id": person.id,
            "team_id": TEAM_ID,
            "name": person.name,
            "real_name": person.real_name,
            "deleted": person.deleted,
            "color": "9f69e7",
            "tz": person.tz,
            "tz_label": person.tz,
            "tz_offset": 0,
            "is_admin": person.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": False,
            "is_app_user": False,
            "updated": 1_700_000_000,
            "profile": {
                "real_name": person.real_name,
                "display_name": person.name,
                "real_name_normalized": person.real_name,
                "display_name_normalized": person.name,
                "avatar_hash": "ge3b51ca72de",
                "title": "",
                "phone": "",
                "skype": "",
                "status_text": "",
                "status_emoji": "",
                "status_expiration": 0,
                "team": TEAM_ID,
                "fields": None,
                "first_name": person.real_name.split()[0],
                "last_name": person.real_name.split()[-1],
                "image_24": "https://example.invalid/24.png",
                "image_32": "https://example.invalid/32.png",
                "image_48": "https://example.invalid/48.png",
                "image_72": "https://example.invalid/72.png",
                "image_192": "https://example.invalid/192.png",
                "image_512": "https://example.invalid/512.png",
            },
        },
    }


def _usergroup_users(slack: SlackStandIn, args: dict[str, Any]) -> dict[str, Any]:
    group = str(args.get("usergroup") or "")
    if group not in slack.usergroups:
        return {"ok": False, "error": "no_such_subteam"}
    return {"ok": True, "users": list(slack.usergroups[group])}


def _conversation_members(slack: SlackStandIn, args: dict[str, Any]) -> dict[str, Any]:
    channel = str(args.get("channel") or "")
    if channel not in slack.channel_members:
        return {"ok": False, "error": "channel_not_found"}
    return {"ok": True, "members": list(slack.channel_members[channel]), "response_metadata": {"next_cursor": ""}}


def _conversation_open(slack: SlackStandIn, args: dict[str, Any]) -> dict[str, Any]:
    users = str(args.get("users") or "")
    if not users:
        return {"ok": False, "error": "users_list_not_supplied"}
    return {"ok": True, "channel": {"id": "D" + users.split(",")[0].removeprefix("U")}}


def _upload_url(slack: SlackStandIn, args: dict[str, Any]) -> dict[str, Any]:
    file_id = slack.next_id("F")
    slack.files[file_id] = {"filename": args.get("filename"), "length": args.get("length")}
    return {"ok": True, "upload_url": f"{slack.origin}/upload/{file_id}", "file_id": file_id}


def _complete_upload(slack: SlackStandIn, args: dict[str, Any]) -> dict[str, Any]:
    files = _maybe_json(args.get("files")) or []
    done = []
    for entry in files:
        file_id = entry.get("id")
        if file_id not in slack.files:
            return {"ok": False, "error": "file_not_found"}
        slack.files[file_id].update(title=entry.get("title"), channel=args.get("channel_id"))
        done.append({"id": file_id, "title": entry.get("title") or slack.files[file_id]["filename"]})
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
    "users.info": _users_info,
    "usergroups.users.list": _usergroup_users,
    "conversations.members": _conversation_members,
    "conversations.open": _conversation_open,
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
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _make_handler(slack: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet server
            return

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            self._serve()

        def do_POST(self) -> None:  # noqa: N802 - http.server API
            self._serve()

        def _serve(self) -> None:
            parsed = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            args: dict[str, Any] = dict(parse_qsl(parsed.query))
            content_type = self.headers.get("Content-Type", "")
            if body and "application/json" in content_type:
                loaded = json.loads(body)
                if isinstance(loaded, dict):
                    args.update(loaded)
            elif body and "x-www-form-urlencoded" in content_type and not parsed.path.startswith("/upload/"):
                args.update(parse_qsl(body.decode()))
            elif body:
                args["_body_bytes"] = len(body)
            token = None
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Bearer "):
                token = auth.removeprefix("Bearer ")
            token = token or args.pop("token", None)
            path = parsed.path.lstrip("/")
            method = path.removeprefix("api/")
            status, payload, headers = slack.handle(method, args, token)
            plain = isinstance(payload, str)
            data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status == 429:
                self.send_header("Retry-After", "1")
            self.send_header("Content-Type", "text/plain" if plain else "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
