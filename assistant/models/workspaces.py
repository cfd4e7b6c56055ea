"""Workspaces (Slack teams) and their members with roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from assistant.models.base import enum_column, json_column, utc_column, utcnow


class Role(StrEnum):
    staff = "staff"
    comms = "comms"
    admin = "admin"


class Workspace(SQLModel, table=True):
    """A Slack team using the app, with its channels, time zone and settings."""

    id: int | None = Field(default=None, primary_key=True)
    slack_team_id: str = Field(max_length=32, unique=True)
    name: str = Field(default="", max_length=200)
    comms_channel_id: str | None = Field(default=None, max_length=32)
    comms_usergroup_id: str | None = Field(default=None, max_length=32)
    digest_channel_id: str | None = Field(default=None, max_length=32)
    timezone: str = Field(default="Europe/London", max_length=64)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(default=dict))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Member(SQLModel, table=True):
    """A Slack user's explicit role in a workspace (staff unless stated)."""

    __table_args__ = (sa.UniqueConstraint("workspace_id", "slack_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    slack_user_id: str = Field(max_length=32)
    role: Role = Field(default=Role.staff, sa_column=enum_column(Role))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
