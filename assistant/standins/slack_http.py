"""The Slack stand-in's HTTP end: a Web API call read from form, JSON or query (bearer or form token), answered."""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlparse

from assistant.standins.server import QuietHandler

Handle = Callable[[str, dict[str, Any], str | None], tuple[int, dict[str, Any] | str, dict[str, str]]]
"""(method or path, arguments, token) -> (HTTP status, body, headers to add)."""


def make_handler(handle: Handle) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            self._serve()

        def do_POST(self) -> None:  # noqa: N802 - http.server API
            self._serve()

        def _serve(self) -> None:
            parsed = urlparse(self.path)
            body = self.body()
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
            token = self.bearer_token() or args.pop("token", None)
            method = parsed.path.lstrip("/").removeprefix("api/")
            status, payload, headers = handle(method, args, token)
            if status == 429:
                headers = {**headers, "Retry-After": "1"}
            if isinstance(payload, str):
                self.reply(status, payload.encode(), content_type="text/plain", headers=headers)
            else:
                self.reply(
                    status,
                    json.dumps(payload).encode(),
                    content_type="application/json; charset=utf-8",
                    headers=headers,
                )

    return Handler
