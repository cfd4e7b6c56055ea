"""A day of an X watch, estimated before it runs: X's count of the watch's posts over the last 24 hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.services.costs import figures
from integrations.x.client import XClient
from integrations.x.counts import total_over_pages

DAY = timedelta(days=1)
END_MARGIN = timedelta(seconds=30)


def day_job_id(watch_id: int, at: datetime) -> str:
    """The ledger's job id of one watch's UTC day: its estimate and its bill are compared per day."""
    return f"{watch_id}:{at.date().isoformat()}"


def measure_day(
    engine: Engine, client: XClient, *, query: str, watch_id: int, workspace_id: int | None, now: datetime
) -> figures.Spend:
    """Count the query's posts of the last 24 hours (no items billed) and store them as today's estimate."""
    pages = client.counts(query, start_time=now - DAY + END_MARGIN, end_time=now - END_MARGIN)
    posts = total_over_pages(page.raw for page in pages)
    with Session(engine) as session:
        return figures.promise_counted(
            session,
            posts=posts,
            prices=client.meter.prices,
            workspace_id=workspace_id,
            job_kind="watch",
            job_id=day_job_id(watch_id, now),
            label=query[:64],
            today=now.date(),
        )
