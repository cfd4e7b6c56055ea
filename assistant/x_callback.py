"""The `/x/oauth/callback` web route: X redirects here after the person authorizes the team's account."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.clients import Clients
from assistant.config import X_CALLBACK_PATH
from assistant.crypto import TokenCipher
from assistant.models.base import utcnow
from assistant.services.accounts.connect import finish_x_connect
from assistant.services.accounts.team_accounts import AccountError
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

WSGIApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]


def x_callback_routes(engine: Engine, clients: Clients) -> dict[str, WSGIApp]:
    """extra_routes for assistant.web.create_wsgi_app."""
    settings = clients.settings

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        query = {key: values[0] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if query.get("error"):
            return _page(
                start_response,
                "400 Bad Request",
                "X connect cancelled",
                f"X answered: {query['error']}. Nothing was saved.",
            )
        state, code = query.get("state", ""), query.get("code", "")
        if not state or not code:
            return _page(
                start_response, "400 Bad Request", "X connect failed", "The link is missing its state or code."
            )
        try:
            with clients.http() as http, Session(engine) as session:
                oauth = clients.x_oauth(http)
                account = finish_x_connect(
                    session,
                    TokenCipher.from_settings(settings),
                    oauth,
                    http,
                    settings,
                    state=state,
                    code=code,
                    now=utcnow(),
                )
                handle = account.handle
        except AccountError as exc:
            return _page(start_response, "400 Bad Request", "X connect failed", str(exc))
        except IntegrationError as exc:
            log.warning("X connect failed: %s", type(exc).__name__)
            return _page(start_response, "502 Bad Gateway", "X connect failed", f"X refused the connection: {exc}")
        return _page(
            start_response,
            "200 OK",
            "X account connected",
            f"{handle} is connected to Outreach Assistant. You can close this tab and go back to Slack.",
        )

    return {X_CALLBACK_PATH: application}


def _page(start_response: StartResponse, status: str, title: str, text: str) -> Iterable[bytes]:
    body = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    ).encode()
    start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
