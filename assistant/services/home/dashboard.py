"""The App Home dashboard's content for one person: their requests, chats, for comms the queue, the team's accounts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from assistant.models import Role, Workspace
from assistant.models.base import require_id, utcnow
from assistant.render.mrkdwn import escape
from assistant.slack.blocks.home import HomeData, HomeSection

log = logging.getLogger(__name__)

QUICK_REQUEST_MAPPING = "home_request_mapping"
QUICK_SCHEDULE_CHAT = "home_schedule_chat"
QUICK_ADD_CONTACT = "home_add_contact"


def dashboard(
    session: Session,
    *,
    workspace: Workspace,
    user_id: str,
    user_name: str,
    role: Role,
    now: datetime | None = None,
    my_groups: frozenset[str] = frozenset(),
) -> HomeData:
    """Sections in the order a person reads them; a feature whose tables are missing shows its empty line.

    `my_groups` are the Slack user groups the person belongs to: a team-owned account shows for its members.
    """
    now = now or utcnow()
    zone = ZoneInfo(workspace.timezone)
    sections = [
        HomeSection(
            "My mapping requests",
            _safe(session, lambda: my_requests(session, workspace, user_id)),
            "No requests yet. `/outreach map` asks the comms team for one.",
        ),
        HomeSection(
            "My chats coming up",
            _safe(session, lambda: my_chats(session, workspace, user_id, now, zone)),
            "No chats scheduled. `/outreach chat new` plans one.",
        ),
    ]
    if role in (Role.comms, Role.admin):
        sections.append(
            HomeSection("Request queue", _safe(session, lambda: queue(session, workspace, now)), "The queue is empty.")
        )
    mine = _safe(session, lambda: my_accounts(session, workspace, user_id, my_groups))
    if mine:
        sections.append(HomeSection("Accounts I own", mine, ""))
    sections.append(
        HomeSection(
            "Team accounts this week",
            _safe(session, lambda: accounts_week(session, workspace, now)),
            "No public accounts connected yet.",
        )
    )
    quick = [("Request mapping", QUICK_REQUEST_MAPPING), ("Add contact", QUICK_ADD_CONTACT)]
    if workspace.comms_channel_id:
        quick.insert(1, ("Schedule chat", QUICK_SCHEDULE_CHAT))
    return HomeData(user_name=user_name, role=role.value, sections=sections, quick_actions=quick)


def _safe(session: Session, build: Callable[[], list[str]]) -> list[str]:
    try:
        with session.begin_nested():
            return build()
    except (ImportError, sa.exc.SQLAlchemyError) as exc:
        log.info("dashboard section omitted: %s", type(exc).__name__)
        return []


def my_requests(session: Session, workspace: Workspace, user_id: str) -> list[str]:
    from assistant.models.mapping import MappingRequest

    rows = session.exec(
        select(MappingRequest)
        .where(MappingRequest.team_id == workspace.slack_team_id, MappingRequest.requester_id == user_id)
        .order_by(col(MappingRequest.created_at).desc())
    ).all()
    return [f"• *{escape(getattr(row, 'title', '') or f'Request {row.id}')}*: {escape(row.status)}" for row in rows]


def my_chats(session: Session, workspace: Workspace, user_id: str, now: datetime, zone: ZoneInfo) -> list[str]:
    from assistant.models.chats import ChatModerator, ChatOccurrence, ChatSeries

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
        f"• #{escape(series.hashtag)} {escape(series.title)}: {occurrence.start_at.astimezone(zone):%a %d %b %H:%M}"
        for occurrence, series in rows
        if series.created_by == user_id or series.id in moderated
    ]


def queue(session: Session, workspace: Workspace, now: datetime) -> list[str]:
    from assistant.models.mapping import OPEN_STATUSES, MappingRequest

    rows = session.exec(
        select(MappingRequest)
        .where(
            MappingRequest.team_id == workspace.slack_team_id,
            col(MappingRequest.status).in_([str(s) for s in OPEN_STATUSES]),
        )
        .order_by(col(MappingRequest.created_at))
    ).all()
    return [
        f"• {(now - row.created_at).days} d · *{escape(getattr(row, 'title', '') or f'Request {row.id}')}* "
        f"({escape(row.status)}) from <@{row.requester_id}>"
        for row in rows
    ]


def my_accounts(session: Session, workspace: Workspace, user_id: str, my_groups: frozenset[str]) -> list[str]:
    """Accounts the person owns or co-owns, or whose owning team (user group) they are a member of."""
    from assistant.services.accounts.team_accounts import list_accounts

    lines = []
    for account in list_accounts(session, workspace_id=require_id(workspace)):
        if account.owner_group_id and account.owner_group_id in my_groups:
            how = f"with your team <!subteam^{account.owner_group_id}>"
        elif user_id == account.owner_user_id and not account.owner_group_id:
            how = "owner"
        elif user_id in account.owners():
            how = "co-owner"
        else:
            continue
        status = "" if account.status == "active" else f" · token {escape(str(account.status))}"
        lines.append(f"• {escape(account.platform)} *{escape(account.handle)}* ({how}){status}")
    return lines


def accounts_week(session: Session, workspace: Workspace, now: datetime) -> list[str]:
    from assistant.services.weekly.digest import accounts_section, week_window
    from assistant.slack.blocks.weekly import account_line

    start, end = week_window(workspace, now)
    return [account_line(week) for week in accounts_section(session, workspace, start, end) or []]
