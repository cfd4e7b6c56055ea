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
) -> figures.Spend:
    """Count the window's posts (no items billed), read the collection's first page as a sample of how users
    grow with posts (the collection reads it again free: same job, same UTC day), store the estimate."""
    archive = start < now - RECENT_WINDOW + timedelta(minutes=5)
    until = min(end, now - END_MARGIN)
    pages = client.counts(hashtag_query([hashtag]), archive=archive, start_time=start, end_time=until)
    posts = total_over_pages(page.raw for page in pages)
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
