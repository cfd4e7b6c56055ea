"""Budget holds: a paid job whose estimate would cross the team's monthly X budget waits for an admin's answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from assistant.models.base import require_id
from assistant.models.costs import BudgetHold
from assistant.services.costs.budget import BudgetCheck
from assistant.services.team import audit

WAITING, APPROVED, DECLINED = "waiting", "approved", "declined"


class HoldError(ValueError):
    """The hold cannot be decided as asked; the message says why."""


def find(session: Session, *, job_kind: str, job_id: str | int) -> BudgetHold | None:
    return session.exec(
        select(BudgetHold).where(BudgetHold.job_kind == job_kind, BudgetHold.job_id == str(job_id))
    ).first()


def approved(session: Session, *, job_kind: str, job_id: str | int) -> bool:
    """Whether an admin said yes to the job crossing the budget."""
    hold = find(session, job_kind=job_kind, job_id=job_id)
    return hold is not None and hold.state == APPROVED


@dataclass(frozen=True, slots=True)
class Asked:
    """A hold and whether it was made now (the admin request is still to be posted) or found waiting."""

    hold: BudgetHold
    new: bool


def ask(
    session: Session,
    *,
    workspace_id: int | None,
    job_kind: str,
    job_id: str | int,
    label: str,
    check: BudgetCheck,
    channel_id: str,
    now: datetime,
) -> Asked:
    """Hold the job for an admin (or find it held already); committed."""
    hold = find(session, job_kind=job_kind, job_id=job_id)
    if hold is not None:
        return Asked(hold, False)
    hold = BudgetHold(
        workspace_id=workspace_id,
        job_kind=job_kind,
        job_id=str(job_id),
        label=label[:140],
        estimate=check.estimate,
        month_to_date=check.spent,
        budget=check.budget or 0.0,
        channel_id=channel_id,
        requested_at=now,
    )
    session.add(hold)
    session.commit()
    return Asked(hold, True)


def posted(session: Session, hold: BudgetHold, ts: str | None) -> None:
    """Remember the admin request's message, so the decision can replace it."""
    hold.message_ts = ts
    session.add(hold)
    session.commit()


def audit_crossed(
    session: Session, row: audit.Audited, *, actor: str, check: BudgetCheck, approved: bool = True
) -> None:
    """Audit an admin's answer to a job crossing the monthly budget, with the month's figures."""
    action = "budget.crossed_approved" if approved else "budget.crossed_declined"
    audit.log(
        session, action, row, actor=actor, estimate=check.estimate, month_to_date=check.spent, budget=check.budget
    )


def decide(
    session: Session, hold_id: int, *, approve: bool, actor: str, workspace_id: int | None, now: datetime
) -> BudgetHold:
    """An admin's yes or no, once; audited. HoldError when there is no such waiting hold in the workspace."""
    hold = session.get(BudgetHold, hold_id)
    if hold is None or hold.workspace_id != workspace_id:
        raise HoldError("That request is no longer there.")
    if hold.state != WAITING:
        raise HoldError(f"An admin already {hold.state} this job.")
    hold.state, hold.decided_by, hold.decided_at = (APPROVED if approve else DECLINED), actor, now
    session.add(hold)
    check = BudgetCheck(hold.budget, hold.month_to_date, hold.estimate)
    audit_crossed(session, hold, actor=actor, check=check, approved=approve)
    session.commit()
    require_id(hold)
    return hold
