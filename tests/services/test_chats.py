"""Chat scheduling service: every validation, storing, editing, run sheet with X cost, sign-off, clashes, ICS."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.models import AuditEntry
from assistant.models.chats import ChatOccurrence, ChatSeries
from assistant.models.workspaces import Workspace
from assistant.render.ics import chat_calendar
from assistant.samples.chat import generate_chat
from assistant.services.chats.clashes import clashes
from assistant.services.chats.form import ChatInput, ChatInputError, validate
from assistant.services.chats.repo import (
    can_change,
    cancel,
    create_chat,
    moderators_of,
    occurrences_of,
    questions_of,
    set_questions,
    update_chat,
)
from assistant.services.chats.signoff import APPROVED, decide, run_sheet, sheet_hash
from assistant.services.store.write import upsert_batch
from assistant.services.team.workspaces import ensure_workspace
from integrations.twarc import parse_twarc_line
from integrations.x.cost import Prices

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def form(**changes: Any) -> ChatInput:
    values: dict[str, Any] = dict(
        hashtag="#ukfechat",
        title="Further education after the review",
        start_date="2026-12-03",
        start_time="21:00",
        timezone="Europe/London",
        duration=60,
        recurrence="weekly",
        count=6,
        channel_id="C0COMMS001",
        questions="What changed for your learners this term?\nWhich support helped most?\nWhat should we ask next?",
    )
    values.update(changes)
    return ChatInput(**values)


@pytest.fixture
def session(engine: Engine) -> Any:
    with Session(engine) as s:
        ws = ensure_workspace(s, slack_team_id="T0DEMO0001")
        s.commit()
        s.info["workspace_id"] = ws.id
        yield s


def _errors(session: Session, chat: ChatInput, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ChatInputError) as caught:
        validate(session, chat, workspace_id=session.info["workspace_id"], now=NOW, **kwargs)
    return caught.value.errors


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"hashtag": "uk fe chat"}, "hashtag", "no spaces"),
        ({"hashtag": "uk.fe"}, "hashtag", "remove '.'"),
        ({"hashtag": "1234"}, "hashtag", "only digits"),
        ({"hashtag": "a" * 101}, "hashtag", "101 characters"),
        ({"hashtag": None}, "hashtag", "Give the chat's hashtag"),
        ({"start_date": "2026-11-20"}, "start_date", "is in the past (it is now 2026-11-23 12:00 there)"),
        ({"timezone": "Europe/Londres"}, "timezone", "'Europe/Londres' is not a time zone"),
        ({"until": "2026-11-30", "count": None}, "until", "The series ends (2026-11-30) before it starts (2026-12-03)"),
        ({"questions": "x" * 275}, "questions", "Q1 is 288 weighted characters on X (limit 280); cut 8 characters."),
        ({"questions": "\n".join(f"q{i}" for i in range(21))}, "questions", "at most 20"),
        ({"questions": "10 | one\n10 | two"}, "questions", "Q1 and Q2 are both at minute 10"),
        ({"host": "999"}, "host", "not connected"),
    ],
)
def test_each_bad_input_gets_its_own_message_and_nothing_is_stored(
    session: Session, changes: dict[str, Any], field: str, message: str
) -> None:
    errors = _errors(session, form(**changes))
    assert message in errors[field], errors
    assert session.exec(select(ChatSeries)).first() is None


def test_a_co_moderator_outside_the_workspace_is_refused_as_data(session: Session) -> None:
    with pytest.raises(ChatInputError) as caught:
        validate(
            session,
            form(moderators=["U0STAFF001", "U0OUTSIDE9"]),
            workspace_id=session.info["workspace_id"],
            now=NOW,
            is_member=lambda u: u != "U0OUTSIDE9",
        )
    assert caught.value.outsider == "U0OUTSIDE9"
    assert caught.value.errors == {"moderators": "U0OUTSIDE9 is not in this workspace; co-moderators must be members."}


def _create(session: Session, **changes: Any) -> ChatSeries:
    valid = validate(session, form(**changes), workspace_id=session.info["workspace_id"], now=NOW)
    return create_chat(session, valid, workspace_id=session.info["workspace_id"], actor="U0STAFF001", now=NOW)


def test_create_stores_occurrences_questions_moderators_and_an_audit_entry(session: Session) -> None:
    series = _create(session, moderators=["U0COMMS001"])
    occurrences = occurrences_of(session, series.id or 0)
    assert len(occurrences) == 6
    assert occurrences[0].start_at == datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
    assert [q.offset_minutes for q in questions_of(session, series.id or 0)] == [5, 21, 38]
    assert {(m.slack_user_id, m.lead) for m in moderators_of(session, series.id or 0)} == {
        ("U0STAFF001", True),
        ("U0COMMS001", False),
    }
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "chat.created")).one().record_id == str(series.id)


def test_permissions_creator_moderators_and_comms_only(session: Session) -> None:
    series = _create(session, moderators=["U0TEACH001"])
    assert can_change(session, series, "U0STAFF001", is_comms=False)
    assert can_change(session, series, "U0TEACH001", is_comms=False)
    assert can_change(session, series, "U0COMMS001", is_comms=True)
    assert not can_change(session, series, "U0ADMIN001", is_comms=False)


def test_run_sheet_prices_a_post_with_a_link_far_above_one_without(session: Session) -> None:
    series = _create(session, questions="Plain question?\nRead https://example.org/report first?", host="manual")
    series.manual = False
    prices = Prices(post_create=0.015, post_create_with_link=0.20)
    sheet = run_sheet(session, series, prices=prices)
    by_label = {item.label: item for item in sheet.items}
    assert (by_label["Q1"].cost, by_label["Q1"].link) == (0.015, False)
    assert (by_label["Q2"].cost, by_label["Q2"].link) == (0.20, True)
    assert sheet.total_cost == pytest.approx(0.015 * 3 + 0.20)  # intro, Q1, closing, and Q2 with its link
    assert [i.item for i in sheet.items] == ["intro", "question:1", "question:2", "closing"]


def test_sign_off_covers_exact_texts_and_an_edit_asks_again(session: Session) -> None:
    series = _create(session, requires_approval=True)
    sheet = run_sheet(session, series)
    assert len(sheet.unapproved) == len(sheet.items)
    with pytest.raises(ValueError, match="changed since"):
        decide(session, series, decision=APPROVED, actor="U0COMMS001", expected_hash="stale", now=NOW)
    approved = decide(session, series, decision=APPROVED, actor="U0COMMS001", expected_hash=sheet_hash(sheet), now=NOW)
    assert approved.unapproved == []
    set_questions(
        session,
        series,
        "What changed for your learners this term?\nWhich support helped MOST?\nWhat should we ask next?",
        actor="U0STAFF001",
    )
    again = run_sheet(session, series)
    assert [i.label for i in again.unapproved] == ["Q2"]


def test_a_chat_whose_posts_cross_the_monthly_budget_needs_an_admin_to_approve(session: Session) -> None:
    series = _create(session, requires_approval=True)
    series.manual = False  # the app posts it: intro, three questions and closing, $0.015 each at X's prices
    workspace = session.get(Workspace, session.info["workspace_id"])
    assert workspace is not None
    workspace.settings = {"x_monthly_budget": 0.05}
    session.add(workspace)
    sheet = run_sheet(session, series)
    assert sheet.total_cost == pytest.approx(5 * 0.015)
    with pytest.raises(ValueError, match=r"this job about \$0\.07 · \$0\.02 over .* An admin has to approve"):
        decide(session, series, decision=APPROVED, actor="U0COMMS001", expected_hash=sheet_hash(sheet), now=NOW)
    assert run_sheet(session, series).unapproved == sheet.items
    approved = decide(
        session, series, decision=APPROVED, actor="U0ADMIN001", expected_hash=sheet_hash(sheet), now=NOW, admin=True
    )
    assert approved.unapproved == []
    said = session.exec(select(AuditEntry).where(AuditEntry.action == "budget.crossed_approved")).one()
    assert said.actor == "U0ADMIN001" and said.detail["budget"] == 0.05


def test_a_comms_approval_past_the_budget_is_held_once_and_released_by_an_admins_yes(session: Session) -> None:
    from assistant.services.chats.signoff import HeldForBudget, release
    from assistant.services.costs import holds

    series = _create(session, requires_approval=True)
    series.manual = False
    workspace = session.get(Workspace, session.info["workspace_id"])
    assert workspace is not None
    workspace.settings = {"x_monthly_budget": 0.05}
    session.add(workspace)
    sheet = run_sheet(session, series)
    key = sheet_hash(sheet)
    with pytest.raises(HeldForBudget, match="An admin's yes is needed") as first:
        decide(session, series, decision=APPROVED, actor="U0COMMS001", expected_hash=key, now=NOW, channel_id="C1")
    with pytest.raises(HeldForBudget) as again:
        decide(session, series, decision=APPROVED, actor="U0COMMS001", expected_hash=key, now=NOW, channel_id="C1")
    assert first.value.asked.new and not again.value.asked.new  # one request, however often pressed
    hold = first.value.asked.hold
    assert (hold.job_kind, hold.job_id, hold.channel_id, hold.state) == ("chat", f"{series.id}:{key}", "C1", "waiting")
    assert run_sheet(session, series).unapproved == sheet.items
    decided = holds.decide(
        session, hold.id or 0, approve=True, actor="U0ADMIN001", workspace_id=series.workspace_id, now=NOW
    )
    released, signed = release(session, decided, admin="U0ADMIN001", now=NOW)
    assert released.id == series.id and signed.unapproved == []
    crossed = session.exec(select(AuditEntry).where(AuditEntry.action == "budget.crossed_approved")).all()
    assert [e.actor for e in crossed] == ["U0ADMIN001"]


def test_cancel_one_occurrence_or_the_series(session: Session) -> None:
    series = _create(session)
    occurrences = occurrences_of(session, series.id or 0)
    done = cancel(session, series, actor="U0STAFF001", now=NOW, occurrence_id=occurrences[1].id)
    assert [o.id for o in done] == [occurrences[1].id]
    assert series.status == "scheduled"
    rest = cancel(session, series, actor="U0STAFF001", now=NOW)
    assert len(rest) == 5 and series.status == "cancelled"
    assert session.exec(select(ChatOccurrence).where(ChatOccurrence.status == "scheduled")).first() is None


def test_edit_replans_future_occurrences(session: Session) -> None:
    series = _create(session)
    valid = validate(session, form(start_time="20:00", count=2), workspace_id=session.info["workspace_id"], now=NOW)
    update_chat(session, series, valid, actor="U0STAFF001", now=NOW)
    starts = [o.start_at for o in occurrences_of(session, series.id or 0)]
    assert starts == [datetime(2026, 12, 3, 20, 0, tzinfo=UTC), datetime(2026, 12, 10, 20, 0, tzinfo=UTC)]


def test_clash_with_another_team_chat_on_the_same_hashtag(session: Session) -> None:
    _create(session)
    valid = validate(
        session,
        form(start_time="21:30", count=1, recurrence="none", hashtag="UKFEChat"),
        workspace_id=session.info["workspace_id"],
        now=NOW,
    )
    warnings = clashes(session, valid, workspace_id=session.info["workspace_id"])
    assert any("your team's chat" in w and "Thu 03 Dec 21:00" in w for w in warnings), warnings
    other = validate(session, form(hashtag="edchat", count=1), workspace_id=session.info["workspace_id"], now=NOW)
    assert clashes(session, other, workspace_id=session.info["workspace_id"]) == []


def test_clash_with_a_known_community_slot_from_stored_posts(session: Session) -> None:
    for page in generate_chat(40, 3, hashtag="ukfechat", start=datetime(2026, 10, 1, 21, 0), weeks=6):
        batch = parse_twarc_line(page)
        assert not isinstance(batch, str)
        upsert_batch(session, batch)
    session.commit()
    valid = validate(
        session,
        form(count=1, recurrence="none", hashtag="ukfechat"),
        workspace_id=session.info["workspace_id"],
        now=NOW,
    )
    warnings = clashes(session, valid, workspace_id=session.info["workspace_id"])
    assert any("community chat Thursdays 21:00" in w for w in warnings), warnings
    later = validate(
        session,
        form(count=1, recurrence="none", hashtag="ukfechat", start_time="09:00"),
        workspace_id=session.info["workspace_id"],
        now=NOW,
    )
    assert clashes(session, later, workspace_id=session.info["workspace_id"]) == []


def test_ics_parses_back_with_rrule_vtimezone_organizer_and_questions(session: Session) -> None:
    series = _create(session)
    occurrences = occurrences_of(session, series.id or 0)
    cancel(session, series, actor="U0STAFF001", now=NOW, occurrence_id=occurrences[2].id)
    sheet = run_sheet(session, series)
    data = chat_calendar(
        series,
        occurrences_of(session, series.id or 0),
        sheet.items,
        organizer_name="#ukfechat moderators",
        now=NOW,
    )
    calendar = Calendar.from_ical(data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    (tz,) = calendar.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Europe/London"
    (event,) = calendar.walk("VEVENT")
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["COUNT"] == [6]
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None and str(event["DTSTART"].params["TZID"]) == "Europe/London"
    assert start.astimezone(UTC) == datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
    assert (event.decoded("DTEND") - start).total_seconds() == 3600
    assert event["SUMMARY"] == "#ukfechat: Further education after the review"
    assert "Q2 Which support helped most? #ukfechat" in event["DESCRIPTION"]
    assert "CN" in event["ORGANIZER"].params
    exdates = (
        [d.dt for d in event["EXDATE"].dts]
        if not isinstance(event["EXDATE"], list)
        else [d.dt for e in event["EXDATE"] for d in e.dts]
    )
    assert [d.astimezone(UTC) for d in exdates] == [occurrences[2].start_at]
    assert data.count(b"\r\n") > 10  # RFC 5545 line endings


def test_ics_of_a_series_across_march_keeps_the_local_time(session: Session) -> None:
    series = _create(session, until="2027-04-15", count=None)
    data = chat_calendar(series, occurrences_of(session, series.id or 0), [], organizer_name="mods", now=NOW)
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    assert event["RRULE"]["UNTIL"][0].astimezone(UTC) == datetime(2027, 4, 15, 20, 0, tzinfo=UTC)
    start = event.decoded("DTSTART")
    expanded = list(rrulestr(event["RRULE"].to_ical().decode(), dtstart=start))
    assert {d.hour for d in expanded} == {21}  # a calendar expands it at 21:00 local every week
    utc = {d.date(): d.astimezone(UTC).hour for d in expanded}
    assert utc[date(2027, 3, 25)] == 21 and utc[date(2027, 4, 1)] == 20
    assert [d.astimezone(UTC) for d in expanded] == [o.start_at for o in occurrences_of(session, series.id or 0)]
