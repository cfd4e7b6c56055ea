"""Hashtag chats: the posts a moderator takes over (posted by hand, post now, skip) found and recorded."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from assistant.models.base import require_id
from assistant.models.chats import ChatOccurrence, ChatPost, ChatSeries, PostStatus
from assistant.models.codecs import ChatPostRef
from assistant.services.chats.posts import post_row, record_post
from assistant.services.chats.repo import get_chat
from assistant.services.chats.signoff import run_sheet

FINAL = (PostStatus.posted, PostStatus.manual_posted, PostStatus.skipped)


@dataclass(frozen=True, slots=True)
class ItemTarget:
    """One post of one sitting on one network, in a chat of the asking workspace."""

    series: ChatSeries
    occurrence: ChatOccurrence
    item: str
    platform: str


def find_item(session: Session, workspace_id: int, ref: ChatPostRef) -> ItemTarget | None:
    """The post a button names, or None when its sitting is gone or belongs to another workspace."""
    occurrence = session.get(ChatOccurrence, ref.occurrence_id)
    if occurrence is None:
        return None
    series = get_chat(session, workspace_id, occurrence.series_id)
    return ItemTarget(series, occurrence, ref.item, ref.platform) if series else None


def item_text(session: Session, series: ChatSeries, item: str) -> str:
    """The item's text as the run sheet has it now ('' when the item is no longer on it)."""
    return next((i.text for i in run_sheet(session, series).items if i.item == item), "")


def record_link(session: Session, target: ItemTarget, *, link: str, by: str) -> ChatPost:
    """A moderator posted the item by hand: its link (the post id is the link's last part) and its text."""
    return record_post(
        session,
        require_id(target.occurrence),
        target.item,
        target.platform,
        PostStatus.manual_posted,
        text=item_text(session, target.series, target.item),
        url=link,
        by=by,
        post_id=link.rstrip("/").rsplit("/", 1)[-1],
    )


def choose_missed(session: Session, target: ItemTarget, status: PostStatus, *, by: str) -> PostStatus | None:
    """Record the moderator's choice for a missed post (post now, or skip); commits.

    Returns the post's status instead, recording nothing, when it was already posted or skipped."""
    existing = post_row(session, require_id(target.occurrence), target.item, target.platform)
    if existing is not None and existing.status in FINAL:
        return existing.status
    record_post(session, require_id(target.occurrence), target.item, target.platform, status, by=by)
    return None
