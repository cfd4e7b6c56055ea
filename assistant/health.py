"""The install's health as /healthz and `outreach serve` report it: database, schema, worker heartbeats, outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant import migrate
from assistant.models import DigestJob, DigestJobState, OutboxItem, OutboxState
from assistant.models.chats import ChatOccurrence, ChatStatus
from assistant.models.heartbeat import WorkerHeartbeat

SILENT_AFTER_INTERVALS = 5  # a worker that has not ticked for this many intervals is silent
CHAT_LEAD = timedelta(hours=24)  # a chat has work due from its first reminder (a day before) until it ends
FAILING = (OutboxState.failed.value, OutboxState.unknown.value)

_heartbeat = WorkerHeartbeat.__table__  # type: ignore[attr-defined]
_outbox = OutboxItem.__table__  # type: ignore[attr-defined]
_occurrence = ChatOccurrence.__table__  # type: ignore[attr-defined]
_digest_job = DigestJob.__table__  # type: ignore[attr-defined]


@lru_cache(maxsize=4)
def schema_head(database_url: str) -> str:
    """The release's newest revision (read from the migration scripts once per process)."""
    return migrate.head_revision(database_url)


@dataclass(frozen=True, slots=True)
class Health:
    """One reading; `problems` lists what makes /healthz answer 503."""

    at: datetime
    silent_after: timedelta
    database: bool
    schema_current: str | None = None
    schema_head: str | None = None
    last_tick: datetime | None = None
    workers_alive: int = 0
    outbox_due: int = 0
    outbox_failing: int = 0
    outbox_dead: int = 0
    oldest_failing: datetime | None = None
    chats_due: int = 0
    digests_due: int = 0

    @property
    def schema_ok(self) -> bool:
        return self.schema_current == self.schema_head

    @property
    def worker_age(self) -> timedelta | None:
        return None if self.last_tick is None else self.at - self.last_tick

    @property
    def worker_silent(self) -> bool:
        """No worker has ticked within the limit (or none ever has)."""
        age = self.worker_age
        return age is None or age > self.silent_after

    @property
    def problems(self) -> list[str]:
        if not self.database:
            return ["database unreachable"]
        found = []
        if not self.schema_ok:
            found.append(
                f"schema at {self.schema_current or 'none'}, head is {self.schema_head}: run `outreach migrate`"
            )
        if self.worker_silent and (self.chats_due or self.digests_due):
            found.append(f"no worker has ticked for over {self.silent_after.total_seconds():g}s while work is due")
        return found

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        age = self.worker_age
        return {
            "ok": self.ok,
            "problems": self.problems,
            "database": "ok" if self.database else "unavailable",
            "schema": {"current": self.schema_current, "head": self.schema_head, "ok": self.schema_ok},
            "worker": {
                "last_tick": _iso(self.last_tick),
                "age_seconds": None if age is None else round(age.total_seconds(), 1),
                "alive": self.workers_alive,
                "silent_after_seconds": self.silent_after.total_seconds(),
            },
            "outbox": {
                "due": self.outbox_due,
                "failing": self.outbox_failing,
                "oldest_failing": _iso(self.oldest_failing),
                "dead": self.outbox_dead,
            },
            "due": {"chats": self.chats_due, "digests": self.digests_due},
        }

    def summary(self) -> str:
        """One log line with the same facts as /healthz."""
        if not self.database:
            return "health 503: database unreachable"
        age = self.worker_age
        worker = "never ticked" if age is None else f"last tick {age.total_seconds():.0f}s ago"
        oldest = f", oldest failing since {self.oldest_failing:%Y-%m-%d %H:%M} UTC" if self.oldest_failing else ""
        return (
            f"health {200 if self.ok else 503}: schema {self.schema_current or 'none'}"
            f"{' (head)' if self.schema_ok else f' (head {self.schema_head})'}; "
            f"worker {worker}, {self.workers_alive} alive; "
            f"outbox {self.outbox_due} due, {self.outbox_failing} failing{oldest}, {self.outbox_dead} dead; "
            f"due: {self.chats_due} chat(s), {self.digests_due} digest(s)"
            + "".join(f"; PROBLEM: {problem}" for problem in self.problems)
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def read(engine: Engine, database_url: str, *, now: datetime, interval_seconds: float) -> Health:
    """Read every figure in one connection; an unreachable database is a reading too."""
    silent_after = timedelta(seconds=SILENT_AFTER_INTERVALS * interval_seconds)
    try:
        with engine.connect() as connection:
            current = _current_revision(connection)
            head = schema_head(database_url)
            if current != head:
                return Health(now, silent_after, True, current, head)
            return Health(now, silent_after, True, current, head, **_figures(connection, now, silent_after))
    except sa.exc.SQLAlchemyError:
        return Health(now, silent_after, database=False)


def _current_revision(connection: sa.Connection) -> str | None:
    """The schema's revision(s) as Alembic keeps them, read quietly (Alembic's own reader logs at INFO each time)."""
    try:
        with connection.begin_nested():
            rows = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    except sa.exc.ProgrammingError:
        return None  # no alembic_version table: never migrated
    except sa.exc.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    return ",".join(sorted(rows)) if rows else None


def _figures(connection: sa.Connection, now: datetime, silent_after: timedelta) -> dict[str, Any]:
    beats = connection.execute(
        sa.select(
            sa.func.max(_heartbeat.c.last_tick_at),
            sa.func.count().filter(_heartbeat.c.last_tick_at >= now - silent_after),
        )
    ).one()
    o = _outbox.c
    outbox = connection.execute(
        sa.select(
            sa.func.count().filter(
                o.state.in_((OutboxState.pending.value, OutboxState.failed.value)),
                sa.or_(o.next_attempt_at.is_(None), o.next_attempt_at <= now),
            ),
            sa.func.count().filter(o.state.in_(FAILING)),
            sa.func.min(o.created_at).filter(o.state.in_(FAILING)),
            sa.func.count().filter(o.state == OutboxState.dead.value),
        )
    ).one()
    chats = connection.execute(
        sa.select(sa.func.count())
        .select_from(_occurrence)
        .where(
            _occurrence.c.status == ChatStatus.scheduled,
            _occurrence.c.start_at <= now + CHAT_LEAD,
            _occurrence.c.end_at > now,
        )
    ).scalar_one()
    digests = connection.execute(
        sa.select(sa.func.count())
        .select_from(_digest_job)
        .where(
            _digest_job.c.state.in_((DigestJobState.pending.value, DigestJobState.collecting.value)),
            _digest_job.c.due_at <= now,
        )
    ).scalar_one()
    return {
        "last_tick": beats[0],
        "workers_alive": int(beats[1]),
        "outbox_due": int(outbox[0]),
        "outbox_failing": int(outbox[1]),
        "oldest_failing": outbox[2],
        "outbox_dead": int(outbox[3]),
        "chats_due": int(chats),
        "digests_due": int(digests),
    }
