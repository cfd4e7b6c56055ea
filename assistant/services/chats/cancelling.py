"""Hashtag chats: cancelling the next sitting, a sitting on a given day, or the whole series; the calendar file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from assistant.models.base import require_id
from assistant.models.chats import ChatSeries, ChatStatus
from assistant.render.ics import chat_calendar
from assistant.services.chats.posts import intro_is_public
from assistant.services.chats.repo import cancel, moderators_of, occurrences_of
from assistant.services.chats.signoff import run_sheet


class NoSitting(LookupError):
    """No upcoming sitting (on the day asked for) to cancel."""


@dataclass(frozen=True, slots=True)
class Cancelled:
    """What a cancellation did: the sittings' starts, whether the whole chat went, who is told."""

    series: ChatSeries
    when: list[datetime]
    whole: bool
    moderators: list[str]
    under_way: bool  # an intro is already public, so guests are told in public


def cancel_sitting(
    session: Session, series: ChatSeries, *, actor: str, now: datetime, day: date | None = None, whole: bool = False
) -> Cancelled:
    """Cancel the next upcoming sitting (the one on `day`, in the chat's zone), or the series when `whole`.

    Cancelling the only sitting of a one-off cancels the chat. Raises NoSitting when there is none to cancel."""
    occurrence_id: int | None = None
    if not whole:
        planned = [
            o
            for o in occurrences_of(session, require_id(series))
            if o.status == ChatStatus.scheduled and o.end_at > now
        ]
        if day is not None:
            planned = [o for o in planned if o.start_at.astimezone(ZoneInfo(series.timezone)).date() == day]
        if not planned:
            raise NoSitting(f"chat {series.id} has no upcoming sitting to cancel")
        occurrence_id = planned[0].id
        if len(occurrences_of(session, require_id(series))) == 1:
            occurrence_id = None  # a one-off: cancelling its sitting cancels the chat
    moderators = [m.slack_user_id for m in moderators_of(session, require_id(series))]
    done = cancel(session, series, actor=actor, now=now, occurrence_id=occurrence_id)
    under_way = not series.manual and any(intro_is_public(session, o) for o in done)
    return Cancelled(series, [o.start_at for o in done], occurrence_id is None, moderators, under_way)


def calendar_file(session: Session, series: ChatSeries) -> bytes:
    """The chat's sittings as an iCalendar file, each with its run sheet."""
    occurrences = occurrences_of(session, require_id(series))
    sheet = run_sheet(session, series)
    return chat_calendar(series, occurrences, sheet.items, organizer_name=f"#{series.hashtag} moderators")
