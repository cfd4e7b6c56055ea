"""A local fake of X's read API for mapping: user lookups, following pages and search, with rate limits.

Serves a synthetic World (assistant.samples.network) and, where a request matches one, the recorded
responses in ../shared/fixtures/x (tweepy cassettes). Rate limits are fixed windows per endpoint on a
controllable clock, reported in x-rate-limit-* headers; a spent window answers 429. Every call is
recorded. Use `.transport` (an httpx.MockTransport) with the real XClient, in tests and in the demo.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from assistant.samples.network import World
from assistant.standins import x_counts

# X's published app-auth limits per 15-minute window
DEFAULT_LIMITS: dict[str, int] = {
    "GET /2/users/by": 300,
    "GET /2/users": 300,
    "GET /2/users/{id}/following": 15,
    "GET /2/tweets/search/recent": 450,
    "GET /2/tweets/counts/recent": 300,
}
WINDOW = timedelta(minutes=15)
_FOLLOWING = re.compile(r"^/2/users/(\d+)/following$")


class FakeClock:
    """A clock the test moves: now(), advance(seconds) and sleep(seconds) (which advances)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def set(self, at: datetime) -> None:
        self._now = max(self._now, at)


@dataclass(slots=True)
class FakeCall:
    method: str
    path: str
    params: dict[str, str]
    status: int
    endpoint: str


@dataclass(slots=True)
class _Window:
    start: datetime
    used: int = 0


@dataclass
class FakeXGraph:
    """The fake X; `token` is the only bearer it accepts (None accepts any)."""

    world: World
    clock: Callable[[], datetime] = field(default_factory=lambda: FakeClock().now)
    limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    window: timedelta = WINDOW
    token: str | None = None
    suspended: set[str] = field(default_factory=set)
    recordings: dict[str, dict[str, Any]] = field(default_factory=dict)  # "GET /2/users/by?usernames=a,b" -> body
    calls: list[FakeCall] = field(default_factory=list)
    _windows: dict[str, _Window] = field(default_factory=dict)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def load_recordings(self, directory: Path) -> int:
        """Index tweepy's decoded cassettes (request uri -> body); returns how many were loaded."""
        loaded = 0
        for path in sorted(directory.glob("*.json")):
            for interaction in json.loads(path.read_text()):
                request, body = interaction.get("request", {}), interaction.get("body")
                if request.get("method") != "GET" or not isinstance(body, dict):
                    continue
                parts = urlsplit(request["uri"])
                key = _recording_key(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()})
                self.recordings[key] = body
                loaded += 1
        return loaded

    def calls_to(self, endpoint: str) -> list[FakeCall]:
        return [c for c in self.calls if c.endpoint == endpoint]

    # The wire ------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        params = {k: v for k, v in request.url.params.items()}
        endpoint = _endpoint(request.method, path)
        auth = request.headers.get("authorization", "")
        if self.token is not None and auth != f"Bearer {self.token}":
            return self._answer(request, endpoint, params, 401, {"title": "Unauthorized", "detail": "Unauthorized"})
        now = self.clock()
        limit = self.limits.get(endpoint)
        headers: dict[str, str] = {}
        if limit is not None:
            window = self._windows.get(endpoint)
            if window is None or now >= window.start + self.window:
                window = self._windows[endpoint] = _Window(now.replace(microsecond=0))
            reset = window.start + self.window
            if window.used >= limit:
                headers = _limit_headers(limit, 0, reset)
                refused = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank"}
                return self._answer(request, endpoint, params, 429, refused, headers)
            window.used += 1
            headers = _limit_headers(limit, limit - window.used, reset)
        if path == "/2/tweets/counts/recent":
            status, answer = self._counts(params, now)
            return self._answer(request, endpoint, params, status, answer, headers)
        recorded = self.recordings.get(_recording_key(path, params))
        if recorded is not None:
            return self._answer(request, endpoint, params, 200, recorded, headers)
        body = self._serve(path, params)
        if body is None:
            return self._answer(request, endpoint, params, 404, {"title": "Not Found", "detail": path}, headers)
        return self._answer(request, endpoint, params, 200, body, headers)

    def _answer(
        self,
        request: httpx.Request,
        endpoint: str,
        params: dict[str, str],
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        self.calls.append(FakeCall(request.method, request.url.path, params, status, endpoint))
        return httpx.Response(status, json=body, headers=headers or {})

    def _serve(self, path: str, params: dict[str, str]) -> dict[str, Any] | None:
        if path == "/2/users/by":
            return self._lookup([n for n in params.get("usernames", "").split(",") if n], by="username")
        if path == "/2/users":
            return self._lookup([n for n in params.get("ids", "").split(",") if n], by="id")
        match = _FOLLOWING.match(path)
        if match:
            return self._following(match.group(1), params)
        if path == "/2/tweets/search/recent":
            return self._search(params)
        return None

    def _lookup(self, keys: list[str], *, by: str) -> dict[str, Any]:
        data, errors = [], []
        for key in keys:
            user = self.world.by_username(key) if by == "username" else self.world.users.get(key)
            parameter = "usernames" if by == "username" else "ids"
            if user is not None and user["username"].lower() in self.suspended:
                errors.append(
                    {
                        "value": key,
                        "detail": f"User has been suspended: [{key}].",
                        "title": "Forbidden",
                        "resource_type": "user",
                        "parameter": parameter,
                        "resource_id": key,
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                    }
                )
            elif user is None:
                errors.append(
                    {
                        "value": key,
                        "detail": f"Could not find user with {parameter}: [{key}].",
                        "title": "Not Found Error",
                        "resource_type": "user",
                        "parameter": parameter,
                        "resource_id": key,
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                    }
                )
            else:
                data.append(user)
        body: dict[str, Any] = {}
        if data:
            body["data"] = data
        if errors:
            body["errors"] = errors
        return body

    def _following(self, user_id: str, params: dict[str, str]) -> dict[str, Any] | None:
        if user_id not in self.world.users:
            return None
        ids = self.world.following.get(user_id, [])
        size = int(params.get("max_results", "100"))
        offset = int(params.get("pagination_token", "p0")[1:] or 0)
        chunk = ids[offset : offset + size]
        meta: dict[str, Any] = {"result_count": len(chunk)}
        if offset + size < len(ids):
            meta["next_token"] = f"p{offset + size}"
        return {"data": [self.world.users[i] for i in chunk], "meta": meta} if chunk else {"meta": meta}

    def _counts(self, params: dict[str, str], now: datetime) -> tuple[int, dict[str, Any]]:
        """X's counts of what `_search` finds; like that search, the fake's recent window reaches its oldest post."""
        earliest = min((p["created_at"] for p in self.world.posts), default=None)
        return x_counts.counts(
            self.world.posts,
            params,
            now,
            matches=lambda post, query: any(_matches(post, term) for term in _terms(query)),
            earliest=datetime.fromisoformat(earliest.replace("Z", "+00:00")) if earliest else None,
        )

    def _search(self, params: dict[str, str]) -> dict[str, Any]:
        terms = _terms(params.get("query", ""))
        size = int(params.get("max_results", "10"))
        offset = int(params.get("next_token", "p0")[1:] or 0)
        low, high = params.get("start_time", ""), params.get("end_time", "~")  # RFC 3339 compares as text
        high = min(high, self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))  # nothing from the future
        since = int(params.get("since_id", "0"))
        matches = [
            p
            for p in self.world.posts
            if any(_matches(p, term) for term in terms)
            and low <= _second(p["created_at"]) < high
            and int(p["id"]) > since
        ]
        matches.reverse()  # newest first, as X answers
        chunk = matches[offset : offset + size]
        meta: dict[str, Any] = {"result_count": len(chunk)}
        if chunk:
            meta.update(newest_id=chunk[0]["id"], oldest_id=chunk[-1]["id"])
        if offset + size < len(matches):
            meta["next_token"] = f"p{offset + size}"
        if not chunk:
            return {"meta": meta}
        users: dict[str, dict[str, Any]] = {}
        for post in chunk:
            for uid in [post["author_id"], *(m.get("id", "") for m in post.get("entities", {}).get("mentions", []))]:
                if uid in self.world.users:
                    users[uid] = self.world.users[uid]
        return {"data": chunk, "includes": {"users": list(users.values())}, "meta": meta}


def _second(created_at: str) -> str:
    """A post's created_at as the search's start_time/end_time are written (whole seconds, Z)."""
    return created_at[:19] + "Z"


def _terms(query: str) -> list[str]:
    """The OR-ed hashtags and words of a query, lowered (the fake's whole query language)."""
    return [t.strip().lower().strip("()") for t in query.split(" OR ") if t.strip()]


def _matches(post: dict[str, Any], term: str) -> bool:
    if term.startswith("#"):
        return any(h.get("tag", "").lower() == term[1:] for h in post.get("entities", {}).get("hashtags", []))
    return term.strip('"') in post.get("text", "").lower()


def _endpoint(method: str, path: str) -> str:
    return f"{method} {_FOLLOWING.sub('/2/users/{id}/following', path)}"


def _recording_key(path: str, params: dict[str, str]) -> str:
    for name in ("usernames", "ids", "query"):
        if name in params:
            return f"{path}?{name}={params[name]}"
    return path if "pagination_token" not in params and "next_token" not in params else f"{path}#paged"


def _limit_headers(limit: int, remaining: int, reset: datetime) -> dict[str, str]:
    return {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(int(reset.timestamp())),
    }
