"""A day of an X watch, estimated as it starts: X's count of the watch's posts over the last 24 hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.models.watches import Watch
from assistant.services.costs import budget, figures, sample
from assistant.services.watches.queries import x_query
from integrations.x.client import Page, XClient
from integrations.x.counts import total_over_pages

DAY = timedelta(days=1)
END_MARGIN = timedelta(seconds=30)


def day_job_id(watch_id: int, at: datetime) -> str:
    """The ledger's job id of one watch's UTC day: its estimate and its bill are compared per day."""
    return f"{watch_id}:{at.date().isoformat()}"


def measure_day(
    engine: Engine,
    client: XClient,
    *,
    query: str,
    watch_id: int,
    workspace_id: int | None,
    now: datetime,
    first_page: Page | None = None,
) -> figures.Spend:
    """Count the query's posts of the last 24 hours (no items billed) and store today's estimate.

    A watch's first poll reads the newest page of posts before any other: that page (`first_page`, billed
    already) is then the sample of how users grow with posts, and the day is that page plus the rest of the
    UTC day at the last 24 hours' pace. A later day is priced at the team's users per post of the last 30 days.
    """
    pages = client.counts(query, start_time=now - DAY + END_MARGIN, end_time=now - END_MARGIN)
    counted = total_over_pages(page.raw for page in pages)
    growth = None
    if first_page is not None:
        billed = first_page.billed
        growth = sample.measure([first_page.raw], billed_posts=billed.posts_read, billed_users=billed.users_read)
        left = (datetime.combine(now.date() + DAY, time(0), tzinfo=UTC) - now) / DAY
        counted = growth.posts + round(counted * left)
    with Session(engine) as session:
        return figures.promise_counted(
            session,
            posts=counted,
            prices=client.meter.prices,
            workspace_id=workspace_id,
            job_kind="watch",
            job_id=day_job_id(watch_id, now),
            label=query[:64],
            today=now.date(),
            growth=growth,
        )


def estimate_today(session: Session, watch_id: int, now: datetime) -> float | None:
    """The dollars estimated for the watch's reads on the UTC day of `now`, if an estimate was stored."""
    against = figures.compared(session, job_kind="watch", job_id=day_job_id(watch_id, now))
    return against.estimate.dollars if against is not None else None


@dataclass(frozen=True, slots=True)
class WatchPreview:
    """A new watch's X cost before it runs: a day at the last 24 hours' pace, and the rest of the month at it."""

    day: figures.Spend  # X's count of the last 24 hours, its users at the team's users per post
    daily_budget: float
    days_left: int  # UTC days left in the month, today's included
    month: budget.BudgetCheck  # the month so far, with the rest of it at this pace

    @property
    def per_day(self) -> float:
        """What a day costs: the pace, or the daily budget where the watch stops reading."""
        return min(self.day.dollars, self.daily_budget)


def preview(session: Session, client: XClient, watch: Watch, now: datetime) -> WatchPreview | None:
    """Count the watch's posts of the last 24 hours (no items billed) and price a day and the rest of the month;
    None when the watch has nothing to ask X (mentions with no connected X account)."""
    query = x_query(session, watch)
    if query is None:
        return None
    pages = client.counts(query, start_time=now - DAY + END_MARGIN, end_time=now - END_MARGIN)
    posts = total_over_pages(page.raw for page in pages)
    today = now.date()
    day, _source = figures.at_team_ratio(
        session, posts=posts, prices=client.meter.prices, workspace_id=watch.workspace_id, today=today
    )
    _first, following = budget.month_bounds(today)
    days_left = (following - today).days
    per_day = min(day.dollars, watch.cost_budget)
    month = budget.check(session, workspace_id=watch.workspace_id, estimate=per_day * days_left, today=today)
    return WatchPreview(day, watch.cost_budget, days_left, month)
