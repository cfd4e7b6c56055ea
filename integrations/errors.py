"""The one error family every integration client raises, mapped from HTTP status in one place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx


class IntegrationError(Exception):
    """A call to an outside service failed; `service` names which one."""

    def __init__(self, message: str, *, service: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.service = service
        self.status = status


class AuthError(IntegrationError):
    """The token is missing, wrong, expired or lacks the scope (401 / 403)."""


class DuplicatePost(AuthError):
    """The network refuses a post whose text the account has already posted (X: 403, "duplicate content")."""


class NotFound(IntegrationError):
    """The resource does not exist or is not visible (404)."""


class RateLimited(IntegrationError):
    """Too many requests (429); try again at `reset_at` (aware UTC)."""

    def __init__(self, message: str, *, reset_at: datetime, service: str = "", status: int | None = 429) -> None:
        super().__init__(message, service=service, status=status)
        self.reset_at = reset_at


class ServerError(IntegrationError):
    """The service failed (5xx), timed out or dropped the connection."""


def reset_time(headers: httpx.Headers, *, now: datetime | None = None, default_seconds: int = 60) -> datetime:
    """When to try again, from x-rate-limit-reset / X-RateLimit-Reset (epoch or ISO) or Retry-After."""
    now = now or datetime.now(UTC)
    for name in ("x-rate-limit-reset", "x-ratelimit-reset"):
        raw = headers.get(name)
        if raw:
            parsed = _parse_instant(raw, now)
            if parsed is not None:
                return parsed
    retry_after = headers.get("retry-after")
    if retry_after:
        if retry_after.strip().isdigit():
            return now + timedelta(seconds=int(retry_after.strip()))
        try:
            return parsedate_to_datetime(retry_after).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return now + timedelta(seconds=default_seconds)


def _parse_instant(raw: str, now: datetime) -> datetime | None:
    raw = raw.strip()
    try:
        number = float(raw)
    except ValueError:
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return None
    # Small numbers are seconds from now (some APIs), large ones epoch seconds.
    if number < 10**8:
        return now + timedelta(seconds=number)
    return datetime.fromtimestamp(number, UTC)


def raise_for_status(response: httpx.Response, *, service: str, token_hint: str = "the access token") -> None:
    """Map an HTTP failure to the shared error family; a 2xx passes through."""
    status = response.status_code
    if status < 400:
        return
    detail = _detail(response)
    if status in (401, 403):
        raise AuthError(
            f"{service} refused the request ({status}): {detail}. Check {token_hint}.", service=service, status=status
        )
    if status == 404:
        raise NotFound(f"{service}: not found: {detail}", service=service, status=status)
    if status == 429:
        reset_at = reset_time(response.headers)
        raise RateLimited(
            f"{service} rate limit reached; try again at {reset_at:%H:%M:%S} UTC",
            reset_at=reset_at,
            service=service,
        )
    if status >= 500:
        raise ServerError(f"{service} failed ({status}): {detail}", service=service, status=status)
    raise IntegrationError(f"{service} rejected the request ({status}): {detail}", service=service, status=status)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        for key in ("detail", "title", "error_description", "message", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:200]
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("detail") or errors[0])[:200]
    return response.reason_phrase
