"""Figures from the ledger: a job's actual bill, a stored estimate against it, the team's users per post read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from assistant.models.costs import CostEntry, CostEstimate
from assistant.services.costs.sample import UserGrowth
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


def compared(
    session: Session, *, job_kind: str, job_id: str | int, also: tuple[str, str] | None = None
) -> EstimateVsActual | None:
    """The job's stored estimate against its ledger, with the ledger of `also` (kind, id: the job's own measuring
    steps) added; None when no estimate was stored."""
    row = session.exec(
        select(CostEstimate).where(CostEstimate.job_kind == job_kind, CostEstimate.job_id == str(job_id))
    ).first()
    if row is None:
        return None
    promised = Spend(row.posts, row.users, row.created, row.dollars)
    spent = actual(session, job_kind=job_kind, job_id=job_id)
    if also is not None:
        spent = added(spent, actual(session, job_kind=also[0], job_id=also[1]))
    return EstimateVsActual(row.label, promised, spent)


def added(one: Spend, other: Spend) -> Spend:
    return Spend(
        one.posts + other.posts,
        one.users + other.users,
        one.created + other.created,
        round(one.dollars + other.dollars, 6),
        one.calls + other.calls,
    )


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


def at_team_ratio(
    session: Session, *, posts: int, prices: Prices, workspace_id: int | None, today: date
) -> tuple[Spend, str]:
    """Posts X counted, with the users they bring at the team's users per post (no sample read): a first check."""
    ratio, source = users_per_post(session, workspace_id=workspace_id, today=today)
    users = round(posts * ratio)
    return Spend(
        posts=posts, users=users, dollars=round(posts * prices.post_read + users * prices.user_read, 2)
    ), source


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
    growth: UserGrowth | None = None,
) -> Spend:
    """Price posts X counted, with the users they bring, and store it as the job's estimate: the users from a
    sample page's growth when there is one (see costs.sample), else at the team's ratio of the last 30 days."""
    if growth is not None and growth.posts:
        users = growth.billed_users_at(posts)
        spend = Spend(posts=posts, users=users, dollars=round(posts * prices.post_read + users * prices.user_read, 2))
        detail: dict[str, Any] = {"posts_counted": posts, "users_source": growth.describe()}
    else:
        spend, source = at_team_ratio(session, posts=posts, prices=prices, workspace_id=workspace_id, today=today)
        detail = {"posts_counted": posts, "users_per_post": round(spend.users / posts, 3) if posts else 0.0}
        detail["users_source"] = source
    store_estimate(
        session, workspace_id=workspace_id, job_kind=job_kind, job_id=job_id, label=label, spend=spend, detail=detail
    )
    session.commit()
    return spend
