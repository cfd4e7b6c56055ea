"""A digest collection's X cost measured before it runs: X's count of the hashtag's posts in the chat's window."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.services.costs import figures, sample
from assistant.services.digests.collect import RECENT_WINDOW
from integrations.x.client import XClient
from integrations.x.counts import total_over_pages
from integrations.x.query import hashtag_query

END_MARGIN = timedelta(seconds=30)  # as the collection: X takes an end_time at least 10 s before the request


def _window(start: datetime, end: datetime, now: datetime) -> tuple[bool, datetime]:
    """Whether the window needs the full archive, and where it ends (as the collection asks)."""
    return start < now - RECENT_WINDOW + timedelta(minutes=5), min(end, now - END_MARGIN)


def count(client: XClient, *, hashtag: str, start: datetime, end: datetime, now: datetime) -> int:
    """X's count of the window's posts (no items billed)."""
    archive, until = _window(start, end, now)
    pages = client.counts(hashtag_query([hashtag]), archive=archive, start_time=start, end_time=until)
    return total_over_pages(page.raw for page in pages)


def measure(
    engine: Engine,
    client: XClient,
    *,
    hashtag: str,
    start: datetime,
    end: datetime,
    now: datetime,
    workspace_id: int | None,
    job_id: int,
    posts: int | None = None,
) -> figures.Spend:
    """Count the window's posts (unless `posts` holds the count), read the collection's first page as a sample of
    how users grow with posts (the collection reads it again free: same job, same UTC day), store the estimate."""
    if posts is None:
        posts = count(client, hashtag=hashtag, start=start, end=end, now=now)
    archive, until = _window(start, end, now)
    search = client.search_all if archive else client.search_recent
    first = (
        next(iter(search(hashtag_query([hashtag]), max_pages=1, start_time=start, end_time=until)), None)
        if posts
        else None
    )
    growth = (
        sample.measure([first.raw], billed_posts=first.billed.posts_read, billed_users=first.billed.users_read)
        if first is not None
        else None
    )
    with Session(engine) as session:
        return figures.promise_counted(
            session,
            posts=posts,
            prices=client.meter.prices,
            workspace_id=workspace_id,
            job_kind="digest",
            job_id=job_id,
            label=f"#{hashtag.lstrip('#')}",
            today=now.date(),
            growth=growth,
        )
