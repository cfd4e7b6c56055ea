"""Digest jobs (a chat or window waiting for its digest), made digests, and daily account snapshots."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from assistant.models.base import enum_column, json_column, utc_column, utcnow


class DigestJobState(StrEnum):
    pending = "pending"  # waiting for due_at
    collecting = "collecting"  # collection started (or waiting for a rate-limit reset)
    held = "held"  # its X estimate would cross the team's monthly budget: waiting for an admin (BudgetHold)
    done = "done"  # the digest is made and delivered
    failed = "failed"  # gave up; last_error says why


class DigestJob(SQLModel, table=True):
    """A request for a digest of `#hashtag` in [start, end), made once `due_at` has passed."""

    __tablename__ = "digest_job"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    chat_occurrence_id: int | None = Field(default=None, unique=True, description="one digest per occurrence")
    hashtag: str = Field(max_length=140, description="without '#', as the chat spells it")
    start: datetime = Field(sa_column=utc_column())
    end: datetime = Field(sa_column=utc_column())
    channel_id: str = Field(max_length=32)
    host_handle: str | None = Field(default=None, max_length=100)
    platforms: list[str] = Field(default_factory=lambda: ["x"], sa_column=json_column(default=list))
    moderators: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(sa.JSON(), nullable=False, default=list, server_default="[]"),
        description="co-moderators' public handles (the host is host_handle); none: the host is inferred",
    )
    questions: list[Any] = Field(
        default_factory=list,
        sa_column=json_column(default=list),
        description="[[number, ISO time, text], ...]",
    )
    requested_by: str | None = Field(default=None, max_length=32, description="Slack user for on-demand digests")
    progress_ts: str | None = Field(default=None, max_length=32, description="the progress message to update")
    due_at: datetime = Field(sa_column=utc_column(index=True))
    state: DigestJobState = Field(default=DigestJobState.pending, sa_column=enum_column(DigestJobState, index=True))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    late_notified: bool = Field(default=False)
    digest_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Digest(SQLModel, table=True):
    """A made digest: its figures (the versioned JSON document) and the unguessable archive token."""

    __tablename__ = "digest"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int | None = Field(default=None, foreign_key="workspace.id", index=True, ondelete="CASCADE")
    job_id: int | None = Field(default=None, foreign_key="digest_job.id", index=True, ondelete="SET NULL")
    chat_occurrence_id: int | None = Field(default=None, index=True)
    hashtag: str = Field(max_length=140, index=True)
    start: datetime = Field(sa_column=utc_column())
    end: datetime = Field(sa_column=utc_column())
    token: str = Field(max_length=64, unique=True, description="secret part of the archive link")
    timezone: str = Field(default="UTC", max_length=64)
    posts: int = 0
    participants: int = 0
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(default=dict))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class AccountSnapshot(SQLModel, table=True):
    """One account's counts on one day (UTC), recorded daily by the worker; the base of host impact."""

    __tablename__ = "account_snapshot"
    __table_args__ = (sa.UniqueConstraint("platform", "account_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    account_id: str = Field()
    day: date = Field(sa_column=sa.Column(sa.Date(), nullable=False))
    followers: int | None = Field(default=None)
    following: int | None = Field(default=None)
    posts: int | None = Field(default=None)
    mentions: int | None = Field(default=None)
    captured_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
