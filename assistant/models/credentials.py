"""Encrypted OAuth credentials for the team's own public accounts (X, Mastodon, Bluesky, Yammer)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from assistant.models.base import utc_column, utcnow


class Credential(SQLModel, table=True):
    """Tokens for one account on one network, Fernet-encrypted at rest; never logged or shown."""

    __table_args__ = (sa.UniqueConstraint("workspace_id", "platform", "account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int | None = Field(default=None, foreign_key="workspace.id", index=True, ondelete="CASCADE")
    platform: str = Field(max_length=16)
    account_id: str = Field(max_length=64, description="The account's id on its network")
    handle: str = Field(default="", max_length=200)
    access_token_encrypted: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    refresh_token_encrypted: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    token_type: str = Field(default="bearer", max_length=32)
    scopes: str = Field(default="", max_length=1000)
    expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
