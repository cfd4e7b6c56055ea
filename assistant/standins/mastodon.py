"""A local stand-in for a Mastodon instance: its description and token check, refusing as Mastodon does."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlparse

from assistant.standins.server import LocalServer, QuietHandler

ACCOUNT = {"id": "109000000000000001", "username": "council", "acct": "council", "display_name": "Demo Council"}


class MastodonStandIn(LocalServer):
    """GET /api/v1/instance (public) and /api/v1/accounts/verify_credentials (bearer token); `paths` records calls."""

    thread_name = "mastodon-standin"

    def __init__(self, *, valid_token: str = "masto-token", title: str = "Demo Mastodon") -> None:
        self.valid_token = valid_token
        self.title = title
        self.paths: list[str] = []
        self._lock = threading.Lock()

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)

    def handle(self, path: str, token: str | None) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.paths.append(path)
        if path == "/api/v1/instance":
            host = urlparse(self.origin).netloc
            return 200, {"uri": host, "title": self.title, "version": "4.3.0", "registrations": False}
        if path == "/api/v1/accounts/verify_credentials":
            if token is None:
                return 401, {"error": "This method requires an authenticated user"}
            if token != self.valid_token:
                return 401, {"error": "The access token is invalid"}
            return 200, {**ACCOUNT, "url": f"{self.origin}/@{ACCOUNT['username']}"}
        return 404, {"error": "Record not found"}


def _make_handler(instance: MastodonStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            status, payload = instance.handle(urlparse(self.path).path, self.bearer_token())
            self.reply(status, json.dumps(payload).encode(), content_type="application/json; charset=utf-8")

    return Handler
