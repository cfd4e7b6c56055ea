"""The team's connected public accounts (owner, co-owners, token status), handovers and pending X connects."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from assistant.models.base import enum_column, json_column, utc_column, utcnow


class AccountStatus(StrEnum):
    active = "active"
    revoked = "revoked"  # the network refused the token, or it was disconnected
    expired = "expired"  # the token ran out and could not be refreshed


class HandoverState(StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"


class ConnectedAccount(SQLModel, table=True):
    """A public account the team connected; its tokens live (encrypted) in the linked Credential row."""

    __tablename__ = "connected_account"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "platform", "account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    credential_id: int | None = Field(default=None, foreign_key="credential.id", index=True, ondelete="SET NULL")
    platform: str = Field(max_length=16)
    account_id: str = Field(max_length=200, description="the account's id on its network (X id, Mastodon id, DID)")
    handle: str = Field(max_length=200)
    instance_url: str | None = Field(default=None, max_length=300, description="Mastodon instance, Bluesky PDS")
    owner_user_id: str = Field(max_length=32, description="the owning person; with a team owner, who accepted for it")
    owner_group_id: str | None = Field(
        default=None, max_length=32, description="a Slack user group owning the account; its members act as owners"
    )
    co_owner_user_ids: list[str] = Field(default_factory=list, sa_column=json_column(default=list))
    status: AccountStatus = Field(default=AccountStatus.active, sa_column=enum_column(AccountStatus, index=True))
    status_reason: str | None = Field(default=None, max_length=500)
    status_notified_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    revoke_client_encrypted: str | None = Field(
        default=None, sa_column=sa.Column(sa.Text(), nullable=True), description="Mastodon app id:secret, encrypted"
    )
    daily_post_target: int = Field(default=1, description="posts a day the team aims for")
    connected_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    def owners(self) -> list[str]:
        """The named people (owner, co-owners); members of `owner_group_id` act as owners too."""
        return [self.owner_user_id, *[user for user in self.co_owner_user_ids if user != self.owner_user_id]]


class AccountHandover(SQLModel, table=True):
    """Ownership of an account moving to a person or a team (user group), pending until the new owner answers.

    For a team, `to_group_id` is set, `to_user_id` is empty until a member answers, and `decided_by` is who did.
    """

    __tablename__ = "account_handover"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="connected_account.id", index=True, ondelete="CASCADE")
    from_user_id: str = Field(max_length=32)
    to_user_id: str | None = Field(default=None, max_length=32)
    to_group_id: str | None = Field(default=None, max_length=32)
    decided_by: str | None = Field(default=None, max_length=32)
    requested_by: str = Field(max_length=32)
    state: HandoverState = Field(default=HandoverState.pending, sa_column=enum_column(HandoverState))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class OAuthPending(SQLModel, table=True):
    """A started X connect: the PKCE verifier (encrypted) kept server side, keyed by the OAuth state."""

    __tablename__ = "oauth_pending"

    state: str = Field(primary_key=True, max_length=100)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    platform: str = Field(default="x", max_length=16)
    user_id: str = Field(max_length=32)
    verifier_encrypted: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
