"""The shared contact book: contacts, their history of events, and Yammer shout-outs collecting contacts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from assistant.models.base import enum_column, json_column, utc_column, utcnow


class Visibility(StrEnum):
    """Who sees a contact: its adder only, the adder and the comms team, or everyone in the workspace."""

    me = "me"
    team = "team"
    workspace = "workspace"


class ContactSource(StrEnum):
    manual = "manual"
    message = "message"
    digest = "digest"
    mapping = "mapping"
    yammer = "yammer"
    import_ = "import"
    watch = "watch"  # saved from a watch's post


class ConsentBasis(StrEnum):
    """Why the team may keep the contact (UK GDPR Article 6 bases the field works with)."""

    unknown = "unknown"
    public_role = "public_role"  # public information about a person's professional role
    legitimate_interest = "legitimate_interest"
    consent = "consent"


# The longest text each typed field holds: one table for the model, the service's checks and the Slack form.
# Notes stop at 3000 because that is the most a Slack text input holds (plain_text_input max_length,
# https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element); notes joined by a merge
# may grow past it and are kept whole.
FIELD_LIMITS: dict[str, int] = {
    "name": 200,
    "organisation": 200,
    "role": 200,
    "email": 320,
    "phone": 32,
    "x_handle": 15,
    "mastodon_handle": 320,
    "bluesky_handle": 253,
    "linkedin_url": 300,
    "notes": 3000,
}


class ContactBase(SQLModel):
    """The fields a person types or imports; every one is normalised by services.contact_fields first."""

    name: str = Field(max_length=FIELD_LIMITS["name"])
    organisation: str = Field(default="", max_length=FIELD_LIMITS["organisation"])
    role: str = Field(default="", max_length=FIELD_LIMITS["role"])
    email: str = Field(default="", max_length=FIELD_LIMITS["email"], index=True)
    phone: str = Field(default="", max_length=FIELD_LIMITS["phone"], description="E.164")
    x_handle: str = Field(default="", max_length=FIELD_LIMITS["x_handle"], index=True, description="without '@'")
    mastodon_handle: str = Field(
        default="", max_length=FIELD_LIMITS["mastodon_handle"], index=True, description="user@instance"
    )
    bluesky_handle: str = Field(
        default="", max_length=FIELD_LIMITS["bluesky_handle"], index=True, description="a domain name"
    )
    linkedin_url: str = Field(default="", max_length=FIELD_LIMITS["linkedin_url"])
    tags: list[str] = Field(default_factory=list, sa_column=json_column(default=list))
    notes: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False, default=""))
    consent_basis: str = Field(default=ConsentBasis.unknown.value, max_length=32)
    visibility: str = Field(default=Visibility.team.value, max_length=16)


class Contact(ContactBase, table=True):
    """One person in a workspace's contact book."""

    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    source: ContactSource = Field(default=ContactSource.manual, sa_column=enum_column(ContactSource))
    source_ref: str = Field(default="", max_length=200, description="e.g. digest:4, yammer:123, a message permalink")
    added_by: str = Field(max_length=32, index=True, description="Slack user id, or 'system'")
    alternates: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=json_column(default=dict),
        description="values a merge could not keep in the single fields: {field: [value, ...]}",
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ContactEvent(SQLModel, table=True):
    """One thing that happened to a contact (added, edited, tagged, shared, merged); erased with it."""

    __tablename__ = "contact_event"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=32)
    actor: str = Field(max_length=32)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(default=dict))
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ShoutoutState(StrEnum):
    open = "open"
    closed = "closed"


class YammerShoutout(SQLModel, table=True):
    """A question posted to a Yammer group; the worker brings its replies into the Slack thread."""

    __tablename__ = "yammer_shoutout"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    requested_by: str = Field(max_length=32)
    question: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    group_id: str = Field(max_length=32)
    thread_id: str = Field(max_length=32, description="the Yammer thread (its starter message id)")
    web_url: str = Field(default="", max_length=500)
    slack_channel_id: str = Field(max_length=32)
    slack_ts: str = Field(max_length=32, description="the Slack message whose thread receives the replies")
    state: ShoutoutState = Field(default=ShoutoutState.open, sa_column=enum_column(ShoutoutState, index=True))
    next_poll_at: datetime = Field(sa_column=utc_column(index=True))
    collect_until: datetime = Field(sa_column=utc_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
