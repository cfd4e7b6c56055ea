"""What a watch reads from the store: its hashtag's chat slots (its X query and the team's handles: services.watches.queries)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from assistant.analysis.recurring import RecurringSlot, detect_recurring_chats
from assistant.models.chats import ChatSeries
from assistant.models.posts import Post, PostHashtag
from assistant.models.watches import Watch


def chat_slots(session: Session, watch: Watch) -> list[Any]:
    """The hashtag's chat slots: scheduled weekly series, and recurring bursts found in stored posts."""
    slots: list[Any] = []
    for series in session.exec(select(ChatSeries).where(ChatSeries.workspace_id == watch.workspace_id)):
        if series.hashtag.lower() != watch.term.lower() or series.status == "cancelled":
            continue
        end = (
            datetime.combine(date(2000, 1, 3), series.start_time) + timedelta(minutes=series.duration_minutes)
        ).time()
        slots.append(
            RecurringSlot(
                hashtag=series.hashtag.lower(),
                weekday=series.start_date.weekday(),
                start=series.start_time,
                end=end,
                tz=series.timezone,
                weeks_seen=0,
                weeks_observed=0,
                typical_posts=0,
                typical_participants=0,
            )
        )
    rows = session.exec(
        select(Post.created_at, Post.author_id, Post.text)
        .join(
            PostHashtag, (col(PostHashtag.platform) == col(Post.platform)) & (col(PostHashtag.post_id) == col(Post.id))
        )
        .where(PostHashtag.tag == watch.term.lower())
    ).all()
    if rows:
        from assistant.models.workspaces import Workspace

        workspace = session.get(Workspace, watch.workspace_id)
        tz = workspace.timezone if workspace else "UTC"
        slots.extend(
            detect_recurring_chats(((watch.term.lower(), at, author, text) for at, author, text in rows), tz=tz)
        )
    return slots
