"""Turn X API v1.1 statuses (twarc 1 JSONL, tweepy's `_json`, GET statuses/*) into normalized posts and accounts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeGuard

from integrations import normalized as n
from integrations.normalized import Batch, Metrics, NormalizedAccount, NormalizedPost, PostKind
from integrations.x.parse import parse_datetime, post_url, unescape

V1_TIME = "%a %b %d %H:%M:%S %z %Y"  # "Wed Oct 10 20:19:24 +0000 2018"


def is_v1_status(obj: Any) -> TypeGuard[dict[str, Any]]:
    """Whether a decoded line is a v1.1 status: a string id and its author inline (v2 posts carry neither)."""
    return isinstance(obj, dict) and "id_str" in obj and isinstance(obj.get("user"), dict)


def v1_time(value: Any) -> datetime | None:
    """A v1.1 time ("Wed Oct 10 20:19:24 +0000 2018"), or ISO 8601 as some exports rewrite it; aware UTC."""
    if isinstance(value, str) and value[:3].isalpha():
        return datetime.strptime(value, V1_TIME).astimezone(UTC)
    return parse_datetime(value)


def _id(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def parse_v1_user(obj: Mapping[str, Any]) -> NormalizedAccount:
    """A v1.1 user object as a NormalizedAccount (its t.co profile link expanded where the entities say)."""
    url = obj.get("url") or ""
    for item in ((obj.get("entities") or {}).get("url") or {}).get("urls") or ():
        if item.get("url") == url and item.get("expanded_url"):
            url = item["expanded_url"]
    created = obj.get("created_at")
    return NormalizedAccount(
        platform="x",
        id=str(obj.get("id_str") or obj["id"]),
        handle=obj.get("screen_name") or "",
        display_name=obj.get("name") or "",
        bio=obj.get("description") or "",
        location=obj.get("location") or "",
        url=n.web_url(url),
        followers=obj.get("followers_count"),
        following=obj.get("friends_count"),
        post_count=obj.get("statuses_count"),
        verified=bool(obj.get("verified")),
        created_at=v1_time(created) if created else None,
        raw=obj if isinstance(obj, dict) else dict(obj),
    )


def _text_and_entities(obj: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """The whole text (`full_text`, or a streamed status's `extended_tweet`) and the entities that go with it."""
    extended = obj.get("extended_tweet")
    if isinstance(extended, dict) and extended.get("full_text"):
        return extended["full_text"], extended.get("entities") or {}
    return obj.get("full_text") or obj.get("text") or "", obj.get("entities") or {}


def parse_v1_status(obj: Mapping[str, Any], *, source: str = "twarc1") -> NormalizedPost:
    """One v1.1 status as a NormalizedPost, its text unescaped once (v1.1 sends `&amp;`, `&lt;`, `&gt;`)."""
    post_id = str(obj.get("id_str") or obj["id"])
    user = obj.get("user") or {}
    handle = user.get("screen_name") or ""
    text, entities = _text_and_entities(obj)
    reply_to = _id(obj.get("in_reply_to_status_id_str") or obj.get("in_reply_to_status_id"))
    reposted_status = obj.get("retweeted_status")
    reposted = _id(reposted_status.get("id_str")) if isinstance(reposted_status, dict) else None
    quoted = _id(obj.get("quoted_status_id_str")) if obj.get("is_quote_status") or obj.get("quoted_status") else None
    kind: PostKind = "repost" if reposted else "reply" if reply_to else "quote" if quoted else "original"
    created = v1_time(obj.get("created_at"))
    if created is None:
        raise ValueError(f"status {post_id} has no created_at")
    urls = [
        target
        for link in entities.get("urls") or ()
        if (target := n.web_url((link.get("unwound") or {}).get("url") or link.get("expanded_url") or link.get("url")))
    ]
    return NormalizedPost(
        platform="x",
        id=post_id,
        author_id=str(user.get("id_str") or user.get("id") or ""),
        created_at=created,
        text=unescape(text),
        author_handle=handle,
        lang=obj.get("lang"),
        kind=kind,
        reply_to_post_id=reply_to,
        reply_to_user_id=_id(obj.get("in_reply_to_user_id_str") or obj.get("in_reply_to_user_id")),
        conversation_id=None if reply_to else post_id,  # v1.1 names no conversation; a reply's root is unknown
        quoted_post_id=quoted,
        reposted_post_id=reposted,
        hashtags=[tag["text"].lower() for tag in entities.get("hashtags") or () if tag.get("text")],
        mentions=[m["screen_name"].lower() for m in entities.get("user_mentions") or () if m.get("screen_name")],
        urls=urls,
        metrics=Metrics(
            likes=obj.get("favorite_count") or 0,
            reposts=obj.get("retweet_count") or 0,
            replies=obj.get("reply_count") or 0,
            quotes=obj.get("quote_count") or 0,
        ),
        source=source,
        url=post_url(handle, post_id),
        raw=obj if isinstance(obj, dict) else dict(obj),
        reply_to_handle=(obj.get("in_reply_to_screen_name") or "") if reply_to else "",
    )


def parse_v1_line(obj: Any, *, source: str = "twarc1") -> Batch | str:
    """One line of a v1.1 archive: the status, then the statuses it reposts or quotes, and their authors, once
    each (as v2's `includes`)."""
    if not is_v1_status(obj):
        return "not an X v1.1 status (no id_str and user); nothing to import"
    batch = Batch()
    seen_posts: set[str] = set()
    seen_accounts: set[str] = set()
    waiting: list[Mapping[str, Any]] = [obj]
    while waiting:
        status = waiting.pop(0)
        post = parse_v1_status(status, source=source)
        if post.id in seen_posts:
            continue
        seen_posts.add(post.id)
        batch.posts.append(post)
        user = status["user"]
        if post.author_id and post.author_id not in seen_accounts:
            seen_accounts.add(post.author_id)
            batch.accounts.append(parse_v1_user(user))
        waiting.extend(s for s in (status.get("retweeted_status"), status.get("quoted_status")) if is_v1_status(s))
    return batch
