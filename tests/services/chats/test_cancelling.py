"""Cancelling a chat: the next sitting, the sitting on a day, the series, a one-off; the calendar file."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar
from sqlmodel import Session

from assistant.models.base import require_id
from assistant.models.chats import ChatSeries, ChatStatus
from assistant.services.chats.cancelling import NoSitting, calendar_file, cancel_sitting
from assistant.services.chats.form import ChatInput, validate
from assistant.services.chats.repo import create_chat, occurrences_of
from tests.services.chats.conftest import NOW
from tests.services.test_chats import form

WEEK_3 = datetime(2026, 12, 17, 21, 0, tzinfo=UTC)


def _chat(session: Session, chat: ChatInput) -> ChatSeries:
    ws = session.info["workspace_id"]
    valid = validate(session, chat, workspace_id=ws, now=NOW, is_member=lambda _user: True)
    return create_chat(session, valid, workspace_id=ws, actor="U0STAFF001", now=NOW)


def _statuses(session: Session, series: ChatSeries) -> list[str]:
    return [o.status for o in occurrences_of(session, require_id(series))]


def test_the_next_sitting_is_cancelled_and_the_series_stays(session: Session) -> None:
    series = _chat(session, form(moderators=["U0TEACH001"]))
    done = cancel_sitting(session, series, actor="U0STAFF001", now=NOW)
    assert [w.replace(tzinfo=UTC) for w in done.when] == [datetime(2026, 12, 3, 21, 0, tzinfo=UTC)]
    assert not done.whole and not done.under_way
    assert done.moderators == ["U0STAFF001", "U0TEACH001"]
    assert _statuses(session, series) == [ChatStatus.cancelled] + [ChatStatus.scheduled] * 5
    assert session.get(ChatSeries, require_id(series)).status == ChatStatus.scheduled  # type: ignore[union-attr]


def test_the_sitting_on_a_day_is_cancelled_and_a_day_without_one_is_refused(session: Session) -> None:
    series = _chat(session, form())
    done = cancel_sitting(session, series, actor="U0STAFF001", now=NOW, day=date(2026, 12, 17))
    assert [w.replace(tzinfo=UTC) for w in done.when] == [WEEK_3]
    with pytest.raises(NoSitting):
        cancel_sitting(session, series, actor="U0STAFF001", now=NOW, day=date(2026, 12, 18))  # a Friday
    with pytest.raises(NoSitting):
        cancel_sitting(session, series, actor="U0STAFF001", now=NOW, day=date(2026, 12, 17))  # already cancelled


def test_the_whole_series_and_a_one_off_cancel_the_chat(session: Session) -> None:
    weekly = _chat(session, form())
    done = cancel_sitting(session, weekly, actor="U0STAFF001", now=NOW, whole=True)
    assert done.whole and len(done.when) == 6
    assert set(_statuses(session, weekly)) == {ChatStatus.cancelled}
    once = _chat(session, form(hashtag="fechat", recurrence="none", count=1))
    done = cancel_sitting(session, once, actor="U0STAFF001", now=NOW)
    assert done.whole and len(done.when) == 1
    assert session.get(ChatSeries, require_id(once)).status == ChatStatus.cancelled  # type: ignore[union-attr]


def test_the_calendar_file_holds_the_series_and_its_questions(session: Session) -> None:
    series = _chat(session, form())
    (event,) = Calendar.from_ical(calendar_file(session, series)).walk("VEVENT")
    assert event["SUMMARY"] == "#ukfechat: Further education after the review"
    assert event["RRULE"]["COUNT"] == [6]
    assert "Q2 Which support helped most? #ukfechat" in event["DESCRIPTION"]
