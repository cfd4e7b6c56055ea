"""A digest's make and files steps in a child process (`outreach serve`): the same digest and files, made by another
process, and a child that fails or dies leaves the step to the outbox's retry as an error in the worker's thread."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant import migrate
from assistant.clients import Clients
from assistant.db import create_db_engine
from assistant.jobs.digest_process import DigestProcess, Ran
from assistant.jobs.digest_steps import store_digest
from assistant.jobs.digests import DigestJobs
from assistant.models import Digest, DigestJob, DigestJobState, OutboxItem
from assistant.standins.slack import SlackStandIn
from assistant.worker import Worker
from tests.jobs.test_digest_jobs import NOW, ReplayX, _deps, _expected_posts, _request

STEPS = ("budget", "collect", "make", "post", "files")


# -- what the child runs instead of the make step in the failure tests (module level: the child imports them) ----


def _exit_abruptly(engine: Engine, job_id: int, now: datetime) -> dict[str, Any]:
    os._exit(3)  # as a kill or the out-of-memory killer would end it: no answer, no exception


def _raise(engine: Engine, job_id: int, now: datetime) -> dict[str, Any]:
    raise ValueError(f"no figures for job {job_id}")


def _store_then_exit(engine: Engine, job_id: int, now: datetime) -> dict[str, Any]:
    store_digest(engine, job_id, now)
    os._exit(3)  # died after its commit, before answering


def _pid(engine: Engine, job_id: int) -> int:
    return os.getpid()


def _fail_to_warm_up(engine: Engine) -> None:
    raise RuntimeError("the warm-up's database is gone")


def _archive_template_compiled(engine: Engine, job_id: int) -> bool:
    """Whether this process has compiled the archive's template (the first archive rendered compiles it)."""
    from assistant.render.environment import environment

    return any(key[1] == "digests/archive.html" for key in environment().cache.keys())  # type: ignore[union-attr]


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        return {name: connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names}


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


def _child(deps: Clients, engine: Engine) -> DigestProcess:
    child = DigestProcess.for_engine(deps.settings, engine)
    assert child is not None
    return child


def _run(engine: Engine, deps: Clients, child: DigestProcess | None, *, at: datetime = NOW) -> dict[str, str]:
    """One worker pass over the digest source; each step's outcome status by its step name."""
    outcomes = Worker(engine, [DigestJobs(deps, process=child)], now=lambda: at).tick()
    return {key.rsplit(":", 1)[1]: outcome.status for key, outcome in outcomes}


def _outbox(engine: Engine, job_id: int, step: str) -> OutboxItem:
    with Session(engine) as session:
        return session.exec(select(OutboxItem).where(OutboxItem.key == f"digest:{job_id}:{step}")).one()


def _digests(engine: Engine) -> list[Digest]:
    with Session(engine) as session:
        return list(session.exec(select(Digest)))


def _posted(slack: SlackStandIn) -> list[Any]:
    blocks = [call.args["blocks"] for call in slack.calls_to("chat.postMessage")]
    return [json.loads(b) if isinstance(b, str) else b for b in blocks]


def _with_make_step(
    engine: Engine, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch, make: Any
) -> tuple[int, dict[str, str]]:
    """A due job's first pass with `make` sent to the child in place of the make step; the job id and outcomes."""
    job_id = _request(engine)
    deps = _deps(slack, ReplayX())
    monkeypatch.setattr("assistant.jobs.digests.store_digest", make)  # what the worker sends the child to run
    child = _child(deps, engine)
    try:
        return job_id, _run(engine, deps, child)
    finally:
        child.close()
        monkeypatch.undo()


def _uploaded(slack: SlackStandIn) -> list[dict[str, Any]]:
    return sorted(slack.files.values(), key=lambda f: str(f["filename"]))


def _made_in_a_child(engine: Engine, slack: SlackStandIn) -> int:
    """A due job taken through every step with the make and files steps in a child process; the job's id."""
    job_id = _request(engine)
    deps = _deps(slack, ReplayX())
    child = _child(deps, engine)
    sent: list[str] = []
    run = child.run

    def spied(step: Any, *args: Any) -> Ran:
        sent.append(step.__name__)
        return run(step, *args)

    child.run = spied  # type: ignore[method-assign]
    try:
        assert _run(engine, deps, child) == dict.fromkeys(STEPS, "performed")
    finally:
        child.close()
    assert sent == ["store_digest", "file_uploads"]  # the chart and archive are drawn there too
    made = _outbox(engine, job_id, "make").result or {}
    assert isinstance(made["process"], int) and made["process"] != os.getpid()
    assert made["peak_rss_mb"] >= made["rss_mb"] > 0
    with Session(engine) as session:
        job = session.get(DigestJob, job_id)
        assert job is not None and job.state == DigestJobState.done
        (digest,) = session.exec(select(Digest)).all()
        assert job.digest_id == digest.id == made["digest_id"] and digest.job_id == job_id
        assert digest.posts == made["posts"] == _expected_posts() > 0
    return job_id


def test_the_make_step_runs_in_another_process_and_stores_the_same_digest(
    engine: Engine, slack: SlackStandIn, tmp_path: Path
) -> None:
    _made_in_a_child(engine, slack)
    # the same job made in the worker's thread, on a database of its own, gives the same digest and messages
    url = f"sqlite:///{tmp_path / 'in-thread.db'}"
    migrate.upgrade(url)
    alone = create_db_engine(url)
    try:
        with SlackStandIn() as other:
            job_id = _request(alone)
            assert _run(alone, _deps(other, ReplayX()), None) == dict.fromkeys(STEPS, "performed")
            assert "process" not in (_outbox(alone, job_id, "make").result or {})
            ((theirs,), (ours,)) = _digests(alone), _digests(engine)
            assert ours.figures == theirs.figures and ours.posts == theirs.posts
            assert _posted(slack) == _posted(other)
            assert _uploaded(slack) == _uploaded(other) and len(_uploaded(slack)) == 2  # the chart and the archive
    finally:
        alone.dispose()


def test_the_make_step_runs_in_another_process_on_postgres(pg_engine: Engine, slack: SlackStandIn) -> None:
    _made_in_a_child(pg_engine, slack)
    assert len(_posted(slack)) == 1


def test_a_child_that_dies_leaves_the_step_to_be_retried(
    engine: Engine, slack: SlackStandIn, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    with caplog.at_level(logging.ERROR, logger="assistant.jobs.digest_process"):
        job_id, outcomes = _with_make_step(engine, slack, monkeypatch, _exit_abruptly)
    assert outcomes == {"budget": "performed", "collect": "performed", "make": "failed"}
    said = [r.getMessage() for r in caplog.records if r.name == "assistant.jobs.digest_process"]
    assert any(
        m.startswith(f"_exit_abruptly for digest job {job_id}: digest process ")
        and "ended (exit code 3, EOFError); the step will be retried" in m
        for m in said
    ), said
    row = _outbox(engine, job_id, "make")
    assert row.state == "failed" and row.attempts == 1 and row.next_attempt_at is not None
    assert (row.last_error or "").startswith(
        f"DigestProcessDied: _exit_abruptly for digest job {job_id}: digest process"
    )
    assert _digests(engine) == [] and slack.calls_to("chat.postMessage") == []
    # the retry, once due, makes the digest (here in the worker's thread) and the job goes on to the end
    assert _run(engine, _deps(slack, ReplayX()), None, at=NOW + timedelta(minutes=1)) == {
        "make": "performed",
        "post": "performed",
        "files": "performed",
    }
    assert _outbox(engine, job_id, "make").attempts == 2
    assert len(_digests(engine)) == 1 and len(_posted(slack)) == 1


def test_an_error_in_the_child_fails_the_step_as_in_the_worker_thread(
    engine: Engine, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id, outcomes = _with_make_step(engine, slack, monkeypatch, _raise)
    assert outcomes["make"] == "failed"
    row = _outbox(engine, job_id, "make")
    assert row.state == "failed" and row.last_error == f"ValueError: no figures for job {job_id}"
    assert _digests(engine) == []


def test_a_child_that_dies_after_storing_the_digest_counts_the_step_done(
    engine: Engine, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id, outcomes = _with_make_step(engine, slack, monkeypatch, _store_then_exit)
    assert outcomes == dict.fromkeys(STEPS, "performed")
    (digest,) = _digests(engine)
    assert (_outbox(engine, job_id, "make").result or {})["digest_id"] == digest.id
    assert len(_posted(slack)) == 1


def test_an_in_memory_database_keeps_the_make_step_in_the_worker_thread(slack: SlackStandIn) -> None:
    memory = create_db_engine("sqlite://")
    try:
        assert DigestProcess.for_engine(_deps(slack, None).settings, memory) is None
    finally:
        memory.dispose()


def test_the_child_is_kept_between_steps_and_replaced_once_its_memory_passes_the_limit(
    engine: Engine, slack: SlackStandIn
) -> None:
    settings = _deps(slack, None).settings
    kept = DigestProcess.for_engine(settings, engine)
    replaced = DigestProcess.for_engine(settings, engine, recycle_mb=0)  # every child is past it after a step
    assert kept is not None and replaced is not None
    try:
        first, second = (kept.run(_pid, job).value for job in (1, 2))
        assert first == second != os.getpid()
        third, fourth = (replaced.run(_pid, job).value for job in (1, 2))
        assert len({first, third, fourth, os.getpid()}) == 4
    finally:
        kept.close()
        replaced.close()


def test_a_new_child_warms_up_before_its_first_step_and_writes_nothing(engine: Engine, slack: SlackStandIn) -> None:
    _request(engine)
    deps = _deps(slack, ReplayX())
    assert _run(engine, deps, None) == dict.fromkeys(STEPS, "performed")  # a stored chat, its digest and jobs
    before = _row_counts(engine)
    settings = deps.settings
    warmed = DigestProcess.for_engine(settings, engine)
    cold = DigestProcess.for_engine(settings, engine, warm=None)
    assert warmed is not None and cold is not None
    try:
        assert warmed.run(_archive_template_compiled, 1).value is True  # rendered an archive before this step
        assert cold.run(_archive_template_compiled, 1).value is False
    finally:
        warmed.close()
        cold.close()
    assert _row_counts(engine) == before
    assert before["post"] > 0 and before["digest"] == 1


def test_a_child_whose_warm_up_fails_says_so_and_runs_its_steps(
    engine: Engine, slack: SlackStandIn, capfd: pytest.CaptureFixture[str]
) -> None:
    child = DigestProcess.for_engine(_deps(slack, None).settings, engine, warm=_fail_to_warm_up)
    assert child is not None
    try:
        ran = child.run(_pid, 1)
    finally:
        child.close()
    assert ran.value == ran.process != os.getpid()
    logged = capfd.readouterr().err
    assert f"digest process {ran.process} could not warm up; its first digest will be slower" in logged
    assert "RuntimeError: the warm-up's database is gone" in logged
