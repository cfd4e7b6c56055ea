"""The HTTP front: a small WSGI router for Slack's endpoints and /healthz, served by waitress."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.engine import Engine

from assistant.health import Health
from assistant.health import read as read_health
from assistant.models.base import utcnow
from assistant.slack.app import EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

WSGIApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]
SLACK_PATHS = frozenset({EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH})


MAX_BODY_BYTES = 400 * 1024  # Slack's largest payloads (a full modal's state) are far below this


class GuardedSlackHandler(SlackRequestHandler):
    """Bolt's WSGI handler behind a guard: size first, then the signature, then parsing; never a 500 for junk."""

    def __init__(self, app: App, path: str = EVENTS_PATH, *, signing_secret: str | None = None) -> None:
        super().__init__(app, path=path)
        secret = app._signing_secret if signing_secret is None else signing_secret  # noqa: SLF001 - the one Bolt holds
        self.verifier = SignatureVerifier(secret)

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        try:
            length = int(request.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _reject(request, 400, "unreadable Content-Length", 0)
        if length > MAX_BODY_BYTES:
            return _reject(request, 413, "body too large", length)  # refused before a byte is read
        try:
            body = request.get_body()  # reads wsgi.input: once only
        except ValueError:  # not UTF-8
            return _reject(request, 400, "body is not UTF-8", length)
        if not body:
            return _reject(request, 400, "empty request body", length)
        headers = request.get_headers()
        if not self.verifier.is_valid_request(body, headers):  # type: ignore[arg-type]  # Bolt's header mapping
            return _reject(request, 401, "missing or invalid Slack signature", length)
        try:
            bolt_request = BoltRequest(body=body, query=request.query_string, headers=headers)
        except Exception:  # noqa: BLE001 - a signed body Bolt cannot read ([1], a JSON string, payload=[1])
            return _reject(request, 400, "malformed request body", length)
        if not isinstance(bolt_request.body, dict):
            return _reject(request, 400, "malformed request body", length)
        return self.app.dispatch(bolt_request)


def _reject(request: WsgiHttpRequest, status: int, reason: str, length: int) -> BoltResponse:
    """Refuse a request with one short log line: method, path, reason and size, never the body."""
    log.warning("rejected %s %s: %s (%d bytes)", request.method, request.path, reason, length)
    return BoltResponse(status=status, body=reason)


def create_wsgi_app(
    bolt: App,
    engine: Engine,
    extra_routes: dict[str, WSGIApp] | None = None,
    *,
    health: Callable[[], Health] | None = None,
) -> WSGIApp:
    """Route Slack's paths to Bolt, /healthz to the health reading, anything else to 404."""
    slack = GuardedSlackHandler(bolt, path=EVENTS_PATH)
    routes = dict(extra_routes or {})
    reading = health or health_reader(engine, engine.url.render_as_string(hide_password=False), 5.0)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in SLACK_PATHS:
            return slack(environ, start_response)
        if path == "/healthz":
            return _health(reading(), start_response)
        for prefix, route in routes.items():
            if path.startswith(prefix):
                return route(environ, start_response)
        return _json(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    return application


def health_app(reading: Callable[[], Health]) -> WSGIApp:
    """Only /healthz (anything else 404): what Socket Mode serves on $PORT, where Slack sends nothing over HTTP."""

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") == "/healthz":
            return _health(reading(), start_response)
        return _json(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    return application


def health_reader(engine: Engine, database_url: str, interval_seconds: float) -> Callable[[], Health]:
    """A reading now, with the worker counted silent after 5 of its intervals."""
    return lambda: read_health(engine, database_url, now=utcnow(), interval_seconds=interval_seconds)


def _health(reading: Health, start_response: StartResponse) -> Iterable[bytes]:
    """200 with the figures, or 503 when the database is down, the schema behind, or due work has no worker."""
    if not reading.ok:
        log.error("health check: %s", "; ".join(reading.problems))
    status = "200 OK" if reading.ok else "503 Service Unavailable"
    return _json(start_response, status, reading.as_json())


def _json(start_response: StartResponse, status: str, payload: dict[str, Any]) -> Iterable[bytes]:
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def serve_http(app: WSGIApp, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 16) -> None:
    """Serve with waitress (production WSGI server, pure Python, runs on every platform)."""
    import waitress

    log.info("listening on http://%s:%d (threads=%d)", host, port, threads)
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="outreach",
        clear_untrusted_proxy_headers=True,
        max_request_body_size=MAX_BODY_BYTES,  # waitress itself accepts up to 1 GiB
    )
