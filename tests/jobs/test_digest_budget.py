"""A digest that would cross the team's monthly X budget is held before anything is billed: its channel gets the
admin request; an admin's yes lets the worker collect it, a no ends it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.jobs.digests import DigestJobs
from assistant.models.audit import AuditEntry
from assistant.models.costs import BudgetHold, CostEntry
from assistant.models.digests import DigestJob, DigestJobState
from assistant.models.workspaces import Workspace
from assistant.services.costs import holds
from assistant.services.digests import records
from assistant.slack.blocks import cost as cost_blocks
from assistant.standins.slack import SlackStandIn
from assistant.worker import Worker
from tests.jobs.test_digest_jobs import END, NOW, START, ReplayX, _deps, _request, _tagged


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


def _budget(engine: Engine, dollars: float) -> None:
    with Session(engine) as session:
        workspace = session.exec(select(Workspace)).one()
        workspace.settings = {**workspace.settings, "x_monthly_budget": dollars}
        session.add(workspace)
        session.commit()


def _billed(engine: Engine) -> float:
    with Session(engine) as session:
        return round(sum(row.dollars for row in session.exec(select(CostEntry))), 6)


def test_a_digest_over_the_budget_waits_for_an_admin_without_reading_a_post(
    engine: Engine, slack: SlackStandIn
) -> None:
    job_id = _request(engine)
    posts = len(_tagged(START, END))
    _budget(engine, round(posts * 0.005, 2))  # the posts alone fill it: with their users the digest crosses it
    x = ReplayX()
    worker = Worker(engine, [DigestJobs(_deps(slack, x))], now=lambda: NOW)
    keys = [key for key, outcome in worker.tick() if outcome.done]
    assert keys == [f"digest:{job_id}:budget"]  # held: the collection does not start
    assert x.paths == ["/2/tweets/counts/recent"] and _billed(engine) == 0.0  # X's count is free
    with Session(engine) as session:
        job = session.get(DigestJob, job_id)
        hold = session.exec(select(BudgetHold)).one()
    assert job is not None and job.state == DigestJobState.held
    assert (hold.job_kind, hold.job_id, hold.state, hold.month_to_date) == ("digest", str(job_id), "waiting", 0.0)
    (request,) = slack.calls_to("chat.postMessage")
    shown = json.dumps(request.args["blocks"])
    assert request.args["channel"] == "C0COMMS001" and "#BlackLivesMatter" in shown
    assert cost_blocks.HOLD_APPROVE in shown and f"${hold.budget:,.2f} monthly budget" in shown
    assert worker.tick() == []  # nothing runs while it waits

    with Session(engine) as session:
        holds.decide(session, hold.id or 0, approve=True, actor="U0ADMIN001", workspace_id=job.workspace_id, now=NOW)
        records.release(session, job_id, approved=True, now=NOW)
        said = session.exec(select(AuditEntry).where(AuditEntry.action == "budget.crossed_approved")).one()
    assert said.actor == "U0ADMIN001"
    keys = [key for key, outcome in worker.tick() if outcome.done]
    assert keys == [f"digest:{job_id}:{step}" for step in ("collect", "make", "post", "files")]
    assert _billed(engine) > hold.budget  # the admin let it cross


def test_a_declined_digest_ends_and_a_digest_within_the_budget_runs(engine: Engine, slack: SlackStandIn) -> None:
    job_id = _request(engine)
    _budget(engine, 0.01)
    worker = Worker(engine, [DigestJobs(_deps(slack, ReplayX()))], now=lambda: NOW)
    worker.tick()
    with Session(engine) as session:
        hold = session.exec(select(BudgetHold)).one()
        holds.decide(session, hold.id or 0, approve=False, actor="U0ADMIN001", workspace_id=hold.workspace_id, now=NOW)
        records.release(session, job_id, approved=False, now=NOW)
        job = session.get(DigestJob, job_id)
    assert job is not None and job.state == DigestJobState.failed and "declined" in (job.last_error or "")
    assert worker.tick() == [] and _billed(engine) == 0.0

    _budget(engine, 1000.0)
    with Session(engine) as session:
        other = records.request_digest(
            session,
            workspace_id=job.workspace_id,
            hashtag="#BlackLivesMatter",
            start=START,
            end=END,
            channel_id="C0COMMS001",
            chat_occurrence_id=43,
            due_at=END + timedelta(minutes=15),
        )
        session.commit()
        other_id = other.id
    keys = [key for key, outcome in worker.tick() if outcome.done]
    assert keys == [f"digest:{other_id}:{step}" for step in ("budget", "collect", "make", "post", "files")]
