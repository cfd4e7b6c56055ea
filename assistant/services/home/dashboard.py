"""The App Home dashboard's content for one person: their requests, chats, for comms the queue, the team's accounts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from assistant.models import Role, Workspace
from assistant.models.base import require_id, utcnow
from assistant.models.chats import ChatModerator, ChatOccurrence, ChatSeries
from assistant.models.mapping import OPEN_STATUSES, MappingRequest
from assistant.services.accounts.team_accounts import list_accounts
from assistant.services.costs.budget import MonthSpend, month_spend
from assistant.services.weekly.digest import AccountWeek, accounts_section, week_window

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RequestLine:
    """A mapping request as the dashboard lists it."""

    title: str
    status: str
    requester_id: str
    age_days: int


@dataclass(frozen=True, slots=True)
class ChatLine:
    """A coming sitting of a chat the person created or moderates; `start` is in the team's zone."""

    hashtag: str
    title: str
    start: datetime


@dataclass(frozen=True, slots=True)
class OwnedAccount:
    """A team account the person answers for: as owner, co-owner or member of the owning user group."""

    platform: str
    handle: str
    how: Literal["team", "owner", "co-owner"]
    status: str
    group_id: str | None = None


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the Home tab shows; `queue` is None for people who do not work it (not comms or admin)."""

    user_name: str
    role: Role
    my_requests: list[RequestLine] = field(default_factory=list)
    my_chats: list[ChatLine] = field(default_factory=list)
    queue: list[RequestLine] | None = None
    my_accounts: list[OwnedAccount] = field(default_factory=list)
    accounts_week: list[AccountWeek] = field(default_factory=list)
    can_schedule_chat: bool = False
    x_spend: MonthSpend | None = None  # comms and admins: the month's X spend by kind of job


def dashboard(
    session: Session,
    *,
    workspace: Workspace,
    user_id: str,
    user_name: str,
    role: Role,
    now: datetime | None = None,
    my_groups: frozenset[str] = frozenset(),
) -> Dashboard:
    """The person's dashboard; a feature whose tables are missing shows as empty.

    `my_groups` are the Slack user groups the person belongs to: a team-owned account shows for its members.
    """
    now = now or utcnow()
    zone = ZoneInfo(workspace.timezone)
    return Dashboard(
        user_name=user_name,
        role=role,
        my_requests=_safe(session, lambda: my_requests(session, workspace, user_id, now)),
        my_chats=_safe(session, lambda: my_chats(session, workspace, user_id, now, zone)),
        queue=_safe(session, lambda: queue(session, workspace, now)) if role in (Role.comms, Role.admin) else None,
        my_accounts=_safe(session, lambda: my_accounts(session, workspace, user_id, my_groups)),
        accounts_week=_safe(session, lambda: accounts_week(session, workspace, now)),
        can_schedule_chat=bool(workspace.comms_channel_id),
        x_spend=_safe_one(session, lambda: month_spend(session, workspace_id=require_id(workspace), month=now.date()))
        if role in (Role.comms, Role.admin)
        else None,
    )


def _safe_one(session: Session, build: Callable[[], T]) -> T | None:
    found = _safe(session, lambda: [build()])
    return found[0] if found else None


def _safe(session: Session, build: Callable[[], list[T]]) -> list[T]:
    try:
        with session.begin_nested():
            return build()
    except sa.exc.SQLAlchemyError as exc:
        log.info("dashboard section omitted: %s", type(exc).__name__)
        return []


def _request_line(row: MappingRequest, now: datetime) -> RequestLine:
    return RequestLine(
        title=getattr(row, "title", "") or f"Request {row.id}",
        status=row.status,
        requester_id=row.requester_id,
        age_days=(now - row.created_at).days,
    )


def my_requests(session: Session, workspace: Workspace, user_id: str, now: datetime) -> list[RequestLine]:
    rows = session.exec(
        select(MappingRequest)
        .where(MappingRequest.workspace_id == workspace.id, MappingRequest.requester_id == user_id)
        .order_by(col(MappingRequest.created_at).desc())
    ).all()
    return [_request_line(row, now) for row in rows]


def my_chats(session: Session, workspace: Workspace, user_id: str, now: datetime, zone: ZoneInfo) -> list[ChatLine]:
    moderated = set(session.exec(select(ChatModerator.series_id).where(ChatModerator.slack_user_id == user_id)))
    rows = session.exec(
        select(ChatOccurrence, ChatSeries)
        .join(ChatSeries, col(ChatSeries.id) == col(ChatOccurrence.series_id))
        .where(
            ChatSeries.workspace_id == workspace.id,
            ChatOccurrence.start_at >= now,
            ChatOccurrence.start_at < now + timedelta(days=14),
            ChatOccurrence.status != "cancelled",
        )
        .order_by(col(ChatOccurrence.start_at))
    ).all()
    return [
        ChatLine(hashtag=series.hashtag, title=series.title, start=occurrence.start_at.astimezone(zone))
        for occurrence, series in rows
        if series.created_by == user_id or series.id in moderated
    ]


def queue(session: Session, workspace: Workspace, now: datetime) -> list[RequestLine]:
    rows = session.exec(
        select(MappingRequest)
        .where(
            MappingRequest.workspace_id == workspace.id,
            col(MappingRequest.status).in_([str(s) for s in OPEN_STATUSES]),
        )
        .order_by(col(MappingRequest.created_at))
    ).all()
    return [_request_line(row, now) for row in rows]


def my_accounts(session: Session, workspace: Workspace, user_id: str, my_groups: frozenset[str]) -> list[OwnedAccount]:
    """Accounts the person owns or co-owns, or whose owning team (user group) they are a member of."""
    found = []
    for account in list_accounts(session, workspace_id=require_id(workspace)):
        how: Literal["team", "owner", "co-owner"]
        if account.owner_group_id and account.owner_group_id in my_groups:
            how = "team"
        elif user_id == account.owner_user_id and not account.owner_group_id:
            how = "owner"
        elif user_id in account.owners():
            how = "co-owner"
        else:
            continue
        found.append(
            OwnedAccount(
                platform=account.platform,
                handle=account.handle,
                how=how,
                status=str(account.status),
                group_id=account.owner_group_id if how == "team" else None,
            )
        )
    return found


def accounts_week(session: Session, workspace: Workspace, now: datetime) -> list[AccountWeek]:
    start, end = week_window(workspace, now)
    return accounts_section(session, workspace, start, end) or []
