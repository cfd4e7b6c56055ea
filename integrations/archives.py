"""Import any supported post archive: detect its format, then stream it as ArchiveChunks in constant memory."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import orjson

from integrations.bluesky.parse import parse_post_view, parse_profile
from integrations.jsonl import ArchiveChunk, Source, iter_jsonl
from integrations.mastodon.parse import parse_statuses
from integrations.normalized import Batch, Metrics, NormalizedAccount, NormalizedPost, PostKind
from integrations.twarc import parse_twarc_line
from integrations.x.parse import parse_datetime, post_url, unescape
from integrations.x.v1 import is_v1_status, parse_v1_line

__all__ = ["ArchiveChunk", "ArchiveFormat", "FORMATS", "detect_format", "read_archive", "parse_rtweet_row"]

ArchiveFormat = Literal["twarc2", "twarc1", "rtweet", "bluesky", "mastodon"]
FORMATS: tuple[ArchiveFormat, ...] = ("twarc2", "twarc1", "rtweet", "bluesky", "mastodon")
_SNIFF_LINES = 5


class UnknownFormat(ValueError):
    """The archive's first lines match none of the supported formats."""


def sniff_object(obj: Any) -> ArchiveFormat | None:
    """The format one decoded archive line belongs to, or None when it says nothing. A line holding a list
    is a Mastodon page of statuses (a timeline or a thread's context: its replies' roots are known)."""
    if isinstance(obj, list) and obj and isinstance(obj[0], dict) and "account" in obj[0] and "content" in obj[0]:
        return "mastodon"
    if not isinstance(obj, dict):
        return None
    if "status_id" in obj and ("screen_name" in obj or "user_id" in obj):
        return "rtweet"
    if is_v1_status(obj):  # X API v1.1 statuses, one a line (twarc 1, tweepy's _json)
        return "twarc1"
    uri = obj.get("uri")
    if isinstance(uri, str) and uri.startswith("at://") and "record" in obj:
        return "bluesky"
    if "account" in obj and "content" in obj:
        return "mastodon"
    if "data" in obj or "__twarc" in obj or ("id" in obj and ("author_id" in obj or "action" in obj)):
        return "twarc2"
    return None


def detect_format(path: str | os.PathLike[str]) -> ArchiveFormat:
    """Tell the archive format from the first non-empty lines of `path`; UnknownFormat if none fits."""
    seen_keys: list[str] = []
    with Path(path).open("rb") as fp:
        checked = 0
        for raw in fp:
            if not raw.strip():
                continue
            checked += 1
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError:
                obj = None
            found = sniff_object(obj)
            if found is not None:
                return found
            if isinstance(obj, dict) and not seen_keys:
                seen_keys = sorted(obj)[:8]
            if checked >= _SNIFF_LINES:
                break
    keys = f" (first record's keys: {', '.join(seen_keys)})" if seen_keys else ""
    raise UnknownFormat(
        f"{path}: not a twarc2, twarc1 (X v1.1), rtweet, Bluesky or Mastodon JSONL archive{keys}; "
        "expected one JSON object a line"
    )


# -- rtweet-style flat rows (one tweet per line, R rtweet column names) ---------------------------------------


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value if item is not None and item != ""]
    return [str(value)] if value != "" else []


def _opt_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _int(value: Any) -> int:
    if value is None:
        return 0
    return int(value)


def parse_rtweet_row(row: Mapping[str, Any], *, source: str = "rtweet") -> Batch:
    """One rtweet row (status_id, user_id, screen_name, created_at, text, ...) as a post and its author."""
    post_id = str(row["status_id"])
    user_id = str(row["user_id"])
    handle = row.get("screen_name") or ""
    reply_to = _opt_str(row.get("reply_to_status_id"))
    quoted = _opt_str(row.get("quoted_status_id"))
    reposted = _opt_str(row.get("retweet_status_id"))
    kind: PostKind = "original"
    if row.get("is_retweet") or reposted:
        kind = "repost"
    elif reply_to:
        kind = "reply"
    elif row.get("is_quote") or quoted:
        kind = "quote"
    created = parse_datetime(row.get("created_at"))
    if created is None:
        raise ValueError(f"status {post_id} has no created_at")
    urls = _as_list(row.get("urls_expanded_url")) or _as_list(row.get("urls_url"))
    post = NormalizedPost(
        platform="x",
        id=post_id,
        author_id=user_id,
        created_at=created,
        text=unescape(row.get("text") or ""),  # rtweet keeps X's escaped text
        author_handle=handle,
        lang=row.get("lang"),
        kind=kind,
        reply_to_post_id=reply_to,
        reply_to_user_id=_opt_str(row.get("reply_to_user_id")),
        conversation_id=None if reply_to else post_id,
        quoted_post_id=quoted,
        reposted_post_id=reposted,
        hashtags=[tag.lower() for tag in _as_list(row.get("hashtags"))],
        mentions=[name.lower() for name in _as_list(row.get("mentions_screen_name"))],
        urls=urls,
        metrics=Metrics(
            likes=_int(row.get("favorite_count")),
            reposts=_int(row.get("retweet_count")),
            replies=_int(row.get("reply_count")),
            quotes=_int(row.get("quote_count")),
        ),
        source=source,
        url=post_url(handle, post_id),
        raw=row if isinstance(row, dict) else dict(row),
        reply_to_handle=str(row.get("reply_to_screen_name") or "") if reply_to else "",
    )
    account_created = row.get("account_created_at")
    account = NormalizedAccount(
        platform="x",
        id=user_id,
        handle=handle,
        display_name=row.get("name") or "",
        bio=row.get("description") or "",
        location=row.get("location") or "",
        url=row.get("profile_expanded_url") or row.get("url") or "",
        followers=row.get("followers_count"),
        following=row.get("friends_count"),
        post_count=row.get("statuses_count"),
        verified=bool(row.get("verified")),
        created_at=parse_datetime(account_created) if account_created else None,
    )
    return Batch(posts=[post], accounts=[account])


def _rtweet_line(obj: Any) -> Batch | str:
    if not isinstance(obj, dict) or "status_id" not in obj:
        return "not an rtweet row (no status_id); nothing to import"
    return parse_rtweet_row(obj)


def _bluesky_line(obj: Any) -> Batch | str:
    if not isinstance(obj, dict) or "uri" not in obj:
        return "not a Bluesky postView (no uri); nothing to import"
    post = parse_post_view(obj)
    post.source = "bluesky-archive"
    author = obj.get("author")
    accounts = [parse_profile(author)] if isinstance(author, dict) and author.get("did") else []
    return Batch(posts=[post], accounts=accounts)


def _mastodon_line(obj: Any) -> Batch | str:
    if isinstance(obj, list):
        return parse_statuses(obj, source="mastodon-archive")
    if not isinstance(obj, dict) or "id" not in obj:
        return "not a Mastodon status (no id); nothing to import"
    return parse_statuses([obj], source="mastodon-archive")


_READERS = {
    "twarc2": parse_twarc_line,
    "twarc1": parse_v1_line,
    "rtweet": _rtweet_line,
    "bluesky": _bluesky_line,
    "mastodon": _mastodon_line,
}


def read_archive(path: Source, format: ArchiveFormat | None = None) -> Iterator[ArchiveChunk]:
    """Stream an archive as ArchiveChunks (line number, Batch, bytes read, total bytes); detect the format if
    not given (`path` must then be a path). Bad lines come back as problems and reading goes on.
    """
    if format is None:
        if not isinstance(path, str | os.PathLike):
            raise ValueError("give the format when reading from a file object")
        format = detect_format(path)
    try:
        parse = _READERS[format]
    except KeyError:
        raise ValueError(f"unknown archive format {format!r}; expected one of {', '.join(FORMATS)}") from None
    return iter_jsonl(path, parse)
