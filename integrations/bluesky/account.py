"""Bluesky reads and calls for a connected account: its own posts, its mentions, ending its session.

Built on `BlueskyClient` (session, refresh, error mapping). Shapes per the lexicons:
app.bsky.feed.getAuthorFeed (`feed` of feedViewPost, `cursor`), app.bsky.notification.listNotifications
(`notifications` with `reason` and `indexedAt`, `cursor`) and com.atproto.server.deleteSession (a procedure
authenticated with the refresh JWT, no body). An app-password session cannot revoke the app password itself
(com.atproto.server.revokeAppPassword needs a full-access session): the person revokes it in Bluesky's settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx

from integrations.bluesky.client import MAX_LIMIT, SERVICE, BlueskyClient
from integrations.errors import ServerError
from integrations.x.parse import parse_datetime


def _when(item: dict[str, Any]) -> datetime | None:
    record = item.get("record") if isinstance(item.get("record"), dict) else {}
    return parse_datetime((record or {}).get("createdAt") or item.get("indexedAt"))


def _pages(client: BlueskyClient, nsid: str, key: str, params: dict[str, Any], max_pages: int) -> Iterator[list[Any]]:
    for _ in range(max_pages):
        body = client.query(nsid, params)
        items = [item for item in body.get(key) or () if isinstance(item, dict)]
        yield items
        cursor = body.get("cursor")
        if not items or not cursor:
            return
        params = {**params, "cursor": cursor}


def count_own_posts(client: BlueskyClient, actor: str, *, since: datetime, max_pages: int = 20) -> int:
    """Posts (replies included) the actor wrote since `since`, from getAuthorFeed; reposts and pins are skipped."""
    total = 0
    params: dict[str, Any] = {"actor": actor, "limit": MAX_LIMIT, "filter": "posts_with_replies"}
    for items in _pages(client, "app.bsky.feed.getAuthorFeed", "feed", params, max_pages):
        older = False
        for item in items:
            post = item.get("post") or {}
            reason = (item.get("reason") or {}).get("$type", "")
            if reason.endswith("reasonPin"):
                continue  # a pinned post sits on top whatever its age
            if reason.endswith("reasonRepost"):
                continue
            author = post.get("author") or {}
            if actor not in (author.get("did"), author.get("handle")):
                continue
            created = _when(post)
            if created is not None and created < since:
                older = True
                continue
            total += 1
        if older:
            break
    return total


def count_mentions(client: BlueskyClient, *, since: datetime, max_pages: int = 20) -> int:
    """Notifications with reason "mention" indexed since `since` (listNotifications is newest first)."""
    total = 0
    params: dict[str, Any] = {"limit": MAX_LIMIT, "reasons": ["mention"]}
    for items in _pages(client, "app.bsky.notification.listNotifications", "notifications", params, max_pages):
        older = False
        for item in items:
            indexed = parse_datetime(item.get("indexedAt"))
            if indexed is not None and indexed < since:
                older = True
                continue
            if item.get("reason") == "mention":
                total += 1
        if older:
            break
    return total


def delete_session(http: httpx.Client, *, base_url: str, refresh_jwt: str) -> bool:
    """com.atproto.server.deleteSession with the refresh JWT; True when the server ended (or no longer knew) it."""
    try:
        response = http.post(
            f"{base_url.rstrip('/')}/com.atproto.server.deleteSession",
            headers={"Authorization": f"Bearer {refresh_jwt}"},
        )
    except httpx.TransportError as exc:
        raise ServerError(f"{SERVICE} unreachable at {base_url}: {exc}", service=SERVICE) from exc
    if response.status_code == 200:
        return True
    try:
        error = response.json().get("error")
    except ValueError:
        error = None
    return response.status_code in (400, 401) and error in ("ExpiredToken", "InvalidToken")
