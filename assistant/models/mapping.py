"""Digital mapping: the request the comms team works, its crawl steps (checkpoints), members and artefacts."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from assistant.models.base import enum_column, json_column, utc_column, utcnow


class MappingStatus(enum.StrEnum):
    new = "new"
    claimed = "claimed"
    mapping = "mapping"
    delivered = "delivered"
    declined = "declined"
    cancelled = "cancelled"


OPEN_STATUSES = (MappingStatus.new, MappingStatus.claimed, MappingStatus.mapping)


class CrawlState(enum.StrEnum):
    none = "none"  # not started: waiting for an approved estimate
    running = "running"  # due now (or at next_run_at after a rate-limit window)
    analysing = "analysing"
    done = "done"
    stopped = "stopped"  # stopped at a budget; what it covered is analysed
    failed = "failed"


class MappingRequest(SQLModel, table=True):
    """A request for a digital mapping of a policy area, from the form to the delivered report."""

    __tablename__ = "mapping_request"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    requester_id: str = Field(index=True, max_length=32)
    title: str
    decision: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False, default=""))
    keywords: list[str] = Field(default_factory=list, sa_column=json_column(default=list))
    hashtags: list[str] = Field(default_factory=list, sa_column=json_column(default=list))
    seeds: list[str] = Field(default_factory=list, sa_column=json_column(default=list))
    region: str = Field(default="")
    language: str = Field(default="")
    timezone: str = Field(default="Europe/London", max_length=64)
    deadline: date | None = Field(default=None)
    watchers: list[str] = Field(default_factory=list, sa_column=json_column(default=list))
    status: MappingStatus = Field(default=MappingStatus.new, sa_column=enum_column(MappingStatus, index=True))
    claimed_by: str | None = Field(default=None, max_length=32)
    decline_reason: str = Field(default="")
    card_channel: str | None = Field(default=None, max_length=32)
    card_ts: str | None = Field(default=None, max_length=32)
    progress_ts: str | None = Field(default=None, max_length=32)
    # the engine
    source: str = Field(default="x", description="x, or archive:<path> for an imported archive")
    strategy: str | None = Field(default=None, max_length=16, description="interactions or follows")
    approved_by: str | None = Field(default=None, max_length=32)
    budget_calls: int = Field(default=500)
    budget_money: float = Field(default=25.0)
    budget_accounts: int = Field(default=5000)
    crawl_state: CrawlState = Field(default=CrawlState.none, sa_column=enum_column(CrawlState, index=True))
    next_run_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True, index=True))
    run_number: int = Field(default=0)
    calls_made: int = Field(default=0)
    money_spent: float = Field(default=0.0)
    problems: list[str] = Field(default_factory=list, sa_column=json_column(default=list))
    resolution: float | None = Field(default=None)
    communities_wanted: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    delivered_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    delivery_sent: bool = Field(default=False, description="the summary and files went to Slack")


class CrawlStep(SQLModel, table=True):
    """One planned crawl call sequence (a lookup batch, a follow list, a search) and its checkpoint."""

    __tablename__ = "mapping_crawl_step"
    __table_args__ = (sa.UniqueConstraint("request_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="mapping_request.id", index=True, ondelete="CASCADE")
    position: int
    kind: str = Field(max_length=16, description="seeds, following, search, profiles")
    target: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False, default=""))
    next_token: str | None = Field(default=None)
    pages_done: int = Field(default=0)
    calls: int = Field(default=0)
    done: bool = Field(default=False)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(default=dict))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class MappingMember(SQLModel, table=True):
    """An account or post that belongs to a mapping (the store itself is shared by every feature)."""

    __tablename__ = "mapping_member"

    request_id: int = Field(foreign_key="mapping_request.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(primary_key=True, max_length=8, description="seed, account or post")
    platform: str = Field(primary_key=True, max_length=16)
    item_id: str = Field(primary_key=True)


class MappingArtefact(SQLModel, table=True):
    """A made file of a mapping: html, csv, graphml, gexf, png or the analysis summary (json)."""

    __tablename__ = "mapping_artefact"
    __table_args__ = (sa.UniqueConstraint("request_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="mapping_request.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    content: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
