"""The month's X spend by kind of job: the small bar chart, on App Home (comms and admins) and in the weekly digest."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.models import Role, Workspace
from assistant.models.costs import CostEntry
from assistant.services.costs.budget import MonthSpend, month_spend
from assistant.services.home.dashboard import dashboard
from assistant.services.weekly.digest import weekly_data
from assistant.slack.blocks.cost import spend_lines, spend_title
from assistant.slack.blocks.home import home_view
from assistant.slack.blocks.weekly import weekly_blocks

SPEND = MonthSpend(date(2026, 12, 1), {"mapping": 4.08, "digest": 1.02, "estimate": 0.34}, 10.0)


def test_bars_are_relative_to_the_largest_kind_and_the_budget_line_shows_what_is_used() -> None:
    assert spend_title(SPEND) == "X spend in December 2026: $5.44 of the $10.00 budget"
    # by hand: 12 x 1.02 / 4.08 = 3; 12 x 0.34 / 4.08 = 1; 12 x 5.44 / 10 = 6.53 -> 7; 54% used
    assert spend_lines(SPEND) == [
        "`mapping   ████████████` $4.08",
        "`digest    ███░░░░░░░░░` $1.02",
        "`measuring █░░░░░░░░░░░` $0.34",
        "`budget    ███████░░░░░` 54% used",
    ]
    assert spend_lines(MonthSpend(date(2026, 12, 1), {}, None)) == []


def _ledger(engine: Engine) -> int:
    with Session(engine) as session:
        team = Workspace(slack_team_id="T0DEMO0001", name="Demo Council", settings={"x_monthly_budget": 10.0})
        session.add(team)
        session.flush()
        for kind, day, dollars in (("mapping", 3, 4.08), ("digest", 4, 1.02), ("mapping", 30, 99.0)):
            month = 12 if day != 30 else 11
            at = datetime(2026, month, day, 9, tzinfo=UTC)
            session.add(
                CostEntry(
                    workspace_id=team.id, job_kind=kind, day=at.date(), at=at, endpoint="GET /2/users", dollars=dollars
                )
            )
        session.commit()
        return team.id or 0


def test_app_home_shows_the_month_to_comms_and_the_weekly_digest_to_the_channel(engine: Engine) -> None:
    team_id = _ledger(engine)
    now = datetime(2026, 12, 7, 9, tzinfo=UTC)
    with Session(engine) as session:
        assert month_spend(session, workspace_id=team_id, month=now.date()).by_kind == {"mapping": 4.08, "digest": 1.02}
        workspace = session.get(Workspace, team_id)
        assert workspace is not None
        comms = dashboard(session, workspace=workspace, user_id="U1", user_name="Ann", role=Role.comms, now=now)
        staff = dashboard(session, workspace=workspace, user_id="U2", user_name="Bob", role=Role.staff, now=now)
        weekly = weekly_data(session, workspace, now)
    home = str(home_view(comms))
    assert "X spend in December 2026: $5.10 of the $10.00 budget" in home and "`mapping ████████████` $4.08" in home
    assert staff.x_spend is None and "X spend" not in str(home_view(staff))
    assert "X spend in December 2026: $5.10" in str(weekly_blocks(weekly))
