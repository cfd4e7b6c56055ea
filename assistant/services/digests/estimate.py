"""A digest collection's X cost measured before it runs: X's count of the hashtag's posts in the chat's window."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.services.costs import figures
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
    """Count the window's posts (no items billed), price them with the team's users per post, store the estimate."""
    archive = start < now - RECENT_WINDOW + timedelta(minutes=5)
    pages = client.counts(
        hashtag_query([hashtag]), archive=archive, start_time=start, end_time=min(end, now - END_MARGIN)
    )
    posts = total_over_pages(page.raw for page in pages)
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
        )
