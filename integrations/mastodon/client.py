"""Mastodon REST client over an injected httpx.Client: hashtag timelines paged through Link headers, threads.

A Mastodon server only returns the posts it knows: its own users' posts and the remote posts that reached it
(followed accounts, relays, boosts). A hashtag timeline is therefore that instance's view of the hashtag,
never the whole fediverse's; point the app's MASTODON_BASE_URL at a large or well-federated instance.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict, Unpack
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from integrations.errors import ServerError, raise_for_status
from integrations.mastodon.config import MastodonConfig
from integrations.mastodon.parse import parse_statuses
from integrations.normalized import Batch
from integrations.x.parse import parse_datetime

SERVICE = "Mastodon"
TOKEN_HINT = "MASTODON_ACCESS_TOKEN (and MASTODON_BASE_URL)"
MAX_LIMIT = 40


@dataclass(slots=True)
class RateLimit:
    """The X-RateLimit-* headers of the last response (None where the server sent none)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> RateLimit:
        def number(name: str) -> int | None:
            value = headers.get(name)
            return int(value) if value and value.strip().isdigit() else None

        reset = headers.get("x-ratelimit-reset")
        try:
            reset_at = parse_datetime(reset) if reset else None
        except ValueError:
            reset_at = None
        return cls(number("x-ratelimit-limit"), number("x-ratelimit-remaining"), reset_at)


@dataclass(slots=True)
class TimelinePage:
    """One page of a timeline: the raw statuses, their normalized Batch, and where the next page starts."""

    statuses: list[dict[str, Any]]
    batch: Batch
    next_url: str | None
    next_max_id: str | None
    rate_limit: RateLimit = field(default_factory=RateLimit)
    reached_since: bool = False


@dataclass(slots=True)
class StatusContext:
    """A status's thread (GET /api/v1/statuses/:id/context): the statuses above it, oldest first, and
    the replies below it, in thread order; `batch` holds them all, the status itself included when given."""

    ancestors: list[dict[str, Any]]
    descendants: list[dict[str, Any]]
    batch: Batch


class HashtagFilters(TypedDict, total=False):
    """The filters of a hashtag timeline, as `MastodonClient.hashtag_params` takes them."""

    any_tags: Sequence[str]
    all_tags: Sequence[str]
    none_tags: Sequence[str]
    local: bool | None
    remote: bool | None
    only_media: bool | None
    limit: int
    max_id: str | None
    since_id: str | None
    min_id: str | None


def _bool(value: bool) -> str:
    return "true" if value else "false"


class MastodonClient:
    """Reads public timelines from one Mastodon instance (bearer token optional for public timelines)."""

    def __init__(self, http: httpx.Client, *, base_url: str, access_token: str | None = None) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.last_rate_limit = RateLimit()

    @classmethod
    def from_config(cls, config: MastodonConfig, http: httpx.Client) -> MastodonClient:
        """Build from the instance's base URL and the optional access token the app was given."""
        return cls(http, base_url=config.base_url, access_token=config.access_token)

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        return headers

    def _get(self, url: str, params: list[tuple[str, str]] | None = None) -> httpx.Response:
        try:
            query = httpx.QueryParams(tuple(params)) if params else None
            response = self.http.get(url, params=query, headers=self._headers())
        except httpx.TransportError as exc:
            raise ServerError(f"{SERVICE} unreachable at {self.base_url}: {exc}", service=SERVICE) from exc
        self.last_rate_limit = RateLimit.from_headers(response.headers)
        raise_for_status(response, service=SERVICE, token_hint=TOKEN_HINT)
        return response

    def hashtag_params(
        self,
        *,
        any_tags: Sequence[str] = (),
        all_tags: Sequence[str] = (),
        none_tags: Sequence[str] = (),
        local: bool | None = None,
        remote: bool | None = None,
        only_media: bool | None = None,
        limit: int = MAX_LIMIT,
        max_id: str | None = None,
        since_id: str | None = None,
        min_id: str | None = None,
    ) -> list[tuple[str, str]]:
        """The query parameters of GET /api/v1/timelines/tag/:hashtag (limit capped at 40)."""
        params: list[tuple[str, str]] = []
        for name, tags in (("any[]", any_tags), ("all[]", all_tags), ("none[]", none_tags)):
            params.extend((name, tag.lstrip("#")) for tag in tags)
        for name, flag in (("local", local), ("remote", remote), ("only_media", only_media)):
            if flag is not None:
                params.append((name, _bool(flag)))
        params.append(("limit", str(max(1, min(limit, MAX_LIMIT)))))
        for name, value in (("max_id", max_id), ("since_id", since_id), ("min_id", min_id)):
            if value:
                params.append((name, value))
        return params

    def hashtag_timeline(
        self,
        hashtag: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        max_pages: int | None = None,
        **filters: Unpack[HashtagFilters],
    ) -> Iterator[TimelinePage]:
        """Pages of GET /api/v1/timelines/tag/:hashtag, newest first, following Link rel="next".

        The filters are those of `hashtag_params`. Statuses newer than `until` are left out of the batches;
        paging stops at the first status older than `since`, at an empty page, or after `max_pages`.
        """
        url = f"{self.base_url}/api/v1/timelines/tag/{quote(hashtag.lstrip('#'), safe='')}"
        params = self.hashtag_params(**filters)
        return self.paginate(url, params, since=since, until=until, max_pages=max_pages)

    def account_statuses(
        self, account_id: str, *, limit: int = MAX_LIMIT, since: datetime | None = None, max_pages: int | None = None
    ) -> Iterator[TimelinePage]:
        """Pages of GET /api/v1/accounts/:id/statuses (same paging as the hashtag timeline)."""
        url = f"{self.base_url}/api/v1/accounts/{quote(account_id, safe='')}/statuses"
        params = [("limit", str(max(1, min(limit, MAX_LIMIT))))]
        return self.paginate(url, params, since=since, max_pages=max_pages)

    def status_context(self, status_id: str, *, status: dict[str, Any] | None = None) -> StatusContext:
        """GET /api/v1/statuses/:id/context: the thread around one status.

        Mastodon gives no conversation root; with the status itself (`status`), the batch's replies get
        their root from the in_reply_to chain (ancestors, the status, descendants), as a timeline page's do.
        Servers cap what they return (without a token, 40 ancestors and 60 descendants on Mastodon 4.x).
        """
        response = self._get(f"{self.base_url}/api/v1/statuses/{quote(str(status_id), safe='')}/context")
        body = response.json()
        body = body if isinstance(body, dict) else {}
        ancestors = [s for s in body.get("ancestors") or () if isinstance(s, dict)]
        descendants = [s for s in body.get("descendants") or () if isinstance(s, dict)]
        thread = [*ancestors, *([status] if status is not None else []), *descendants]
        return StatusContext(ancestors=ancestors, descendants=descendants, batch=parse_statuses(thread))

    def paginate(
        self,
        url: str,
        params: list[tuple[str, str]] | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        max_pages: int | None = None,
    ) -> Iterator[TimelinePage]:
        """Follow a Mastodon timeline's Link rel="next" headers page by page, within a time window."""
        next_url: str | None = url
        next_params = params
        pages = 0
        while next_url is not None:
            response = self._get(next_url, next_params)
            body = response.json()
            statuses: list[dict[str, Any]] = body if isinstance(body, list) else []
            kept: list[dict[str, Any]] = []
            reached_since = False
            for status in statuses:
                created = parse_datetime(status.get("created_at"))
                if until is not None and created is not None and created >= until:
                    continue
                if since is not None and created is not None and created < since:
                    reached_since = True
                    continue
                kept.append(status)
            link_next = response.links.get("next", {}).get("url")
            next_max_id: str | None = None
            if link_next:
                max_ids = parse_qs(urlsplit(link_next).query).get("max_id")
                next_max_id = max_ids[0] if max_ids else None
            pages += 1
            yield TimelinePage(
                statuses=kept,
                batch=parse_statuses(kept),
                next_url=link_next,
                next_max_id=next_max_id,
                rate_limit=self.last_rate_limit,
                reached_since=reached_since,
            )
            if not statuses or reached_since or not link_next or (max_pages is not None and pages >= max_pages):
                return
            next_url, next_params = link_next, None
