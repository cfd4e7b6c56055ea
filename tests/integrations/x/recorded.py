"""Test helpers: recorded X exchanges and twarc2 pages from ../shared, served through httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from assistant.config import Settings
from integrations.x.client import XClient
from tests.conftest import shared_path

BEARER = "AAAAAAAAAAAAAAAAAAAAAtest-bearer-SECRET-0123456789"
USER_TOKEN = "user-token-SECRET-abcdef"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# Headers that describe the recorded (gzip) wire body, not the decoded JSON we serve.
_WIRE_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"x_bearer_token": BEARER, **overrides}
    return Settings(_env_file=None, **values)


def recorded(name: str, index: int = 0) -> dict[str, Any]:
    """One exchange (request, status, headers, body) of tweepy_cassettes_decoded/<name>.json."""
    path = shared_path("fixtures", "x", "recorded_responses", "tweepy_cassettes_decoded", f"{name}.json")
    exchanges: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return exchanges[index]


def recorded_response(name: str, index: int = 0, **header_overrides: str) -> httpx.Response:
    exchange = recorded(name, index)
    headers = {k: v for k, v in exchange["headers"].items() if k.lower() not in _WIRE_HEADERS}
    headers.update(header_overrides)
    return httpx.Response(exchange["status"]["code"], headers=headers, json=exchange["body"])


def twarc_pages(*parts: str) -> list[dict[str, Any]]:
    """The real API v2 pages of a twarc2 JSONL file, without twarc's own `__twarc` key."""
    pages = []
    for line in shared_path("fixtures", "twarc2", *parts).read_text(encoding="utf-8").splitlines():
        if line.strip():
            page = json.loads(line)
            page.pop("__twarc", None)
            pages.append(page)
    return pages


def observed_errors() -> list[dict[str, Any]]:
    path = shared_path("fixtures", "x", "errors", "observed_error_responses.json")
    errors: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["errors"]
    return errors


def observed_error_body(status: int) -> bytes:
    """The first real error body observed for `status`, as bytes on the wire."""
    for entry in observed_errors():
        if entry["status"] == status and ("body_raw" in entry or "parsed" in entry):
            raw = entry.get("body_raw") or json.dumps(entry["parsed"])
            return str(raw).encode()
    raise LookupError(status)


def problem_response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"content-type": "application/problem+json", **headers},
        content=observed_error_body(status),
    )


class Recorder:
    """A MockTransport handler that records requests and answers with `reply(request, n)`."""

    def __init__(self, reply: Callable[[httpx.Request, int], httpx.Response]) -> None:
        self.reply = reply
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.reply(request, len(self.requests))

    def params(self, index: int) -> dict[str, str]:
        return dict(self.requests[index].url.params)


def make_client(
    reply: Callable[[httpx.Request, int], httpx.Response],
    *,
    sleeps: list[float] | None = None,
    clock: Callable[[], datetime] = lambda: NOW,
    user_token: str | None = USER_TOKEN,
    **settings_overrides: Any,
) -> tuple[XClient, Recorder]:
    recorder = Recorder(reply)
    http = httpx.Client(transport=httpx.MockTransport(recorder))
    naps = sleeps if sleeps is not None else []
    client = XClient(
        http,
        settings(**settings_overrides).x_config(),
        user_token=user_token,
        sleep=naps.append,
        jitter=lambda: 0.5,
        clock=clock,
    )
    return client, recorder
