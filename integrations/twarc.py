"""Read and write twarc2 JSONL archives (API response pages or flattened posts), streaming in constant memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from integrations.jsonl import ArchiveChunk, Source, iter_jsonl
from integrations.normalized import Batch, NormalizedAccount, NormalizedPost
from integrations.x.parse import describe_problem, escape, parse_datetime, parse_page, parse_tweet, parse_user

SOURCE = "twarc2"
WRITER_VERSION = "outreach-assistant"
PAGE_SIZE = 100


def read_twarc2(source: Source) -> Iterator[ArchiveChunk]:
    """Yield one ArchiveChunk per line of a twarc2 JSONL file (a path or a binary file object).

    Each line may be an API response page, a twarc2-flattened post, a flattened user, a counts page or a
    compliance event; the last two (and list pages) come back with `skipped` set. A truncated or malformed
    line comes back with a problem naming its line number; the lines after it are still read.
    """
    return iter_jsonl(source, parse_twarc_line)


def retrieved_at(obj: Mapping[str, Any]) -> datetime | None:
    """When twarc fetched a line (`__twarc.retrieved_at`, on pages and on flattened posts); None if not recorded."""
    meta = obj.get("__twarc")
    if not isinstance(meta, dict):
        return None
    try:
        return parse_datetime(meta.get("retrieved_at"))
    except (TypeError, ValueError):
        return None  # an unreadable stamp costs the capture time, not the line


def parse_twarc_line(obj: Any) -> Batch | str:
    """One decoded twarc2 line as a Batch (with `captured_at` from `__twarc`), or why it holds nothing to import."""
    result = _parse_line(obj)
    if isinstance(result, Batch) and (result.posts or result.accounts):
        result.captured_at = retrieved_at(obj)
    return result


def _parse_line(obj: Any) -> Batch | str:
    if not isinstance(obj, dict):
        return f"not a JSON object ({type(obj).__name__}); nothing to import"
    if "data" in obj:
        return _parse_page_line(obj)
    if "id" in obj and "text" in obj:
        return parse_flat_tweet(obj)
    if "id" in obj and "username" in obj:
        return Batch(accounts=[parse_user(obj)])
    if "action" in obj and "id" in obj:
        reason = obj.get("reason") or "no reason given"
        return f"compliance event ({obj['action']} {obj['id']}: {reason}); nothing to import"
    errors = obj.get("errors")
    if isinstance(errors, list) and errors:
        return Batch(problems=[describe_problem(e) if isinstance(e, dict) else str(e) for e in errors])
    if "title" in obj or "detail" in obj:
        return Batch(problems=[describe_problem(obj)])
    keys = ", ".join(sorted(obj)[:6])
    return f"unrecognised line (keys: {keys}); nothing to import"


def _parse_page_line(obj: dict[str, Any]) -> Batch | str:
    data = obj["data"]
    first: Any = data[0] if isinstance(data, list) and data else data if isinstance(data, dict) else None
    if isinstance(first, dict) and "text" not in first and "username" not in first:
        if "tweet_count" in first or "post_count" in first:
            return "post counts page (no posts to import)"
        return "page of objects that are neither posts nor users (e.g. lists); nothing to import"
    if first is None and not obj.get("errors") and not (obj.get("includes") or {}).get("users"):
        return "empty page; nothing to import"
    return parse_page(obj, source=SOURCE)


def parse_flat_tweet(obj: Mapping[str, Any]) -> Batch:
    """A twarc2-flattened post (author, in_reply_to_user, mentions and referenced posts inlined) as a Batch."""
    batch = Batch()
    accounts: dict[str, NormalizedAccount] = {}

    def add_user(user: Any) -> None:
        if isinstance(user, dict) and user.get("id") and user.get("username") and user["id"] not in accounts:
            accounts[user["id"]] = parse_user(user)

    post = parse_tweet(obj)
    post.source = SOURCE
    batch.posts.append(post)
    seen = {post.id}
    candidates = [obj]
    refs = obj.get("referenced_tweets") or obj.get("referenced_posts") or ()
    for ref in refs:
        if isinstance(ref, dict) and "text" in ref and "created_at" in ref and str(ref["id"]) not in seen:
            ref_post = parse_tweet(ref)
            ref_post.source = SOURCE
            batch.posts.append(ref_post)
            seen.add(ref_post.id)
            candidates.append(ref)
    for item in candidates:
        add_user(item.get("author"))
        add_user(item.get("in_reply_to_user"))
        entities = item.get("entities")
        if entities:
            for mention in entities.get("mentions") or ():
                if "name" in mention or "public_metrics" in mention:
                    add_user(mention)
    batch.accounts.extend(accounts.values())
    return batch


# -- writer ---------------------------------------------------------------------------------------------------


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _span(text_lower: str, needle: str) -> tuple[int, int]:
    start = text_lower.find(needle.lower())
    if start < 0:
        return 0, 0
    return start, start + len(needle)


def tweet_object(post: NormalizedPost) -> dict[str, Any]:
    """A NormalizedPost as a classic X API v2 tweet object (the shape twarc2 archives hold)."""
    obj: dict[str, Any] = {
        "id": post.id,
        "text": escape(post.text),  # as X delivers it: read back, it is unescaped once
        "author_id": post.author_id,
        "created_at": _iso(post.created_at),
        "conversation_id": post.conversation_id,
        "lang": post.lang,
        "in_reply_to_user_id": post.reply_to_user_id,
    }
    if post.reply_to_user_id and post.reply_to_handle:  # as twarc2 flattens it: read back by parse_tweet
        obj["in_reply_to_user"] = {"id": post.reply_to_user_id, "username": post.reply_to_handle}
    refs = []
    if post.reply_to_post_id:
        refs.append({"type": "replied_to", "id": post.reply_to_post_id})
    if post.quoted_post_id:
        refs.append({"type": "quoted", "id": post.quoted_post_id})
    if post.reposted_post_id:
        refs.append({"type": "retweeted", "id": post.reposted_post_id})
    if refs:
        obj["referenced_tweets"] = refs
    lowered = post.text.lower()
    entities: dict[str, list[dict[str, Any]]] = {}
    if post.hashtags:
        entities["hashtags"] = [
            {"start": s, "end": e, "tag": tag} for tag in post.hashtags for s, e in [_span(lowered, "#" + tag)]
        ]
    if post.mentions:
        entities["mentions"] = [
            {"start": s, "end": e, "username": name} for name in post.mentions for s, e in [_span(lowered, "@" + name)]
        ]
    if post.urls:
        entities["urls"] = [
            {"start": s, "end": e, "url": url, "expanded_url": url}
            for url in post.urls
            for s, e in [_span(lowered, url)]
        ]
    if entities:
        obj["entities"] = entities
    metrics = post.metrics
    public_metrics = {
        "retweet_count": metrics.reposts,
        "reply_count": metrics.replies,
        "like_count": metrics.likes,
        "quote_count": metrics.quotes,
    }
    if metrics.impressions is not None:
        public_metrics["impression_count"] = metrics.impressions
    obj["public_metrics"] = public_metrics
    return {key: value for key, value in obj.items() if value is not None}


def user_object(account: NormalizedAccount) -> dict[str, Any]:
    """A NormalizedAccount as a classic X API v2 user object."""
    obj: dict[str, Any] = {
        "id": account.id,
        "username": account.handle,
        "name": account.display_name,
        "description": account.bio,
        "location": account.location,
        "url": account.url,
        "verified": account.verified,
    }
    if account.created_at is not None:
        obj["created_at"] = _iso(account.created_at)
    counts = {
        "followers_count": account.followers,
        "following_count": account.following,
        "tweet_count": account.post_count,
    }
    if any(value is not None for value in counts.values()):
        obj["public_metrics"] = {key: value for key, value in counts.items() if value is not None}
    return obj


def _page_line(data: list[dict[str, Any]], users: list[dict[str, Any]], retrieved_at: str) -> bytes:
    # twarc's ensure_flattened refuses a page without `includes`, so it is always written.
    page: dict[str, Any] = {"data": data, "includes": {"users": users}}
    meta: dict[str, Any] = {"result_count": len(data)}
    ids = [item["id"] for item in data if "text" in item]
    if ids:
        numeric = all(i.isdigit() for i in ids)
        key = (lambda i: (len(i), i)) if numeric else None
        meta["newest_id"] = max(ids, key=key)
        meta["oldest_id"] = min(ids, key=key)
    page["meta"] = meta
    page["__twarc"] = {"url": "outreach-assistant:export", "version": WRITER_VERSION, "retrieved_at": retrieved_at}
    return orjson.dumps(page) + b"\n"


def write_twarc2(
    posts: Iterable[NormalizedPost],
    accounts: Iterable[NormalizedAccount],
    fp: IO[bytes],
    *,
    page_size: int = PAGE_SIZE,
    retrieved_at: datetime | None = None,
) -> int:
    """Write posts as twarc2 JSONL, one API-style page per line, and return the number of lines written.

    Each page holds up to `page_size` posts in classic X v2 shape with their authors under `includes.users`
    (an author missing from `accounts` is written from the post's handle). Accounts that author no post ride
    along in the last page's `includes.users`, so twarc-csv's tweet conversion reads every line; with no posts
    at all they are written as `/2/users`-style pages. Reading the file back with `read_twarc2` gives the
    same posts and accounts.
    """
    stamp = (retrieved_at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    by_id = {account.id: account for account in accounts}
    written_users: set[str] = set()
    lines = 0
    page: list[dict[str, Any]] = []
    page_users: dict[str, dict[str, Any]] = {}

    def flush(data: list[dict[str, Any]], users: list[dict[str, Any]]) -> None:
        nonlocal lines
        fp.write(_page_line(data, users, stamp))
        lines += 1

    for post in posts:
        if len(page) >= page_size:  # a full page is written only once another post follows it
            flush(page, list(page_users.values()))
            page, page_users = [], {}
        page.append(tweet_object(post))
        if post.author_id and post.author_id not in page_users:
            account = by_id.get(post.author_id)
            if account is not None:
                page_users[post.author_id] = user_object(account)
            elif post.author_handle:
                page_users[post.author_id] = {"id": post.author_id, "username": post.author_handle, "name": ""}
            written_users.add(post.author_id)
    rest = [user_object(account) for account_id, account in by_id.items() if account_id not in written_users]
    if page:
        flush(page, [*page_users.values(), *rest])
    else:
        for start in range(0, len(rest), page_size):
            flush(rest[start : start + page_size], [])
    return lines
