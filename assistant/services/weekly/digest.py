"""The weekly digest of a team, built from section functions: a feature whose tables are missing just drops out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from assistant.models.accounts import ConnectedAccount
from assistant.models.base import require_id
from assistant.models.chats import ChatModerator, ChatOccurrence, ChatQuestion, ChatSeries
from assistant.models.codecs import weekly_key
from assistant.models.digests import AccountSnapshot, Digest
from assistant.models.mapping import OPEN_STATUSES, MappingRequest
from assistant.models.posts import Post
from assistant.models.workspaces import Workspace
from assistant.services.contacts import book as contacts
from assistant.services.costs.budget import MonthSpend, month_spend
from assistant.services.team.settings import weekly_slot

log = logging.getLogger(__name__)

WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class AccountWeek:
    """One account's week: followers and change, posts against target, mentions and change, best post."""

    platform: str
    handle: str
    followers: int | None
    followers_change: int | None
    posts: int | None
    target: int
    mentions: int | None
    mentions_change: int | None
    best_post: str | None = None
    best_post_url: str | None = None
    best_engagement: int = 0
    weekly_followers: list[tuple[date, int]] = field(default_factory=list)  # last 8 weeks


@dataclass(frozen=True, slots=True)
class RequestsWeek:
    """Mapping requests: new this week, open by status, overdue, delivered this week."""

    new: int
    open: dict[str, int]
    overdue: int
    delivered: int


@dataclass(frozen=True, slots=True)
class ChatHeld:
    """A sitting of last week, with its digest's figures when there is one (`link`: its web archive)."""

    hashtag: str
    title: str
    start: datetime
    posts: int | None
    participants: int | None
    link: str | None


@dataclass(frozen=True, slots=True)
class ChatComing:
    """A sitting of the coming week: ready when it has questions and moderators."""

    hashtag: str
    title: str
    start: datetime
    questions: int
    moderators: int
    ready: bool


@dataclass(frozen=True, slots=True)
class ChatsWeek:
    held: list[ChatHeld]
    coming: list[ChatComing]


@dataclass
class WeeklyData:
    """The week of a team; a section is None when its feature's tables are missing."""

    team: str
    start: datetime
    end: datetime
    timezone: str
    requests: RequestsWeek | None = None
    chats: ChatsWeek | None = None
    accounts: list[AccountWeek] | None = None
    contacts: list[str] | None = None
    x_spend: MonthSpend | None = None


def no_archive_url(token: str) -> str | None:
    """The archive link builder when the app has no public URL: no links."""
    return None


def week_window(workspace: Workspace, now: datetime) -> tuple[datetime, datetime]:
    """The seven days before `now` (the digest looks back one week from when it is made)."""
    return now - WEEK, now


def slot_instant(workspace: Workspace, now: datetime) -> datetime:
    """This ISO week's weekly slot (local weekday and hour in the team's zone), as aware UTC."""
    slot = weekly_slot(workspace)
    zone = ZoneInfo(slot.timezone)
    local_today = now.astimezone(zone).date()
    monday = local_today - timedelta(days=local_today.weekday())
    local = datetime.combine(monday + timedelta(days=slot.weekday), time(slot.hour), tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC"))


def outbox_key(workspace: Workspace, slot: datetime) -> str:
    iso = slot.astimezone(ZoneInfo(workspace.timezone)).isocalendar()
    return weekly_key(require_id(workspace), iso.year, iso.week)


# -- sections ------------------------------------------------------------------------------------------------


def requests_section(session: Session, workspace: Workspace, start: datetime, end: datetime) -> RequestsWeek:
    rows = session.exec(select(MappingRequest).where(MappingRequest.workspace_id == workspace.id)).all()
    today = end.astimezone(ZoneInfo(workspace.timezone)).date()
    open_statuses = {str(status) for status in OPEN_STATUSES}
    by_status: dict[str, int] = {}
    for row in rows:
        if row.status in open_statuses:
            by_status[row.status] = by_status.get(row.status, 0) + 1
    return RequestsWeek(
        new=sum(1 for row in rows if start <= row.created_at < end),
        open=by_status,
        overdue=sum(1 for row in rows if row.status in open_statuses and row.deadline and row.deadline < today),
        delivered=sum(1 for row in rows if row.delivered_at and start <= row.delivered_at < end),
    )


def chats_section(
    session: Session,
    workspace: Workspace,
    start: datetime,
    end: datetime,
    archive_url: Callable[[str], str | None] = no_archive_url,
) -> ChatsWeek:

    def occurrences(low: datetime, high: datetime) -> list[tuple[ChatOccurrence, ChatSeries]]:
        return list(
            session.exec(
                select(ChatOccurrence, ChatSeries)
                .join(ChatSeries, col(ChatSeries.id) == col(ChatOccurrence.series_id))
                .where(
                    ChatSeries.workspace_id == workspace.id,
                    ChatOccurrence.start_at >= low,
                    ChatOccurrence.start_at < high,
                    ChatOccurrence.status != "cancelled",
                )
                .order_by(col(ChatOccurrence.start_at))
            ).all()
        )

    held = []
    for occurrence, series in occurrences(start, end):
        digest = session.exec(select(Digest).where(Digest.chat_occurrence_id == occurrence.id)).first()
        held.append(
            ChatHeld(
                hashtag=series.hashtag,
                title=series.title,
                start=occurrence.start_at,
                posts=digest.posts if digest else None,
                participants=digest.participants if digest else None,
                link=archive_url(digest.token) if digest else None,
            )
        )
    coming = []
    for occurrence, series in occurrences(end, end + WEEK):
        questions = len(session.exec(select(ChatQuestion).where(ChatQuestion.series_id == series.id)).all())
        moderators = len(session.exec(select(ChatModerator).where(ChatModerator.series_id == series.id)).all())
        coming.append(
            ChatComing(
                hashtag=series.hashtag,
                title=series.title,
                start=occurrence.start_at,
                questions=questions,
                moderators=moderators,
                ready=questions > 0 and moderators > 0,
            )
        )
    return ChatsWeek(held=held, coming=coming)


def accounts_section(session: Session, workspace: Workspace, start: datetime, end: datetime) -> list[AccountWeek]:
    accounts = session.exec(select(ConnectedAccount).where(ConnectedAccount.workspace_id == workspace.id)).all()
    weeks: list[AccountWeek] = []
    for account in accounts:
        snapshots = session.exec(
            select(AccountSnapshot)
            .where(
                AccountSnapshot.platform == account.platform,
                AccountSnapshot.account_id == account.account_id,
                AccountSnapshot.day >= (end - 8 * WEEK).date(),
                AccountSnapshot.day <= end.date(),
            )
            .order_by(col(AccountSnapshot.day))
        ).all()
        this_week = [s for s in snapshots if start.date() <= s.day < end.date()]
        last_week = [s for s in snapshots if (start - WEEK).date() <= s.day < start.date()]
        latest = _last_with(this_week, "followers")
        before = _last_with([s for s in snapshots if s.day < start.date()], "followers")
        mentions = _sum(this_week, "mentions")
        mentions_before = _sum(last_week, "mentions")
        best = session.exec(
            select(Post)
            .where(
                Post.platform == account.platform,
                Post.author_id == account.account_id,
                Post.created_at >= start,
                Post.created_at < end,
                Post.kind != "repost",
            )
            .order_by(sa.desc(col(Post.likes) + col(Post.reposts) + col(Post.replies) + col(Post.quotes)))
        ).first()
        weekly: list[tuple[date, int]] = []
        for weeks_back in range(7, -1, -1):
            edge = (end - weeks_back * WEEK).date()
            value = _last_with([s for s in snapshots if s.day <= edge], "followers")
            if value is not None:
                weekly.append((edge, value))
        weeks.append(
            AccountWeek(
                platform=account.platform,
                handle=account.handle,
                followers=latest,
                followers_change=latest - before if latest is not None and before is not None else None,
                posts=_sum(this_week, "posts"),
                target=account.daily_post_target * 7,
                mentions=mentions,
                mentions_change=mentions - mentions_before
                if mentions is not None and mentions_before is not None
                else None,
                best_post=best.text if best else None,
                best_post_url=getattr(best, "url", None) if best else None,
                best_engagement=(best.likes + best.reposts + best.replies + best.quotes) if best else 0,
                weekly_followers=weekly,
            )
        )
    return weeks


def contacts_section(session: Session, workspace: Workspace, start: datetime, end: datetime) -> list[str]:
    # The weekly digest is a channel post: only contacts visible to everyone in the workspace are named.
    return [row.name for row in contacts.added_between(session, contacts.everyone(require_id(workspace)), start, end)]


def x_spend_section(session: Session, workspace: Workspace, start: datetime, end: datetime) -> MonthSpend:
    """The X spend of the month the week ends in, by kind of job."""
    return month_spend(session, workspace_id=require_id(workspace), month=end.astimezone(UTC).date())


def _last_with(snapshots: list[AccountSnapshot], name: str) -> int | None:
    values = [getattr(s, name) for s in snapshots if getattr(s, name) is not None]
    return int(values[-1]) if values else None


def _sum(snapshots: list[AccountSnapshot], name: str) -> int | None:
    values = [getattr(s, name) for s in snapshots if getattr(s, name) is not None]
    return int(sum(values)) if values else None


Section = Callable[[Session, Workspace, datetime, datetime], Any]
SECTIONS: tuple[tuple[str, Section], ...] = (
    ("requests", requests_section),
    ("chats", chats_section),
    ("accounts", accounts_section),
    ("contacts", contacts_section),
    ("x_spend", x_spend_section),
)


def weekly_data(
    session: Session,
    workspace: Workspace,
    now: datetime,
    *,
    archive_url: Callable[[str], str | None] = no_archive_url,
) -> WeeklyData:
    """Every section that its feature's tables allow; a missing table omits that section only."""
    start, end = week_window(workspace, now)
    data = WeeklyData(team=workspace.name or workspace.slack_team_id, start=start, end=end, timezone=workspace.timezone)
    for name, section in SECTIONS:
        try:
            with session.begin_nested():
                if name == "chats":
                    value = chats_section(session, workspace, start, end, archive_url)
                else:
                    value = section(session, workspace, start, end)
        except sa.exc.SQLAlchemyError as exc:
            log.info("weekly digest: section %s omitted (%s)", name, type(exc).__name__)
            continue
        setattr(data, name, value)
    return data
