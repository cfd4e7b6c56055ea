"""request_digest: a job per occurrence (idempotent), validated input, due jobs and previous digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from assistant.db import session_scope
from assistant.models import AuditEntry, DigestJob
from assistant.services.digests import records as digests
from assistant.services.team.workspaces import ensure_workspace

START = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)


def _workspace(engine: Engine) -> int:
    with session_scope(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0TEST0001")
        assert workspace.id is not None
        return workspace.id


def _request(engine: Engine, workspace_id: int, **overrides: object) -> int:
    arguments: dict[str, object] = {
        "workspace_id": workspace_id,
        "hashtag": "#ukfechat",
        "start": START,
        "end": START + timedelta(hours=1),
        "channel_id": "C0COMMS001",
        "chat_occurrence_id": 7,
        "questions": [(1, START + timedelta(minutes=5), "What works?")],
        "host_handle": "@ukfechat_host",
        "due_at": START + timedelta(minutes=75),
    }
    arguments.update(overrides)
    with session_scope(engine) as session:
        job = digests.request_digest(session, **arguments)  # type: ignore[arg-type]
        assert job.id is not None
        return job.id


def test_request_digest_is_idempotent_per_occurrence(engine: Engine) -> None:
    workspace_id = _workspace(engine)
    first = _request(engine, workspace_id)
    again = _request(engine, workspace_id, questions=[(1, START, "Changed?")])
    assert first == again
    with session_scope(engine) as session:
        jobs = list(session.exec(select(DigestJob)))
        assert len(jobs) == 1
        job = jobs[0]
        assert job.hashtag == "ukfechat"
        assert job.host_handle == "ukfechat_host"
        assert job.platforms == ["x"]
        assert digests.job_questions(job) == [(1, START, "Changed?")]
        assert [e.action for e in session.exec(select(AuditEntry))].count("digest.requested") == 1


def test_request_digest_without_occurrence_makes_new_jobs(engine: Engine) -> None:
    workspace_id = _workspace(engine)
    a = _request(engine, workspace_id, chat_occurrence_id=None)
    b = _request(engine, workspace_id, chat_occurrence_id=None)
    assert a != b


@pytest.mark.parametrize(
    "overrides",
    [
        {"hashtag": "#"},
        {"hashtag": "two words"},
        {"end": START},
        {"start": datetime(2026, 3, 5, 21, 0)},
    ],
)
def test_request_digest_rejects_bad_input(engine: Engine, overrides: dict[str, object]) -> None:
    workspace_id = _workspace(engine)
    with pytest.raises(ValueError):
        _request(engine, workspace_id, **overrides)


def test_due_jobs_and_previous_digests(engine: Engine) -> None:
    workspace_id = _workspace(engine)
    _request(engine, workspace_id)
    with session_scope(engine) as session:
        assert digests.due_jobs(session, START + timedelta(minutes=74)) == []
        assert len(digests.due_jobs(session, START + timedelta(minutes=75))) == 1
        old = digests.save_digest(
            session,
            figures={"volume": {"posts": 3}},
            hashtag="UKFEchat",
            start=START - timedelta(days=7),
            end=START - timedelta(days=7, hours=-1),
        )
        assert old.posts == 3 and len(old.token) >= 40
        assert [d.id for d in digests.previous_digests(session, hashtag="#ukfechat", before=START)] == [old.id]
        assert digests.previous_digests(session, hashtag="ukfechat", before=old.start) == []
        assert digests.digest_by_token(session, old.token) is not None
        assert digests.digest_by_token(session, "nope") is None


def test_a_job_due_now_wakes_the_workers_as_it_commits_and_one_due_later_does_not(engine: Engine) -> None:
    from assistant.wakeup import Wakeup

    workspace_id = _workspace(engine)
    wakeup = Wakeup()
    wakeup.subscribe()
    try:
        _request(engine, workspace_id, chat_occurrence_id=None, due_at=datetime.now(UTC) + timedelta(days=1))
        assert not wakeup.is_set()
        _request(engine, workspace_id, chat_occurrence_id=None, due_at=datetime.now(UTC))
        assert wakeup.is_set()
    finally:
        wakeup.unsubscribe()
