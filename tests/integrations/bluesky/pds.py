"""A fake Bluesky PDS for posting (createRecord, getRecord, resolveHandle) that checks bodies against the lexicons."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import regex

from tests.integrations.bluesky.fake import DID, FakeBluesky
from tests.integrations.bluesky.lexicon import conform, lexicon

# com.atproto.repo.createRecord, com.atproto.repo.getRecord and com.atproto.identity.resolveHandle are not in
# ../shared/specs/bluesky; their required fields, from the official lexicons, are checked by hand here.
CREATE_RECORD_REQUIRED = ("repo", "collection", "record")
CREATE_RECORD_KNOWN = {"repo", "collection", "rkey", "validate", "record", "swapCommit"}
TID = regex.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def check_post_record(record: dict[str, Any]) -> None:
    """An app.bsky.feed.post record as the lexicon wants it, facets inside the text's UTF-8 bytes."""
    schema = lexicon("app.bsky.feed.post")["defs"]["main"]["record"]
    assert record.get("$type") == "app.bsky.feed.post"
    conform(record, schema, "app.bsky.feed.post", "record")
    text: str = record["text"]
    assert len(regex.findall(r"\X", text)) <= 300 and len(text.encode()) <= 3000
    datetime.fromisoformat(record["createdAt"].replace("Z", "+00:00"))
    assert len(record.get("langs", [])) <= 3
    size = len(text.encode("utf-8"))
    for facet in record.get("facets", []):
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        assert 0 <= start < end <= size, f"facet {facet} outside the text's {size} bytes"
        text.encode("utf-8")[start:end].decode("utf-8")  # cuts on character boundaries
    reply = record.get("reply")
    if reply is not None:
        for ref in (reply["root"], reply["parent"]):
            assert set(ref) == {"uri", "cid"} and ref["uri"].startswith("at://")


class FakePDS(FakeBluesky):
    """FakeBluesky plus posting: records are kept by record key, so a repeat is visible to getRecord."""

    def __init__(self, *, handles: dict[str, str] | None = None) -> None:
        super().__init__(views=[])
        self.handles = handles or {}
        self.records: dict[str, dict[str, Any]] = {}
        self.created: list[dict[str, Any]] = []
        self.fail_next: int | None = None  # the status of the next posting call, e.g. 502

    def uri(self, rkey: str) -> str:
        return f"at://{DID}/app.bsky.feed.post/{rkey}"

    @staticmethod
    def cid(record: dict[str, Any]) -> str:
        return "bafyrei" + hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:52]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.rsplit("/", 1)[-1]
        if nsid not in (
            "com.atproto.repo.createRecord",
            "com.atproto.repo.getRecord",
            "com.atproto.identity.resolveHandle",
        ):
            return super().__call__(request)
        self.requests.append(request)
        if self.fail_next is not None:
            status, self.fail_next = self.fail_next, None
            return httpx.Response(status, json={"error": "InternalServerError", "message": "upstream failed"})
        if request.headers.get("authorization", "") != f"Bearer {self.access}" or not self.access:
            return httpx.Response(401, json={"error": "AuthenticationRequired", "message": "Authentication Required"})
        params = parse_qs(request.url.query.decode())
        if nsid == "com.atproto.identity.resolveHandle":
            assert set(params) == {"handle"}
            did = self.handles.get(params["handle"][0])
            if did is None:
                return httpx.Response(400, json={"error": "InvalidRequest", "message": "Unable to resolve handle"})
            return httpx.Response(200, json={"did": did})
        if nsid == "com.atproto.repo.getRecord":
            assert {"repo", "collection", "rkey"} <= set(params)
            rkey = params["rkey"][0]
            if rkey not in self.records:
                return httpx.Response(400, json={"error": "RecordNotFound", "message": "Could not locate record"})
            record = self.records[rkey]
            return httpx.Response(200, json={"uri": self.uri(rkey), "cid": self.cid(record), "value": record})
        body = json.loads(request.content)
        assert set(body) <= CREATE_RECORD_KNOWN and all(name in body for name in CREATE_RECORD_REQUIRED)
        assert body["repo"] == DID and body["collection"] == "app.bsky.feed.post"
        assert TID.match(body["rkey"]), body["rkey"]
        check_post_record(body["record"])
        if body["rkey"] in self.records:
            return httpx.Response(400, json={"error": "InvalidRequest", "message": "Record already exists"})
        self.records[body["rkey"]] = body["record"]
        self.created.append(body["record"])
        return httpx.Response(200, json={"uri": self.uri(body["rkey"]), "cid": self.cid(body["record"])})
