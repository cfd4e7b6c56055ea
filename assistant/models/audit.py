"""The audit log: who did what to which record, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from assistant.models.base import json_column, utc_column, utcnow


class AuditEntry(SQLModel, table=True):
    """One action on one record; `detail` never holds secrets or erased personal data."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int | None = Field(default=None, foreign_key="workspace.id", index=True, ondelete="SET NULL")
    actor: str = Field(max_length=64, description="Slack user id, or 'system'")
    action: str = Field(max_length=64)
    record_type: str = Field(max_length=64)
    record_id: str = Field(max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(default=dict))
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
