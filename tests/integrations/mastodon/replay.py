"""Replay recorded Mastodon exchanges (../shared/fixtures/mastodon/*.decoded.json) through httpx.MockTransport."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.conftest import shared_path

# Response headers that no longer describe the body once httpx re-encodes it.
_DROP = {"content-length", "content-encoding", "transfer-encoding"}


def load_exchanges(name: str) -> list[dict[str, Any]]:
    return json.loads(shared_path("fixtures", "mastodon", name).read_text())


def _key(method: str, url: str, *, ignore: frozenset[str]) -> tuple[str, str, frozenset[tuple[str, str]]]:
    parts = urlsplit(url)
    query = frozenset((k, v) for k, v in parse_qsl(parts.query) if k not in ignore)
    return method.upper(), parts.path, query


class Replay:
    """Answers each request with the recorded exchange for the same method, path and query.

    `ignore` names query parameters that do not pick the page (e.g. `limit`, which Mastodon.py left out).
    A request nobody recorded is answered as a real server answers a page past the end: 200 and `[]`,
    and is listed in `unrecorded` so a test can check it was the expected one.
    """

    def __init__(self, exchanges: list[dict[str, Any]], *, ignore: frozenset[str] = frozenset()) -> None:
        self.ignore = ignore
        self.table = {
            _key(ex["request"]["method"], ex["request"]["uri"], ignore=ignore): ex
            for ex in exchanges
            if ex["request"]["method"] == "GET"
        }
        self.requests: list[httpx.Request] = []
        self.unrecorded: list[str] = []
        self.status_override: int | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        exchange = self.table.get(_key(request.method, str(request.url), ignore=self.ignore))
        if exchange is None:
            self.unrecorded.append(str(request.url))
            return httpx.Response(200, json=[])
        headers = {k: v for k, v in exchange["headers"].items() if k.lower() not in _DROP}
        status = self.status_override or exchange["status"]["code"]
        return httpx.Response(status, headers=headers, json=exchange["body"])

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))
