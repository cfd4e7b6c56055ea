"""A local fake of Yammer's REST v1 API (httpx.MockTransport) answering with the recorded fixtures in ../shared."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.conftest import shared_path

BASE_URL = "https://yammer.test/api/v1"
TOKEN = "yammer-test-token"
GROUP_ID = "2528"  # the recorded group (group.json)
FORBIDDEN_GROUP_ID = "9999"  # a group the token may not post to
FEED_GROUP_ID = "104604"  # the recorded 2011 group feed


def _load(*parts: str) -> Any:
    return json.loads(shared_path("fixtures", "yammer", *parts).read_text())


@dataclass
class FakeYammer:
    """Recorded group, user and feeds; posted messages and added replies are kept and served back."""

    page_size: int = 2
    rate_limited: int = 0  # answer this many requests with 429 first
    retry_after: int = 30  # seconds, in the 429's Retry-After
    requests: list[httpx.Request] = field(default_factory=list)
    posted: list[dict[str, Any]] = field(default_factory=list)
    threads: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    next_id: int = 900_000_001

    def __post_init__(self) -> None:
        self.group = _load("yam_fixtures", "group.json")
        self.user = _load("yam_fixtures", "user.json")
        self.message_template = _load("yam_fixtures", "message.json")
        self.feed = _load("messages_json_full_2011_yammerdeveloperstestcommunity.json")
        recorded_thread = _load("yam_fixtures", "messages_in_thread.json")
        thread_id = str(recorded_thread["messages"][0]["thread_id"])
        self.threads[thread_id] = list(recorded_thread["messages"])

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport())

    def add_reply(self, thread_id: str, body: str, *, sender_id: int = 2) -> dict[str, Any]:
        """Someone answers in a thread (as the Yammer web app would)."""
        return self._message(body, group_id=None, replied_to_id=thread_id, thread_id=thread_id, sender_id=sender_id)

    def _message(
        self, body: str, *, group_id: str | None, replied_to_id: str | None, thread_id: str | None, sender_id: int = 2
    ) -> dict[str, Any]:
        message = copy.deepcopy(self.message_template)
        message_id = self.next_id
        self.next_id += 1
        message.update(
            id=message_id,
            thread_id=int(thread_id) if thread_id else message_id,
            replied_to_id=int(replied_to_id) if replied_to_id else None,
            group_id=int(group_id) if group_id else message.get("group_id"),
            sender_id=sender_id,
            web_url=f"https://www.yammer.com/example.org/messages/{message_id}",
            body={"plain": body, "parsed": body, "rich": body},
            content_excerpt=body[:200],
        )
        self.threads.setdefault(str(message["thread_id"]), []).insert(0, message)
        return message

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.rate_limited:
            self.rate_limited -= 1
            return httpx.Response(429, headers={"Retry-After": str(self.retry_after)}, json={"error": "Rate limited"})
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json={"error": "Unauthorized"})
        path = request.url.path.removeprefix("/api/v1/")
        if request.method == "POST" and path == "messages.json":
            return self._post(request)
        if match := re.fullmatch(r"groups/(\d+)\.json", path):
            if match.group(1) == FORBIDDEN_GROUP_ID:
                return httpx.Response(403, json={"message": "You are not a member of this group"})
            if match.group(1) != GROUP_ID:
                return httpx.Response(404, json={"message": "Group not found"})
            return httpx.Response(200, json=self.group)
        if path in ("users/current.json", f"users/{self.user['id']}.json"):
            return httpx.Response(200, json=self.user)
        if match := re.fullmatch(r"messages/in_group/(\d+)\.json", path):
            if match.group(1) != FEED_GROUP_ID:
                return httpx.Response(200, json={"messages": [], "references": [], "meta": {"older_available": False}})
            return self._paged(self.feed["messages"], self.feed["references"], request)
        if match := re.fullmatch(r"messages/in_thread/(\d+)\.json", path):
            messages = self.threads.get(match.group(1))
            if messages is None:
                return httpx.Response(404, json={"message": "Thread not found"})
            return self._paged(messages, [self.user], request)
        return httpx.Response(404, json={"message": f"no fake for {request.method} {path}"})

    def _paged(
        self, messages: list[dict[str, Any]], references: list[dict[str, Any]], request: httpx.Request
    ) -> httpx.Response:
        ordered = sorted(messages, key=lambda m: -int(m["id"]))
        older_than = request.url.params.get("older_than")
        if older_than:
            ordered = [m for m in ordered if int(m["id"]) < int(older_than)]
        page = ordered[: self.page_size]
        meta = {"older_available": len(ordered) > self.page_size, "feed_name": "fake"}
        return httpx.Response(200, json={"messages": page, "references": references, "meta": meta})

    def _post(self, request: httpx.Request) -> httpx.Response:
        form = dict(httpx.QueryParams(request.content.decode()))
        group_id, replied_to_id = form.get("group_id"), form.get("replied_to_id")
        if group_id == FORBIDDEN_GROUP_ID:
            return httpx.Response(403, json={"message": "You are not a member of this group"})
        if group_id and group_id != GROUP_ID:
            return httpx.Response(404, json={"message": "Group not found"})
        if not form.get("body"):
            return httpx.Response(400, json={"message": "body is required"})
        thread_id = None
        if replied_to_id:
            thread_id = next(
                (tid for tid, msgs in self.threads.items() if any(str(m["id"]) == replied_to_id for m in msgs)), None
            )
            if thread_id is None:
                return httpx.Response(404, json={"message": "Message not found"})
        message = self._message(form["body"], group_id=group_id, replied_to_id=replied_to_id, thread_id=thread_id)
        self.posted.append(message)
        return httpx.Response(201, json={"messages": [message], "references": [], "meta": {}})
