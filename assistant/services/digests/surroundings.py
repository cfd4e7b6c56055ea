"""What a digest sets its chat against (earlier digests, the host's baseline, earlier participants), read beside the
chat's own posts on a second connection."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.analysis.digest.build import HostBaseline
from assistant.analysis.digest.compare import comparable
from assistant.analysis.digest.impact import MENTION_DAYS
from assistant.db import shareable
from assistant.models.digests import AccountSnapshot
from assistant.models.posts import Account
from assistant.services.digests import records as jobs
from assistant.services.digests.read import RAW
from assistant.services.store.rows import hashtag_table, post_table
from integrations.x.client import XClient

PREVIOUS = 4  # occurrences averaged in comparisons
Read = TypeVar("Read")
Surrounding = TypeVar("Surrounding")


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


@dataclass(slots=True)
class Surroundings:
    """What a digest sets its chat against, none of it the chat's posts."""

    previous: list[dict[str, float]]  # compare.comparable of the earlier digests, newest first
    baseline: HostBaseline | None
    earlier_participants: set[str]


def surroundings(
    session: Session,
    *,
    hashtag: str,
    start: datetime,
    host_handle: str | None,
    host_platform: str = "x",
    x_client: XClient | None = None,
) -> Surroundings:
    """The earlier digests of the hashtag, the host's baseline (see `host_baseline`) and the earlier participants."""
    previous = [
        comparable(d.figures) for d in jobs.previous_digests(session, hashtag=hashtag, before=start, limit=PREVIOUS)
    ]
    baseline = (
        host_baseline(
            session, handle=host_handle, platform=host_platform, day=start.astimezone(UTC).date(), x_client=x_client
        )
        if host_handle
        else None
    )
    return Surroundings(previous, baseline, earlier_participants(session, hashtag=hashtag, before=start))


def _wrote(session: Session) -> bool:
    """Whether the session's transaction has written anything not yet committed (which another connection would not
    see); unknown databases count as written."""
    if not session.in_transaction():
        return False
    connection = session.connection()
    if connection.dialect.name == "sqlite":  # the driver opens a transaction only to write
        return bool(connection.connection.dbapi_connection.in_transaction)  # type: ignore[union-attr]
    if connection.dialect.name == "postgresql":  # a transaction gets an id when it first writes (PostgreSQL 10 on)
        return connection.exec_driver_sql("SELECT txid_current_if_assigned() IS NOT NULL").scalar_one()
    return True


def side_engine(session: Session) -> Engine | None:
    """The session's engine, when a second connection of it sees what the session sees (nothing pending or written
    and not committed here, a database other connections can open); else None."""
    bind = session.get_bind()
    if not isinstance(bind, Engine) or not shareable(bind) or session.new or session.dirty or session.deleted:
        return None
    return None if _wrote(session) else bind


def read_beside(
    session: Session, beside: Callable[[Session], Surrounding], main: Callable[[], Read]
) -> tuple[Read, Surrounding]:
    """`main()`, and `beside(session)` meanwhile on a second connection (in a thread) when one sees what `session`
    sees, else after it on `session`. Both mostly wait on the database (SQLite reads with the GIL released,
    PostgreSQL works in its own process) or on the network (X's counts): beside the chat's read, the surroundings
    cost no time of their own."""
    engine = side_engine(session)
    if engine is None:
        return main(), beside(session)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest-surroundings") as pool:
        later = pool.submit(_on_own_session, engine, beside)
        return main(), later.result()


def _on_own_session(engine: Engine, beside: Callable[[Session], Surrounding]) -> Surrounding:
    with Session(engine) as session:
        return beside(session)
