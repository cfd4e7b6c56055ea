"""X API v2 client over an injected httpx.Client: pages, retries, budgets and bills the requests it builds."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from pydantic import SecretStr

from integrations.errors import AuthError, DuplicatePost, RateLimited, ServerError, raise_for_status
from integrations.normalized import Batch
from integrations.x.config import XConfig
from integrations.x.cost import Billed, CostMeter
from integrations.x.dialect import Dialect, dialect_for
from integrations.x.ratelimit import Budget, RateLimits
from integrations.x.requests import Auth, XRequest, XRequestBuilder, utc_now

log = logging.getLogger(__name__)

SERVICE = "X"
_DUPLICATE = "duplicate content"  # what X says, in its 403 detail, to a post it already has from the account
APP_TOKEN_HINT = "X_BEARER_TOKEN (the app's bearer token)"
USER_TOKEN_HINT = "the account's X user token (reconnect the account to renew it)"


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


class XClient(XRequestBuilder):
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
        clock: Callable[[], datetime] = utc_now,
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
            except AuthError as exc:
                if status == 403 and request.method == "POST" and _DUPLICATE in str(exc):
                    raise DuplicatePost(str(exc), service=SERVICE, status=status) from None
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
