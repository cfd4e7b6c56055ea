"""A worker pass chains a job's steps (for sources that ask for it), and new work wakes the loop at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.wakeup import Wakeup, announce
from assistant.worker import DueJob, Worker

STEPS = ("collect", "make", "post")


class Steps:
    """A due-work source whose job has three steps, each due once the one before it is done."""

    def __init__(self, *, chains: bool) -> None:
        self.chains = chains
        self.done: list[str] = []
        self.asked = 0

    def __call__(self, engine: Engine, now: object) -> Iterator[DueJob]:
        self.asked += 1
        step = next((s for s in STEPS if s not in self.done), None)
        if step is not None:
            yield DueJob(f"job:1:{step}", lambda: self.done.append(step) or {})  # type: ignore[func-returns-value]


def test_a_chaining_source_runs_every_step_in_one_pass(engine: Engine) -> None:
    source = Steps(chains=True)
    outcomes = Worker(engine, [source]).tick()
    assert [key for key, outcome in outcomes if outcome.status == "performed"] == [
        "job:1:collect",
        "job:1:make",
        "job:1:post",
    ]
    assert source.done == list(STEPS)


def test_a_source_that_does_not_chain_runs_one_step_a_pass(engine: Engine) -> None:
    source = Steps(chains=False)
    worker = Worker(engine, [source])
    assert [key for key, _outcome in worker.tick()] == ["job:1:collect"]
    assert [key for key, _outcome in worker.tick()] == ["job:1:make"]
    assert source.asked == 2


def test_a_key_offered_again_in_the_same_pass_is_not_run_twice(engine: Engine) -> None:
    calls: list[int] = []

    class Again:
        chains = True

        def __call__(self, engine: Engine, now: object) -> list[DueJob]:
            return [DueJob("job:2:only", lambda: calls.append(1) or {})]  # type: ignore[func-returns-value]

    outcomes = Worker(engine, [Again()]).tick()
    assert [(key, outcome.status) for key, outcome in outcomes] == [("job:2:only", "performed")]
    assert calls == [1]


def test_a_chain_stops_at_a_step_that_waits(engine: Engine) -> None:
    def failing() -> dict[str, object]:
        raise RuntimeError("boom")

    class Fails:
        chains = True
        asked = 0

        def __call__(self, engine: Engine, now: object) -> list[DueJob]:
            self.asked += 1
            return [DueJob("job:3:collect", failing)]

    source = Fails()
    outcomes = Worker(engine, [source]).tick()
    assert [outcome.status for _key, outcome in outcomes] == ["failed"] and source.asked == 1


def test_announced_work_wakes_a_waiting_loop_at_once(engine: Engine) -> None:
    passes: list[threading.Event] = [threading.Event(), threading.Event()]

    def source(engine: Engine, now: object) -> list[DueJob]:
        for event in passes:
            if not event.is_set():
                event.set()
                break
        return []

    worker = Worker(engine, [source], interval=3600)  # without the wake-up, the second pass is an hour away
    thread = worker.start_in_thread()
    try:
        assert passes[0].wait(30)
        with Session(engine) as session:
            announce(session)
            assert not passes[1].is_set()  # not before the commit
            session.commit()
        assert passes[1].wait(30)
    finally:
        worker.stop()
        thread.join(30)
    assert not thread.is_alive()


def test_a_rolled_back_announcement_wakes_nobody_and_a_committed_one_does(engine: Engine) -> None:
    wakeup = Wakeup()
    wakeup.subscribe()
    try:
        with Session(engine) as session:
            announce(session)
            session.rollback()
        assert not wakeup.is_set()
        with Session(engine) as session:
            announce(session)
            session.commit()
        assert wakeup.is_set()
    finally:
        wakeup.unsubscribe()


@pytest.mark.postgres
def test_postgres_notify_wakes_a_worker_listening_in_another_connection(pg_engine: Engine) -> None:
    from assistant.wakeup import listen

    woken = threading.Event()
    stopping = threading.Event()
    listening = threading.Event()

    def wake() -> None:
        if listening.is_set():
            woken.set()
        listening.set()  # the first wake-up comes as the listener connects

    thread = listen(pg_engine, wake, stopping, poll=0.2)
    try:
        assert listening.wait(30)
        with Session(pg_engine) as session:  # `wake` is no in-process loop: only the NOTIFY can reach it
            announce(session)
            assert not woken.is_set()
            session.commit()
        assert woken.wait(30)
    finally:
        stopping.set()
        thread.join(30)
