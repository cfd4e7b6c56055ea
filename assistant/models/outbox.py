"""The outbox: one row per outside side effect, keyed so it happens at most once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from assistant.models.base import enum_column, json_column, utc_column, utcnow


class OutboxState(StrEnum):
    pending = "pending"  # written, not yet attempted
    running = "running"  # claimed by a worker until locked_until
    done = "done"  # the side effect happened; result holds its answer
    failed = "failed"  # the last attempt failed; retried at next_attempt_at
    unknown = "unknown"  # a worker died mid-call: a person or a reconcile step must decide
    dead = "dead"  # gave up after max attempts or a permanent error


class OutboxItem(SQLModel, table=True):
    """A side effect such as `chat:42:question:3`, written before the call and completed after."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    state: OutboxState = Field(default=OutboxState.pending, sa_column=enum_column(OutboxState, index=True))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    result: dict[str, Any] | None = Field(default=None, sa_column=json_column(nullable=True))
    locked_by: str | None = Field(default=None, max_length=100)
    locked_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    next_attempt_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    completed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
