"""The worker: asks the database "what is due now?", runs it, and guards side effects with the outbox."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from assistant.models import OutboxItem, OutboxState
from assistant.models.base import utcnow
from assistant.models.heartbeat import WorkerHeartbeat
from assistant.wakeup import Wakeup, listen
from integrations.errors import AuthError, RateLimited

log = logging.getLogger(__name__)

Action = Callable[[], dict[str, Any] | None]
Reconcile = Callable[[], dict[str, Any] | None]

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
MAX_CHAIN = 10  # rounds a chaining source gets in one pass (a digest has four steps and two notices)
_outbox = OutboxItem.__table__  # type: ignore[attr-defined]
_heartbeat = WorkerHeartbeat.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What perform_once did: ran the action now, found it already done, or left it alone."""

    status: str  # "performed" | "already_done" | "busy" | "failed" | "waiting" | "unknown" | "dead"
    result: dict[str, Any] | None = None
    error: str | None = None

    @property
    def done(self) -> bool:
        return self.status in ("performed", "already_done")


@dataclass(frozen=True, slots=True)
class DueJob:
    """A side effect that is due: its outbox key, the call, and how to tell if a crashed attempt happened."""

    key: str
    action: Action
    reconcile: Reconcile | None = None


DueSource = Callable[[Engine, datetime], Iterable[DueJob]]


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def perform_once(
    engine: Engine,
    key: str,
    action: Action,
    *,
    reconcile: Reconcile | None = None,
    owner: str | None = None,
    now: Callable[[], datetime] = utcnow,
    lease: timedelta = LEASE,
) -> Outcome:
    """Run `action` at most once for `key`: the outbox row is written before the call and completed after.

    A second worker, a retry or a restart finds the row and does not call again. If a worker died
    mid-call (lease expired while running), the row turns `unknown`: `reconcile` is asked whether
    the effect happened (returning its result, or None if it did not); without one, a person decides.
    """
    owner = owner or worker_id()
    _insert_pending(engine, key, now())
    claimed = _claim(engine, key, owner, now(), lease)
    if claimed is None:
        return _outcome_of(engine, key)
    if claimed == "stale":
        if reconcile is None:
            return Outcome("unknown", error="a previous attempt died mid-call; check before retrying")
        found = reconcile()
        if found is not None:
            _complete(engine, key, owner, found, now())
            return Outcome("already_done", found)
    try:
        result = action() or {}
    except RateLimited as exc:
        _fail(engine, key, owner, f"rate limited until {exc.reset_at.isoformat()}", exc.reset_at, now(), dead=False)
        return Outcome("waiting", error=str(exc))
    except AuthError as exc:
        _fail(engine, key, owner, str(exc), None, now(), dead=True)
        return Outcome("dead", error=str(exc))
    except Exception as exc:  # recorded on the row; the loop goes on
        log.exception("outbox %s failed", key)
        attempts = _attempts(engine, key)
        delay = timedelta(seconds=min(3600, 15 * 2 ** max(0, attempts)))
        _fail(
            engine, key, owner, f"{type(exc).__name__}: {exc}", now() + delay, now(), dead=attempts + 1 >= MAX_ATTEMPTS
        )
        return Outcome("failed", error=str(exc))
    _complete(engine, key, owner, result, now())
    return Outcome("performed", result)


def _insert_pending(engine: Engine, key: str, at: datetime) -> None:
    try:
        with engine.begin() as connection:
            connection.execute(
                _outbox.insert().values(
                    key=key, state=OutboxState.pending.value, attempts=0, created_at=at, updated_at=at
                )
            )
    except IntegrityError:
        pass  # someone wrote it first; the claim decides who runs it


def _claim(engine: Engine, key: str, owner: str, at: datetime, lease: timedelta) -> str | None:
    """Atomically take the row: 'fresh' when pending or due for retry, 'stale' when a runner died."""
    c = _outbox.c
    with engine.begin() as connection:
        fresh = connection.execute(
            _outbox.update()
            .where(
                c.key == key,
                sa.or_(
                    c.state == OutboxState.pending.value,
                    sa.and_(
                        c.state == OutboxState.failed.value,
                        sa.or_(c.next_attempt_at.is_(None), c.next_attempt_at <= at),
                    ),
                ),
            )
            .values(
                state=OutboxState.running.value,
                locked_by=owner,
                locked_until=at + lease,
                attempts=c.attempts + 1,
                updated_at=at,
            )
        )
        if fresh.rowcount == 1:
            return "fresh"
        stale = connection.execute(
            _outbox.update()
            .where(c.key == key, c.state == OutboxState.running.value, c.locked_until < at)
            .values(state=OutboxState.unknown.value, locked_by=owner, locked_until=at + lease, updated_at=at)
        )
        if stale.rowcount == 1:
            return "stale"
    return None


def _complete(engine: Engine, key: str, owner: str, result: dict[str, Any], at: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            _outbox.update()
            .where(_outbox.c.key == key, _outbox.c.locked_by == owner)
            .values(
                state=OutboxState.done.value,
                result=result,
                last_error=None,
                locked_until=None,
                completed_at=at,
                updated_at=at,
            )
        )


def _fail(
    engine: Engine, key: str, owner: str, error: str, retry_at: datetime | None, at: datetime, *, dead: bool
) -> None:
    state = OutboxState.dead if dead else OutboxState.failed
    with engine.begin() as connection:
        connection.execute(
            _outbox.update()
            .where(_outbox.c.key == key, _outbox.c.locked_by == owner)
            .values(
                state=state.value, last_error=error[:2000], next_attempt_at=retry_at, locked_until=None, updated_at=at
            )
        )


def _attempts(engine: Engine, key: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.select(_outbox.c.attempts).where(_outbox.c.key == key)).scalar_one())


def _outcome_of(engine: Engine, key: str) -> Outcome:
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(_outbox.c.state, _outbox.c.result, _outbox.c.last_error).where(_outbox.c.key == key)
        ).one()
    state = OutboxState(row.state)
    if state is OutboxState.done:
        return Outcome("already_done", row.result)
    if state is OutboxState.failed:
        return Outcome("waiting", error=row.last_error)
    if state in (OutboxState.unknown, OutboxState.dead):
        return Outcome(state.value, error=row.last_error)
    return Outcome("busy")


class Worker:
    """The loop: every `interval` seconds, or at once when new work is announced (`assistant.wakeup`), gather
    due jobs from every source and perform each once."""

    def __init__(
        self,
        engine: Engine,
        sources: Iterable[DueSource] = (),
        *,
        interval: float = 5.0,
        now: Callable[[], datetime] = utcnow,
        name: str | None = None,
    ) -> None:
        self.engine = engine
        self.sources = list(sources)
        self.interval = interval
        self.now = now
        self.name = name or worker_id()
        self.stopping = threading.Event()
        self.wakeup = Wakeup()

    def tick(self) -> list[tuple[str, Outcome]]:
        """One pass over every source; returns what happened to each due job.

        A source marked `chains = True` is asked again as soon as one of its jobs was performed, so a job
        whose step is done goes on to its next step in the same pass (a key runs at most once a pass).
        """
        outcomes: list[tuple[str, Outcome]] = []
        for source in self.sources:
            seen: set[str] = set()
            for _round in range(MAX_CHAIN if getattr(source, "chains", False) else 1):
                try:
                    jobs = [job for job in source(self.engine, self.now()) if job.key not in seen]
                except Exception:
                    log.exception("due-work source %s failed", getattr(source, "__name__", source))
                    break
                performed = False
                for job in jobs:
                    if self.stopping.is_set():
                        return outcomes
                    seen.add(job.key)
                    outcome = perform_once(
                        self.engine, job.key, job.action, reconcile=job.reconcile, owner=self.name, now=self.now
                    )
                    outcomes.append((job.key, outcome))
                    performed = performed or outcome.status == "performed"
                if not performed:
                    break
        record_heartbeat(self.engine, self.name, self.now(), self.interval)
        return outcomes

    def run(self) -> None:
        """Pass after pass until stopped, waiting `interval` between them or less when new work is announced."""
        log.info("worker %s started (every %.1fs, %d sources)", self.name, self.interval, len(self.sources))
        self.wakeup.subscribe()
        if self.engine.dialect.name == "postgresql":
            listen(self.engine, self.wakeup.set, self.stopping)
        try:
            while not self.stopping.is_set():
                self.tick()
                self.wakeup.wait(self.interval)
        finally:
            self.wakeup.unsubscribe()
        log.info("worker %s stopped", self.name)

    def stop(self, *_args: object) -> None:
        self.stopping.set()
        self.wakeup.set()

    def install_signal_handlers(self) -> None:
        """Stop cleanly on SIGTERM (Heroku, systemd) and SIGINT; only from the main thread."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="outreach-worker", daemon=True)
        thread.start()
        return thread


def record_heartbeat(engine: Engine, worker: str, at: datetime, interval: float) -> None:
    """Stamp this worker's row with the end of a tick (made on its first); a database hiccup only logs."""
    try:
        with engine.begin() as connection:
            updated = connection.execute(
                _heartbeat.update()
                .where(_heartbeat.c.worker == worker)
                .values(last_tick_at=at, interval_seconds=interval, ticks=_heartbeat.c.ticks + 1)
            )
            if updated.rowcount == 0:
                connection.execute(
                    _heartbeat.insert().values(
                        worker=worker, started_at=at, last_tick_at=at, interval_seconds=interval, ticks=1
                    )
                )
                # rows of workers gone for a week are dropped as a new one starts
                connection.execute(_heartbeat.delete().where(_heartbeat.c.last_tick_at < at - timedelta(days=7)))
    except sa.exc.SQLAlchemyError:
        log.exception("worker %s could not record its heartbeat", worker)


def outbox_retries(engine: Engine, at: datetime) -> Iterable[DueJob]:
    """Failed outbox rows whose retry time has come are listed for the features that own them to re-run.

    The worker cannot re-run an action it has no code for; features register their own sources, which
    yield jobs for their keys. This source only logs rows stuck as `unknown` so a person sees them.
    """
    with engine.connect() as connection:
        stuck = connection.execute(
            sa.select(sa.func.count()).select_from(_outbox).where(_outbox.c.state == OutboxState.unknown.value)
        ).scalar_one()
    if stuck:
        log.warning("%d outbox item(s) need a person: a worker died mid-call", stuck)
    return ()
