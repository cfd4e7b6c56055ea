"""Hashtag chats: the team's calendar: upcoming sittings with their readiness, and clashes with other chats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from assistant.analysis.recurring import detect_recurring_chats, slot_overlaps
from assistant.models.base import require_id
from assistant.models.chats import ChatOccurrence, ChatSeries, ChatStatus
from assistant.models.credentials import Credential
from assistant.services.chats.form import ValidChat
from assistant.services.chats.repo import questions_of
from assistant.services.chats.signoff import run_sheet
from assistant.services.store.read import posts_query


@dataclass(frozen=True, slots=True)
class Upcoming:
    series: ChatSeries
    occurrence: ChatOccurrence
    questions: int
    host_connected: bool
    approved: bool


def _sittings(workspace_id: int, *where: Any) -> Select[ChatOccurrence, ChatSeries]:
    """The team's scheduled sittings with their series, narrowed by `where`."""
    return (
        select(ChatOccurrence, ChatSeries)
        .join(ChatSeries, col(ChatSeries.id) == ChatOccurrence.series_id)
        .where(ChatSeries.workspace_id == workspace_id, ChatOccurrence.status == ChatStatus.scheduled, *where)
    )


def upcoming(session: Session, workspace_id: int, now: datetime, *, limit: int = 20) -> list[Upcoming]:
    """The next sitting of each scheduled chat of the team, soonest first, with its readiness."""
    rows = session.exec(
        _sittings(workspace_id, ChatSeries.status == ChatStatus.scheduled, col(ChatOccurrence.end_at) > now).order_by(
            col(ChatOccurrence.start_at)
        )
    ).all()
    seen: set[int] = set()
    result: list[Upcoming] = []
    for occurrence, series in rows:
        if series.id in seen:
            continue
        seen.add(require_id(series))
        count = len(questions_of(session, require_id(series)))
        connected = series.manual or (
            series.host_credential_id is not None and session.get(Credential, series.host_credential_id) is not None
        )
        sheet = run_sheet(session, series)
        result.append(Upcoming(series, occurrence, count, connected, not sheet.unapproved))
        if len(result) >= limit:
            break
    return result


def clashes(session: Session, chat: ValidChat, *, workspace_id: int, exclude_series: int | None = None) -> list[str]:
    """Warnings: another chat of the team on the same hashtag overlapping, or a known community slot of the hashtag."""
    warnings: list[str] = []
    tag = chat.hashtag.lower()
    if not chat.slots:
        return warnings
    first, last = chat.slots[0].start, chat.slots[-1].end
    rows = session.exec(
        _sittings(workspace_id, col(ChatOccurrence.start_at) < last, col(ChatOccurrence.end_at) > first)
    ).all()
    for occurrence, other in rows:
        if other.id == exclude_series or other.hashtag.lower() != tag:
            continue
        if any(slot.start < occurrence.end_at and occurrence.start_at < slot.end for slot in chat.slots):
            when = occurrence.start_at.astimezone(ZoneInfo(chat.timezone))
            warnings.append(
                f"Clash: your team's chat “{other.title}” (#{other.hashtag}) also runs {when:%a %d %b %H:%M}."
            )
            break
    warnings.extend(community_clashes(session, chat))
    return warnings


def community_clashes(session: Session, chat: ValidChat) -> list[str]:
    """A recurring community slot of the hashtag (weekly bursts in stored posts) at the chat's time."""
    tag = chat.hashtag.lower()
    since = chat.slots[0].start - timedelta(days=120)
    rows = session.execute(posts_query(hashtag=tag, since=since)).mappings()
    posts = ((tag, row["created_at"], row["author_id"], row["text"]) for row in rows)
    found = []
    for slot in detect_recurring_chats(posts, tz=chat.timezone):
        if any(slot_overlaps(slot, s.start, s.end) for s in chat.slots):
            days = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
            found.append(
                f"Clash: #{slot.hashtag} has a community chat {days[slot.weekday]} {slot.start:%H:%M}-{slot.end:%H:%M} "
                f"({slot.tz}; seen {slot.weeks_seen} weeks, about {slot.typical_participants} people); "
                "talk to its organisers or pick another time."
            )
    return found
