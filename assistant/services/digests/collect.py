"""Collect a chat's posts into the store: the hashtag in the window, then the conversations it started.

X: recent (or full-archive, for windows older than 7 days) search of the hashtag, then a search of the
conversations (conversation_id) of the tagged posts that have replies, several conversations per query.
Mastodon: the hashtag timeline, then the context (thread) of each tagged status with replies or asking a
question, and of each tagged reply whose thread root is not on the timeline, keeping the replies without the
hashtag and the posts above (`mastodon_chat`, which `outreach fetch mastodon` uses too). Bluesky: search by tag, then the threads of tagged
posts with replies.
A RateLimited error propagates: the worker retries after the reset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from assistant.analysis.digest.text import question_number
from assistant.models.platforms import Platform
from assistant.services.store.write import upsert_batch
from integrations.bluesky.client import BlueskyClient
from integrations.mastodon.client import MastodonClient
from integrations.normalized import Batch, NormalizedPost
from integrations.x.client import XClient
from integrations.x.query import conversation_query, hashtag_query

RECENT_WINDOW = timedelta(days=7)
QUERY_LIMIT = 480  # characters per conversation query (X recent search accepts 512)
MAX_THREADS = 200  # conversations followed per chat (cost guard)


@dataclass(slots=True)
class Collected:
    """How many posts each source stored, and how many came in through conversations."""

    by_source: dict[str, int] = field(default_factory=dict)
    via_conversation: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_source.values())


@dataclass(frozen=True, slots=True)
class Window:
    """What one network's collection reads: the hashtag (without '#') from start to end, as of now."""

    hashtag: str
    start: datetime
    end: datetime
    now: datetime


def _store(engine: Engine, batch: Batch, at: datetime) -> None:
    with engine.begin() as connection:
        upsert_batch(connection, batch, captured_at=at)


def _has_tag(post: NormalizedPost, tag: str) -> bool:
    return any(t.lstrip("#").casefold() == tag.casefold() for t in post.hashtags)


def _store_tagged(
    engine: Engine, batches: Iterable[Batch], now: datetime, *, root: Callable[[NormalizedPost], bool]
) -> tuple[int, list[str]]:
    """Store the hashtag's pages: the posts stored, and the conversations of its `root` posts to follow (first seen
    first, at most MAX_THREADS)."""
    stored = 0
    roots: dict[str, None] = {}
    for batch in batches:
        _store(engine, batch, now)
        stored += len(batch.posts)
        roots.update((post.conversation_id or post.id, None) for post in batch.posts if root(post))
    return stored, list(roots)[:MAX_THREADS]


def _store_threads(engine: Engine, batches: Iterable[Batch], now: datetime, *, hashtag: str, result: Collected) -> int:
    """Store the followed conversations' pages: the posts stored; those without the hashtag count as via_conversation."""
    stored = 0
    for batch in batches:
        _store(engine, batch, now)
        stored += len(batch.posts)
        result.via_conversation += sum(1 for p in batch.posts if not _has_tag(p, hashtag))
    return stored


def conversation_queries(conversation_ids: Sequence[str], *, limit: int = QUERY_LIMIT) -> list[str]:
    """OR-ed conversation_id: queries, each within `limit` characters."""
    queries: list[str] = []
    current: list[str] = []
    for conversation in conversation_ids:
        term = conversation_query(conversation)
        candidate = " OR ".join([*current, term])
        if current and len(candidate) + 2 > limit:
            queries.append(f"({' OR '.join(current)})" if len(current) > 1 else current[0])
            current = [term]
        else:
            current.append(term)
    if current:
        queries.append(f"({' OR '.join(current)})" if len(current) > 1 else current[0])
    return queries


def collect_x(engine: Engine, client: XClient, window: Window, result: Collected) -> None:
    hashtag, start, end, now = window.hashtag, window.start, window.end, window.now
    archive = start < now - RECENT_WINDOW + timedelta(minutes=5)
    end = min(end, now - timedelta(seconds=30))
    search = client.search_all if archive else client.search_recent

    def root(post: NormalizedPost) -> bool:
        return _has_tag(post, hashtag) and post.kind != "repost" and (post.metrics.replies > 0 or post.kind == "reply")

    tagged = (page.batch() for page in search(hashtag_query([hashtag]), start_time=start, end_time=end))
    stored, conversations = _store_tagged(engine, tagged, now, root=root)
    threads = (
        page.batch()
        for query in conversation_queries(conversations)
        for page in search(query, start_time=start, end_time=end)
    )
    stored += _store_threads(engine, threads, now, hashtag=hashtag, result=result)
    result.by_source["x"] = stored


def mastodon_threads(tagged: dict[str, NormalizedPost]) -> list[str]:
    """The tagged statuses (id -> post, in timeline order) whose context is fetched: those with replies (by their
    count, or a tagged reply on the timeline: a remote status's count lags) or asking a question, and every
    tagged reply whose thread above it reaches none of those, so the replies below it come in although its
    thread's root is not on the timeline (an untagged intro, an outside post)."""
    parents = {post.reply_to_post_id for post in tagged.values()}
    followed = {
        pid
        for pid, post in tagged.items()
        if post.metrics.replies > 0 or pid in parents or question_number(post.text) is not None
    }
    for pid, post in tagged.items():
        up, seen = post.reply_to_post_id, {pid}
        while up is not None and up in tagged and up not in followed and up not in seen:
            seen.add(up)
            up = tagged[up].reply_to_post_id
        if post.reply_to_post_id is not None and up not in followed:
            followed.add(pid)
    return [pid for pid in tagged if pid in followed][:MAX_THREADS]


@dataclass(frozen=True, slots=True)
class Gathered:
    """One batch of a Mastodon chat to store: how many of its posts it brings in first (a followed status comes
    again with its thread, to get its root) and how many of those are thread replies without the hashtag."""

    batch: Batch
    new: int
    via_conversation: int = 0


def _within(post: NormalizedPost, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or start <= post.created_at) and (end is None or post.created_at < end)


def mastodon_chat(
    client: MastodonClient, hashtag: str, *, start: datetime | None = None, end: datetime | None = None
) -> Iterator[Gathered]:
    """A Mastodon chat's batches, for the digest collection and `outreach fetch mastodon` alike: the hashtag
    timeline's pages (between `start` and `end` where given), then the context of each status `mastodon_threads`
    picks: its replies without the hashtag in the window (the tagged ones came with the timeline), the status
    again with its conversation's root from the in_reply_to chain, and the posts above it (an outside parent:
    context for the archive, never counted)."""
    hashtag = hashtag.lstrip("#")
    statuses: dict[str, dict[str, Any]] = {}  # the tagged statuses (not reblogs): id -> the status
    tagged: dict[str, NormalizedPost] = {}
    for page in client.hashtag_timeline(hashtag, since=start, until=end):
        posts = {p.id: p for p in page.batch.posts}
        for status in page.statuses:
            post = posts.get(str(status.get("id")))
            if not status.get("reblog") and post is not None:
                statuses[post.id], tagged[post.id] = status, post
        yield Gathered(page.batch, new=len(page.batch.posts))
    followed: set[str] = set(tagged)  # posts already stored: threads overlap when tagged statuses reply to each other
    for status_id in mastodon_threads(tagged):
        context = client.status_context(status_id, status=statuses[status_id])
        below = {str(s.get("id")) for s in context.descendants} - followed
        above = {str(s.get("id")) for s in context.ancestors} - followed
        replies = [
            p
            for p in context.batch.posts
            if p.id in below and p.kind != "repost" and not _has_tag(p, hashtag) and _within(p, start, end)
        ]
        ancestors = [p for p in context.batch.posts if p.id in above]
        followed.update(p.id for p in replies + ancestors)
        itself = [p for p in context.batch.posts if p.id == status_id]
        batch = Batch(
            posts=ancestors + itself + replies, accounts=context.batch.accounts, problems=context.batch.problems
        )
        yield Gathered(batch, new=len(replies) + len(ancestors), via_conversation=len(replies))


def collect_mastodon(engine: Engine, client: MastodonClient, window: Window, result: Collected) -> None:
    stored = 0
    for gathered in mastodon_chat(client, window.hashtag, start=window.start, end=window.end):
        _store(engine, gathered.batch, window.now)
        stored += gathered.new
        result.via_conversation += gathered.via_conversation
    result.by_source["mastodon"] = stored


def collect_bluesky(engine: Engine, client: BlueskyClient, window: Window, result: Collected) -> None:
    hashtag, start, end, now = window.hashtag, window.start, window.end, window.now
    tagged = (page.batch for page in client.search_posts(f"#{hashtag}", tags=[hashtag], since=start, until=end))
    stored, roots = _store_tagged(
        engine, tagged, now, root=lambda post: post.metrics.replies > 0 and post.kind != "repost"
    )
    threads = (client.get_post_thread(uri) for uri in roots)
    stored += _store_threads(engine, threads, now, hashtag=hashtag, result=result)
    result.by_source["bluesky"] = stored


def collect(
    engine: Engine,
    *,
    hashtag: str,
    start: datetime,
    end: datetime,
    platforms: Sequence[str],
    x: XClient | None = None,
    mastodon: MastodonClient | None = None,
    bluesky: BlueskyClient | None = None,
    now: datetime | None = None,
) -> Collected:
    """Collect from every platform the chat uses that has a client; others are read from the store as is."""
    window = Window(hashtag.lstrip("#"), start, end, now or datetime.now(UTC))
    result = Collected()
    if Platform.x in platforms and x is not None:
        collect_x(engine, x, window, result)
    if Platform.mastodon in platforms and mastodon is not None:
        collect_mastodon(engine, mastodon, window, result)
    if Platform.bluesky in platforms and bluesky is not None:
        collect_bluesky(engine, bluesky, window, result)
    return result
