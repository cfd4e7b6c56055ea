"""The month's X spend by kind of job as mrkdwn with a small bar chart (App Home and the weekly digest)."""

from __future__ import annotations

from assistant.services.costs.budget import MonthSpend

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
