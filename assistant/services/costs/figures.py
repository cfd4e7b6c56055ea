"""Figures from the ledger: a job's actual bill, a stored estimate against it, the team's users per post read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from assistant.models.costs import CostEntry, CostEstimate
from integrations.x.cost import Prices

DEFAULT_USERS_PER_POST = 0.5  # until the team's own searches measure it: authors and mentions new to the day
HISTORY_DAYS = 30
HISTORY_MIN_POSTS = 30  # fewer posts read than this is too few to measure the ratio on


@dataclass(frozen=True, slots=True)
class Spend:
    """Items and dollars: an estimate's or the ledger's."""

    posts: int = 0
    users: int = 0
    created: int = 0
    dollars: float = 0.0
    calls: int = 0

    @property
    def items(self) -> int:
        return self.posts + self.users + self.created

    def describe(self) -> str:
        parts = [f"{self.posts:,} posts", f"{self.users:,} users"] + (
            [f"{self.created} created"] if self.created else []
        )
        return f"${self.dollars:,.2f} ({', '.join(parts)})"


@dataclass(frozen=True, slots=True)
class EstimateVsActual:
    label: str
    estimate: Spend
    actual: Spend

    @property
    def off(self) -> float | None:
        """How far the estimate was from the bill, as a fraction of the bill (None when nothing was billed)."""
        if self.actual.dollars <= 0:
            return None
        return (self.estimate.dollars - self.actual.dollars) / self.actual.dollars

    def describe(self) -> str:
        off = self.off
        note = "" if off is None else f" ({off:+.0%})"
        return f"Estimate {self.estimate.describe()} · actual {self.actual.describe()}{note}"


def actual(session: Session, *, job_kind: str, job_id: str | int) -> Spend:
    """What the ledger holds for one job."""
    c = CostEntry.__table__.c  # type: ignore[attr-defined]
    row = (
        session.connection()
        .execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(c.posts_read), 0),
                sa.func.coalesce(sa.func.sum(c.users_read), 0),
                sa.func.coalesce(sa.func.sum(c.posts_created + c.posts_created_with_link), 0),
                sa.func.coalesce(sa.func.sum(c.dollars), 0.0),
                sa.func.count(),
            ).where(c.job_kind == job_kind, c.job_id == str(job_id))
        )
        .one()
    )
    return Spend(int(row[0]), int(row[1]), int(row[2]), round(float(row[3]), 6), int(row[4]))


def store_estimate(
    session: Session,
    *,
    workspace_id: int | None,
    job_kind: str,
    job_id: str | int,
    label: str,
    spend: Spend,
    detail: dict[str, Any] | None = None,
) -> CostEstimate:
    """Keep (or replace) the estimate a job was approved on."""
    row = session.exec(
        select(CostEstimate).where(CostEstimate.job_kind == job_kind, CostEstimate.job_id == str(job_id))
    ).first() or CostEstimate(job_kind=job_kind, job_id=str(job_id))
    row.workspace_id, row.label = workspace_id, label[:64]
    row.posts, row.users, row.created, row.dollars = spend.posts, spend.users, spend.created, spend.dollars
    row.detail = detail or {}
    session.add(row)
    return row


def compared(session: Session, *, job_kind: str, job_id: str | int) -> EstimateVsActual | None:
    """The job's stored estimate against its ledger (None when no estimate was stored)."""
    row = session.exec(
        select(CostEstimate).where(CostEstimate.job_kind == job_kind, CostEstimate.job_id == str(job_id))
    ).first()
    if row is None:
        return None
    promised = Spend(row.posts, row.users, row.created, row.dollars)
    return EstimateVsActual(row.label, promised, actual(session, job_kind=job_kind, job_id=job_id))


def users_per_post(session: Session, *, workspace_id: int | None, today: date) -> tuple[float, str]:
    """New users billed per post read by the team's searches in the last 30 days, and where the figure comes from."""
    c = CostEntry.__table__.c  # type: ignore[attr-defined]
    query = sa.select(sa.func.coalesce(sa.func.sum(c.posts_read), 0), sa.func.coalesce(sa.func.sum(c.users_read), 0))
    query = query.where(col(c.endpoint).like("GET /2/tweets/search/%"), c.day >= today - timedelta(days=HISTORY_DAYS))
    if workspace_id is not None:
        query = query.where(c.workspace_id == workspace_id)
    posts, users = session.connection().execute(query).one()
    if int(posts) < HISTORY_MIN_POSTS:
        return DEFAULT_USERS_PER_POST, "a first guess until the team's own searches measure it"
    return round(int(users) / int(posts), 3), f"measured on the team's searches of the last {HISTORY_DAYS} days"


def promise_counted(
    session: Session,
    *,
    posts: int,
    prices: Prices,
    workspace_id: int | None,
    job_kind: str,
    job_id: str | int,
    label: str,
    today: date,
) -> Spend:
    """Price posts X counted (and the users they bring, at the team's ratio) and store it as the job's estimate."""
    ratio, source = users_per_post(session, workspace_id=workspace_id, today=today)
    users = round(posts * ratio)
    spend = Spend(posts=posts, users=users, dollars=round(posts * prices.post_read + users * prices.user_read, 2))
    detail = {"posts_counted": posts, "users_per_post": ratio, "ratio_source": source}
    store_estimate(
        session, workspace_id=workspace_id, job_kind=job_kind, job_id=job_id, label=label, spend=spend, detail=detail
    )
    session.commit()
    return spend


FOLLOWING_ENDPOINT = "GET /2/users/{id}/following"


def users_per_follow_entry(session: Session, *, workspace_id: int | None, today: date) -> tuple[float, str]:
    """New users billed per follow-list entry in the team's follow crawls of the last 30 days (the rest were
    already read that day: another seed's list, the search's authors); 1.0 until there is such a crawl."""
    since = datetime.combine(today - timedelta(days=HISTORY_DAYS), time(0), tzinfo=UTC)
    query = select(CostEstimate).where(
        CostEstimate.job_kind == "mapping", CostEstimate.label == "follows", CostEstimate.created_at >= since
    )
    if workspace_id is not None:
        query = query.where(CostEstimate.workspace_id == workspace_id)
    c = CostEntry.__table__.c  # type: ignore[attr-defined]
    entries = new = 0
    for row in session.exec(query):
        listed = sum(int(n) for n in dict((row.detail or {}).get("following") or {}).values())
        billed = (
            session.connection()
            .execute(
                sa.select(sa.func.coalesce(sa.func.sum(c.users_read), 0)).where(
                    c.job_kind == "mapping", c.job_id == row.job_id, c.endpoint == FOLLOWING_ENDPOINT
                )
            )
            .scalar_one()
        )
        if listed and billed:
            entries, new = entries + listed, new + int(billed)
    if entries < HISTORY_MIN_POSTS:
        return 1.0, "every entry priced (no follow crawl of the team's to measure on yet)"
    return round(min(1.0, new / entries), 3), f"measured on the team's follow crawls of the last {HISTORY_DAYS} days"
