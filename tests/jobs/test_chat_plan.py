"""The chat plan (pure: run sheet, outbox states, recorded posts, now -> intents) and the runner's run-sheet cache."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.jobs.chats.plan import (
    AskMissed,
    AskUnapproved,
    CrosspostIntro,
    HandOver,
    Publish,
    RecordDone,
    Remind,
    ReportFailed,
    RequestDigest,
    plan,
    reminder_due,
)
from assistant.models.chats import ChatOccurrence, ChatPost, ChatSeries
from assistant.services.chats.signoff import RunSheet, SheetItem
from tests.fakes.chats import ChatWorld, chat_world

START = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
END = START + timedelta(minutes=60)


def _sheet(*, manual: bool = False, approved: bool = True, platforms: tuple[str, ...] = ("x",)) -> RunSheet:
    series = ChatSeries(
        id=7,
        workspace_id=1,
        hashtag="ukfechat",
        title="FE",
        timezone="Europe/London",
        start_date=date(2026, 12, 3),
        start_time=time(21),
        channel_id="C0COMMS001",
        created_by="U0LEAD0001",
        manual=manual,
        platforms=list(platforms),
    )
    occurrence = ChatOccurrence(id=42, series_id=7, start_at=START, end_at=END)
    items = [
        SheetItem("intro", "Intro", 0, "Welcome to #ukfechat", 0.015, False, True),
        SheetItem("question:1", "Q1", 5, "Q1 What works? #ukfechat", 0.015, False, approved),
        SheetItem("closing", "Closing", 60, "Thanks #ukfechat", 0.015, False, True),
    ]
    return RunSheet(series, occurrence, items, 0.045, "x @council", "")


def _at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def test_reminders_fall_in_their_window_until_the_next_lead() -> None:
    assert reminder_due((1440, 15), START, START - timedelta(hours=24)) == 1440
    assert reminder_due((1440, 15), START, START - timedelta(minutes=16)) == 1440
    assert reminder_due((1440, 15), START, START - timedelta(minutes=15)) == 15
    assert reminder_due((1440, 15), START, START) is None
    assert reminder_due((1440, 15), START, START - timedelta(hours=25)) is None


def test_before_the_start_only_the_reminder_to_moderators_and_channel() -> None:
    intents = plan(_sheet(), {}, {}, _at(-10), moderators=["U0LEAD0001", "U0CO000001"])
    assert intents == [Remind(15, ("U0LEAD0001", "U0CO000001", "C0COMMS001"))]


def test_six_minutes_in_the_intro_is_recorded_and_q1_published() -> None:
    sheet = _sheet()
    states = {"chat:42:intro": ("done", None)}
    intents = plan(sheet, states, {}, _at(6), moderators=["U0LEAD0001"])
    assert intents == [
        CrosspostIntro(sheet.items[0]),
        RecordDone(sheet.items[0], "x", "chat:42:intro", START),
        Publish(sheet.items[1], "x", "chat:42:question:1", _at(5)),
    ]


def test_a_posted_item_is_left_alone_and_a_late_one_is_asked_about() -> None:
    sheet = _sheet()
    posted = {("intro", "x"): ChatPost(occurrence_id=42, item="intro", platform="x", status="posted")}
    intents = plan(sheet, {}, posted, _at(8), moderators=["U0LEAD0001"])  # Q1 was due at +5, grace is 2 minutes
    assert intents == [CrosspostIntro(sheet.items[0]), AskMissed(sheet.items[1], "x", "chat:42:question:1", _at(5))]


def test_unapproved_failed_manual_and_the_digest() -> None:
    sheet = _sheet(approved=False)
    unapproved = plan(sheet, {"chat:42:intro": ("done", None)}, {}, _at(6), moderators=["U1", "U2"])
    assert unapproved[-1] == AskUnapproved(sheet.items[1], "x", "chat:42:question:1", _at(5), ("U1", "U2"))
    failed = plan(_sheet(), {"chat:42:intro": ("dead", "AuthError: revoked")}, {}, _at(1), moderators=[])
    assert ReportFailed(_sheet().items[0], "x", "chat:42:intro", START, "AuthError: revoked") in failed
    manual = plan(_sheet(manual=True, platforms=("x", "mastodon")), {}, {}, _at(1), moderators=[])
    assert [type(i) for i in manual[1:]] == [HandOver, HandOver]
    assert [i.key for i in manual[1:] if isinstance(i, HandOver)] == ["chat:42:intro", "chat:42:intro:mastodon"]
    over = plan(_sheet(manual=True), {}, {}, END + timedelta(minutes=15), moderators=[])
    assert over[-1] == RequestDigest() and not any(isinstance(i, CrosspostIntro) for i in over)


@pytest.fixture
def world(engine: Engine) -> Iterator[ChatWorld]:
    with chat_world(engine) as w:
        yield w


def test_the_runner_keeps_a_sittings_run_sheet_until_it_changes(world: ChatWorld) -> None:
    from assistant.services.chats import repo

    series, occurrences = world.chat(START - timedelta(days=10))
    first = occurrences[0]
    world.runner(world.engine, _at(1))
    kept = world.runner._sheets[first.id or 0][1]
    world.runner(world.engine, _at(2))
    assert world.runner._sheets[first.id or 0][1] is kept  # nothing changed: not rebuilt
    with Session(world.engine) as session:
        stored = session.get(ChatSeries, series.id)
        assert stored is not None
        repo.set_questions(session, stored, "10 | What is brand new in FE?", actor="U0COMMS001")
        session.commit()
    world.runner(world.engine, _at(3))
    rebuilt = world.runner._sheets[first.id or 0][1]
    assert rebuilt is not kept and any("brand new" in item.text for item in rebuilt.items)
