"""The Slack stand-in's HTTP end: a Web API call read from form, JSON or query (bearer or form token), answered."""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlparse

Handle = Callable[[str, dict[str, Any], str | None], tuple[int, dict[str, Any] | str, dict[str, str]]]
"""(method or path, arguments, token) -> (HTTP status, body, headers to add)."""


def make_handler(handle: Handle) -> type[BaseHTTPRequestHandler]:
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
            status, payload, headers = handle(method, args, token)
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
