"""A fake Bluesky XRPC service for httpx.MockTransport, serving real postViews from ../shared fixtures."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.conftest import shared_path

HANDLE = "comms.example.org"
PASSWORD = "abcd-efgh-ijkl-mnop"
DID = "did:plc:commsteam"
_SNAKE = {
    "like_count": "likeCount",
    "reply_count": "replyCount",
    "repost_count": "repostCount",
    "quote_count": "quoteCount",
    "indexed_at": "indexedAt",
}


def jwt(subject: str, expires: datetime, kind: str) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'ES256K', 'typ': kind})}.{part({'sub': subject, 'exp': int(expires.timestamp())})}.sig"


def wire_post_views() -> list[dict[str, Any]]:
    """The dataset's postViews as the service sends them: camelCase counts and indexedAt, no R `cursor` column,
    and no null fields (R wrote an absent embed as null; the service leaves it out)."""
    views = []
    path = shared_path("fixtures", "datasets", "bluesky_posts.jsonl")
    for line in path.read_text().split("\n"):
        if not line.strip():
            continue
        row = json.loads(line)
        row.pop("cursor", None)
        views.append({_SNAKE.get(key, key): value for key, value in row.items() if value is not None})
    return views


class FakeBluesky:
    """createSession / refreshSession / searchPosts / getPostThread with real token checks."""

    def __init__(
        self,
        *,
        views: list[dict[str, Any]] | None = None,
        access_lifetime: timedelta = timedelta(hours=2),
        pds: str | None = None,
    ):
        self.views = views if views is not None else wire_post_views()
        self.pds = pds
        self.access_lifetime = access_lifetime
        self.requests: list[httpx.Request] = []
        self.responses: list[tuple[str, Any]] = []
        self.sessions = 0
        self.refreshes = 0
        self.access = ""
        self.refresh = ""
        self.expire_next_query = False
        self.reject_queries = False
        self.thread: dict[str, Any] | None = None

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def _issue(self) -> dict[str, Any]:
        now = datetime.now(UTC)
        n = self.sessions + self.refreshes
        self.access = jwt(DID, now + self.access_lifetime, f"at+jwt{n}")
        self.refresh = jwt(DID, now + timedelta(days=60), f"refresh+jwt{n}")
        body: dict[str, Any] = {
            "did": DID,
            "handle": HANDLE,
            "accessJwt": self.access,
            "refreshJwt": self.refresh,
            "active": True,
        }
        if self.pds:  # the DID document names the account's own PDS, as bsky.social's entryway does
            body["didDoc"] = {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": DID,
                "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": self.pds}],
            }
        return body

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        nsid = request.url.path.rsplit("/", 1)[-1]
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if nsid == "com.atproto.server.createSession":
            body = json.loads(request.content)
            if (body.get("identifier"), body.get("password")) != (HANDLE, PASSWORD):
                return httpx.Response(
                    401, json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
                )
            self.sessions += 1
            return httpx.Response(200, json=self._issue())
        if nsid == "com.atproto.server.refreshSession":
            if bearer != self.refresh:
                return httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has been revoked"})
            self.refreshes += 1
            return httpx.Response(200, json=self._issue())
        if not bearer or self.reject_queries:
            return httpx.Response(401, json={"error": "AuthenticationRequired", "message": "Authentication Required"})
        if self.expire_next_query:
            self.expire_next_query = False
            return httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"})
        if bearer != self.access:
            return httpx.Response(401, json={"error": "InvalidToken", "message": "Bad token"})
        params = parse_qs(request.url.query.decode())
        if nsid == "app.bsky.feed.searchPosts":
            body = self._search(params)
        elif nsid == "app.bsky.feed.getPostThread":
            if self.thread is None:
                return httpx.Response(400, json={"error": "NotFound", "message": "Post not found"})
            body = {"thread": self.thread}
        else:
            return httpx.Response(501, json={"error": "MethodNotImplemented", "message": nsid})
        self.responses.append((nsid, body))
        return httpx.Response(200, json=body)

    def _search(self, params: dict[str, list[str]]) -> dict[str, Any]:
        limit = int(params.get("limit", ["25"])[0])
        start = int(params.get("cursor", ["0"])[0])
        tags = {t.lower() for t in params.get("tag", [])}
        matching = [
            v
            for v in self.views
            if tags
            <= {
                f["tag"].lower()
                for facet in v["record"].get("facets", [])
                for f in facet["features"]
                if f.get("$type", "").endswith("#tag")
            }
        ]
        page = matching[start : start + limit]
        body: dict[str, Any] = {"posts": page, "hitsTotal": len(matching)}
        if start + limit < len(matching):
            body["cursor"] = str(start + limit)
        return body
