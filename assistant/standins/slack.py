"""The Slack Web API stand-in: a local HTTP server that records every call, checks token and scopes, fails on demand."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol

from assistant.config import DEFAULT_SLACK_SCOPES
from assistant.standins import blockkit
from assistant.standins.server import LocalServer
from assistant.standins.slack_http import make_handler
from assistant.standins.slack_methods import HANDLERS, NEEDED_SCOPES
from assistant.standins.slack_workspace import (
    APP_ID,
    TEAM_ID,
    TEAM_NAME,
    default_channel_members,
    default_usergroups,
    default_users,
)

# The stand-in's workspace ids are named here too, for the tests and the demo that drive it.
__all__ = ["APP_ID", "TEAM_ID", "TEAM_NAME", "Call", "SlackStandIn"]

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
        self.users = default_users()
        self.usergroups = default_usergroups()
        self.channel_members = default_channel_members()
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.fail_next: dict[str, str] = {}
        self.socket_mode: SocketLinks | None = None  # hands out Socket Mode links for apps.connections.open
        self.refused: list[tuple[Call, Any]] = []
        self.fail_status: dict[str, list[int]] = {}  # method -> HTTP statuses (429, 5xx) for its next calls
        self.hung: set[str] = set()  # methods ("*" = every one) that hang until release() or 30 s
        self.hanging = 0  # calls hanging right now
        self.hangs_expired = 0  # hung calls that gave up waiting for release() (30 s)
        self._release = threading.Event()
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return make_handler(self.handle)

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
            released = self._release.wait(30.0)
            with self._lock:
                self.hanging -= 1
                self.hangs_expired += 0 if released else 1

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
