"""Hashtag chats: a series (one-off or recurring), its occurrences, questions, moderators, sign-offs and posts."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from assistant.models.base import enum_column, json_column, utc_column, utcnow


class Recurrence(StrEnum):
    none = "none"
    weekly = "weekly"
    fortnightly = "fortnightly"
    monthly = "monthly"  # on the n-th weekday of the first occurrence (5th = last)


def nth_weekday(day: date) -> int:
    """Which weekday of its month `day` is: 1..4, or -1 for the last (a 5th is always the last)."""
    n = (day.day - 1) // 7 + 1
    return -1 if n == 5 else n


class ChatStatus(StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class PostStatus(StrEnum):
    posted = "posted"  # the worker posted it; post_id and url are set
    manual_posted = "manual_posted"  # a moderator posted it by hand and gave the link
    post_now = "post_now"  # a missed item the moderator asked to post late
    skipped = "skipped"  # a missed item the moderator chose to skip


class ChatSeries(SQLModel, table=True):
    """What the team planned: hashtag, wall-clock start in an IANA zone, recurrence, host and settings."""

    __tablename__ = "chat_series"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    hashtag: str = Field(max_length=100, index=True, description="Without '#', as typed (case kept)")
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False))
    timezone: str = Field(max_length=64)
    start_date: date = Field(sa_column=sa.Column(sa.Date(), nullable=False))
    start_time: time = Field(sa_column=sa.Column(sa.Time(), nullable=False))
    duration_minutes: int = 60
    recurrence: Recurrence = Field(default=Recurrence.none, sa_column=enum_column(Recurrence))
    recurrence_until: date | None = Field(default=None, sa_column=sa.Column(sa.Date(), nullable=True))
    recurrence_count: int | None = None
    host_credential_id: int | None = Field(default=None, foreign_key="credential.id", ondelete="SET NULL")
    manual: bool = Field(default=False, description="The moderator posts by hand; the worker hands over the text")
    platforms: list[str] = Field(default_factory=lambda: ["x"], sa_column=json_column(default=list))
    guests: list[str] = Field(default_factory=list, sa_column=json_column(default=list))
    co_moderators: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(sa.JSON(), nullable=False, default=list, server_default="[]"),
        description="co-moderators' public handles (with the host's account, the chat's moderators in digests)",
    )
    channel_id: str = Field(max_length=32)
    template: str = Field(default="Q{n} {text} #{hashtag}", max_length=300)
    classic_style: bool = False
    requires_approval: bool = False
    status: ChatStatus = Field(default=ChatStatus.scheduled, sa_column=enum_column(ChatStatus))
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ChatOccurrence(SQLModel, table=True):
    """One sitting of a series, in UTC (planned from the series' local wall-clock time)."""

    __tablename__ = "chat_occurrence"
    __table_args__ = (sa.UniqueConstraint("series_id", "start_at"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="chat_series.id", index=True, ondelete="CASCADE")
    start_at: datetime = Field(sa_column=utc_column(index=True))
    end_at: datetime = Field(sa_column=utc_column())
    status: ChatStatus = Field(default=ChatStatus.scheduled, sa_column=enum_column(ChatStatus))
    cancelled_by: str | None = Field(default=None, max_length=32)


class ChatQuestion(SQLModel, table=True):
    """Qn of a series with its minute offset from the start; the posted text comes from the series template."""

    __tablename__ = "chat_question"
    __table_args__ = (sa.UniqueConstraint("series_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="chat_series.id", index=True, ondelete="CASCADE")
    number: int
    offset_minutes: int
    text: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))


class ChatModerator(SQLModel, table=True):
    """A Slack user who moderates the series (the creator is the lead)."""

    __tablename__ = "chat_moderator"
    __table_args__ = (sa.UniqueConstraint("series_id", "slack_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="chat_series.id", index=True, ondelete="CASCADE")
    slack_user_id: str = Field(max_length=32)
    lead: bool = False


class ChatApproval(SQLModel, table=True):
    """A sign-off decision on one run-sheet item's exact text (intro, q:N, closing), keyed by its hash."""

    __tablename__ = "chat_approval"

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="chat_series.id", index=True, ondelete="CASCADE")
    item: str = Field(max_length=32)
    text_hash: str = Field(max_length=64)
    decision: str = Field(max_length=24, description="approved or changes_requested")
    decided_by: str = Field(max_length=32)
    note: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False))
    decided_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ChatPost(SQLModel, table=True):
    """What happened to one item of one occurrence on one platform: posted (with link), skipped, or asked."""

    __tablename__ = "chat_post"
    __table_args__ = (sa.UniqueConstraint("occurrence_id", "item", "platform"),)

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="chat_occurrence.id", index=True, ondelete="CASCADE")
    item: str = Field(max_length=32, description="intro, question:N or closing")
    platform: str = Field(default="x", max_length=16)
    status: PostStatus = Field(sa_column=enum_column(PostStatus))
    text: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False))
    post_id: str | None = Field(default=None, max_length=64)
    url: str | None = Field(default=None, max_length=500)
    by: str = Field(default="worker", max_length=32)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(default=dict))
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
