"""X API v2 client over an injected httpx.Client: builds requests, pages, retries, budgets and bills them."""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from integrations.errors import AuthError, RateLimited, ServerError, raise_for_status
from integrations.normalized import Batch
from integrations.x.config import XConfig
from integrations.x.cost import Billed, CostMeter, Resource
from integrations.x.dialect import Dialect, dialect_for
from integrations.x.ratelimit import Budget, RateLimits

log = logging.getLogger(__name__)

SERVICE = "X"
APP_TOKEN_HINT = "X_BEARER_TOKEN (the app's bearer token)"
USER_TOKEN_HINT = "the account's X user token (reconnect the account to renew it)"
USERS_PER_LOOKUP = 100
_USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_ID = re.compile(r"^[0-9]{1,19}$")

Auth = Literal["app", "user"]
Granularity = Literal["minute", "hour", "day"]


@dataclass(frozen=True, slots=True)
class XRequest:
    """One call as it will go on the wire; built without I/O so it can be inspected and checked."""

    method: str
    path_template: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    auth: Auth = "app"
    resource: Resource = "none"
    page_param: str | None = None

    @property
    def endpoint(self) -> str:
        """The rate-limit and logging name, e.g. 'GET /2/users/{id}/following'."""
        return f"{self.method} {self.path_template}"

    def with_page(self, token: str) -> XRequest:
        if self.page_param is None:
            raise ValueError(f"{self.endpoint} is not paginated")
        return replace(self, params={**self.params, self.page_param: token})


@dataclass(slots=True)
class Page:
    """One response: the raw body, which endpoint, the budget after it, partial errors and what it cost."""

    endpoint: str
    raw: dict[str, Any]
    rate_limit: Budget
    errors: list[dict[str, Any]]
    billed: Billed
    status: int = 200

    @property
    def data(self) -> Any:
        return self.raw.get("data")

    @property
    def meta(self) -> dict[str, Any]:
        meta = self.raw.get("meta")
        return meta if isinstance(meta, dict) else {}

    @property
    def next_token(self) -> str | None:
        token = self.meta.get("next_token")
        return str(token) if token else None

    def batch(self) -> Batch:
        """Normalized posts and accounts of this page (integrations.x.parse, imported when first needed)."""
        from integrations.x.parse import parse_page  # lazy: the parser is only needed by callers of batch()

        return parse_page(self.raw)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _rfc3339(value: datetime | None, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime (UTC)")
    return {name: value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _since(since_id: str | None) -> dict[str, str]:
    return {} if since_id is None else {"since_id": _check_id(since_id, "post")}


def _check_range(value: int, low: int, high: int, name: str) -> str:
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return str(value)


def _check_id(value: str, what: str) -> str:
    value = str(value).strip()
    if not _ID.match(value):
        raise ValueError(f"{value!r} is not an X {what} id")
    return value


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class XClient:
    """Reads with the app bearer token, posts with a user token; a 429 raises RateLimited (no sleeping)."""

    def __init__(
        self,
        http: httpx.Client,
        config: XConfig,
        *,
        user_token: str | None = None,
        meter: CostMeter | None = None,
        rate_limits: RateLimits | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._http = http
        self._base_url = config.base_url.rstrip("/")
        self._bearer: SecretStr | None = config.bearer_token
        self._user_token = SecretStr(user_token) if user_token else None
        self.dialect: Dialect = dialect_for(config.dialect)
        self.meter = meter if meter is not None else CostMeter(config.prices, clock=clock)
        self.rate_limits = rate_limits if rate_limits is not None else RateLimits()
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._jitter = jitter
        self._clock = clock

    def __repr__(self) -> str:
        return f"XClient(base_url={self._base_url!r}, dialect={self.dialect.name!r})"

    # Request builders (no I/O) -------------------------------------------------------------

    def search_request(
        self,
        query: str,
        *,
        archive: bool = False,
        max_results: int = 100,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        since_id: str | None = None,
    ) -> XRequest:
        """Recent (last 7 days) or full-archive search, with authors and referenced posts expanded.

        `since_id` returns only posts newer than that id: how a watch polls without reading twice.
        """
        if not query.strip():
            raise ValueError("the search query is empty")
        template = "/2/tweets/search/all" if archive else "/2/tweets/search/recent"
        params = {
            "query": query,
            "max_results": _check_range(max_results, 10, 100, "max_results"),
            **_rfc3339(start_time, "start_time"),
            **_rfc3339(end_time, "end_time"),
            **_since(since_id),
            **self.dialect.post_params(),
        }
        return XRequest("GET", template, template, params, resource="posts", page_param="next_token")

    def counts_request(
        self,
        query: str,
        *,
        archive: bool = False,
        granularity: Granularity = "hour",
        start_time: datetime | None = None,
        end_time: datetime | None = None,
    ) -> XRequest:
        """How many posts match `query` per minute, hour or day."""
        if granularity not in ("minute", "hour", "day"):
            raise ValueError(f"granularity must be minute, hour or day, got {granularity!r}")
        template = "/2/tweets/counts/all" if archive else "/2/tweets/counts/recent"
        params = {
            "query": query,
            "granularity": granularity,
            **_rfc3339(start_time, "start_time"),
            **_rfc3339(end_time, "end_time"),
        }
        return XRequest("GET", template, template, params, resource="counts", page_param="next_token")

    def users_by_usernames_requests(self, usernames: Iterable[str]) -> list[XRequest]:
        """One request per 100 usernames (duplicates and leading @ removed)."""
        names: dict[str, None] = {}
        for raw in usernames:
            name = raw.strip().lstrip("@")
            if not _USERNAME.match(name):
                raise ValueError(f"{raw!r} is not an X username")
            names.setdefault(name, None)
        return [
            XRequest(
                "GET",
                "/2/users/by",
                "/2/users/by",
                {"usernames": ",".join(chunk), **self.dialect.user_params()},
                resource="users",
            )
            for chunk in _batches(list(names), USERS_PER_LOOKUP)
        ]

    def users_by_ids_requests(self, ids: Iterable[str]) -> list[XRequest]:
        """One request per 100 user ids."""
        unique = list(dict.fromkeys(_check_id(value, "user") for value in ids))
        fields = self.dialect.user_params()
        return [
            XRequest("GET", "/2/users", "/2/users", {"ids": ",".join(chunk), **fields}, resource="users")
            for chunk in _batches(unique, USERS_PER_LOOKUP)
        ]

    def follows_request(
        self, user_id: str, direction: Literal["following", "followers"], *, max_results: int = 1000
    ) -> XRequest:
        """Who `user_id` follows, or who follows them; every entry is billed as a user read."""
        if direction not in ("following", "followers"):
            raise ValueError(f"direction must be following or followers, got {direction!r}")
        user_id = _check_id(user_id, "user")
        params = {
            "max_results": _check_range(max_results, 1, 1000, "max_results"),
            **self.dialect.user_params(),
        }
        return XRequest(
            "GET",
            f"/2/users/{{id}}/{direction}",
            f"/2/users/{user_id}/{direction}",
            params,
            resource="users",
            page_param="pagination_token",
        )

    def timeline_request(
        self,
        user_id: str,
        kind: Literal["tweets", "mentions"],
        *,
        max_results: int = 100,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        since_id: str | None = None,
    ) -> XRequest:
        """A user's own posts (`tweets`) or the posts mentioning them (`mentions`)."""
        if kind not in ("tweets", "mentions"):
            raise ValueError(f"kind must be tweets or mentions, got {kind!r}")
        user_id = _check_id(user_id, "user")
        params = {
            "max_results": _check_range(max_results, 5, 100, "max_results"),
            **_rfc3339(start_time, "start_time"),
            **_rfc3339(end_time, "end_time"),
            **_since(since_id),
            **self.dialect.post_params(),
        }
        return XRequest(
            "GET",
            f"/2/users/{{id}}/{kind}",
            f"/2/users/{user_id}/{kind}",
            params,
            resource="posts",
            page_param="pagination_token",
        )

    def create_post_request(self, text: str, *, reply_to: str | None = None) -> XRequest:
        """Create a post (user token); `reply_to` makes it a reply, which is how threads are built."""
        if not text.strip():
            raise ValueError("the post text is empty")
        body: dict[str, Any] = {"text": text}
        if reply_to is not None:
            body["reply"] = {"in_reply_to_tweet_id": _check_id(reply_to, "post")}
        return XRequest("POST", "/2/tweets", "/2/tweets", json=body, auth="user", resource="create")

    def delete_post_request(self, post_id: str) -> XRequest:
        post_id = _check_id(post_id, "post")
        return XRequest("DELETE", "/2/tweets/{id}", f"/2/tweets/{post_id}", auth="user", resource="none")

    # Calls ---------------------------------------------------------------------------------

    def search_recent(self, query: str, *, max_pages: int | None = None, **options: Any) -> Iterator[Page]:
        return self.pages(self.search_request(query, **options), max_pages=max_pages)

    def search_all(self, query: str, *, max_pages: int | None = None, **options: Any) -> Iterator[Page]:
        return self.pages(self.search_request(query, archive=True, **options), max_pages=max_pages)

    def counts(self, query: str, *, max_pages: int | None = None, **options: Any) -> Iterator[Page]:
        return self.pages(self.counts_request(query, **options), max_pages=max_pages)

    def users_by_usernames(self, usernames: Iterable[str]) -> Iterator[Page]:
        for request in self.users_by_usernames_requests(usernames):
            yield self.send(request)

    def users_by_ids(self, ids: Iterable[str]) -> Iterator[Page]:
        for request in self.users_by_ids_requests(ids):
            yield self.send(request)

    def following(self, user_id: str, *, max_pages: int | None = None, max_results: int = 1000) -> Iterator[Page]:
        request = self.follows_request(user_id, "following", max_results=max_results)
        return self.pages(request, max_pages=max_pages)

    def followers(self, user_id: str, *, max_pages: int | None = None, max_results: int = 1000) -> Iterator[Page]:
        request = self.follows_request(user_id, "followers", max_results=max_results)
        return self.pages(request, max_pages=max_pages)

    def user_posts(self, user_id: str, *, max_pages: int | None = None, **options: Any) -> Iterator[Page]:
        return self.pages(self.timeline_request(user_id, "tweets", **options), max_pages=max_pages)

    def mentions(self, user_id: str, *, max_pages: int | None = None, **options: Any) -> Iterator[Page]:
        return self.pages(self.timeline_request(user_id, "mentions", **options), max_pages=max_pages)

    def create_post(self, text: str, *, reply_to: str | None = None) -> Page:
        return self.send(self.create_post_request(text, reply_to=reply_to))

    def delete_post(self, post_id: str) -> Page:
        return self.send(self.delete_post_request(post_id))

    def pages(self, request: XRequest, *, max_pages: int | None = None) -> Iterator[Page]:
        """Send `request`, then follow meta.next_token (as next_token or pagination_token) until the end."""
        count = 0
        while True:
            page = self.send(request)
            yield page
            count += 1
            token = page.next_token
            if token is None or request.page_param is None or (max_pages is not None and count >= max_pages):
                return
            request = request.with_page(token)

    # The wire ------------------------------------------------------------------------------

    def send(self, request: XRequest) -> Page:
        """One call with retries on 5xx, timeouts and dropped connections; 429 raises RateLimited at once.

        A POST (create) is retried only when the connection was never made, so a post is never doubled;
        the worker's outbox decides what to do after any other failure.
        """
        token, hint = self._token(request.auth)
        endpoint = request.endpoint
        now = self._clock()
        if self.rate_limits.calls_left(endpoint, now) == 0:
            reset_at = self.rate_limits.next_call_at(endpoint, now)
            if reset_at > now:
                raise RateLimited(
                    f"X rate limit for {endpoint} is spent; next call at {reset_at:%H:%M:%S} UTC",
                    reset_at=reset_at,
                    service=SERVICE,
                )
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(
                    request.method,
                    self._base_url + request.path,
                    params=request.params or None,
                    json=request.json,
                    headers={"Authorization": f"Bearer {token}"},
                )
            except httpx.TransportError as exc:
                if self._may_retry(request, exc, attempt):
                    self._backoff(endpoint, attempt, type(exc).__name__)
                    continue
                raise ServerError(
                    f"X did not answer {endpoint} after {attempt} attempt(s) ({type(exc).__name__})",
                    service=SERVICE,
                ) from None
            budget = self.rate_limits.update(endpoint, response.headers)
            status = response.status_code
            log.debug("X %s -> %s (remaining %s)", endpoint, status, budget.remaining)
            if status >= 500 and request.method != "POST" and attempt < self._max_attempts:
                self._backoff(endpoint, attempt, f"HTTP {status}")
                continue
            try:
                raise_for_status(response, service=SERVICE, token_hint=hint)
            except RateLimited as exc:
                self.rate_limits.exhausted(endpoint, exc.reset_at)
                raise
            return self._page(request, response, budget)

    def _page(self, request: XRequest, response: httpx.Response, budget: Budget) -> Page:
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ServerError(
                f"X answered {request.endpoint} with a body that is not a JSON object",
                service=SERVICE,
                status=response.status_code,
            )
        if request.resource == "create":
            billed = self.meter.record_create(str((request.json or {}).get("text", "")), endpoint=request.endpoint)
        else:
            billed = self.meter.record_read(body, request.resource, endpoint=request.endpoint)
        errors = [error for error in body.get("errors") or [] if isinstance(error, dict)]
        if errors:
            log.info("X %s returned %d partial error(s)", request.endpoint, len(errors))
        return Page(request.endpoint, body, budget, errors, billed, response.status_code)

    def _token(self, auth: Auth) -> tuple[str, str]:
        if auth == "user":
            if self._user_token is None:
                raise AuthError(f"Posting to X needs {USER_TOKEN_HINT}; none is set", service=SERVICE)
            return self._user_token.get_secret_value(), USER_TOKEN_HINT
        if self._bearer is not None:
            return self._bearer.get_secret_value(), APP_TOKEN_HINT
        if self._user_token is not None:
            return self._user_token.get_secret_value(), USER_TOKEN_HINT
        raise AuthError("Reading from X needs X_BEARER_TOKEN; it is not set", service=SERVICE)

    def _may_retry(self, request: XRequest, exc: httpx.TransportError, attempt: int) -> bool:
        if attempt >= self._max_attempts:
            return False
        if request.method == "POST":
            # A create may have reached X; only retry when the connection was never made.
            return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
        return True

    def _backoff(self, endpoint: str, attempt: int, reason: str) -> None:
        delay = min(self._backoff_cap, self._backoff_base * 2 ** (attempt - 1))
        delay = delay / 2 + self._jitter() * delay / 2
        log.warning("X %s failed (%s); retry %d in %.1fs", endpoint, reason, attempt, delay)
        self._sleep(delay)
