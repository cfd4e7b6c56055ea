"""Bluesky XRPC client over an injected httpx.Client: app-password session, searchPosts pages, thread walks."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from integrations.bluesky.config import BlueskyConfig
from integrations.bluesky.parse import parse_post_views
from integrations.errors import (
    AuthError,
    IntegrationError,
    NotFound,
    RateLimited,
    ServerError,
    raise_for_status,
)
from integrations.normalized import Batch

SERVICE = "Bluesky"
CREDENTIALS_HINT = "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (an app password from Settings > App passwords)"
MAX_LIMIT = 100
_REFRESH_MARGIN = timedelta(seconds=60)


def jwt_expiry(token: str) -> datetime | None:
    """The `exp` claim of a JWT as aware UTC, without verifying it (None if unreadable)."""
    try:
        payload = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (IndexError, KeyError, ValueError, TypeError, orjson.JSONDecodeError):
        return None


def xrpc_url(service: str) -> str:
    """The XRPC base of a PDS or AppView: `https://pds.example` and `https://pds.example/xrpc/` both give the latter."""
    base = service.strip().rstrip("/")
    return base if base.endswith("/xrpc") else base + "/xrpc"


@dataclass(slots=True)
class Session:
    """The tokens com.atproto.server.createSession / refreshSession return."""

    did: str
    handle: str
    access_jwt: str
    refresh_jwt: str
    access_expires_at: datetime | None = None
    pds_url: str | None = None

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Session:
        return cls(
            did=body.get("did", ""),
            handle=body.get("handle", ""),
            access_jwt=body["accessJwt"],
            refresh_jwt=body["refreshJwt"],
            access_expires_at=jwt_expiry(body["accessJwt"]),
            pds_url=pds_endpoint(body.get("didDoc")),
        )


def pds_endpoint(did_doc: Any) -> str | None:
    """The account's own PDS (the `#atproto_pds` service of the DID document a session carries), if given."""
    if not isinstance(did_doc, dict):
        return None
    for service in did_doc.get("service") or []:
        if isinstance(service, dict) and str(service.get("id", "")).endswith("#atproto_pds"):
            endpoint = service.get("serviceEndpoint")
            if isinstance(endpoint, str) and endpoint.startswith("https://"):
                return xrpc_url(endpoint)
    return None


@dataclass(slots=True)
class SearchPage:
    """One page of app.bsky.feed.searchPosts: the raw postViews, their Batch, and the cursor for the next."""

    posts: list[dict[str, Any]]
    batch: Batch
    cursor: str | None
    hits_total: int | None = None
    params: dict[str, Any] = field(default_factory=dict)



class BlueskyClient:
    """Authenticated XRPC calls (the AppView refuses unauthenticated search), refreshing the session as needed."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        handle: str | None,
        app_password: str | None,
        base_url: str = "https://bsky.social/xrpc",
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.handle = handle
        self.app_password = app_password
        self.session: Session | None = None
        self._now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))

    @classmethod
    def from_config(cls, config: BlueskyConfig, http: httpx.Client) -> BlueskyClient:
        """Build from the service URL, handle and app password the app was given."""
        return cls(http, handle=config.handle, app_password=config.app_password, base_url=config.base_url)

    # -- session --------------------------------------------------------------------------------------------

    def _url(self, nsid: str) -> str:
        return f"{self.base_url}/{nsid}"

    def _send(self, method: str, nsid: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, self._url(nsid), **kwargs)
        except httpx.TransportError as exc:
            raise ServerError(f"{SERVICE} unreachable at {self.base_url}: {exc}", service=SERVICE) from exc

    def _auth_failed(self, response: httpx.Response, what: str) -> AuthError:
        detail = _error_of(response)
        return AuthError(
            f"{SERVICE} refused {what} ({response.status_code} {detail}). Check {CREDENTIALS_HINT}.",
            service=SERVICE,
            status=response.status_code,
        )

    def create_session(self) -> Session:
        """com.atproto.server.createSession with the handle and app password."""
        if not self.handle or not self.app_password:
            raise AuthError(f"{SERVICE} needs a login: set {CREDENTIALS_HINT}.", service=SERVICE)
        response = self._send(
            "POST",
            "com.atproto.server.createSession",
            json={"identifier": self.handle, "password": self.app_password},
        )
        if response.status_code in (400, 401, 403):
            raise self._auth_failed(response, "the login")
        raise_for_status(response, service=SERVICE, token_hint=CREDENTIALS_HINT)
        self.session = Session.from_body(response.json())
        return self.session

    def refresh_session(self) -> Session:
        """com.atproto.server.refreshSession with the refresh token; a new login if that is refused too."""
        if self.session is None:
            return self.create_session()
        response = self._send(
            "POST",
            "com.atproto.server.refreshSession",
            headers={"Authorization": f"Bearer {self.session.refresh_jwt}"},
        )
        if response.status_code in (400, 401):
            self.session = None
            return self.create_session()
        raise_for_status(response, service=SERVICE, token_hint=CREDENTIALS_HINT)
        self.session = Session.from_body(response.json())
        return self.session

    def resume_session(self, refresh_jwt: str | None, *, did: str = "") -> Session:
        """Continue a stored session: refreshSession with its refresh JWT, a new login only when that fails.

        createSession is rate limited per account, so a job that runs every day keeps one session going instead of
        logging in each time. The server rotates the refresh JWT (the old one stops working): store
        `self.session.refresh_jwt` afterwards. A refresh JWT past its `exp` is not sent at all.
        """
        expires = jwt_expiry(refresh_jwt) if refresh_jwt else None
        if not refresh_jwt or (expires is not None and expires <= self._now()):
            return self.create_session()
        self.session = Session(did=did, handle=self.handle or "", access_jwt="", refresh_jwt=refresh_jwt)
        return self.refresh_session()

    def _ensure_session(self) -> Session:
        if self.session is None:
            return self.create_session()
        expires = self.session.access_expires_at
        if expires is not None and expires - _REFRESH_MARGIN <= self._now():
            return self.refresh_session()
        return self.session

    def query(self, nsid: str, params: dict[str, Any]) -> dict[str, Any]:
        """GET an XRPC query with the session's access token; refresh once on ExpiredToken."""
        clean = {key: value for key, value in params.items() if value is not None and value != []}
        return self._call("GET", nsid, params=clean)

    def procedure(self, nsid: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST an XRPC procedure (JSON in, JSON out) with the session's access token; refresh once on ExpiredToken."""
        return self._call("POST", nsid, json=body)

    def _call(self, method: str, nsid: str, **request: Any) -> dict[str, Any]:
        session = self._ensure_session()
        for attempt in range(2):
            response = self._send(method, nsid, headers={"Authorization": f"Bearer {session.access_jwt}"}, **request)
            if response.status_code in (400, 401) and _error_name(response) in ("ExpiredToken", "InvalidToken"):
                if attempt == 0:
                    session = self.refresh_session()
                    continue
            if response.status_code == 401:
                raise self._auth_failed(response, nsid)
            _raise_for_xrpc(response)
            body = response.json()
            if not isinstance(body, dict):
                raise IntegrationError(f"{SERVICE}: {nsid} returned {type(body).__name__}", service=SERVICE)
            return body
        raise self._auth_failed(response, nsid)

    # -- feeds ----------------------------------------------------------------------------------------------

    def search_posts(
        self,
        q: str,
        *,
        tags: Sequence[str] = (),
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        sort: str = "latest",
        limit: int = MAX_LIMIT,
        cursor: str | None = None,
        lang: str | None = None,
        author: str | None = None,
        max_pages: int | None = None,
        mentions: str | None = None,
    ) -> Iterator[SearchPage]:
        """Pages of app.bsky.feed.searchPosts (limit capped at 100), following `cursor` until it runs out."""
        params: dict[str, Any] = {
            "q": q,
            "tag": [tag.lstrip("#") for tag in tags],
            "since": _instant(since),
            "until": _instant(until),
            "sort": sort,
            "limit": max(1, min(limit, MAX_LIMIT)),
            "lang": lang,
            "author": author,
            "mentions": mentions,
            "cursor": cursor,
        }
        pages = 0
        while True:
            body = self.query("app.bsky.feed.searchPosts", params)
            posts = [post for post in body.get("posts") or () if isinstance(post, dict)]
            next_cursor = body.get("cursor") or None
            pages += 1
            yield SearchPage(
                posts=posts,
                batch=parse_post_views(posts),
                cursor=next_cursor,
                hits_total=body.get("hitsTotal"),
                params={key: value for key, value in params.items() if value is not None and value != []},
            )
            if not posts or next_cursor is None or (max_pages is not None and pages >= max_pages):
                return
            params = {**params, "cursor": next_cursor}

    def get_post_thread(self, uri: str, *, depth: int = 100, parent_height: int = 80) -> Batch:
        """app.bsky.feed.getPostThread, flattened: the post, its parents and every reply, each once."""
        body = self.query("app.bsky.feed.getPostThread", {"uri": uri, "depth": depth, "parentHeight": parent_height})
        views, problems = flatten_thread(body.get("thread"))
        batch = parse_post_views(views, source="bluesky-thread")
        batch.problems.extend(problems)
        return batch


def flatten_thread(thread: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The postViews of a threadViewPost tree (parents upward, replies downward), and what could not be seen."""
    views: list[dict[str, Any]] = []
    problems: list[str] = []
    if not isinstance(thread, dict):
        return views, problems
    parent = thread.get("parent")
    ancestors: list[dict[str, Any]] = []
    while isinstance(parent, dict):
        if "post" in parent:
            ancestors.append(parent["post"])
        else:
            problems.append(_unseen(parent))
        parent = parent.get("parent")
    views.extend(reversed(ancestors))
    stack = [thread]
    while stack:
        node = stack.pop()
        if "post" not in node:
            problems.append(_unseen(node))
            continue
        views.append(node["post"])
        replies = [reply for reply in node.get("replies") or () if isinstance(reply, dict)]
        stack.extend(reversed(replies))
    return views, problems


def _unseen(node: dict[str, Any]) -> str:
    reason = "blocked" if node.get("blocked") else "not found" if node.get("notFound") else "not visible"
    return f"Bluesky: post {node.get('uri', '?')} {reason}"


def _raise_for_xrpc(response: httpx.Response) -> None:
    """XRPC failures: 400 NotFound is NotFound; 429 resets at the RateLimit-Reset epoch header; else the usual."""
    status = response.status_code
    if status == 400 and _error_name(response) in ("NotFound", "RecordNotFound"):
        raise NotFound(f"{SERVICE}: not found: {_error_of(response)}", service=SERVICE, status=status)
    if status == 429 and response.headers.get("ratelimit-reset", "").strip().isdigit():
        reset_at = datetime.fromtimestamp(int(response.headers["ratelimit-reset"]), UTC)
        raise RateLimited(
            f"{SERVICE} rate limit reached; try again at {reset_at:%H:%M:%S} UTC", reset_at=reset_at, service=SERVICE
        )
    raise_for_status(response, service=SERVICE, token_hint=CREDENTIALS_HINT)


def _instant(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_name(response: httpx.Response) -> str:
    return str(_error_body(response).get("error") or "")


def _error_of(response: httpx.Response) -> str:
    body = _error_body(response)
    parts = [str(body[key]) for key in ("error", "message") if body.get(key)]
    return ": ".join(parts) or response.reason_phrase
