"""Make a digest from the store: read the chat's posts (and its threads), baselines and earlier occurrences."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from assistant.analysis.digest import ChatContext, DigestResult, build_digest
from assistant.analysis.digest.build import HostBaseline, archive_result
from assistant.analysis.digest.compare import comparable
from assistant.analysis.digest.impact import MENTION_DAYS
from assistant.analysis.digest.select import select_chat
from assistant.bulk import gc_paused
from assistant.models.digests import AccountSnapshot, Digest, DigestJob
from assistant.models.posts import Account
from assistant.services.digests import records as jobs
from assistant.services.digests.plan import ChatPlan
from assistant.services.digests.read import RAW, iter_chat_posts, outside_parents_in_store
from assistant.services.store.rows import hashtag_table, post_table
from integrations.normalized import NormalizedPost, Platform
from integrations.x.client import XClient

PREVIOUS = 4  # occurrences averaged in comparisons


@dataclass(slots=True)
class MadeDigest:
    """A digest made (and, when saved, stored as `digest`)."""

    result: DigestResult
    digest: Digest | None


def chat_posts(session: Session, *, hashtag: str, start: datetime, end: datetime) -> list[NormalizedPost]:
    """The chat's posts (see analysis.digest.select): read with their conversations, then kept by reply parent."""
    with gc_paused():
        read = list(iter_chat_posts(session, hashtag=hashtag, start=start, end=end))
        return select_chat(read, hashtag=hashtag, start=start, end=end)


def replied_handles(session: Session, posts: Sequence[NormalizedPost]) -> dict[str, str]:
    """Handles of the accounts replied to that wrote none of the posts, from the store (id -> handle).

    On one network (nearly always) ids are compared without a (network, id) pair per post: half the time at
    100k posts (23 against 47 ms)."""
    wanted: set[tuple[Platform, str]]
    if len({p.platform for p in posts}) <= 1:
        replied = {p.reply_to_user_id for p in posts if p.reply_to_user_id}
        replied.difference_update({p.author_id for p in posts})
        wanted = {(posts[0].platform, account) for account in replied}
    else:
        authors = {(p.platform, p.author_id) for p in posts}
        wanted = {(p.platform, p.reply_to_user_id) for p in posts if p.reply_to_user_id} - authors
    found: dict[str, str] = {}
    for platform in {platform for platform, _ in wanted}:
        ids = sorted(account for network, account in wanted if network == platform)
        for start in range(0, len(ids), 500):
            rows = session.exec(
                select(Account.id, Account.handle).where(
                    Account.platform == platform, col(Account.id).in_(ids[start : start + 500])
                )
            )
            found.update({account: handle for account, handle in rows if handle})
    return found


def earlier_participants(session: Session, *, hashtag: str, before: datetime) -> set[str]:
    """Authors of the hashtag's posts before `before` (people seen in earlier occurrences)."""
    tag = jobs.normalize_hashtag(hashtag).casefold()
    query = (
        sa.select(post_table.c.author_id)
        .distinct()
        .join(
            hashtag_table,
            sa.and_(hashtag_table.c.platform == post_table.c.platform, hashtag_table.c.post_id == post_table.c.id),
        )
        .where(hashtag_table.c.tag == tag, hashtag_table.c.created_at < before)
    )
    return {row[0] for row in session.connection().execute(query)}


def _day_range(day: date, days: int) -> Iterator[date]:
    for offset in range(days, 0, -1):
        yield day - timedelta(days=offset)


def host_baseline(
    session: Session, *, handle: str, platform: str, day: date, x_client: XClient | None = None
) -> HostBaseline:
    """Mentions on `day` and the MENTION_DAYS before (X counts when a client is given, else snapshots, else
    stored posts), and daily follower snapshots around it."""
    handle = handle.lstrip("@")
    account = session.exec(
        select(Account).where(Account.platform == platform, sa.func.lower(Account.handle) == handle.lower())
    ).first()
    followers: dict[date, int] = {}
    snapshot_mentions: dict[date, int] = {}
    if account is not None:
        rows = session.exec(
            select(AccountSnapshot).where(
                AccountSnapshot.platform == platform,
                AccountSnapshot.account_id == account.id,
                col(AccountSnapshot.day) >= day - timedelta(days=MENTION_DAYS),
                col(AccountSnapshot.day) <= day + timedelta(days=1),
            )
        )
        for row in rows:
            if row.followers is not None:
                followers[row.day] = row.followers
            if row.mentions is not None:
                snapshot_mentions[row.day] = row.mentions
    if x_client is not None:
        counts = mention_counts_from_x(x_client, handle=handle, day=day)
    elif len(snapshot_mentions) > MENTION_DAYS // 2 and day in snapshot_mentions:
        counts = snapshot_mentions
    else:
        counts = mention_counts_from_store(session, handle=handle, platform=platform, day=day)
    daily = [counts.get(d, 0) for d in _day_range(day, MENTION_DAYS)]
    return HostBaseline(day=day, mentions_on_day=counts.get(day, 0), daily_mentions=daily, followers_by_day=followers)


def mention_counts_from_store(session: Session, *, handle: str, platform: str, day: date) -> dict[date, int]:
    """Stored posts mentioning @handle per UTC day, over the baseline period and the day itself."""
    start = datetime.combine(day - timedelta(days=MENTION_DAYS), datetime.min.time(), UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
    needle = f'%"{handle.lower()}"%'
    listed = sa.cast(post_table.c.mentions, sa.Text)
    # SQLite's LIKE ignores ASCII case already (handles are ASCII): lower() on every row cost 40% of the scan
    sqlite = session.get_bind().dialect.name == "sqlite"
    # Counted by day in the database (a host mentioned 10k times in a chat: a row per day, not per post). SQLite
    # keeps UTC times as "YYYY-MM-DD HH:MM:SS.ffffff" (models.base.UTCDateTime): the day is the first ten.
    day_of: sa.ColumnElement[Any] = (
        sa.func.substr(sa.type_coerce(post_table.c.created_at, RAW), 1, 10)
        if sqlite
        else sa.cast(sa.func.timezone("UTC", post_table.c.created_at), sa.Date)
    )
    query = (
        sa.select(day_of, sa.func.count())
        .where(
            post_table.c.platform == platform,
            post_table.c.created_at >= start,
            post_table.c.created_at < end,
            listed.like(needle) if sqlite else sa.func.lower(listed).like(needle),
        )
        .group_by(day_of)
    )
    rows = session.connection().execute(query)
    return {date.fromisoformat(day) if isinstance(day, str) else day: count for day, count in rows}


def mention_counts_from_x(client: XClient, *, handle: str, day: date) -> dict[date, int]:
    """Daily counts of posts mentioning @handle from the X counts endpoint (full archive for 90 days)."""
    start = datetime.combine(day - timedelta(days=MENTION_DAYS), datetime.min.time(), UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
    counts: dict[date, int] = {}
    for page in client.pages(
        client.counts_request(f"@{handle}", archive=True, granularity="day", start_time=start, end_time=end)
    ):
        for bucket in page.data or ():
            at = datetime.fromisoformat(str(bucket["start"]).replace("Z", "+00:00"))
            counts[at.date()] = counts.get(at.date(), 0) + int(bucket.get("tweet_count", bucket.get("post_count", 0)))
    return counts


def make_digest(
    session: Session,
    *,
    hashtag: str,
    start: datetime,
    end: datetime,
    timezone: str = "UTC",
    questions: Sequence[tuple[int, datetime, str]] = (),
    host_handle: str | None = None,
    host_platform: str = "x",
    workspace_id: int | None = None,
    job: DigestJob | None = None,
    save: bool = True,
    x_client: XClient | None = None,
    now: datetime | None = None,
    plan: ChatPlan | None = None,
) -> MadeDigest:
    """Read the chat from the store, compute every figure, and (with `save`) store the digest."""
    with gc_paused():  # one pause for reading and analysis: each resume walks every post again
        return _make_digest(
            session,
            hashtag=hashtag,
            start=start,
            end=end,
            timezone=timezone,
            questions=questions,
            host_handle=host_handle,
            host_platform=host_platform,
            workspace_id=workspace_id,
            job=job,
            save=save,
            x_client=x_client,
            now=now,
            plan=plan or ChatPlan(),
        )


def _make_digest(
    session: Session,
    *,
    hashtag: str,
    start: datetime,
    end: datetime,
    timezone: str,
    questions: Sequence[tuple[int, datetime, str]],
    host_handle: str | None,
    host_platform: str,
    workspace_id: int | None,
    job: DigestJob | None,
    save: bool,
    x_client: XClient | None,
    now: datetime | None,
    plan: ChatPlan,
) -> MadeDigest:
    tag = jobs.normalize_hashtag(hashtag)
    posts = chat_posts(session, hashtag=tag, start=start, end=end)
    previous = [
        comparable(d.figures) for d in jobs.previous_digests(session, hashtag=tag, before=start, limit=PREVIOUS)
    ]
    baseline = (
        host_baseline(
            session, handle=host_handle, platform=host_platform, day=start.astimezone(UTC).date(), x_client=x_client
        )
        if host_handle
        else None
    )
    context = ChatContext(
        hashtag=tag,
        start=start,
        end=end,
        timezone=timezone,
        questions=questions,
        host_handle=host_handle,
        co_moderators=plan.co_moderators,
        moderators_source=plan.source,
        recorded_questions=plan.recorded_questions,
        recorded_intro=plan.recorded_intro,
        known_handles=replied_handles(session, posts),
        earlier_participants=earlier_participants(session, hashtag=tag, before=start),
        previous=previous,
        host_baseline=baseline,
        outside_parents=outside_parents_in_store(session, posts),
    )
    result = build_digest(posts, context, now=now)
    digest = None
    if save:
        digest = jobs.save_digest(
            session,
            figures=result.figures,
            hashtag=tag,
            start=start,
            end=end,
            workspace_id=workspace_id,
            job=job,
            timezone=timezone,
        )
    return MadeDigest(result=result, digest=digest)


def remake(session: Session, digest: Digest) -> DigestResult:
    """The full result (with posts) of a stored digest, for its archive and downloads; figures as stored, the
    posts sorted under the questions as when the figures were made (the same moderators and question posts)."""
    figures = digest.figures
    questions: list[tuple[int, datetime, str]] = []
    recorded: dict[int, list[tuple[str, str]]] = {}
    for question in figures.get("questions", []):
        if question.get("at"):
            questions.append((question["number"], datetime.fromisoformat(question["at"]), question["text"]))
        recorded[question["number"]] = [(str(p), str(i)) for p, i in question.get("recorded_posts") or ()]
    moderators = figures.get("moderators") or {}
    handles = list(moderators.get("handles") or ())
    host = (figures.get("host") or {}).get("handle") or (handles[0] if handles else None)
    context = ChatContext(
        hashtag=digest.hashtag,
        start=digest.start,
        end=digest.end,
        timezone=digest.timezone,
        questions=questions,
        host_handle=host,  # the questions are the moderators', as when the figures were made
        co_moderators=[h for h in handles if h != host],
        recorded_questions=recorded if figures.get("questions_from") == "recorded" else None,
    )
    with gc_paused():
        posts = chat_posts(session, hashtag=jobs.normalize_hashtag(digest.hashtag), start=digest.start, end=digest.end)
        context.outside_parents = outside_parents_in_store(session, posts)
        return archive_result(posts, context, figures)
