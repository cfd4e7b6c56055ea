"""The admin request of a job held at the monthly X budget: only an admin's Approve or Decline counts, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.models.costs import BudgetHold
from assistant.models.digests import DigestJob, DigestJobState
from assistant.services.costs import holds
from assistant.services.costs.budget import BudgetCheck
from assistant.services.digests import records
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.blocks import cost as blocks
from assistant.standins.slack_workspace import TEAM_ID
from tests.fakes.slack import SlackHarness, harness

COMMS, ADMIN = "U0COMMS001", "U0ADMIN001"
START = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


@pytest.fixture
def app(engine: Engine, sqlite_url: str) -> Iterator[SlackHarness]:
    with harness(engine, sqlite_url, slack_comms_channel="C0COMMS001") as h:
        yield h


def _held(app: SlackHarness) -> tuple[int, int]:
    """A digest held for an admin, as the worker leaves it: (hold id, job id)."""
    with Session(app.services.engine) as session:
        workspace = ensure_workspace(session, slack_team_id=TEAM_ID)
        session.commit()
        job = records.request_digest(
            session,
            workspace_id=workspace.id or 0,
            hashtag="#ukfechat",
            start=START,
            end=START + timedelta(hours=1),
            channel_id="C0COMMS001",
            due_at=START + timedelta(hours=1, minutes=15),
        )
        session.commit()
        asked = holds.ask(
            session,
            workspace_id=workspace.id,
            job_kind="digest",
            job_id=job.id or 0,
            label="the digest of #ukfechat <!channel>",
            check=BudgetCheck(5.0, 4.5, 1.25),
            channel_id="C0COMMS001",
            now=START,
        )
        records.hold(session, job.id or 0, now=START)
        return asked.hold.id or 0, job.id or 0


def test_the_request_shows_the_month_and_escapes_the_label() -> None:
    hold = BudgetHold(id=7, job_kind="digest", job_id="3", label="#ukfechat <!channel>", estimate=1.25)
    hold.month_to_date, hold.budget = 4.5, 5.0
    request = blocks.hold_request(hold)
    text = request[0]["text"]["text"]
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "Month to date $4.50 · this job about $1.25 · $0.75 over of the $5.00 monthly budget" in text
    assert [e["action_id"] for e in request[-1]["elements"]] == [blocks.HOLD_APPROVE, blocks.HOLD_DECLINE]


def test_only_an_admin_lets_a_held_digest_run_and_only_once(app: SlackHarness) -> None:
    hold_id, job_id = _held(app)
    assert "Only an admin" in app.press(blocks.HOLD_APPROVE, str(hold_id), COMMS, "comms")
    with Session(app.services.engine) as session:
        assert session.get(DigestJob, job_id).state == DigestJobState.held  # type: ignore[union-attr]
    said = app.press(blocks.HOLD_APPROVE, str(hold_id), ADMIN, "admin")
    assert said.startswith(f"<@{ADMIN}> approved") and "&lt;!channel&gt;" in said and said.endswith(": it runs now.")
    with Session(app.services.engine) as session:
        job = session.get(DigestJob, job_id)
        assert job is not None and job.state == DigestJobState.pending
        assert session.get(BudgetHold, hold_id).state == holds.APPROVED  # type: ignore[union-attr]
    assert "already approved" in app.press(blocks.HOLD_DECLINE, str(hold_id), ADMIN, "again")


def test_a_declined_digest_ends(app: SlackHarness) -> None:
    hold_id, job_id = _held(app)
    assert "will not run" in app.press(blocks.HOLD_DECLINE, str(hold_id), ADMIN, "no")
    with Session(app.services.engine) as session:
        assert session.get(DigestJob, job_id).state == DigestJobState.failed  # type: ignore[union-attr]
