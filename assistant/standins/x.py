"""A local stand-in for the X API v2 posting surface: a real HTTP server on 127.0.0.1 that records every call.

Answers POST /2/tweets, DELETE /2/tweets/:id, GET /2/users/me, GET /2/tweets/search/recent and
GET /2/tweets/counts/recent in the shapes of the published OpenAPI spec (x-api-v2-openapi_v2.112_classic.json);
a test checks them.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlparse

from assistant.standins import x_counts
from assistant.standins.server import LocalServer, QuietHandler
from integrations.x.parse import escape as x_escape

_DELETE = re.compile(r"^/2/tweets/(?P<id>[0-9]{1,19})$")


@dataclass
class XCall:
    """One request the app made: method, path, query, JSON body and bearer token."""

    method: str
    path: str
    params: dict[str, str]
    body: dict[str, Any] | None
    token: str | None
    at: float = field(default_factory=time.monotonic)


@dataclass
class XUser:
    id: str
    username: str
    name: str
    token: str  # the OAuth user token that acts as this account


class XStandIn(LocalServer):
    """Posts created here are kept (with author and reply) and found again by recent search (`from:` and words)."""

    thread_name = "x-standin"

    def __init__(
        self,
        *,
        users: list[XUser] | None = None,
        app_token: str = "app-bearer-token",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.clock = clock
        self.users = users or [XUser("1500000000000000001", "demo_council", "Demo Council", "x-user-token-demo")]
        self.app_token = app_token
        self.calls: list[XCall] = []
        self.posts: dict[str, dict[str, Any]] = {}
        self.fail_next: dict[str, int] = {}  # "POST /2/tweets" -> HTTP status to answer once
        self._ids = itertools.count(1_860_000_000_000_000_001)
        self._lock = threading.Lock()
        self._snapshot: tuple[tuple[str, str | None, str | None], list[dict[str, Any]]] = (("", None, None), [])
        self._last_matcher: tuple[str | None, Callable[[dict[str, Any]], bool]] = (None, lambda _post: False)

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)

    def calls_to(self, method: str, path_prefix: str) -> list[XCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.path.startswith(path_prefix)]

    def created(self) -> list[dict[str, Any]]:
        """Every post created, oldest first."""
        with self._lock:
            return sorted(self.posts.values(), key=lambda p: int(p["id"]))

    # answers

    def handle(
        self, method: str, path: str, params: dict[str, str], body: dict[str, Any] | None, token: str | None
    ) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append(XCall(method, path, params, body, token))
            failure = self.fail_next.pop(f"{method} {path}", None)
            if failure:
                return failure, _problem(failure, "Injected failure")
            user = next((u for u in self.users if u.token == token), None)
            if method == "POST" and path == "/2/tweets":
                return self._create(user, body or {})
            if method == "DELETE" and _DELETE.match(path):
                return self._delete(user, _DELETE.match(path).group("id"))  # type: ignore[union-attr]
            if method == "GET" and path == "/2/users/me":
                if user is None:
                    return 401, _problem(401, "Unauthorized")
                return 200, {"data": {"id": user.id, "name": user.name, "username": user.username}}
            if method == "GET" and path == "/2/users/by":
                if user is None and token != self.app_token:
                    return 401, _problem(401, "Unauthorized")
                return 200, self._users_by(params.get("usernames", ""))
            if method == "GET" and path == "/2/tweets/search/recent":
                if user is None and token != self.app_token:
                    return 401, _problem(401, "Unauthorized")
                return 200, self._search(params)
            if method == "GET" and path == "/2/tweets/counts/recent":
                if user is None and token != self.app_token:
                    return 401, _problem(401, "Unauthorized")
                return x_counts.counts(self.posts.values(), params, self.clock(), matches=self._matches)
            return 404, _problem(404, f"No route for {method} {path}")

    def _create(self, user: XUser | None, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if user is None:
            return 401, _problem(401, "Unauthorized")
        text = str(body.get("text") or "")
        if not text:
            return 400, _problem(400, "Invalid Request", detail="text is required")
        if any(p["text"] == text and p["author_id"] == user.id for p in self.posts.values()):
            return 403, _problem(
                403, "Forbidden", detail="You are not allowed to create a Tweet with duplicate content."
            )
        post_id = str(next(self._ids))
        reply = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        self.posts[post_id] = {
            "id": post_id,
            "text": text,
            "author_id": user.id,
            "created_at": self.clock().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "conversation_id": self._conversation(reply) or post_id,
            **({"in_reply_to_user_id": self.posts[reply]["author_id"]} if reply in self.posts else {}),
            **({"referenced_tweets": [{"type": "replied_to", "id": reply}]} if reply else {}),
            **_entities(text),
        }
        return 201, {"data": {"id": post_id, "text": x_escape(text)}}  # X answers with `&`, `<`, `>` escaped

    def _conversation(self, reply: str | None) -> str | None:
        return self.posts[reply]["conversation_id"] if reply in self.posts else None

    def _delete(self, user: XUser | None, post_id: str) -> tuple[int, dict[str, Any]]:
        post = self.posts.get(post_id)
        if user is None or (post is not None and post["author_id"] != user.id):
            return 403 if user else 401, _problem(403 if user else 401, "Forbidden" if user else "Unauthorized")
        self.posts.pop(post_id, None)
        return 200, {"data": {"deleted": post is not None}}

    def _users_by(self, usernames: str) -> dict[str, Any]:
        """Users found by name; the others as X reports them, in `errors` beside the data (status 200)."""
        known = {u.username.lower(): {"id": u.id, "name": u.name, "username": u.username} for u in self.users}
        known.setdefault("x", {"id": "783214", "name": "X", "username": "X"})  # the network's own account
        names = [name for name in usernames.split(",") if name]
        body: dict[str, Any] = {}
        found = [known[name.lower()] for name in names if name.lower() in known]
        if found:
            body["data"] = found
        missing = [name for name in names if name.lower() not in known]
        if missing:
            body["errors"] = [
                {
                    "value": name,
                    "detail": f"Could not find user with usernames: [{name}].",
                    "title": "Not Found Error",
                    "resource_type": "user",
                    "parameter": "usernames",
                    "resource_id": name,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
                for name in missing
            ]
        return body

    def publish(self, posts: Iterable[dict[str, Any]], users: Iterable[XUser] = ()) -> None:
        """Posts already on X (a chat that happened), as X post objects with their text as typed, and their
        authors; search finds them like the posts made through the API."""
        with self._lock:
            known = {u.id for u in self.users}
            self.users.extend(u for u in users if u.id not in known)
            self.posts.update((str(post["id"]), post) for post in posts)

    def _matches(self, post: dict[str, Any], query: str) -> bool:
        """The stand-in's search: every word of the query in the text, by the `from:` authors if any."""
        if self._last_matcher[0] != query:  # a count asks once per post with the same query
            self._last_matcher = (query, self._matcher(query))
        return self._last_matcher[1](post)

    def _matcher(self, query: str) -> Callable[[dict[str, Any]], bool]:
        authors = {u.id for u in self.users if f"from:{u.username}".lower() in query.lower()}
        words = [w.strip('"').lower() for w in query.split() if not w.lower().startswith("from:") and w.strip('"')]
        return lambda post: (
            (not authors or post["author_id"] in authors) and all(w in post["text"].lower() for w in words)
        )

    def _search(self, params: dict[str, str]) -> dict[str, Any]:
        """Newest first, `max_results` a page, from `start_time` (inclusive) to `end_time` (exclusive) when given;
        `meta.next_token` while more remain (the client sends it back as `next_token`, and the later pages come
        from the posts found for the first, as one search)."""
        key = (params.get("query", ""), params.get("start_time"), params.get("end_time"))
        if "next_token" in params and self._snapshot[0] == key:  # later pages: the posts found for the first
            found = self._snapshot[1]
        else:
            matches = self._matcher(key[0])
            start, end = _instant(key[1]), _instant(key[2])
            found = sorted(
                (
                    p
                    for p in self.posts.values()
                    if matches(p)
                    and (start is None or start <= _instant(p["created_at"]))  # type: ignore[operator]
                    and (end is None or _instant(p["created_at"]) < end)  # type: ignore[operator]
                ),
                key=lambda p: int(p["id"]),
                reverse=True,
            )
            self._snapshot = (key, found)
        offset = int(params.get("next_token", _PAGE + "0").removeprefix(_PAGE) or 0)
        size = int(params.get("max_results", "10"))
        page, more = found[offset : offset + size], len(found) > offset + size
        if not page:
            return {"meta": {"result_count": 0}}
        authors = {p["author_id"] for p in page}
        users = [u for u in self.users if u.id in authors]
        meta: dict[str, Any] = {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"], "result_count": len(page)}
        if more:
            meta["next_token"] = f"{_PAGE}{offset + size}"
        return {
            "data": [{**p, "text": x_escape(p["text"]), "edit_history_tweet_ids": [p["id"]]} for p in page],
            "includes": {"users": [{"id": u.id, "name": u.name, "username": u.username} for u in users]},
            "meta": meta,
        }


_PAGE = "standin"  # next_token: this prefix and the offset of the page's first post


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


_TAG = re.compile(r"(?<![\w&])#(\w+)")
_MENTION = re.compile(r"(?<!\w)@(\w{1,15})")


def _entities(text: str) -> dict[str, Any]:
    """The hashtag and mention entities X adds to a post it returns (offsets in characters of the text)."""
    entities: dict[str, Any] = {}
    tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _TAG.finditer(text)]
    mentions = [{"start": m.start(), "end": m.end(), "username": m.group(1)} for m in _MENTION.finditer(text)]
    if tags:
        entities["hashtags"] = tags
    if mentions:
        entities["mentions"] = mentions
    return {"entities": entities} if entities else {}


def _problem(status: int, title: str, *, detail: str | None = None) -> dict[str, Any]:
    return {"title": title, "detail": detail or title, "type": "about:blank", "status": status}


def _make_handler(x: XStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802 - http.server API
            self._serve("POST")

        def do_DELETE(self) -> None:  # noqa: N802 - http.server API
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            parsed = urlparse(self.path)
            raw = self.body()
            body = json.loads(raw) if raw else None
            status, payload = x.handle(method, parsed.path, dict(parse_qsl(parsed.query)), body, self.bearer_token())
            limits = {
                "x-rate-limit-limit": "100",
                "x-rate-limit-remaining": "99",
                "x-rate-limit-reset": str(int(time.time()) + 900),
            }
            content_type = "application/problem+json" if status >= 400 else "application/json; charset=utf-8"
            self.reply(status, json.dumps(payload).encode(), content_type=content_type, headers=limits)

    return Handler
