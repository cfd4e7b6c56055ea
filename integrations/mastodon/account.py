"""Mastodon reads that need an account's token: notifications, account lookup, full-text status search.

Built on `MastodonClient` (same error mapping, Link-header paging). Search of statuses by text is
authenticated, and a server only searches the full text of posts whose authors opted in to being found
(plus the searcher's own posts and those they interacted with); everything else matches by hashtag only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from integrations.mastodon.client import MAX_LIMIT, MastodonClient
from integrations.mastodon.parse import parse_statuses
from integrations.normalized import Batch
from integrations.x.parse import parse_datetime


@dataclass(slots=True)
class NotificationPage:
    """One page of GET /api/v1/notifications: the notifications kept, their statuses as a Batch."""

    notifications: list[dict[str, Any]]
    batch: Batch
    next_url: str | None
    reached_since: bool = False


def notifications(
    client: MastodonClient,
    *,
    types: Sequence[str] = ("mention",),
    since: datetime | None = None,
    since_id: str | None = None,
    limit: int = MAX_LIMIT,
    max_pages: int | None = None,
) -> Iterator[NotificationPage]:
    """Pages of GET /api/v1/notifications?types[]=… (newest first), following Link rel="next".

    Paging stops at the first notification older than `since`, at an empty page, or after `max_pages`.
    """
    params: list[tuple[str, str]] = [("types[]", kind) for kind in types]
    params.append(("limit", str(max(1, min(limit, MAX_LIMIT)))))
    if since_id:
        params.append(("since_id", since_id))
    next_url: str | None = f"{client.base_url}/api/v1/notifications"
    next_params: list[tuple[str, str]] | None = params
    pages = 0
    while next_url is not None:
        response = client._get(next_url, next_params)
        body = response.json()
        rows = [row for row in body if isinstance(row, dict)] if isinstance(body, list) else []
        kept: list[dict[str, Any]] = []
        reached_since = False
        for row in rows:
            created = parse_datetime(row.get("created_at"))
            if since is not None and created is not None and created < since:
                reached_since = True
                continue
            if types and row.get("type") not in types:
                continue
            kept.append(row)
        link_next = response.links.get("next", {}).get("url")
        pages += 1
        statuses = [row["status"] for row in kept if isinstance(row.get("status"), dict)]
        yield NotificationPage(kept, parse_statuses(statuses), link_next, reached_since)
        if not rows or reached_since or not link_next or (max_pages is not None and pages >= max_pages):
            return
        next_url, next_params = link_next, None


def count_mentions(client: MastodonClient, *, since: datetime, max_pages: int = 25) -> int:
    """Mentions of the token's account since `since` (notifications of type mention)."""
    return sum(len(page.notifications) for page in notifications(client, since=since, max_pages=max_pages))


def count_statuses(client: MastodonClient, account_id: str, *, since: datetime, max_pages: int = 25) -> int:
    """The account's own posts (replies included, boosts left out) created since `since`."""
    total = 0
    for page in client.account_statuses(account_id, since=since, max_pages=max_pages):
        total += sum(1 for status in page.statuses if not status.get("reblog"))
    return total


def lookup_account(client: MastodonClient, acct: str) -> dict[str, Any]:
    """GET /api/v1/accounts/lookup?acct=user or user@domain: the account (NotFound when the server has none)."""
    response = client._get(f"{client.base_url}/api/v1/accounts/lookup", [("acct", acct.lstrip("@"))])
    body = response.json()
    return body if isinstance(body, dict) else {}


def search_statuses(
    client: MastodonClient, q: str, *, min_id: str | None = None, limit: int = MAX_LIMIT
) -> tuple[list[dict[str, Any]], Batch]:
    """GET /api/v2/search?type=statuses&q=… (needs a token): matching statuses newer than `min_id`."""
    params = [("q", q), ("type", "statuses"), ("resolve", "false"), ("limit", str(max(1, min(limit, MAX_LIMIT))))]
    if min_id:
        params.append(("min_id", min_id))
    response = client._get(f"{client.base_url}/api/v2/search", params)
    body = response.json()
    statuses = [s for s in (body.get("statuses") or []) if isinstance(s, dict)] if isinstance(body, dict) else []
    return statuses, parse_statuses(statuses)


def new_statuses_of(
    client: MastodonClient, account_id: str, *, since_id: str | None = None, limit: int = MAX_LIMIT
) -> tuple[list[dict[str, Any]], Batch]:
    """One page of GET /api/v1/accounts/:id/statuses newer than `since_id` (the newest first)."""
    params = [("limit", str(max(1, min(limit, MAX_LIMIT))))]
    if since_id:
        params.append(("since_id", since_id))
    url = f"{client.base_url}/api/v1/accounts/{quote(account_id, safe='')}/statuses"
    page = next(iter(client.paginate(url, params, max_pages=1)), None)
    return (page.statuses, page.batch) if page is not None else ([], Batch())
