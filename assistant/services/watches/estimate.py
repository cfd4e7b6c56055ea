"""A day of an X watch, estimated as it starts: X's count of the watch's posts over the last 24 hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.models.base import require_id
from assistant.models.watches import Watch
from assistant.services.costs import budget, figures, sample
from assistant.services.costs.ledger import x_meter
from assistant.services.watches.queries import x_query
from integrations.x.client import Page, XClient
from integrations.x.counts import total_over_pages

DAY = timedelta(days=1)
END_MARGIN = timedelta(seconds=30)


def day_job_id(watch_id: int, at: datetime) -> str:
    """The ledger's job id of one watch's UTC day: its estimate and its bill are compared per day."""
    return f"{watch_id}:{at.date().isoformat()}"


def first_page_size(daily_budget: float, spent: float, post_read: float) -> int:
    """Posts a poll asks X for: a page of 100, fewer when the day's budget left would not pay for them."""
    return max(10, min(100, int((daily_budget - spent) / post_read)))


@dataclass(frozen=True, slots=True)
class MeasuredDay:
    """Today's estimate (stored beside the ledger) and a whole UTC day at the last 24 hours' pace."""

    today: figures.Spend
    pace: figures.Spend


def measure_day(
    engine: Engine,
    client: XClient,
    *,
    query: str,
    watch_id: int,
    workspace_id: int | None,
    now: datetime,
    first_page: Page | None = None,
) -> MeasuredDay:
    """Count the query's posts of the last 24 hours (no items billed) and store today's estimate.

    A watch's first poll reads the newest page of posts before any other: that page (`first_page`, billed
    already) is then the sample of how users grow with posts, and the day is that page plus the rest of the
    UTC day at the last 24 hours' pace. A later day is priced at the team's users per post of the last 30 days.
    """
    pages = client.counts(query, start_time=now - DAY + END_MARGIN, end_time=now - END_MARGIN)
    counted = last_day = total_over_pages(page.raw for page in pages)
    growth = None
    if first_page is not None:
        billed = first_page.billed
        growth = sample.measure([first_page.raw], billed_posts=billed.posts_read, billed_users=billed.users_read)
        left = (datetime.combine(now.date() + DAY, time(0), tzinfo=UTC) - now) / DAY
        counted = growth.posts + round(counted * left)
    prices = client.meter.prices
    with Session(engine) as session:
        today = figures.promise_counted(
            session,
            posts=counted,
            prices=prices,
            workspace_id=workspace_id,
            job_kind="watch",
            job_id=day_job_id(watch_id, now),
            label=query[:64],
            today=now.date(),
            growth=growth,
        )
        if growth is None:
            pace, _ = figures.at_team_ratio(
                session, posts=last_day, prices=prices, workspace_id=workspace_id, today=now.date()
            )
        else:  # a later day bills every user again: all the users the pace brings, at the page's growth
            users = round(growth.users_at(last_day))
            pace = figures.Spend(
                posts=last_day, users=users, dollars=round(last_day * prices.post_read + users * prices.user_read, 2)
            )
    return MeasuredDay(today, pace)


def estimate_today(session: Session, watch_id: int, now: datetime) -> float | None:
    """The dollars estimated for the watch's reads on the UTC day of `now`, if an estimate was stored."""
    against = figures.compared(session, job_kind="watch", job_id=day_job_id(watch_id, now))
    return against.estimate.dollars if against is not None else None


@dataclass(frozen=True, slots=True)
class WatchPreview:
    """A new watch's X cost before its polls: today (its first read, measured, and the rest of the UTC day at the
    last 24 hours' pace), a later day at that pace, and the rest of the month."""

    today: figures.Spend  # the first page read now (the first poll reads it again free today) and the day's rest
    day: figures.Spend  # a whole later day: X's count of the last 24 hours, its users at the page's growth
    daily_budget: float
    days_left: int  # UTC days left in the month, today's included
    month: budget.BudgetCheck  # the month so far, with the rest of it at this pace

    @property
    def per_day(self) -> float:
        """What a later day costs: the pace, or the daily budget where the watch stops reading."""
        return min(self.day.dollars, self.daily_budget)

    @property
    def first_day(self) -> float:
        """What today costs: the estimate, or the daily budget where the watch stops reading."""
        return min(self.today.dollars, self.daily_budget)

    @property
    def to_month_end(self) -> float:
        """Today and the later days of the month (what `month` was checked with)."""
        return round(self.first_day + self.per_day * (self.days_left - 1), 2)


def preview(session: Session, client: XClient, watch: Watch, now: datetime) -> WatchPreview | None:
    """Read the watch's first page now, as its first poll would (billed to the watch's UTC day; the poll reads it
    again free that day), count its posts of the last 24 hours (no items billed), store today's estimate from
    the page's users and price today, a later day and the rest of the month; None when the watch has nothing to
    ask X (mentions with no connected X account)."""
    query = x_query(session, watch)
    if query is None:
        return None
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    watch_id, today = require_id(watch), now.date()
    meter, prices = client.meter, client.meter.prices
    client.meter = x_meter(
        engine,
        prices,
        workspace_id=watch.workspace_id,
        job_kind="watch",
        job_id=day_job_id(watch_id, now),
        clock=meter.clock,
    )
    size = first_page_size(watch.cost_budget, 0.0, prices.post_read)
    page = next(iter(client.search_recent(query, max_pages=1, max_results=size)), None)
    measured = measure_day(
        engine, client, query=query, watch_id=watch_id, workspace_id=watch.workspace_id, now=now, first_page=page
    )
    watch.cost_day, watch.cost_spent = today.isoformat(), client.meter.cost  # the day's budget pays for the page
    _first, following = budget.month_bounds(today)
    days_left = (following - today).days
    capped = [min(spend.dollars, watch.cost_budget) for spend in (measured.today, measured.pace)]
    rest = capped[0] + capped[1] * (days_left - 1)
    month = budget.check(session, workspace_id=watch.workspace_id, estimate=rest, today=today)
    return WatchPreview(measured.today, measured.pace, watch.cost_budget, days_left, month)
