"""The team's monthly X budget: the month's spend from the ledger, by kind of job, and whether a job would cross it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session

from assistant.models.costs import CostEntry
from assistant.models.workspaces import Workspace
from assistant.services.team.settings import x_monthly_budget


def month_bounds(month: date) -> tuple[date, date]:
    """The first day of `month` and of the month after."""
    first = month.replace(day=1)
    following = (
        first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
    )
    return first, following


def next_month_start(now: datetime) -> datetime:
    """Midnight UTC on the first of the next month (when a paused watch may resume)."""
    _first, following = month_bounds(now.date())
    return now.replace(year=following.year, month=following.month, day=1, hour=0, minute=0, second=0, microsecond=0)


def spend_by_kind(session: Session, *, workspace_id: int | None, month: date) -> dict[str, float]:
    """Dollars billed this month by kind of job (mapping, digest, watch, ...), largest first."""
    c = CostEntry.__table__.c  # type: ignore[attr-defined]
    first, following = month_bounds(month)
    query = sa.select(c.job_kind, sa.func.sum(c.dollars)).where(c.day >= first, c.day < following).group_by(c.job_kind)
    if workspace_id is not None:
        query = query.where(c.workspace_id == workspace_id)
    rows = session.connection().execute(query).all()
    return dict(sorted(((str(k), round(float(v or 0), 6)) for k, v in rows), key=lambda kv: (-kv[1], kv[0])))


def month_to_date(session: Session, *, workspace_id: int | None, month: date) -> float:
    return round(sum(spend_by_kind(session, workspace_id=workspace_id, month=month).values()), 6)


@dataclass(frozen=True, slots=True)
class BudgetCheck:
    """A paid job's place in the month: spent so far, this job's estimate, what is left after it."""

    budget: float | None
    spent: float
    estimate: float

    @property
    def left(self) -> float | None:
        return None if self.budget is None else round(self.budget - self.spent - self.estimate, 2)

    @property
    def crosses(self) -> bool:
        """Whether the job would take the month past the budget (an admin has to say yes)."""
        return self.budget is not None and self.spent + self.estimate > self.budget + 1e-9

    @property
    def spent_out(self) -> bool:
        return self.budget is not None and self.spent >= self.budget - 1e-9

    def describe(self) -> str:
        line = f"Month to date ${self.spent:,.2f} · this job about ${self.estimate:,.2f}"
        if self.budget is None:
            return f"{line} · no monthly X budget set"
        left = self.left or 0.0
        after = f"${left:,.2f} left" if left >= 0 else f"${-left:,.2f} over"
        return f"{line} · {after} of the ${self.budget:,.2f} monthly budget"


def check(session: Session, *, workspace_id: int | None, estimate: float, today: date) -> BudgetCheck:
    """The month so far against the team's budget, with `estimate` added."""
    workspace = session.get(Workspace, workspace_id) if workspace_id is not None else None
    spent = month_to_date(session, workspace_id=workspace_id, month=today) if workspace_id is not None else 0.0
    return BudgetCheck(x_monthly_budget(workspace), spent, round(estimate, 2))


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """The ledger of one job on one day: calls, items and dollars."""

    day: date
    team: str
    job_kind: str
    job_id: str
    calls: int
    posts_read: int
    users_read: int
    posts_created: int
    dollars: float


def month_ledger(session: Session, *, month: date, workspace_id: int | None = None) -> list[LedgerLine]:
    """The month's ledger by day, team, kind of job and job, oldest first."""
    c = CostEntry.__table__.c  # type: ignore[attr-defined]
    w = Workspace.__table__.c  # type: ignore[attr-defined]
    first, following = month_bounds(month)
    team = sa.func.coalesce(w.name, w.slack_team_id, "")
    query = (
        sa.select(
            c.day,
            team,
            c.job_kind,
            c.job_id,
            sa.func.count(),
            sa.func.sum(c.posts_read),
            sa.func.sum(c.users_read),
            sa.func.sum(c.posts_created + c.posts_created_with_link),
            sa.func.sum(c.dollars),
        )
        .select_from(CostEntry.__table__.outerjoin(Workspace.__table__, w.id == c.workspace_id))  # type: ignore[attr-defined]
        .where(c.day >= first, c.day < following)
        .group_by(c.day, team, c.job_kind, c.job_id)
        .order_by(c.day, team, c.job_kind, c.job_id)
    )
    if workspace_id is not None:
        query = query.where(c.workspace_id == workspace_id)
    return [
        LedgerLine(
            row[0],
            str(row[1] or ""),
            row[2],
            row[3],
            int(row[4]),
            int(row[5]),
            int(row[6]),
            int(row[7]),
            round(float(row[8]), 6),
        )
        for row in session.connection().execute(query).all()
    ]


@dataclass(frozen=True, slots=True)
class MonthSpend:
    """A team's X spend in one month by kind of job, with its monthly budget (for App Home and the weekly digest)."""

    month: date
    by_kind: dict[str, float]
    budget: float | None

    @property
    def total(self) -> float:
        return round(sum(self.by_kind.values()), 6)


def month_spend(session: Session, *, workspace_id: int, month: date) -> MonthSpend:
    workspace = session.get(Workspace, workspace_id)
    by_kind = spend_by_kind(session, workspace_id=workspace_id, month=month)
    return MonthSpend(month.replace(day=1), by_kind, x_monthly_budget(workspace))
