"""The outbox and the worker: at most once per key, across failures, crashes, restarts and racing workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.models import OutboxItem, OutboxState
from assistant.worker import DueJob, Worker, perform_once
from integrations.errors import AuthError, RateLimited


def _row(engine: Engine, key: str) -> OutboxItem:
    with Session(engine) as session:
        return session.exec(select(OutboxItem).where(OutboxItem.key == key)).one()


def test_performs_once_and_remembers_the_result(engine: Engine) -> None:
    calls: list[int] = []

    def post() -> dict[str, object]:
        calls.append(1)
        return {"ts": "123.456"}

    first = perform_once(engine, "chat:1:question:1", post)
    second = perform_once(engine, "chat:1:question:1", post)
    assert first.status == "performed" and first.result == {"ts": "123.456"}
    assert second.status == "already_done" and second.result == {"ts": "123.456"}
    assert calls == [1]
    row = _row(engine, "chat:1:question:1")
    assert row.state == OutboxState.done.value and row.attempts == 1 and row.completed_at is not None


def test_a_failure_is_recorded_and_retried_later(engine: Engine) -> None:
    now = [datetime(2026, 11, 23, 12, 0, tzinfo=UTC)]
    attempts: list[int] = []

    def flaky() -> dict[str, object]:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("reset by peer")
        return {"ok": True}

    assert perform_once(engine, "k", flaky, now=lambda: now[0]).status == "failed"
    row = _row(engine, "k")
    assert row.state == "failed" and "reset by peer" in (row.last_error or "")
    assert perform_once(engine, "k", flaky, now=lambda: now[0]).status == "waiting"  # not yet due
    now[0] += timedelta(minutes=5)
    assert perform_once(engine, "k", flaky, now=lambda: now[0]).status == "performed"
    assert len(attempts) == 2


def test_rate_limit_waits_until_the_reset(engine: Engine) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    reset = now + timedelta(minutes=15)

    def limited() -> dict[str, object]:
        raise RateLimited("slow down", reset_at=reset)

    assert perform_once(engine, "x", limited, now=lambda: now).status == "waiting"
    assert _row(engine, "x").next_attempt_at == reset


def test_auth_errors_are_not_retried(engine: Engine) -> None:
    def refused() -> dict[str, object]:
        raise AuthError("token revoked")

    assert perform_once(engine, "a", refused).status == "dead"
    assert perform_once(engine, "a", lambda: {"never": True}).status == "dead"


def test_a_worker_that_died_mid_call_is_not_repeated_blindly(engine: Engine) -> None:
    start = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def crash() -> dict[str, object]:
        raise SystemExit("worker killed mid-call")

    with pytest.raises(SystemExit):
        perform_once(engine, "post:9", crash, now=lambda: start)
    assert _row(engine, "post:9").state == "running"
    later = start + timedelta(minutes=10)
    calls: list[int] = []
    outcome = perform_once(engine, "post:9", lambda: calls.append(1) or {}, now=lambda: later)
    assert outcome.status == "unknown" and calls == []
    # With a reconcile step that finds the post, it is recorded as done without posting again.
    with pytest.raises(SystemExit):
        perform_once(engine, "post:10", crash, now=lambda: start)
    found = perform_once(
        engine, "post:10", lambda: calls.append(1) or {}, reconcile=lambda: {"ts": "found"}, now=lambda: later
    )
    assert found.status == "already_done" and found.result == {"ts": "found"} and calls == []


def test_worker_tick_runs_due_jobs_from_its_sources(engine: Engine) -> None:
    done: list[str] = []

    def due(_engine: Engine, _at: datetime) -> list[DueJob]:
        return [DueJob(f"reminder:{i}", lambda i=i: done.append(f"r{i}") or {}) for i in range(3)]

    worker = Worker(engine, [due], interval=0.01)
    worker.tick()
    worker.tick()  # nothing repeats
    assert done == ["r0", "r1", "r2"]


def _race(engine: Engine, keys: int, workers: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(workers)

    def effect(key: str) -> dict[str, object]:
        with lock:
            counts[key] = counts.get(key, 0) + 1
        time.sleep(0.002)
        return {"key": key}

    def run(name: str) -> None:
        barrier.wait()
        for index in range(keys):
            key = f"chat:42:question:{index}"
            perform_once(engine, key, lambda key=key: effect(key), owner=name)

    threads = [threading.Thread(target=run, args=(f"w{n}",)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def test_racing_workers_on_sqlite_post_each_item_once(engine: Engine) -> None:
    counts = _race(engine, keys=30, workers=2)
    assert len(counts) == 30 and set(counts.values()) == {1}


@pytest.mark.postgres
def test_racing_workers_on_postgres_post_each_item_once(pg_engine: Engine) -> None:
    counts = _race(pg_engine, keys=60, workers=4)
    assert len(counts) == 60 and set(counts.values()) == {1}
    with pg_engine.connect() as connection:
        states = connection.execute(sa.text("SELECT state, count(*) FROM outbox GROUP BY state")).all()
    assert states == [("done", 60)]


def test_outreach_worker_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}", "WORKER_INTERVAL_SECONDS": "0.2"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from assistant.cli import main; main()", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        before_start: list[str] = []
        while "started" not in (line := process.stderr.readline() if process.stderr else ""):
            assert time.monotonic() < deadline and line != "", "worker did not start"
            before_start.append(line)
        # its digests run in this process: it warmed up before its loop began (jobs/digest_steps.warm_up)
        assert any(f"worker {process.pid} warmed up in" in seen for seen in before_start), before_start
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()
