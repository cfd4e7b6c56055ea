"""X cost in Slack: the month's spend by kind of job with a small bar chart (App Home and the weekly digest), and
the admin request of a job held at the monthly budget."""

from __future__ import annotations

from assistant.models.costs import BudgetHold
from assistant.render.mrkdwn import escape
from assistant.services.costs.budget import BudgetCheck, MonthSpend
from assistant.slack.blocks import common

HOLD_APPROVE = "budget_hold_approve"  # value = the hold's id
HOLD_DECLINE = "budget_hold_decline"
JOB_NAMES = {"digest": "digest", "chat": "chat"}

BAR = 12  # characters of the longest bar
KIND_NAMES = {"estimate": "measuring", "cli": "command line"}


def spend_title(spend: MonthSpend) -> str:
    budget = f" of the ${spend.budget:,.2f} budget" if spend.budget is not None else ""
    return f"X spend in {spend.month:%B %Y}: ${spend.total:,.2f}{budget}"


def spend_lines(spend: MonthSpend) -> list[str]:
    """One line per kind of job, largest first: `mapping   ████████░░░░` $4.08 (the bar relative to the largest)."""
    top = max(spend.by_kind.values(), default=0.0)
    width = max((len(KIND_NAMES.get(kind, kind)) for kind in spend.by_kind), default=0)
    lines = []
    for kind, dollars in spend.by_kind.items():
        filled = round(BAR * dollars / top) if top > 0 else 0
        name = KIND_NAMES.get(kind, kind).ljust(width)
        lines.append(f"`{name} {'█' * filled}{'░' * (BAR - filled)}` ${dollars:,.2f}")
    if spend.budget:
        used = min(BAR, round(BAR * spend.total / spend.budget))
        lines.append(
            f"`{'budget'.ljust(width)} {'█' * used}{'░' * (BAR - used)}` {spend.total / spend.budget:.0%} used"
        )
    return lines


def hold_text(hold: BudgetHold) -> str:
    return (
        f"An admin's yes is needed: this {JOB_NAMES.get(hold.job_kind, hold.job_kind)} would cross the monthly X budget"
    )


def hold_request(hold: BudgetHold) -> list[common.Block]:
    """The admin request of a held job: what it is, the month with it, and Approve / Decline (admins only)."""
    check = BudgetCheck(hold.budget, hold.month_to_date, hold.estimate)
    value = str(hold.id)
    return [
        common.section(f"*{hold_text(hold)}:* {escape(hold.label)}\n{check.describe()}."),
        common.context("It waits until an admin answers; nothing is read from X for it until then."),
        common.actions(
            common.button("Approve", HOLD_APPROVE, value, style="primary"),
            common.button("Decline", HOLD_DECLINE, value, style="danger"),
        ),
    ]


OUTCOMES = {
    ("digest", True): "it runs now",
    ("digest", False): "it will not run",
    ("chat", True): "its posts go out as scheduled",
    ("chat", False): "its posts will not go out on this run sheet",
}
STALE_SHEET = (
    "the questions changed after it was asked, so this yes signs nothing off (the newer run sheet needs its own "
    "sign-off)"
)


def hold_decided(hold: BudgetHold, *, stale_sheet: bool = False) -> tuple[str, list[common.Block]]:
    """The request once answered: who said what and what follows (replaces the buttons). `stale_sheet`: a chat's
    yes that came after its questions changed, which approves no run sheet."""
    approved = hold.state == "approved"
    verdict = "approved" if approved else "declined"
    outcome = STALE_SHEET if stale_sheet and approved else OUTCOMES.get((hold.job_kind, approved), verdict)
    text = f"<@{hold.decided_by}> {verdict} crossing the monthly X budget for {escape(hold.label)}: {outcome}."
    check = BudgetCheck(hold.budget, hold.month_to_date, hold.estimate)
    return text, [common.section(text), common.context(f"{check.describe()}.")]
