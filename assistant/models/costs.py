"""What X billed: items already paid for on a UTC day, the ledger of every call, and each job's estimate."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from assistant.models.base import json_column, utc_column, utcnow

JOB_KINDS = ("mapping", "digest", "chat", "watch", "snapshot", "estimate", "cli")


class XBilledItem(SQLModel, table=True):
    """A post or user X billed on a UTC day; X bills it once that day, however often it is read."""

    __tablename__ = "x_billed_item"

    kind: str = Field(primary_key=True, max_length=8, description="post | user")
    item_id: str = Field(primary_key=True, max_length=32)
    day: date = Field(primary_key=True)


class CostEntry(SQLModel, table=True):
    """One X call as billed: its new items and dollars, by team, job and UTC day; written as the call returns."""

    __tablename__ = "cost_entry"
    __table_args__ = (sa.Index("ix_cost_entry_job", "job_kind", "job_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int | None = Field(default=None, index=True, description="no foreign key: the ledger outlives")
    job_kind: str = Field(max_length=16, description="mapping | digest | chat | watch | snapshot | estimate | cli")
    job_id: str = Field(default="", max_length=64)
    day: date = Field(index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    endpoint: str = Field(max_length=80)
    posts_read: int = Field(default=0)
    users_read: int = Field(default=0)
    posts_created: int = Field(default=0)
    posts_created_with_link: int = Field(default=0)
    dollars: float = Field(default=0.0)


class CostEstimate(SQLModel, table=True):
    """What a job was promised to cost before it ran, and the measurements the promise came from."""

    __tablename__ = "cost_estimate"
    __table_args__ = (sa.UniqueConstraint("job_kind", "job_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int | None = Field(default=None, index=True)
    job_kind: str = Field(max_length=16)
    job_id: str = Field(max_length=64)
    label: str = Field(default="", max_length=64, description="the strategy or scope estimated")
    posts: int = Field(default=0)
    users: int = Field(default=0)
    created: int = Field(default=0)
    dollars: float = Field(default=0.0)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(default=dict))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class BudgetHold(SQLModel, table=True):
    """A paid job held because its estimate would take the month past the team's X budget, until an admin says
    yes (the job then runs) or no (it does not)."""

    __tablename__ = "budget_hold"
    __table_args__ = (sa.UniqueConstraint("job_kind", "job_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int | None = Field(default=None, index=True)
    job_kind: str = Field(max_length=16, description="digest | chat | ...")
    job_id: str = Field(max_length=64)
    label: str = Field(default="", max_length=140, description="what the job is, as the request shows it")
    estimate: float = Field(default=0.0)
    month_to_date: float = Field(default=0.0)
    budget: float = Field(default=0.0)
    state: str = Field(default="waiting", max_length=16, description="waiting | approved | declined")
    channel_id: str = Field(default="", max_length=32, description="where the admin request was posted")
    message_ts: str | None = Field(default=None, max_length=32)
    decided_by: str | None = Field(default=None, max_length=32)
    requested_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
