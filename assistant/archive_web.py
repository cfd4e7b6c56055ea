"""The digest archive over HTTP: /archive/<token> (HTML), /archive/<token>.csv and .json, at unguessable links."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import ARCHIVE_PREFIX
from assistant.render.digest_chart import timeline_png
from assistant.render.digest_html import archive_parts
from assistant.services.digests import make as digest_make
from assistant.services.digests.files import file_content
from assistant.services.digests.records import digest_by_token

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    from assistant.web import WSGIApp

PREFIX = ARCHIVE_PREFIX  # defined with the settings that build the public links
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_TYPES = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8", "json": "application/json"}


def archive_app(engine: Engine) -> WSGIApp:
    """A WSGI app answering GET /archive/<token>[.csv|.json]; unknown tokens get 404 (never a hint)."""

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        name = str(environ.get("PATH_INFO", ""))[len(PREFIX) :]
        token, _, fmt = name.partition(".")
        fmt = fmt or "html"
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return _answer(start_response, "405 Method Not Allowed", "text/plain", b"method not allowed")
        if fmt not in _TYPES:
            return _answer(start_response, "404 Not Found", "text/plain", b"not found")
        with Session(engine) as session:
            digest = digest_by_token(session, token)
            if digest is None:
                return _answer(start_response, "404 Not Found", "text/plain", b"not found")
            body: list[bytes]
            if fmt == "csv" or fmt == "json":
                body = [file_content(session, digest, "csv" if fmt == "csv" else "json")]
            else:
                result = digest_make.remake(session, digest)
                png = timeline_png(digest.figures) if digest.posts else None
                body = archive_parts(result, chart_png=png)  # served part by part
        return _answer(start_response, "200 OK", _TYPES[fmt], body, download=f"{digest.hashtag}-digest.{fmt}")

    return application


def _answer(
    start_response: StartResponse,
    status: str,
    content_type: str,
    body: bytes | list[bytes],
    *,
    download: str | None = None,
) -> Iterable[bytes]:
    parts = [body] if isinstance(body, bytes) else body
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(sum(map(len, parts)))),
        ("Cache-Control", "private, no-store"),
        ("X-Robots-Tag", "noindex, nofollow"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", _CSP),
    ]
    if download and not content_type.startswith("text/html"):
        headers.append(("Content-Disposition", f'attachment; filename="{download}"'))
    start_response(status, headers)
    return parts


def archive_routes(engine: Engine) -> dict[str, WSGIApp]:
    """The routes to pass to create_wsgi_app(extra_routes=...)."""
    return {PREFIX: archive_app(engine)}
