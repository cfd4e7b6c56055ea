"""Saving the chat form: a new chat and an edit, the run sheet of the next sitting, the form's prefill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from assistant.models.base import require_id
from assistant.models.chats import ChatSeries
from assistant.services.chats.editing import Saved, current_sheet, form_values, questions_text, save_chat
from assistant.services.chats.form import ChatInput, validate
from integrations.x.cost import Prices
from tests.services.chats.conftest import NOW
from tests.services.test_chats import form


def _save(session: Session, chat: ChatInput, existing: ChatSeries | None = None) -> Saved:
    ws = session.info["workspace_id"]
    valid = validate(session, chat, workspace_id=ws, now=NOW, check_start=existing is None)
    return save_chat(session, valid, workspace_id=ws, existing=existing, actor="U0STAFF001", now=NOW, prices=Prices())


def test_a_new_chat_is_stored_with_the_run_sheet_of_its_first_sitting(session: Session) -> None:
    saved = _save(session, form())
    assert saved.created and saved.warnings == []
    assert session.get(ChatSeries, require_id(saved.series)) is not None
    assert saved.sheet.occurrence is not None
    assert saved.sheet.occurrence.start_at.replace(tzinfo=UTC) == datetime(2026, 12, 3, 21, 0, tzinfo=UTC)  # GMT
    assert [i.item for i in saved.sheet.items] == ["intro", "question:1", "question:2", "question:3", "closing"]
    assert not saved.needs_sign_off  # no sign-off asked for


def test_an_edit_updates_the_chat_and_a_second_chat_on_its_hashtag_is_warned_of(session: Session) -> None:
    first = _save(session, form()).series
    edited = _save(session, form(title="After the review"), existing=first)
    assert not edited.created and require_id(edited.series) == require_id(first)
    assert session.get(ChatSeries, require_id(first)).title == "After the review"  # type: ignore[union-attr]
    assert edited.warnings == []  # its own sittings are no clash
    second = _save(session, form(title="Same hour, same tag", count=1, recurrence="none"))
    assert second.warnings == ["Clash: your team's chat “After the review” (#ukfechat) also runs Thu 03 Dec 21:00."]


def test_a_chat_needing_sign_off_says_so_until_its_sheet_is_approved(session: Session) -> None:
    assert _save(session, form(requires_approval=True)).needs_sign_off


def test_the_current_sheet_is_of_the_next_sitting_not_yet_over(session: Session) -> None:
    series = _save(session, form()).series
    after_first = datetime(2026, 12, 3, 22, 1, tzinfo=UTC)  # the first sitting ended at 22:00
    sheet = current_sheet(session, series, now=after_first, prices=Prices())
    assert sheet.occurrence is not None
    assert sheet.occurrence.start_at.replace(tzinfo=UTC) == datetime(2026, 12, 10, 21, 0, tzinfo=UTC)
    assert current_sheet(session, series, now=after_first + timedelta(weeks=6), prices=Prices()).occurrence is None


def test_the_questions_text_keeps_each_minute(session: Session) -> None:
    series = _save(session, form(questions="10 | First one?\n40 | Second one?")).series
    assert questions_text(session, require_id(series)) == "10 | First one?\n40 | Second one?"


def test_the_form_values_of_a_chat_fill_the_form_it_was_saved_from(session: Session) -> None:
    chat: dict[str, Any] = dict(
        cross_post=["mastodon"], requires_approval=True, moderators=["U0STAFF001", "U0TEACH001"], guests="@ada"
    )
    series = _save(session, form(**chat)).series
    values = form_values(session, series)
    assert values["hashtag"] == "ukfechat" and values["start_date"] == "2026-12-03" and values["start_time"] == "21:00"
    assert values["count"] == 6 and values["until"] is None and values["host"] == "manual"
    assert values["options"] == ["mastodon", "approval"]
    assert values["moderators"] == ["U0TEACH001"]  # the creator leads and is not listed
    assert values["guests"] == "@ada"
