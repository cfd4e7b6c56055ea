"""Watches: a channel following a hashtag, account, keyword or mentions, and the post keys it has posted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from assistant.models.base import json_column, utc_column, utcnow


class Watch(SQLModel, table=True):
    """One channel's watch; the worker polls it every `every_minutes` within its cost budget."""

    __tablename__ = "watch"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    channel_id: str = Field(max_length=32)
    kind: str = Field(max_length=16, description="hashtag | account | keyword | mentions")
    term: str = Field(max_length=200)
    networks: list[str] = Field(default_factory=lambda: ["x"], sa_column=json_column(default=list))
    every_minutes: int = Field(default=15)
    only: str | None = Field(default=None, max_length=16, description="inside | outside a recurring chat slot")
    created_by: str = Field(max_length=32)
    active: bool = Field(default=True, index=True)
    paused_reason: str | None = Field(default=None, max_length=32, description="budget | rate_limit")
    paused_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    next_run_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    since_ids: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(default=dict))
    batches: int = Field(default=0)
    pending_batch: dict[str, Any] | None = Field(
        default=None, sa_column=json_column(nullable=True), description="a fetched batch not yet posted"
    )
    cost_budget: float = Field(default=1.0, description="USD of X reads allowed per day")
    cost_day: str | None = Field(default=None, max_length=10)
    cost_spent: float = Field(default=0.0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class WatchSeen(SQLModel, table=True):
    """A post key (platform:id, or a cross-network text key) a watch has already posted."""

    __tablename__ = "watch_seen"
    __table_args__ = (sa.UniqueConstraint("watch_id", "post_key"),)

    id: int | None = Field(default=None, primary_key=True)
    watch_id: int = Field(foreign_key="watch.id", index=True, ondelete="CASCADE")
    post_key: str = Field(max_length=300)
    seen_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
