"""A digest's first step: its X cost measured and checked against the team's monthly budget before anything is read.

X's count of the window is free: priced at the team's users per post, a digest that would cross the budget is
held before a single post is billed. Otherwise the collection's first page is read as the sample of its users
(the collection reads it again free) and the estimate stored; if that crosses the budget, the digest is held
then. A held digest waits (`DigestJobState.held`) and its channel gets the admin request; an admin's yes makes
it due again, when the collection runs on the stored estimate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.clients import Clients
from assistant.models.digests import DigestJob
from assistant.models.platforms import Platform
from assistant.services.costs import budget, figures, holds
from assistant.services.costs.ledger import x_meter
from assistant.services.digests import estimate as digest_estimate
from assistant.services.digests import records
from assistant.slack.blocks import cost as cost_blocks


def label(job: DigestJob) -> str:
    return f"the digest of #{job.hashtag} ({job.start:%Y-%m-%d %H:%M}–{job.end:%H:%M} UTC)"


def stored(engine: Engine, job_id: int) -> figures.Spend | None:
    """The estimate the budget step stored (None when it read nothing from X)."""
    with Session(engine) as session:
        against = figures.compared(session, job_kind="digest", job_id=job_id)
    return against.estimate if against is not None else None


def check(engine: Engine, deps: Clients, job_id: int, now: datetime) -> dict[str, Any]:
    """Measure the digest's X cost; hold it for an admin when it would cross the monthly budget."""
    settings = deps.settings
    with Session(engine) as session:
        job = session.get(DigestJob, job_id)
        assert job is not None
        snapshot = job.model_copy()
        said_yes = holds.approved(session, job_kind="digest", job_id=job_id)
    if not settings.x_bearer_token or Platform.x not in snapshot.platforms:
        return {"budget": "nothing read from X"}
    prices = settings.x_prices()
    meter = x_meter(engine, prices, workspace_id=snapshot.workspace_id, job_kind="digest", job_id=job_id)
    with deps.http() as http:
        client = deps.x(http, meter=meter)
        hashtag, start, end = snapshot.hashtag, snapshot.start, snapshot.end
        posts = digest_estimate.count(client, hashtag=hashtag, start=start, end=end, now=now)
        with Session(engine) as session:
            first, _ = figures.at_team_ratio(
                session, posts=posts, prices=prices, workspace_id=snapshot.workspace_id, today=now.date()
            )
            month = budget.check(session, workspace_id=snapshot.workspace_id, estimate=first.dollars, today=now.date())
        if month.crosses and not said_yes:
            return _hold(engine, deps, snapshot, month, now)
        promised = digest_estimate.measure(
            engine,
            client,
            hashtag=hashtag,
            start=start,
            end=end,
            now=now,
            workspace_id=snapshot.workspace_id,
            job_id=job_id,
            posts=posts,
        )
    with Session(engine) as session:
        month = budget.check(session, workspace_id=snapshot.workspace_id, estimate=promised.dollars, today=now.date())
    if month.crosses and not said_yes:
        return _hold(engine, deps, snapshot, month, now)
    return {"estimate": promised.dollars, "month": month.describe(), **({"admin": "approved"} if said_yes else {})}


def _hold(engine: Engine, deps: Clients, job: DigestJob, month: budget.BudgetCheck, now: datetime) -> dict[str, Any]:
    """Hold the job and ask the channel's admins (the request is posted once; a retry finds it posted)."""
    assert job.id is not None
    with Session(engine) as session:
        asked = holds.ask(
            session,
            workspace_id=job.workspace_id,
            job_kind="digest",
            job_id=job.id,
            label=label(job),
            check=month,
            channel_id=job.channel_id,
            now=now,
        )
        hold = asked.hold
        if hold.message_ts is None:
            client = deps.slack_for_workspace(session, job.workspace_id)
            response = client.chat_postMessage(
                channel=job.channel_id, text=cost_blocks.hold_text(hold), blocks=cost_blocks.hold_request(hold)
            )
            holds.posted(session, hold, response.get("ts"))
        records.hold(session, job.id, now=now)
        return {"held": hold.id, "month": month.describe()}
