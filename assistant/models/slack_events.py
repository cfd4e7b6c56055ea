"""Receipts of Slack events already handled, so a retried delivery repeats nothing."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from assistant.models.base import utc_column, utcnow


class SlackEventReceipt(SQLModel, table=True):
    """An Events API `event_id` seen once; a retry with the same id is acknowledged and dropped."""

    __tablename__ = "slack_event_receipt"

    event_id: str = Field(primary_key=True, max_length=64)
    team_id: str | None = Field(default=None, max_length=32)
    received_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
