"""Sample data for the weekly digest (demo and tests): an account with 8 weeks of snapshots, posts, a contact, chats."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from assistant.models.accounts import ConnectedAccount
from assistant.models.base import require_id
from assistant.models.chats import ChatOccurrence, ChatQuestion, ChatSeries, Recurrence
from assistant.models.contacts import Contact
from assistant.models.digests import AccountSnapshot
from assistant.models.mapping import MappingRequest, MappingStatus
from assistant.models.posts import Post
from assistant.models.workspaces import Workspace


def seed_weekly(
    session: Session, workspace: Workspace, now: datetime, *, owner: str = "U0COMMS001"
) -> ConnectedAccount:
    """A connected X account @DemoCouncil with daily snapshots for 8 weeks (+12 followers a day), two posts this week."""
    existing = session.exec(
        select(ConnectedAccount).where(
            ConnectedAccount.workspace_id == workspace.id,
            ConnectedAccount.platform == "x",
            ConnectedAccount.account_id == "783214",
        )
    ).first()
    if existing is not None:  # already seeded
        return existing
    account = ConnectedAccount(
        workspace_id=require_id(workspace),
        platform="x",
        account_id="783214",
        handle="@DemoCouncil",
        owner_user_id=owner,
        connected_by=owner,
        daily_post_target=1,
        created_at=now - timedelta(days=70),
    )
    session.add(account)
    for days_back in range(57, 0, -1):
        day = (now - timedelta(days=days_back)).date()
        session.add(
            AccountSnapshot(
                platform="x",
                account_id="783214",
                day=day,
                followers=5000 + 12 * (57 - days_back),
                following=310,
                posts=1 if days_back % 2 else 0,
                mentions=4 if days_back <= 7 else 3,
                captured_at=datetime.combine(day, time(6), tzinfo=now.tzinfo),
            )
        )
    for index, (text, likes) in enumerate(
        (("FE funding consultation opens today: have your say", 41), ("Thanks to everyone at #ukfechat last night", 12))
    ):
        session.add(
            Post(
                platform="x",
                id=f"19000000000000000{index}",
                author_id="783214",
                author_handle="DemoCouncil",
                created_at=now - timedelta(days=2 + index),
                text=text,
                likes=likes,
                reposts=index,
            )
        )
    _seed_contacts_and_chats(session, workspace, now, owner)
    session.commit()
    session.refresh(account)
    return account


def _seed_contacts_and_chats(session: Session, workspace: Workspace, now: datetime, owner: str) -> None:
    session.add(
        MappingRequest(
            workspace_id=require_id(workspace),
            requester_id="U0STAFF001",
            title="FE funding stakeholders",
            status=MappingStatus.claimed,
            claimed_by=owner,
            deadline=(now - timedelta(days=1)).date(),
            created_at=now - timedelta(days=3),
        )
    )
    session.add(
        Contact(
            workspace_id=require_id(workspace),
            name="Priya Shah",
            organisation="FE Lecturers' Network",
            added_by=owner,
            visibility="workspace",
            created_at=now - timedelta(days=3),
        )
    )
    series = ChatSeries(
        workspace_id=require_id(workspace),
        hashtag="ukfechat",
        title="FE lecturers' chat",
        timezone=workspace.timezone,
        start_date=(now - timedelta(days=4)).date(),
        start_time=time(21),
        channel_id="C0COMMS001",
        created_by=owner,
        recurrence=Recurrence.weekly,
    )
    session.add(series)
    session.flush()
    zone = ZoneInfo(workspace.timezone)
    for day in ((now - timedelta(days=4)).date(), (now + timedelta(days=3)).date()):
        start = datetime.combine(day, time(21), tzinfo=zone).astimezone(UTC)
        session.add(ChatOccurrence(series_id=require_id(series), start_at=start, end_at=start + timedelta(hours=1)))
    session.add(
        ChatQuestion(series_id=require_id(series), number=1, offset_minutes=5, text="Q1 What works in FE maths?")
    )
