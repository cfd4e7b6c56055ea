"""Hashtag chats: what happened to each post of a sitting on each network."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from assistant.models.chats import ChatOccurrence, ChatPost, PostStatus
from assistant.models.codecs import INTRO


def intro_is_public(session: Session, occurrence: ChatOccurrence) -> bool:
    """The sitting's intro is already posted on some network (so a cancellation is answered in public)."""
    return (
        session.exec(
            select(ChatPost).where(
                ChatPost.occurrence_id == occurrence.id,
                ChatPost.item == INTRO,
                ChatPost.status == PostStatus.posted,
            )
        ).first()
        is not None
    )


def post_row(session: Session, occurrence_id: int, item: str, platform: str) -> ChatPost | None:
    return session.exec(
        select(ChatPost).where(
            ChatPost.occurrence_id == occurrence_id, ChatPost.item == item, ChatPost.platform == platform
        )
    ).first()


def record_post(
    session: Session,
    occurrence_id: int,
    item: str,
    platform: str,
    status: PostStatus,
    *,
    text: str = "",
    url: str | None = None,
    by: str = "worker",
    post_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> ChatPost:
    """Insert or update what happened to one item of one sitting (`detail`: e.g. Bluesky's uri and cid); commits."""
    row = post_row(session, occurrence_id, item, platform) or ChatPost(
        occurrence_id=occurrence_id, item=item, platform=platform, status=status
    )
    row.status, row.by, row.recorded_at = status, by, datetime.now(UTC)
    row.text = text or row.text
    row.url = url or row.url
    row.post_id = post_id or row.post_id
    if detail:
        row.detail = {**(row.detail or {}), **detail}
    session.add(row)
    session.commit()
    return row
