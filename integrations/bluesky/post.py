"""Posting to Bluesky: an app.bsky.feed.post record with rich-text facets, created under a known record key.

Facets mark #hashtags, @mentions (a handle resolved to its DID) and links by UTF-8 byte offsets, as the
app.bsky.richtext.facet lexicon requires. Each post is created with a record key (a TID) derived from its
outbox key and scheduled minute, so a repeat after a crash finds the first post with getRecord instead of
posting twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import regex
from twitter_text import extract_urls_with_indices

from integrations.bluesky.client import BlueskyClient
from integrations.errors import IntegrationError, NotFound

COLLECTION = "app.bsky.feed.post"
FACET = "app.bsky.richtext.facet"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
# The hashtag rule of Bluesky's own rich-text detection: after a space or the start, not only digits,
# trailing punctuation dropped, at most 64 characters.
_TAG = regex.compile(
    rf"(?:^|\s)([#＃]((?!\ufe0f)[^\s{_INVISIBLE}]*[^\d\s\p{{P}}{_INVISIBLE}]+[^\s{_INVISIBLE}]*))", regex.UNICODE
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
_MENTION = regex.compile(r"(?:^|\s|\()(@([a-zA-Z0-9.-]+))\b")
_HANDLE = regex.compile(r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")


@dataclass(frozen=True, slots=True)
class StrongRef:
    """A com.atproto.repo.strongRef: the post's at:// URI and the CID of the version referred to."""

    uri: str
    cid: str

    def as_json(self) -> dict[str, str]:
        return {"uri": self.uri, "cid": self.cid}

    @property
    def rkey(self) -> str:
        return self.uri.rsplit("/", 1)[-1]


def _bytes(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _facet(text: str, start: int, end: int, feature: dict[str, Any]) -> dict[str, Any]:
    return {
        "$type": FACET,
        "index": {"byteStart": _bytes(text, start), "byteEnd": _bytes(text, end)},
        "features": [feature],
    }


def mentioned_handles(text: str) -> list[str]:
    """The Bluesky handles (domain-like, e.g. @alice.bsky.social) written in `text`, without '@', in order."""
    return list(dict.fromkeys(handle for handle, _start, _end in _mentions(text)))


def _mentions(text: str) -> list[tuple[str, int, int]]:
    found = []
    for match in _MENTION.finditer(text):
        handle = match.group(2).rstrip(".-")
        if _HANDLE.match(handle):
            start = match.start(1)
            found.append((handle.lower(), start, start + 1 + len(handle)))
    return found


def detect_facets(text: str, dids: dict[str, str]) -> list[dict[str, Any]]:
    """Facets for the links, @mentions (those in `dids`, handle → DID) and #hashtags of `text`, by byte offsets."""
    facets: list[tuple[int, dict[str, Any]]] = []
    taken: list[tuple[int, int]] = []
    for url in extract_urls_with_indices(text):
        start, end = url["indices"]
        uri = url["url"] if "://" in url["url"] else "https://" + url["url"]
        facets.append((start, _facet(text, start, end, {"$type": f"{FACET}#link", "uri": uri})))
        taken.append((start, end))

    def free(start: int, end: int) -> bool:
        return all(end <= a or b <= start for a, b in taken)

    for handle, start, end in _mentions(text):
        if handle in dids and free(start, end):
            facets.append((start, _facet(text, start, end, {"$type": f"{FACET}#mention", "did": dids[handle]})))
    for match in _TAG.finditer(text):
        tag = _TRAILING_PUNCTUATION.sub("", match.group(2))
        start = match.start(1)
        end = start + 1 + len(tag)
        if tag and len(tag) <= 64 and free(start, end):
            facets.append((start, _facet(text, start, end, {"$type": f"{FACET}#tag", "tag": tag})))
    return [facet for _start, facet in sorted(facets, key=lambda pair: pair[0])]


def tid_for(key: str, at: datetime) -> str:
    """A record key in TID form: `at` in microseconds and a 10-bit clock id from `key`; the same inputs, the same TID."""
    micros = int(at.timestamp() * 1_000_000) & ((1 << 53) - 1)
    clock = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:2], "big") & 0x3FF
    value = (micros << 10) | clock
    return "".join(_TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def _instant(at: datetime) -> str:
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def post_record(
    text: str,
    *,
    created_at: datetime,
    facets: Sequence[dict[str, Any]] = (),
    langs: Sequence[str] = ("en",),
    reply_root: StrongRef | None = None,
    reply_parent: StrongRef | None = None,
) -> dict[str, Any]:
    """The app.bsky.feed.post record; a reply names the thread's root and the post it answers."""
    record: dict[str, Any] = {"$type": COLLECTION, "text": text, "createdAt": _instant(created_at)}
    if langs:
        record["langs"] = list(langs)[:3]
    if facets:
        record["facets"] = list(facets)
    if reply_root is not None:
        record["reply"] = {"root": reply_root.as_json(), "parent": (reply_parent or reply_root).as_json()}
    return record


def resolve_handle(client: BlueskyClient, handle: str) -> str | None:
    """com.atproto.identity.resolveHandle: the DID of a handle, None when it does not resolve."""
    try:
        body = client.query("com.atproto.identity.resolveHandle", {"handle": handle.lstrip("@")})
    except NotFound:
        return None
    except IntegrationError as exc:
        if exc.status == 400:  # "Unable to resolve handle"
            return None
        raise
    did = body.get("did")
    return str(did) if did else None


def get_post(client: BlueskyClient, repo: str, rkey: str) -> StrongRef | None:
    """com.atproto.repo.getRecord of one post by record key; None when there is no such post."""
    try:
        body = client.query("com.atproto.repo.getRecord", {"repo": repo, "collection": COLLECTION, "rkey": rkey})
    except NotFound:
        return None
    return StrongRef(str(body["uri"]), str(body["cid"]))


def create_post(
    client: BlueskyClient,
    text: str,
    *,
    rkey: str,
    created_at: datetime,
    langs: Sequence[str] = ("en",),
    reply_root: StrongRef | None = None,
    reply_parent: StrongRef | None = None,
    resolve: Callable[[str], str | None] | None = None,
) -> StrongRef:
    """com.atproto.repo.createRecord of a post (facets detected, mentions resolved); its uri and cid.

    Safe to repeat: when the record key is already taken, the post under it is returned.
    """
    session = client.session or client.create_session()
    lookup = resolve or (lambda handle: resolve_handle(client, handle))
    dids = {handle: did for handle in mentioned_handles(text) if (did := lookup(handle))}
    record = post_record(
        text,
        created_at=created_at,
        facets=detect_facets(text, dids),
        langs=langs,
        reply_root=reply_root,
        reply_parent=reply_parent,
    )
    try:
        body = client.procedure(
            "com.atproto.repo.createRecord",
            {"repo": session.did, "collection": COLLECTION, "rkey": rkey, "record": record},
        )
    except IntegrationError as exc:
        # A retry after an answer that was lost: the record key is taken by the post made the first time.
        existing = get_post(client, session.did, rkey) if exc.status == 400 else None
        if existing is None:
            raise
        return existing
    return StrongRef(str(body["uri"]), str(body["cid"]))


def web_url(handle: str, ref: StrongRef) -> str:
    return f"https://bsky.app/profile/{handle.lstrip('@')}/post/{ref.rkey}"
