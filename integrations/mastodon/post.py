"""Posting a status to Mastodon (POST /api/v1/statuses), made safe to repeat with an Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from integrations.errors import ServerError, raise_for_status

SERVICE = "Mastodon"
TOKEN_HINT = "the Mastodon account's access token (write:statuses scope)"


@dataclass(frozen=True, slots=True)
class Posted:
    """The status Mastodon created (or, for a repeated Idempotency-Key, the one it created the first time)."""

    id: str
    url: str


def post_status(
    http: httpx.Client,
    *,
    base_url: str,
    access_token: str,
    text: str,
    idempotency_key: str,
    in_reply_to_id: str | None = None,
    visibility: str = "public",
) -> Posted:
    """Create a public status; Mastodon keeps the key for an hour and answers a repeat with the first status."""
    data: dict[str, Any] = {"status": text, "visibility": visibility}
    if in_reply_to_id:
        data["in_reply_to_id"] = in_reply_to_id
    try:
        response = http.post(
            base_url.rstrip("/") + "/api/v1/statuses",
            data=data,
            headers={
                "Authorization": f"Bearer {access_token}",
                "Idempotency-Key": idempotency_key,
                "Accept": "application/json",
            },
        )
    except httpx.TransportError as exc:
        raise ServerError(f"{SERVICE} unreachable at {base_url}: {type(exc).__name__}", service=SERVICE) from exc
    raise_for_status(response, service=SERVICE, token_hint=TOKEN_HINT)
    body = response.json()
    if not isinstance(body, dict) or "id" not in body:
        raise ServerError(f"{SERVICE} answered POST /api/v1/statuses without a status", service=SERVICE)
    return Posted(id=str(body["id"]), url=str(body.get("url") or body.get("uri") or ""))
