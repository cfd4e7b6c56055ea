"""`/outreach chat` end to end through signed Bolt requests against the Slack stand-in (time via time-machine)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from slack_sdk.models.views import View
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.models import Role
from assistant.models.chats import ChatOccurrence, ChatPost, ChatSeries
from assistant.services.chats.repo import occurrences_of
from assistant.services.chats.signoff import run_sheet
from assistant.slack.blocks import chats as blocks
from assistant.slack.listeners.chats.signoff import approve
from assistant.standins import slack_requests as requests
from tests.fakes.slack import SlackHarness, ack_json, harness, view_arg
from tests.slack.direct import Calls, request_context

BEFORE = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture
def app(engine: Engine, sqlite_url: str) -> Iterator[SlackHarness]:
    with time_machine.travel(BEFORE, tick=True), harness(engine, sqlite_url, slack_comms_channel="C0COMMS001") as h:
        yield h


def _state(**fields: Any) -> dict[str, Any]:
    """Modal state values as Slack sends them, by the service's field names."""
    kinds = {
        "start_date": "selected_date",
        "start_time": "selected_time",
        "recurrence": "selected_option",
        "host": "selected_option",
        "moderators": "selected_users",
        "channel": "selected_conversation",
        "options": "selected_options",
        "until": "selected_date",
    }
    values: dict[str, Any] = {}
    for name, value in fields.items():
        kind = kinds.get(name, "value")
        element: dict[str, Any]
        if kind == "selected_option":
            element = {"type": "static_select", kind: {"value": value, "text": {"type": "plain_text", "text": value}}}
        elif kind == "selected_options":
            element = {
                "type": "checkboxes",
                kind: [{"value": v, "text": {"type": "plain_text", "text": v}} for v in value],
            }
        else:
            element = {"type": "x", kind: value}
        values[blocks.FIELD_BLOCKS[name]] = {blocks.VALUE: element}
    return values


def _chat_form(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict(
        hashtag="#ukfechat",
        title="Further education after the review",
        start_date="2026-12-03",
        start_time="21:00",
        timezone="Europe/London",
        duration="60",
        recurrence="weekly",
        count="4",
        host="manual",
        moderators=["U0COMMS001"],
        guests="@fe_minister",
        channel="C0GENERAL1",
        template="Q{n} {text} #{hashtag}",
        options=[],
        questions="What changed for your learners this term?\n30 | Which support helped most?",
    )
    fields.update(changes)
    return fields


def _submit(
    app: SlackHarness, callback: str, fields: dict[str, Any], *, user_id: str = "U0STAFF001", metadata: str = ""
) -> dict[str, Any]:
    payload = requests.view_submission(callback, _state(**fields), user_id=user_id, private_metadata=metadata)
    return ack_json(app.action(payload))


def _series(engine: Engine) -> list[ChatSeries]:
    with Session(engine) as session:
        return list(session.exec(select(ChatSeries)))


def _schedule(app: SlackHarness, **changes: Any) -> ChatSeries:
    assert _submit(app, blocks.CHAT_MODAL, _chat_form(**changes)) in ({}, {"text": ""})
    app.slack.wait_for("chat.postMessage")
    (series,) = _series(app.services.engine)
    return series


def test_chat_new_opens_the_modal_in_the_users_time_zone(app: SlackHarness) -> None:
    assert ack_json(app.command("chat new", user_id="U0TEACH001")) in ({}, {"text": ""})
    view = view_arg(app.slack.wait_for("views.open")[0].args)
    View(**view).validate_json()
    assert view["callback_id"] == blocks.CHAT_MODAL
    by_block = {b["block_id"]: b for b in view["blocks"]}
    assert by_block["chat_timezone"]["element"]["initial_value"] == "America/New_York"
    assert by_block["chat_duration"]["element"]["initial_value"] == "60"
    assert [o["value"] for o in by_block["chat_host"]["element"]["options"]] == ["manual"]
    assert by_block["chat_channel"]["element"]["initial_conversation"] == "C0GENERAL1"


def test_scheduling_stores_the_chat_and_sends_the_run_sheet(app: SlackHarness) -> None:
    series = _schedule(app)
    assert (series.hashtag, series.timezone, series.created_by, series.guests) == (
        "ukfechat",
        "Europe/London",
        "U0STAFF001",
        ["@fe_minister"],
    )
    message = app.slack.wait_for("chat.postMessage")[0].args
    assert message["channel"] == "U0STAFF001"
    text = _dump(message["blocks"])
    assert (
        "*21:05* Q1" in text
        and "Q1 What changed for your learners this term? #ukfechat" in text
        and "*21:30* Q2" in text
    )
    assert "no API cost (posted by hand)" in text
    with Session(app.services.engine) as session:
        assert len(session.exec(select(ChatOccurrence)).all()) == 4


@pytest.mark.parametrize(
    ("changes", "block", "message"),
    [
        ({"hashtag": "uk fe chat"}, "chat_hashtag", "A hashtag has no spaces"),
        ({"hashtag": "ukfe!"}, "chat_hashtag", "remove '!'"),
        ({"hashtag": "2026"}, "chat_hashtag", "only digits"),
        ({"hashtag": "x" * 101}, "chat_hashtag", "101 characters"),
        ({"hashtag": ""}, "chat_hashtag", "Give the chat's hashtag"),
        ({"start_date": "2026-11-20"}, "chat_start_date", "is in the past"),
        ({"timezone": "Middle/Earth"}, "chat_timezone", "'Middle/Earth' is not a time zone"),
        ({"until": "2026-11-01", "count": ""}, "chat_until", "ends (2026-11-01) before it starts (2026-12-03)"),
        (
            {"questions": "y" * 277},
            "chat_questions",
            "Q1 is 290 weighted characters on X (limit 280); cut 10 characters.",
        ),
        (
            {"questions": "\n".join(f"q {i}" for i in range(21))},
            "chat_questions",
            "21 questions: a chat has at most 20.",
        ),
        ({"questions": "10 | a\n10 | b"}, "chat_questions", "Q1 and Q2 are both at minute 10"),
        ({"moderators": ["U0NOBODY01"]}, "chat_moderators", "<@U0NOBODY01> is not in this workspace"),
        ({"start_date": "9999-12-31"}, "chat_start_date", "must be between 1900 and 2999"),  # its end overflowed
        ({"until": "9999-12-31"}, "chat_until", "must be between 1900 and 2999"),
    ],
)
def test_bad_input_gets_a_specific_error_and_nothing_is_stored(
    app: SlackHarness, changes: dict[str, Any], block: str, message: str
) -> None:
    body = _submit(app, blocks.CHAT_MODAL, _chat_form(**changes))
    assert body["response_action"] == "errors"
    assert message in body["errors"][block], body
    assert _series(app.services.engine) == []


def test_list_and_show(app: SlackHarness) -> None:
    series = _schedule(app)
    listing = _dump(ack_json(app.command("chat list"))["blocks"])
    assert f"*{series.id}* · *#ukfechat*" in listing and "2 question(s)" in listing and "host by hand" in listing
    shown = _dump(ack_json(app.command(f"chat show {series.id}"))["blocks"])
    assert "Thu 03 Dec 2026 21:00 Europe/London" in shown and "Q2 Which support helped most? #ukfechat" in shown
    assert "chat show abc" not in shown
    assert "needs the chat's number" in ack_json(app.command("chat show abc"))["text"]
    assert "There is no chat 999" in ack_json(app.command("chat show 999"))["text"]
    assert "I don't know `chat fly`" in ack_json(app.command("chat fly"))["text"]


def test_only_creator_moderators_and_comms_may_change_a_chat(app: SlackHarness) -> None:
    series = _schedule(app)
    for verb in ("edit", "cancel", "questions"):
        refused = ack_json(app.command(f"chat {verb} {series.id}", user_id="U0TEACH001"))
        assert (
            refused["text"]
            == f"You can't {verb} chat {series.id}: only its creator, its moderators and comms members may."
        )
    body = _submit(app, blocks.CHAT_MODAL, _chat_form(title="Hijacked"), user_id="U0TEACH001", metadata=str(series.id))
    assert "You may not edit this chat" in body["errors"]["chat_hashtag"]
    assert _series(app.services.engine)[0].title == "Further education after the review"
    ack_json(app.command(f"chat edit {series.id}", user_id="U0COMMS001"))  # a moderator (and comms)
    view = view_arg(app.slack.wait_for("views.open")[0].args)
    by_block = {b["block_id"]: b for b in view["blocks"]}
    assert view["private_metadata"] == str(series.id)
    assert by_block["chat_hashtag"]["element"]["initial_value"] == "ukfechat"
    assert by_block["chat_moderators"]["element"]["initial_users"] == ["U0COMMS001"]
    assert "30 | Which support helped most?" in by_block["chat_questions"]["element"]["initial_value"]
    assert _submit(
        app,
        blocks.CHAT_MODAL,
        _chat_form(title="Renamed", start_time="20:00"),
        user_id="U0COMMS001",
        metadata=str(series.id),
    ) in ({}, {"text": ""})
    assert app.slack.wait_for("chat.postMessage", 2)[1].args["text"] == f"Updated #ukfechat (chat {series.id})"
    assert _series(app.services.engine)[0].title == "Renamed"


def test_cancel_one_sitting_then_the_series_tells_everyone(app: SlackHarness) -> None:
    series = _schedule(app)
    answer = ack_json(app.command(f"chat cancel {series.id} --date 2026-12-10"))
    assert "cancelled #ukfechat “Further education after the review” on Thu 10 Dec 21:00" in answer["text"]
    told = app.slack.wait_for("chat.postMessage", 4)[1:]
    assert sorted(c.args["channel"] for c in told) == ["C0GENERAL1", "D0COMMS001", "D0STAFF001"]
    with Session(app.services.engine) as session:
        assert [o.status for o in session.exec(select(ChatOccurrence).order_by(col(ChatOccurrence.start_at)))] == [
            "scheduled",
            "cancelled",
            "scheduled",
            "scheduled",
        ]
    assert (
        "no upcoming sitting on 2027-01-01"
        in ack_json(app.command(f"chat cancel {series.id} --date 2027-01-01"))["text"]
    )
    ack_json(app.command(f"chat cancel {series.id} --series"))
    assert _series(app.services.engine)[0].status == "cancelled"
    assert "cancelled the chat series" in app.slack.wait_for("chat.postMessage", 7)[-1].args["text"]


def test_cancel_gives_the_moderators_the_exact_message_for_each_guest(app: SlackHarness) -> None:
    series = _schedule(app, guests="@fe_minister @head@mastodon.ac.uk")
    answer = ack_json(app.command(f"chat cancel {series.id} --date 2026-12-10"))["text"]
    notice = (
        "Hello, I'm sorry to tell you that #ukfechat “Further education after the review” on Thu 10 Dec 21:00 "
        "(Europe/London) is cancelled. Thank you for agreeing to join us; we will be in touch about another date."
    )
    assert "The guests (@fe_minister, @head@mastodon.ac.uk) are not told by the app." in answer
    assert "public note" not in answer and f"Send each of them this message:\n>{notice}" in answer
    told = {c.args["channel"]: c.args["text"] for c in app.slack.wait_for("chat.postMessage", 4)[1:]}
    assert notice in told["D0COMMS001"] and notice in told["D0STAFF001"]
    assert "guests" not in told["C0GENERAL1"]  # the channel hears of the cancellation, not the private wording


def test_ics_is_uploaded_to_slack(app: SlackHarness) -> None:
    series = _schedule(app)
    assert "Uploading the calendar file" in ack_json(app.command(f"chat ics {series.id}"))["text"]
    (complete,) = app.slack.wait_for("files.completeUploadExternal")
    (url,) = app.slack.calls_to("files.getUploadURLExternal")
    assert url.args["filename"] == f"chat-{series.id}-ukfechat.ics" and int(url.args["length"]) > 500
    assert complete.args["channel_id"] == "C0GENERAL1"


def test_sign_off_flow_and_an_edit_asks_again(app: SlackHarness) -> None:
    series = _schedule(app, options=["approval"])
    request = app.slack.wait_for("chat.postMessage", 2)[1].args
    assert request["channel"] == "C0COMMS001"
    buttons = [e for b in request["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [blocks.APPROVE, blocks.REQUEST_CHANGES]
    press = requests.block_actions(
        {"type": "button", "action_id": blocks.APPROVE, "value": buttons[0]["value"]},
        user_id="U0STAFF001",
        response_url=app.slack.response_url("staff"),
    )
    app.action(press)
    assert "Only comms members" in app.slack.wait_for("response/staff")[0].args["text"]
    press = requests.block_actions(
        {"type": "button", "action_id": blocks.APPROVE, "value": buttons[0]["value"]},
        user_id="U0COMMS001",
        response_url=app.slack.response_url("comms"),
    )
    app.action(press)
    assert "approved the run sheet" in app.slack.wait_for("response/comms")[0].args["text"]
    with Session(app.services.engine) as session:
        assert run_sheet(session, _series(app.services.engine)[0]).unapproved == []
    ack_json(app.command(f"chat questions {series.id}"))
    view = view_arg(app.slack.wait_for("views.open")[0].args)
    assert view["callback_id"] == blocks.QUESTIONS_MODAL
    too_long = _submit(app, blocks.QUESTIONS_MODAL, {"questions": "z" * 300}, metadata=str(series.id))
    assert "Q1 is 313 weighted characters on X (limit 280); cut 33 characters." == too_long["errors"]["chat_questions"]
    saved = _submit(
        app,
        blocks.QUESTIONS_MODAL,
        {"questions": "5 | What changed for your learners this term?\n30 | Which support helped MOST?"},
        metadata=str(series.id),
    )
    assert saved in ({}, {"text": ""})
    again = [c.args for c in app.slack.wait_for("chat.postMessage", 5) if c.args["text"].startswith("Sign-off needed")]
    assert len(again) == 2 and "not approved: will not be posted" in _dump(again[-1]["blocks"])
    stale = requests.block_actions(
        {"type": "button", "action_id": blocks.APPROVE, "value": buttons[0]["value"]},
        user_id="U0COMMS001",
        response_url=app.slack.response_url("stale"),
    )
    app.action(stale)
    assert "changed since this run sheet was sent" in app.slack.wait_for("response/stale")[0].args["text"]


def test_posted_button_records_the_link_and_missed_items_can_be_posted_now_or_skipped(app: SlackHarness) -> None:
    series = _schedule(app)
    with Session(app.services.engine) as session:
        occurrence = occurrences_of(session, series.id or 0)[0]
    value = f"{occurrence.id}|question:1|x"
    app.action(requests.block_actions({"type": "button", "action_id": blocks.POSTED, "value": value}))
    modal = view_arg(app.slack.wait_for("views.open")[0].args)
    assert modal["callback_id"] == blocks.POSTED_MODAL and "Q1 What changed" in _dump(modal["blocks"])
    bad = ack_json(
        app.action(
            requests.view_submission(
                blocks.POSTED_MODAL, {blocks.LINK_BLOCK: {blocks.VALUE: {"value": "yesterday"}}}, private_metadata=value
            )
        )
    )
    assert bad["errors"][blocks.LINK_BLOCK].startswith("Paste the post's link")
    link = "https://x.com/demo_council/status/1860000000000000042"
    ack_json(
        app.action(
            requests.view_submission(
                blocks.POSTED_MODAL, {blocks.LINK_BLOCK: {blocks.VALUE: {"value": link}}}, private_metadata=value
            )
        )
    )
    outsider = requests.block_actions(
        {"type": "button", "action_id": blocks.SKIP, "value": f"{occurrence.id}|question:2|x"},
        user_id="U0TEACH001",
        response_url=app.slack.response_url("outsider"),
    )
    app.action(outsider)
    assert "Only this chat's moderators" in app.slack.wait_for("response/outsider")[0].args["text"]
    skip = requests.block_actions(
        {"type": "button", "action_id": blocks.SKIP, "value": f"{occurrence.id}|question:2|x"},
        user_id="U0COMMS001",
        response_url=app.slack.response_url("skip"),
    )
    app.action(skip)
    assert "Q2 skipped" in app.slack.wait_for("response/skip")[0].args["text"]
    with Session(app.services.engine) as session:
        rows = {p.item: p for p in session.exec(select(ChatPost))}
    assert (rows["question:1"].status, rows["question:1"].url, rows["question:1"].post_id) == (
        "manual_posted",
        link,
        "1860000000000000042",
    )
    assert (rows["question:2"].status, rows["question:2"].by) == ("skipped", "U0COMMS001")


def test_request_changes_tells_the_creator(app: SlackHarness) -> None:
    _schedule(app, options=["approval"])
    request = app.slack.wait_for("chat.postMessage", 2)[1].args
    value = [e for b in request["blocks"] if b["type"] == "actions" for e in b["elements"]][1]["value"]
    press = requests.block_actions(
        {"type": "button", "action_id": blocks.REQUEST_CHANGES, "value": value},
        user_id="U0ADMIN001",
        response_url=app.slack.response_url("changes"),
    )
    app.action(press)
    assert "asked for changes to the run sheet" in app.slack.wait_for("response/changes")[0].args["text"]
    told = app.slack.wait_for("chat.postMessage", 3)[2].args
    assert told["channel"] == "D0STAFF001" and "asked for changes to the questions of #ukfechat" in told["text"]
    with Session(app.services.engine) as session:
        assert len(run_sheet(session, _series(app.services.engine)[0]).unapproved) == 4


def test_the_confirmation_warns_of_a_clash_with_another_team_chat(app: SlackHarness) -> None:
    _schedule(app)
    assert _submit(
        app, blocks.CHAT_MODAL, _chat_form(hashtag="UKFEchat", start_time="21:30", recurrence="none", count="")
    ) in ({}, {"text": ""})
    second = app.slack.wait_for("chat.postMessage", 2)[1].args
    assert (
        "Clash: your team's chat “Further education after the review” (#ukfechat) also runs Thu 03 Dec 21:00"
        in _dump(second["blocks"])
    )


def test_only_moderators_and_comms_may_mark_a_question_posted_by_hand(app: SlackHarness) -> None:
    series = _schedule(app)  # created by U0STAFF001
    with Session(app.services.engine) as session:
        occurrence = occurrences_of(session, series.id or 0)[0]
    value = f"{occurrence.id}|question:1|x"
    button = requests.block_actions(
        {"type": "button", "action_id": blocks.POSTED, "value": value},
        user_id="U0TEACH001",
        response_url=app.slack.response_url("outsider"),
    )
    app.action(button)
    assert (
        app.slack.wait_for("response/outsider")[0].args["text"]
        == "Only this chat's moderators and comms members can do that."
    )
    assert app.slack.calls_to("views.open") == []
    link = {blocks.LINK_BLOCK: {blocks.VALUE: {"value": "https://x.com/someone/status/1"}}}
    refused = ack_json(
        app.action(requests.view_submission(blocks.POSTED_MODAL, link, user_id="U0TEACH001", private_metadata=value))
    )
    assert refused["errors"][blocks.LINK_BLOCK] == "Only this chat's moderators and comms members can do that."
    with Session(app.services.engine) as session:
        assert session.exec(select(ChatPost)).all() == []  # the worker will still post it


@pytest.mark.parametrize("crafted", ["²|question:1|x", "99999999999999999999999|question:1|x", "abc|question:1|x"])
def test_a_crafted_posted_value_gets_a_specific_answer(app: SlackHarness, crafted: str) -> None:
    link = {blocks.LINK_BLOCK: {blocks.VALUE: {"value": "https://x.com/someone/status/1"}}}
    answer = ack_json(app.action(requests.view_submission(blocks.POSTED_MODAL, link, private_metadata=crafted)))
    notice = answer["view"]["blocks"][0]["text"]["text"]
    assert notice.startswith("I couldn't use that:") and "chat number" in notice
    with Session(app.services.engine) as session:
        assert session.exec(select(ChatPost)).all() == []


def test_the_plan_keeps_the_co_moderators_public_handles_for_the_digest(app: SlackHarness) -> None:
    series = _schedule(app, moderator_handles="@fe_cohost, head@mastodon.ac.uk")
    assert series.co_moderators == ["fe_cohost", "head@mastodon.ac.uk"]
    answer = _submit(app, blocks.CHAT_MODAL, _chat_form(hashtag="#other", moderator_handles="<@U0COMMS001>"))
    assert "is not a public handle" in answer["errors"][blocks.FIELD_BLOCKS["moderator_handles"]]


def test_the_sign_off_listener_can_be_called_directly(app: SlackHarness) -> None:
    series = _schedule(app, options=["approval"])
    request = app.slack.wait_for("chat.postMessage", 2)[1].args
    value = next(e["value"] for b in request["blocks"] if b["type"] == "actions" for e in b["elements"])
    body = {"actions": [{"action_id": blocks.APPROVE, "value": value}]}
    ack, respond = Calls(), Calls()
    approve(ack, body, respond, app.bolt.client, request_context(app, "U0STAFF001", Role.staff))  # type: ignore[arg-type]
    assert ack == [{}] and respond[0]["text"] == "Only comms members can sign off chat questions."
    ack, respond = Calls(), Calls()
    approve(ack, body, respond, app.bolt.client, request_context(app, "U0COMMS001", Role.comms))  # type: ignore[arg-type]
    assert ack == [{}] and respond[0]["text"] == f"<@U0COMMS001> approved the run sheet of #{series.hashtag}"
    with Session(app.services.engine) as session:
        assert run_sheet(session, _series(app.services.engine)[0]).unapproved == []


def _over_budget_chat(app: SlackHarness) -> tuple[ChatSeries, dict[str, Any]]:
    """A chat the app posts ($0.06: intro, Q1, Q2, closing) in a workspace with a $0.05 monthly X budget, and the
    Approve button of its run sheet."""
    from assistant.models import Workspace

    series = _schedule(app, options=["approval"])
    request = app.slack.wait_for("chat.postMessage", 2)[1].args
    approve = next(e for b in request["blocks"] if b["type"] == "actions" for e in b["elements"])
    with Session(app.services.engine) as session:
        stored = session.get(ChatSeries, series.id)
        assert stored is not None
        stored.manual = False
        workspace = session.exec(select(Workspace)).one()
        workspace.settings = {**(workspace.settings or {}), "x_monthly_budget": 0.05}
        session.add_all([stored, workspace])
        session.commit()
        assert run_sheet(session, stored).total_cost == pytest.approx(0.06)
    return series, approve


def test_a_sign_off_past_the_monthly_budget_waits_for_an_admin_then_goes_through(app: SlackHarness) -> None:
    from assistant.models import AuditEntry
    from assistant.models.costs import BudgetHold
    from assistant.slack.blocks import cost as cost_blocks

    series, approve = _over_budget_chat(app)

    told = app.press(blocks.APPROVE, approve["value"], "U0COMMS001", "comms")
    assert "$0.01 over of the $0.05 monthly budget" in told and "An admin's yes is needed" in told
    asked = [c.args for c in app.slack.calls_to("chat.postMessage") if c.args["text"].startswith("An admin's yes")]
    assert len(asked) == 1 and asked[0]["channel"] == "C0COMMS001"
    assert "#ukfechat chat" in _dump(asked[0]["blocks"])
    app.press(blocks.APPROVE, approve["value"], "U0COMMS001", "comms-again")  # asked once, however often pressed
    assert len([c for c in app.slack.calls_to("chat.postMessage") if c.args["text"].startswith("An admin's")]) == 1
    with Session(app.services.engine) as session:
        stored = session.get(ChatSeries, series.id)
        assert stored is not None and run_sheet(session, stored).unapproved == run_sheet(session, stored).items
        hold = session.exec(select(BudgetHold)).one()
    posted_before = len(app.slack.calls_to("chat.postMessage"))
    said = app.press(cost_blocks.HOLD_APPROVE, str(hold.id), "U0ADMIN001", "admin")
    assert said.startswith("<@U0ADMIN001> approved crossing the monthly X budget")
    assert said.endswith(": its posts go out as scheduled.")
    with Session(app.services.engine) as session:
        stored = session.get(ChatSeries, series.id)
        assert stored is not None and run_sheet(session, stored).unapproved == []
        crossed = session.exec(select(AuditEntry).where(AuditEntry.action == "budget.crossed_approved")).all()
    assert [e.actor for e in crossed] == ["U0ADMIN001"]  # one entry: the admin's answer
    told_owner = app.slack.wait_for("chat.postMessage", posted_before + 1)[-1].args
    assert app.slack.calls_to("conversations.open")[-1].args["users"] == series.created_by
    assert "<@U0ADMIN001>" in told_owner["text"] and "approved" in told_owner["text"]


def test_an_admins_yes_after_the_questions_changed_signs_nothing_off_and_says_so(app: SlackHarness) -> None:
    from assistant.models.costs import BudgetHold
    from assistant.services.chats.repo import set_questions
    from assistant.slack.blocks import cost as cost_blocks

    series, approve = _over_budget_chat(app)
    assert "An admin's yes is needed" in app.press(blocks.APPROVE, approve["value"], "U0COMMS001", "comms")
    with Session(app.services.engine) as session:
        stored = session.get(ChatSeries, series.id)
        assert stored is not None
        set_questions(session, stored, "Q1 What changed this term?\nQ2 What will you try next?", actor="U0COMMS001")
        hold = session.exec(select(BudgetHold)).one()
    posted_before = len(app.slack.calls_to("chat.postMessage"))
    said = app.press(cost_blocks.HOLD_APPROVE, str(hold.id), "U0ADMIN001", "admin")
    assert said.startswith("<@U0ADMIN001> approved crossing the monthly X budget")
    assert "the newer run sheet needs its own sign-off" in said and "as scheduled" not in said
    assert len(app.slack.calls_to("response/admin")) == 1  # one answer, in place of the request
    with Session(app.services.engine) as session:
        stored = session.get(ChatSeries, series.id)
        assert stored is not None and run_sheet(session, stored).unapproved == run_sheet(session, stored).items
    assert len(app.slack.calls_to("chat.postMessage")) == posted_before  # nobody is told it was signed off
