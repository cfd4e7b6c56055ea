"""The X API v2 wire format of the synthetic posts: snowflake ids, timestamps, t.co links, entities, twarc2 pages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

TWITTER_EPOCH_MS = 1288834974657
USER_ID_BASE = 1_500_000_000
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def user_id(number: int) -> str:
    """The X user id of participant `number` (0 is the host)."""
    return str(USER_ID_BASE + number)


def snowflake(at: datetime, sequence: int) -> str:
    """A post id the way X makes them: milliseconds since X's epoch, shifted, with a sequence number."""
    millis = int(at.timestamp() * 1000)
    return str(((millis - TWITTER_EPOCH_MS) << 22) | (sequence & 0x3FFFFF))


def iso(value: datetime) -> str:
    """X's timestamp form: UTC with milliseconds and a Z."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def tco(url: str) -> str:
    """A stable fake t.co link per URL (10 characters, like the real ones)."""
    digest = 0
    for ch in url:
        digest = (digest * 131 + ord(ch)) % (62**10)
    code = "".join(_ALPHABET[(digest // 62**i) % 62] for i in range(10))
    return f"https://t.co/{code}"


def post_object(
    post_id: str,
    at: datetime,
    author: int,
    text: str,
    *,
    lang: str,
    source: str,
    conversation_id: str | None,
    metrics: dict[str, int],
) -> dict[str, Any]:
    """One post in the classic X API v2 shape (without entities or references)."""
    return {
        "id": post_id,
        "text": text,
        "author_id": user_id(author),
        "created_at": iso(at),
        "conversation_id": conversation_id or post_id,
        "lang": lang,
        "source": source,
        "reply_settings": "everyone",
        "possibly_sensitive": False,
        "public_metrics": metrics,
    }


def entities(text: str, mentions: Sequence[tuple[int, str]], urls: Sequence[str]) -> tuple[dict[str, Any], list[int]]:
    """The `entities` of a post (hashtags, the (user number, handle) mentions and the URLs found in its text), and
    the user numbers actually mentioned."""
    found: dict[str, list[dict[str, Any]]] = {}
    hashtags = []
    for word_start, word in _words(text):
        if word.startswith("#") and len(word) > 1:
            tag = word[1:].rstrip(".,!?:;…")
            if tag:
                hashtags.append({"start": word_start, "end": word_start + 1 + len(tag), "tag": tag})
    if hashtags:
        found["hashtags"] = hashtags
    mentioned: list[int] = []
    people = []
    for number, handle in mentions:
        at = _find_token(text, f"@{handle}")
        if at >= 0:
            people.append({"start": at, "end": at + 1 + len(handle), "username": handle, "id": user_id(number)})
            mentioned.append(number)
    if people:
        found["mentions"] = people
    links = []
    for url in urls:
        short = tco(url)
        at = _find_token(text, short)
        if at >= 0:
            display = url.split("://", 1)[-1]
            links.append(
                {
                    "start": at,
                    "end": at + len(short),
                    "url": short,
                    "expanded_url": url,
                    "display_url": display[:26] + ("…" if len(display) > 26 else ""),
                }
            )
    if links:
        found["urls"] = links
    return found, mentioned


def twarc_page(data: list[dict[str, Any]], users: list[dict[str, Any]], *, hashtag: str, token: str) -> dict[str, Any]:
    """One twarc2 page: the posts, their users under `includes`, X's `meta` and twarc's own `__twarc` record."""
    retrieved = max(datetime.fromisoformat(p["created_at"]) for p in data) + timedelta(minutes=1)
    return {
        "data": data,
        "includes": {"users": users},
        "meta": {
            "newest_id": data[-1]["id"],
            "oldest_id": data[0]["id"],
            "result_count": len(data),
            "next_token": token,
        },
        "__twarc": {
            "url": f"https://api.twitter.com/2/tweets/search/all?query=%23{hashtag}&max_results=100",
            "version": "2.14.0",
            "retrieved_at": retrieved.isoformat(timespec="seconds"),
        },
    }


def _words(text: str) -> Iterator[tuple[int, str]]:
    start = None
    for index, ch in enumerate(text):
        if ch.isspace():
            if start is not None:
                yield start, text[start:index]
                start = None
        elif start is None:
            start = index
    if start is not None:
        yield start, text[start:]


def _find_token(text: str, token: str) -> int:
    """Where `token` starts in `text` as a whole word (not the prefix of a longer handle), or -1."""
    at = text.find(token)
    while at >= 0:
        end = at + len(token)
        if end == len(text) or not (text[end].isalnum() or text[end] == "_"):
            return at
        at = text.find(token, at + 1)
    return -1
