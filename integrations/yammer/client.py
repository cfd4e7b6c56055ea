"""Yammer REST v1 over an injected httpx.Client: post (and reply), read group and thread feeds, look up users and groups.

The REST v1 API accepts delegated tokens only: an Entra ID token for the Yammer resource
(scope https://api.yammer.com/.default, see `outreach yammer login`) or a token from
Yammer's own OAuth. Feeds are paged with `older_than` (the oldest message id seen so far).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from integrations.errors import raise_for_status
from integrations.yammer.config import YammerConfig
from integrations.yammer.models import MessagePage, YammerGroup, YammerMessage, YammerUser

SERVICE = "Yammer"
TOKEN_HINT = "the Yammer token (run `outreach yammer login`, or set YAMMER_ACCESS_TOKEN)"
ENTRA_SCOPE = "https://api.yammer.com/.default"  # the delegated Yammer permissions the Entra app was granted



class YammerClient:
    """Calls Yammer's REST v1 API with a bearer token; every HTTP failure maps to integrations.errors."""

    def __init__(self, http: httpx.Client, *, token: str, base_url: str = "https://www.yammer.com/api/v1") -> None:
        self.http = http
        self.token = token
        self.base_url = base_url.rstrip("/")

    @classmethod
    def from_config(cls, config: YammerConfig, http: httpx.Client, *, token: str | None = None) -> YammerClient:
        """Build from the API URL and the given token (else the app's own token)."""
        if token is None:
            if config.access_token is None:
                raise ValueError("no Yammer token: run `outreach yammer login` or set YAMMER_ACCESS_TOKEN")
            token = config.access_token
        return cls(http, token=token, base_url=config.base_url)

    def __repr__(self) -> str:
        return f"YammerClient({self.base_url!r}, token=<hidden>)"

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(
            method,
            f"{self.base_url}/{path.lstrip('/')}",
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
            **kwargs,
        )
        raise_for_status(response, service=SERVICE, token_hint=TOKEN_HINT)
        if not response.content.strip():
            return {}
        return response.json()

    # Posting

    def post_message(
        self, body: str, *, group_id: str | None = None, replied_to_id: str | None = None
    ) -> YammerMessage:
        """Post to a group (a new thread) or as a reply to a message; returns the created message."""
        if not group_id and not replied_to_id:
            raise ValueError("post_message needs a group_id or a replied_to_id")
        form = {"body": body}
        if group_id:
            form["group_id"] = str(group_id)
        if replied_to_id:
            form["replied_to_id"] = str(replied_to_id)
        data = self._request("POST", "messages.json", data=form)
        messages = data.get("messages") or []
        if not messages:
            raise ValueError("Yammer accepted the message but returned none")
        return YammerMessage.from_json(messages[0])

    # Reading feeds

    def group_messages(self, group_id: str, *, older_than: str | None = None, limit: int | None = None) -> MessagePage:
        return self._page(f"messages/in_group/{group_id}.json", older_than=older_than, limit=limit)

    def thread_messages(
        self, thread_id: str, *, older_than: str | None = None, limit: int | None = None
    ) -> MessagePage:
        return self._page(f"messages/in_thread/{thread_id}.json", older_than=older_than, limit=limit)

    def iter_thread(self, thread_id: str, *, max_pages: int = 50) -> Iterator[MessagePage]:
        """Every page of a thread, newest first, following `older_than` until no older page is available."""
        yield from self._iter(lambda older: self.thread_messages(thread_id, older_than=older), max_pages)

    def iter_group(self, group_id: str, *, max_pages: int = 50) -> Iterator[MessagePage]:
        yield from self._iter(lambda older: self.group_messages(group_id, older_than=older), max_pages)

    def _iter(self, fetch: Any, max_pages: int) -> Iterator[MessagePage]:
        older: str | None = None
        for _ in range(max_pages):
            page: MessagePage = fetch(older)
            yield page
            if not page.older_available or not page.messages or page.oldest_id == older:
                return
            older = page.oldest_id

    def _page(self, path: str, *, older_than: str | None, limit: int | None) -> MessagePage:
        params: dict[str, str] = {}
        if older_than:
            params["older_than"] = str(older_than)
        if limit:
            params["limit"] = str(limit)
        data = self._request("GET", path, params=params)
        users = {
            str(ref["id"]): YammerUser.from_json(ref)
            for ref in data.get("references") or []
            if ref.get("type") == "user"
        }
        meta = data.get("meta") or {}
        return MessagePage(
            messages=[YammerMessage.from_json(m) for m in data.get("messages") or []],
            users=users,
            older_available=bool(meta.get("older_available", False)),
        )

    # Users and groups

    def user(self, user_id: str) -> YammerUser:
        return YammerUser.from_json(self._request("GET", f"users/{user_id}.json"))

    def current_user(self) -> YammerUser:
        return YammerUser.from_json(self._request("GET", "users/current.json"))

    def group(self, group_id: str) -> YammerGroup:
        return YammerGroup.from_json(self._request("GET", f"groups/{group_id}.json"))
