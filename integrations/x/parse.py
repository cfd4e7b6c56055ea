"""Turn X API v2 response pages (classic `tweets` or new `posts` naming) into normalized posts and accounts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from integrations import normalized as n
from integrations.normalized import Batch, Metrics, NormalizedAccount, NormalizedPost, Platform, PostKind

PLATFORM: Platform = "x"

# referenced_tweets / referenced_posts types; the new spec keeps the classic enum values, "reposted" is accepted
# in case a later revision renames it.
REPOST_TYPES = frozenset({"retweeted", "reposted"})
_fromisoformat = datetime.fromisoformat


def parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 string (`...Z` or an offset) or epoch seconds; None if absent."""
    if value.__class__ is str:
        if not value:
            return None
        parsed = _fromisoformat(value)
        tz = parsed.tzinfo
        if tz is UTC:
            return parsed
        if tz is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    if value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    raise ValueError(f"not a date-time: {value!r}")


def post_url(handle: str, post_id: str) -> str:
    """The public web address of an X post (`i/web` when the author's handle is unknown)."""
    return f"https://x.com/{handle or 'i/web'}/status/{post_id}"


def parse_user(obj: Mapping[str, Any]) -> NormalizedAccount:
    """An X v2 user object (either naming) as a NormalizedAccount."""
    metrics = obj.get("public_metrics") or {}
    post_count = metrics.get("tweet_count")
    if post_count is None:
        post_count = metrics.get("post_count")
    url = obj.get("url") or ""
    entities = obj.get("entities")
    if url and entities:
        url_urls = (entities.get("url") or {}).get("urls") or ()
        for item in url_urls:
            if item.get("url") == url and item.get("expanded_url"):
                url = item["expanded_url"]
                break
    created = obj.get("created_at")
    return NormalizedAccount(
        platform=PLATFORM,
        id=str(obj["id"]),
        handle=obj.get("username") or "",
        display_name=obj.get("name") or "",
        bio=obj.get("description") or "",
        location=obj.get("location") or "",
        url=n.web_url(url),
        followers=metrics.get("followers_count"),
        following=metrics.get("following_count"),
        post_count=post_count,
        verified=bool(obj.get("verified")),
        created_at=parse_datetime(created) if created else None,
        raw=obj if isinstance(obj, dict) else dict(obj),
    )


def _handle_of(users_by_id: Mapping[str, Any], author_id: str) -> str:
    user = users_by_id.get(author_id)
    if user is None:
        return ""
    if isinstance(user, NormalizedAccount):
        return user.handle
    return user.get("username") or ""


def references(obj: Mapping[str, Any]) -> tuple[PostKind, str | None, str | None, str | None]:
    """(kind, replied-to id, quoted id, reposted id) from `referenced_tweets` / `referenced_posts`.

    One kind per post: a repost is a repost; a reply that also quotes counts as a reply.
    """
    reply_to = quoted = reposted = None
    refs = obj.get("referenced_tweets")
    if refs is None:
        refs = obj.get("referenced_posts")
    if not refs:
        return "original", None, None, None
    for ref in refs:
        ref_type = ref.get("type")
        ref_id = str(ref.get("id"))
        if ref_type == "replied_to":
            reply_to = ref_id
        elif ref_type == "quoted":
            quoted = ref_id
        elif ref_type in REPOST_TYPES:
            reposted = ref_id
    kind: PostKind = "repost" if reposted else "reply" if reply_to else "quote" if quoted else "original"
    return kind, reply_to, quoted, reposted


def public_metrics(obj: Mapping[str, Any]) -> tuple[int, int, int, int, int | None]:
    """(likes, reposts, replies, quotes, impressions) from `public_metrics` in either naming; zeros if absent."""
    pm = obj.get("public_metrics")
    if not pm:
        return 0, 0, 0, 0, None
    reposts = pm.get("retweet_count")
    if reposts is None:
        reposts = pm.get("repost_count")
    return (
        pm.get("like_count") or 0,
        reposts or 0,
        pm.get("reply_count") or 0,
        pm.get("quote_count") or 0,
        pm.get("impression_count"),
    )


def text_and_entities(obj: Mapping[str, Any]) -> tuple[str, list[str], list[str], list[str]]:
    """(text as published, hashtags, mentions, expanded URLs); hashtags and mentions lower-cased.

    A long post (over 280 characters) has a truncated `text`; the full text and its entities are in the note.
    """
    hashtags: list[str] = []
    mentions: list[str] = []
    urls: list[str] = []
    text = obj.get("text") or ""
    entities = obj.get("entities")
    note = obj.get("note_tweet") or obj.get("note_post")
    if note and note.get("text"):
        text = note["text"]
        entities = note.get("entities") or entities
    if entities:
        for tag in entities.get("hashtags") or ():
            tag_text = tag.get("tag")
            if tag_text:
                hashtags.append(tag_text.lower())
        for mention in entities.get("mentions") or ():
            username = mention.get("username")
            if username:
                mentions.append(username.lower())
        for link in entities.get("urls") or ():
            target = n.web_url(link.get("unwound_url") or link.get("expanded_url") or link.get("url"))
            if target:
                urls.append(target)
    return unescape(text), hashtags, mentions, urls


def unescape(text: str) -> str:
    """X's text as published: X (API v2 and v1.1) delivers `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;` (and
    nothing else escaped). Undone once, `&amp;` last ("&amp;lt;" was typed "&lt;")."""
    if "&" not in text:
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape(text: str) -> str:
    """Text as X delivers it (the inverse of `unescape`), for archives written in X's formats."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def parse_tweet(obj: Mapping[str, Any], users_by_id: Mapping[str, Any] | None = None) -> NormalizedPost:
    """One X v2 tweet/post object as a NormalizedPost.

    `users_by_id` maps author ids to user dicts or NormalizedAccounts (from `includes.users`); a twarc2-flattened
    tweet carries its author inline under `author` and needs no map.
    """
    post_id = str(obj["id"])
    author_id = str(obj.get("author_id") or "")
    handle = ""
    author = obj.get("author")
    if author:
        handle = author.get("username") or ""
        author_id = author_id or str(author.get("id") or "")
    if not handle and users_by_id:
        handle = _handle_of(users_by_id, author_id)

    kind, reply_to, quoted, reposted = references(obj)
    text, hashtags, mentions, urls = text_and_entities(obj)

    likes, reposts, replies, quotes, impressions = public_metrics(obj)
    metrics = Metrics(likes=likes, reposts=reposts, replies=replies, quotes=quotes, impressions=impressions)

    created = parse_datetime(obj.get("created_at"))
    if created is None:
        raise ValueError(f"post {post_id} has no created_at (request the created_at field)")
    reply_user = obj.get("in_reply_to_user_id")
    conversation = obj.get("conversation_id")
    return NormalizedPost(
        platform=PLATFORM,
        id=post_id,
        author_id=author_id,
        created_at=created,
        text=text,
        author_handle=handle,
        lang=obj.get("lang"),
        kind=kind,
        reply_to_post_id=reply_to,
        reply_to_user_id=str(reply_user) if reply_user else None,
        conversation_id=str(conversation) if conversation else None,
        quoted_post_id=quoted,
        reposted_post_id=reposted,
        hashtags=hashtags,
        mentions=mentions,
        urls=urls,
        metrics=metrics,
        url=post_url(handle, post_id),
        raw=obj if isinstance(obj, dict) else dict(obj),
        reply_to_handle=(obj.get("in_reply_to_user") or {}).get("username")  # twarc2-flattened
        or (_handle_of(users_by_id, str(reply_user)) if reply_user and users_by_id else ""),
    )


def page_problems(errors: Iterable[Any] | None) -> list[str]:
    """A page's `errors` (partial errors) as readable lines, one each."""
    return [describe_problem(problem) if isinstance(problem, dict) else f"X API: {problem}" for problem in errors or ()]


def describe_problem(problem: Mapping[str, Any]) -> str:
    """One readable line for an entry of a page's `errors` (partial errors)."""
    title = problem.get("title") or problem.get("type") or "error"
    detail = problem.get("detail") or problem.get("message") or ""
    resource = problem.get("resource_id") or problem.get("value") or ""
    resource_type = problem.get("resource_type") or ""
    where = f" ({resource_type} {resource})" if resource else ""
    return f"X API: {title}{where}: {detail}".rstrip(": ")


def _is_post(item: Mapping[str, Any]) -> bool:
    return "text" in item


def _is_user(item: Mapping[str, Any]) -> bool:
    return "username" in item and "text" not in item


def parse_page(page: Mapping[str, Any], *, source: str = "x-api") -> Batch:
    """One X API v2 response page (`data` list or object, `includes`, `errors`) as a Batch.

    Primary posts come first, then the referenced posts from `includes.tweets` / `includes.posts`, each id once.
    User pages (`/2/users...`) yield accounts. Items that are neither (count buckets, lists) are left out.
    """
    batch = Batch()
    includes = page.get("includes") or {}
    users_by_id: dict[str, NormalizedAccount] = {}
    accounts = batch.accounts
    for user in includes.get("users") or ():
        account = parse_user(user)
        if account.id not in users_by_id:
            users_by_id[account.id] = account
            accounts.append(account)

    data = page.get("data")
    if data is None:
        items: Iterable[Mapping[str, Any]] = ()
    elif isinstance(data, dict):
        items = (data,)
    else:
        items = data
    included = includes.get("tweets")
    if included is None:
        included = includes.get("posts")

    seen: set[str] = set()
    posts = batch.posts
    problems = batch.problems
    for group in (items, included or ()):
        for item in group:
            if _is_post(item):
                item_id: Any = item.get("id")
                if item_id in seen:
                    continue
                seen.add(item_id)
                try:
                    post = parse_tweet(item, users_by_id)
                except (KeyError, ValueError, TypeError) as exc:
                    problems.append(f"X API: post {item_id or '?'} skipped: {exc}")
                    continue
                post.source = source
                posts.append(post)
            elif group is items and _is_user(item):
                account = parse_user(item)
                if account.id not in users_by_id:
                    users_by_id[account.id] = account
                    accounts.append(account)

    problems.extend(page_problems(page.get("errors")))
    return batch
