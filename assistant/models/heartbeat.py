"""Worker heartbeats: one row per worker process, its last finished tick, so the web process can tell if work stalls."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from assistant.models.base import utc_column, utcnow


class WorkerHeartbeat(SQLModel, table=True):
    """A worker process (host:pid:nonce) and when it last finished a tick."""

    __tablename__ = "worker_heartbeat"

    id: int | None = Field(default=None, primary_key=True)
    worker: str = Field(max_length=100, unique=True)
    started_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    last_tick_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    interval_seconds: float = 5.0
    ticks: int = 0
