"""The demo's last step: the demo team's weekly digest, made by the worker source and printed as text."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session

from assistant.jobs.weekly import WeeklyDigests
from assistant.models.base import utcnow
from assistant.render.followers_chart import followers_chart_png
from assistant.samples.weekly import seed_weekly
from assistant.services.team.workspaces import ensure_workspace
from assistant.services.weekly.digest import slot_instant, weekly_data
from assistant.standins.slack import TEAM_ID, TEAM_NAME
from assistant.worker import Worker

if TYPE_CHECKING:
    from assistant.demo.context import DemoContext


def step_weekly(ctx: DemoContext) -> None:
    now = utcnow()
    with Session(ctx.engine) as session:
        workspace = ensure_workspace(session, slack_team_id=TEAM_ID, name=TEAM_NAME)
        workspace.name = workspace.name or TEAM_NAME
        workspace.digest_channel_id = workspace.digest_channel_id or "C0GENERAL1"
        session.add(workspace)
        session.commit()
        slot = slot_instant(workspace, now)
        seed_weekly(session, workspace, slot - timedelta(minutes=1))  # the week the slot reports, whatever today is
        data = weekly_data(session, workspace, slot)
    deps = ctx.clients()
    before = len(ctx.slack.calls_to("chat.postMessage"))
    Worker(ctx.engine, [WeeklyDigests(deps)], now=lambda: slot).tick()
    channel, blocks = ctx.posted_since(before)
    ctx.show(f"Weekly digest posted to #{channel} (once, outbox key weekly:…)", blocks)
    chart = followers_chart_png([(week.handle, week.weekly_followers) for week in data.accounts or []])
    if chart is not None:
        path = ctx.output / "weekly-followers.png"
        path.write_bytes(chart)
        ctx.notes.append(f"weekly followers chart: {path}")
        ctx.console.print(f"Followers chart (8 weeks) uploaded to the thread and written to {path}")
