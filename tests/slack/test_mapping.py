"""The mapping request queue through signed Bolt requests against the Slack stand-in."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.db import session_scope
from assistant.models import Role
from assistant.models.audit import AuditEntry
from assistant.models.base import utcnow
from assistant.models.mapping import CrawlState, CrawlStep, MappingRequest
from assistant.services.mapping import archive_import, crawl, report
from assistant.services.mapping import requests as service
from assistant.slack.blocks import mapping as blocks
from assistant.slack.listeners.mapping.card import on_ask_submit
from assistant.slack.listeners.mapping.start import on_start_submit
from assistant.standins import slack_requests as requests
from tests.conftest import shared_path
from tests.fakes.slack import SIGNING_SECRET, SlackHarness, ack_json, harness, view_arg
from tests.slack.direct import Calls, request_context

STAFF, COMMS = "U0STAFF001", "U0COMMS001"


@pytest.fixture
def app(engine: Engine, sqlite_url: str) -> Iterator[SlackHarness]:
    with harness(engine, sqlite_url, slack_comms_channel="C0COMMS001") as h:
        yield h


def _form(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in blocks.FIELDS:
        value = fields.get(name)
        if name == "deadline":
            values[name] = {name: {"type": "datepicker", "selected_date": value}}
        elif name == "watchers":
            values[name] = {name: {"type": "multi_users_select", "selected_users": value or []}}
        else:
            values[name] = {name: {"type": "plain_text_input", "value": value}}
    return values


def _submit(app: SlackHarness, callback: str, values: dict[str, Any], *, user_id: str = STAFF, meta: str = "") -> Any:
    payload = requests.view_submission(callback, values, user_id=user_id, private_metadata=meta)
    return app.post(requests.signed_payload(payload, SIGNING_SECRET))


def _press(app: SlackHarness, action_id: str, value: str, *, user_id: str) -> None:
    response = app.action(
        requests.block_actions(
            {"action_id": action_id, "value": value, "type": "button"}, user_id=user_id, channel_id="C0COMMS001"
        )
    )
    assert response.status_code == 200


def _request(app: SlackHarness) -> MappingRequest:
    with Session(app.services.engine) as session:
        found = session.exec(select(MappingRequest)).one()
    return found


def _eventually(check: Callable[[MappingRequest], bool], app: SlackHarness, timeout: float = 5.0) -> MappingRequest:
    """Listeners run after the ack (Bolt's thread pool): wait for the stored request to get there."""
    deadline = time.monotonic() + timeout
    while True:
        found = _request(app)
        if check(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def _new_request(app: SlackHarness) -> MappingRequest:
    response = _submit(
        app,
        blocks.VIEW_REQUEST,
        _form(title="Adult skills in Wales", seeds="@ColegauCymru @AoC_info", hashtags="#ukfechat"),
    )
    assert response.status_code == 200
    app.slack.wait_for("chat.postMessage", 2)
    return _request(app)


def test_map_command_and_shortcut_open_the_form(app: SlackHarness) -> None:
    assert ack_json(app.command("map")) == {"text": ""}
    view = view_arg(app.slack.wait_for("views.open")[-1].args)
    assert view["callback_id"] == blocks.VIEW_REQUEST
    assert {b["block_id"] for b in view["blocks"]} == set(blocks.FIELDS)
    app.action(requests.shortcut(blocks.SHORTCUT_REQUEST))
    assert view_arg(app.slack.wait_for("views.open", 2)[-1].args)["callback_id"] == blocks.VIEW_REQUEST


def test_a_request_with_nothing_to_start_from_is_refused(app: SlackHarness) -> None:
    answer = ack_json(_submit(app, blocks.VIEW_REQUEST, _form(title="Skills")))
    assert answer["response_action"] == "errors"
    assert "seed accounts" in answer["errors"]["seeds"] and "hashtags" in answer["errors"]["seeds"]
    with Session(app.services.engine) as session:
        assert session.exec(select(MappingRequest)).first() is None


def test_queue_flow_card_updates_dms_and_audit(app: SlackHarness) -> None:
    request = _new_request(app)
    card, dm = app.slack.calls_to("chat.postMessage")[:2]
    assert card.args["channel"] == "C0COMMS001"
    assert [e["action_id"] for e in card.args["blocks"][-1]["elements"]] == [blocks.CLAIM, blocks.ASK, blocks.DECLINE]
    assert dm.args["channel"] == STAFF and "sent to the comms team" in json.dumps(dm.args["blocks"])
    rid = str(request.id)

    # a non-comms user may not claim: refused ephemerally, nothing changes
    _press(app, blocks.CLAIM, rid, user_id=STAFF)
    refusal = app.slack.wait_for("chat.postEphemeral")[-1].args
    assert refusal["user"] == STAFF and "Only the comms team" in refusal["text"]
    assert _request(app).status == "new" and not app.slack.calls_to("chat.update")

    _press(app, blocks.CLAIM, rid, user_id=COMMS)
    update = app.slack.wait_for("chat.update")[-1].args
    assert update["ts"] == request.card_ts and "Claimed" in json.dumps(update["blocks"])
    assert blocks.START in json.dumps(update["blocks"])
    claimed_dm = app.slack.wait_for("chat.postMessage", 3)[-1].args
    assert claimed_dm["channel"] == STAFF and "claimed by" in json.dumps(claimed_dm["blocks"])
    assert _eventually(lambda r: r.claimed_by == COMMS, app).claimed_by == COMMS

    # start: the estimate modal, then approval with a budget too small is refused with what it needs
    _press(app, blocks.START, rid, user_id=COMMS)
    modal = view_arg(app.slack.wait_for("views.open")[-1].args)
    assert modal["callback_id"] == blocks.VIEW_START and "interactions: about" in json.dumps(modal)
    values = {
        "strategy": {"strategy": {"type": "radio_buttons", "selected_option": {"value": "follows"}}},
        "budget_money": {"budget_money": {"type": "number_input", "value": "5"}},
        "budget_calls": {"budget_calls": {"type": "number_input", "value": "500"}},
    }
    small = ack_json(_submit(app, blocks.VIEW_START, values, user_id=COMMS, meta=rid))
    assert small["response_action"] == "errors" and "needs about $" in small["errors"]["budget_money"]
    values["strategy"]["strategy"]["selected_option"]["value"] = "interactions"
    values["budget_money"]["budget_money"]["value"] = "50"
    assert _submit(app, blocks.VIEW_START, values, user_id=COMMS, meta=rid).status_code == 200
    started = _eventually(lambda r: r.crawl_state == CrawlState.running.value, app)
    assert (started.status, started.strategy, started.crawl_state) == (
        "mapping",
        "interactions",
        CrawlState.running.value,
    )
    assert started.budget_money == 50.0
    with Session(app.services.engine) as session:
        kinds = [s.kind for s in session.exec(select(CrawlStep))]
    assert kinds == ["seeds", "search"]

    # deliver is refused until the map is made
    _press(app, blocks.DELIVER, rid, user_id=COMMS)
    assert "not made yet" in app.slack.wait_for("chat.postEphemeral", 2)[-1].args["text"]

    with Session(app.services.engine) as session:
        actions = [
            e.action for e in session.exec(select(AuditEntry).where(AuditEntry.record_type == "mapping_request"))
        ]
    assert actions == ["mapping.created", "mapping.claim", "mapping.start"]


def test_decline_with_reason_and_requester_cancel(app: SlackHarness) -> None:
    request = _new_request(app)
    rid = str(request.id)
    _press(app, blocks.DECLINE, rid, user_id=STAFF)
    assert "Only the comms team" in app.slack.wait_for("chat.postEphemeral")[-1].args["text"]
    _press(app, blocks.DECLINE, rid, user_id=COMMS)
    assert view_arg(app.slack.wait_for("views.open")[-1].args)["callback_id"] == blocks.VIEW_DECLINE
    reason = {"text": {"text": {"type": "plain_text_input", "value": "Out of scope <@here>"}}}
    assert _submit(app, blocks.VIEW_DECLINE, reason, user_id=COMMS, meta=rid).status_code == 200
    dm = app.slack.wait_for("chat.postMessage", 3)[-1].args
    declined = _request(app)
    assert declined.status == "declined" and declined.decline_reason == "Out of scope <@here>"
    assert dm["channel"] == STAFF and "Out of scope &lt;@here&gt;" in json.dumps(dm["blocks"])
    # closed: the requester can no longer cancel
    answer = ack_json(app.command(f"map cancel {rid}", user_id=STAFF))
    assert "declined" in answer["text"] and "cannot be cancelled" in answer["text"]


def test_requester_cancels_an_open_request_others_cannot(app: SlackHarness) -> None:
    request = _new_request(app)
    assert (
        "Only the person who asked" in ack_json(app.command(f"map cancel {request.id}", user_id="U0TEACH001"))["text"]
    )
    assert "cancelled" in ack_json(app.command(f"map cancel {request.id}", user_id=STAFF))["text"]
    assert _request(app).status == "cancelled"
    assert "Cancelled" in json.dumps(app.slack.wait_for("chat.update")[-1].args["blocks"])


def test_list_and_show(app: SlackHarness) -> None:
    request = _new_request(app)
    mine = ack_json(app.command("map list", user_id=STAFF))
    assert "Your mapping requests" in json.dumps(mine["blocks"]) and f"#{request.id}" in json.dumps(mine["blocks"])
    queue = ack_json(app.command("map list", user_id=COMMS))
    assert "Mapping queue" in json.dumps(queue["blocks"])
    assert "@teacher" not in json.dumps(ack_json(app.command("map list", user_id="U0TEACH001")))
    shown = ack_json(app.command(f"map show {request.id}", user_id=STAFF))
    assert "Adult skills in Wales" in json.dumps(shown["blocks"])
    assert "no mapping request 999" in ack_json(app.command("map show 999"))["text"].lower()
    assert "needs the request's number" in ack_json(app.command("map show"))["text"]


def test_ask_a_question_opens_a_thread_with_the_requester(app: SlackHarness) -> None:
    request = _new_request(app)
    _press(app, blocks.ASK, str(request.id), user_id=COMMS)
    assert view_arg(app.slack.wait_for("views.open")[-1].args)["callback_id"] == blocks.VIEW_ASK
    question = {"text": {"text": {"type": "plain_text_input", "value": "Which region first? <!channel>"}}}
    assert _submit(app, blocks.VIEW_ASK, question, user_id=COMMS, meta=str(request.id)).status_code == 200
    posted = [c.args for c in app.slack.wait_for("chat.postMessage", 4)[2:]]
    thread = next(p for p in posted if p.get("thread_ts") == request.card_ts)
    assert thread["channel"] == "C0COMMS001" and f"<@{STAFF}>" in thread["text"]
    assert "&lt;!channel&gt;" in thread["text"] and "<!channel>" not in thread["text"]
    assert any(p["channel"] == STAFF and "Which region first?" in p["text"] for p in posted)


def _rerun_values(resolution: str = "", number: str = "") -> dict[str, Any]:
    return {
        "resolution": {"resolution": {"type": "plain_text_input", "value": resolution or None}},
        "number": {"number": {"type": "plain_text_input", "value": number or None}},
    }


def test_rerun_communities_from_the_card_without_crawling(app: SlackHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    request = _new_request(app)
    rid = str(request.id)
    _press(app, blocks.RERUN, rid, user_id=COMMS)  # not analysed yet: refused, no modal
    assert "isn't made yet" in app.slack.wait_for("chat.postEphemeral")[-1].args["text"]

    engine = app.services.engine
    with session_scope(engine) as session:
        stored = session.get(MappingRequest, request.id)
        assert stored is not None
        stored.source = f"archive:{shared_path('fixtures', 'datasets', 'tt_tweets.jsonl')}"
        service.transition(session, stored, "claim", actor=COMMS, is_comms=True)
        service.transition(session, stored, "start", actor=COMMS, is_comms=True)
        crawl.approve(session, stored, strategy="interactions", by=COMMS, now=utcnow())
    archive_import.import_archive(engine, int(rid), Path(stored.source.removeprefix("archive:")))
    report.make_report(engine, int(rid))
    card = blocks.card(_request(app))
    assert blocks.RERUN in json.dumps(card[-1])

    def no_x(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"re-running communities must not call out: {request.url}")

    app.use_networks(no_x)
    _press(app, blocks.RERUN, rid, user_id=STAFF)
    assert "Only the comms team" in app.slack.wait_for("chat.postEphemeral", 2)[-1].args["text"]
    _press(app, blocks.RERUN, rid, user_id=COMMS)
    modal = view_arg(app.slack.wait_for("views.open")[-1].args)
    assert modal["callback_id"] == blocks.VIEW_RERUN and modal["private_metadata"] == rid

    for values, block, words in (
        (_rerun_values(), "resolution", "one of the two"),
        (_rerun_values("1.0", "4"), "resolution", "one of the two"),
        (_rerun_values("lots"), "resolution", "above 0"),
        (_rerun_values("-1"), "resolution", "above 0"),
        (_rerun_values(number="0"), "number", "whole number from 1"),
        (_rerun_values(number="2.5"), "number", "whole number from 1"),
    ):
        answer = ack_json(_submit(app, blocks.VIEW_RERUN, values, user_id=COMMS, meta=rid))
        assert answer["response_action"] == "errors" and words in answer["errors"][block], values
    assert _request(app).resolution in (None, 1.0)

    posts = len(app.slack.calls_to("chat.postMessage"))
    assert _submit(app, blocks.VIEW_RERUN, _rerun_values("2.5"), user_id=COMMS, meta=rid).status_code == 200
    summary = app.slack.wait_for("chat.postMessage", posts + 1)[-1].args
    assert summary["thread_ts"] == request.card_ts and summary["channel"] == "C0COMMS001"
    assert "communities re-run" in summary["text"] and "Communities" in json.dumps(summary["blocks"])
    assert _eventually(lambda r: r.resolution == 2.5, app).resolution == 2.5
    assert app.slack.wait_for("files.completeUploadExternal")[-1].args["channel_id"] == "C0COMMS001"

    posts = len(app.slack.calls_to("chat.postMessage"))
    assert _submit(app, blocks.VIEW_RERUN, _rerun_values(number="3"), user_id=COMMS, meta=rid).status_code == 200
    app.slack.wait_for("chat.postMessage", posts + 1)
    assert _eventually(lambda r: r.communities_wanted == 3, app).communities_wanted == 3
    assert len(app.slack.wait_for("files.completeUploadExternal", 2)) == 2  # a new picture each time
    with Session(engine) as session:
        made = report.stored_report(session, int(rid))
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "mapping.communities_rerun")).all()
    assert made is not None and len(entries) == 2


def test_only_comms_can_ask_a_question_and_an_unknown_request_is_answered(app: SlackHarness) -> None:
    request = _new_request(app)
    posts_before = len(app.slack.calls_to("chat.postMessage"))
    question = {"text": {"text": {"type": "plain_text_input", "value": "Anything?"}}}
    refused = _submit(app, blocks.VIEW_ASK, question, user_id=STAFF, meta=str(request.id)).json()
    assert refused == {
        "response_action": "errors",
        "errors": {"text": "Only the comms team can ask about mapping requests."},
    }
    unknown = _submit(app, blocks.VIEW_ASK, question, user_id=COMMS, meta="4242").json()
    assert unknown["response_action"] == "errors" and "4242" in unknown["errors"]["text"]
    crafted = _submit(app, blocks.VIEW_ASK, question, user_id=COMMS, meta="²").json()
    assert crafted["view"]["blocks"][0]["text"]["text"].startswith("I couldn't use that: “²” is not a request number")
    assert len(app.slack.calls_to("chat.postMessage")) == posts_before
    with Session(app.services.engine) as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "mapping.asked")).all() == []


def test_an_impossible_deadline_is_refused_in_the_form(app: SlackHarness) -> None:
    for deadline, words in (("2026-99-99", "is not a date"), ("9999-12-31", "between 1900 and 2999")):
        answer = _submit(app, blocks.VIEW_REQUEST, _form(title="T", seeds="@a", deadline=deadline)).json()
        assert answer["response_action"] == "errors" and words in answer["errors"]["deadline"], deadline
    with Session(app.services.engine) as session:
        assert session.exec(select(MappingRequest)).all() == []


def test_a_bogus_start_strategy_is_refused(app: SlackHarness) -> None:
    request = _new_request(app)
    values = {
        "strategy": {"strategy": {"type": "static_select", "selected_option": {"value": "bogus"}}},
        "budget_money": {"budget_money": {"type": "plain_text_input", "value": "100"}},
        "budget_calls": {"budget_calls": {"type": "plain_text_input", "value": "1000"}},
    }
    answer = _submit(app, blocks.VIEW_START, values, user_id=COMMS, meta=str(request.id)).json()
    assert answer == {"response_action": "errors", "errors": {"strategy": "Choose one of the strategies offered."}}
    values["budget_money"]["budget_money"]["value"] = "nan"
    answer = _submit(app, blocks.VIEW_START, values, user_id=COMMS, meta=str(request.id)).json()
    assert answer["errors"] == {"budget_money": "Give the budget as a number."}
    assert _request(app).crawl_state == request.crawl_state


def test_mapping_listeners_can_be_called_directly(app: SlackHarness) -> None:
    request = _new_request(app)
    staff = request_context(app, STAFF, Role.staff)
    ack = Calls()
    question = {
        "state": {"values": {"text": {"text": {"value": "Which region?"}}}},
        "private_metadata": str(request.id),
    }
    on_ask_submit(ack, {"view": question}, app.bolt.client, staff)  # type: ignore[arg-type]
    assert ack == [
        {"response_action": "errors", "errors": {"text": "Only the comms team can ask about mapping requests."}}
    ]
    ack = Calls()
    budget = {
        "strategy": {"strategy": {"selected_option": {"value": "interactions"}}},
        "budget_money": {"budget_money": {"value": "lots"}},
        "budget_calls": {"budget_calls": {"value": "100"}},
    }
    view = {"state": {"values": budget}, "private_metadata": str(request.id)}
    on_start_submit(ack, {"view": view}, app.bolt.client, request_context(app, COMMS, Role.comms))  # type: ignore[arg-type]
    assert ack == [{"response_action": "errors", "errors": {"budget_money": "Give the budget as a number."}}]
    with Session(app.services.engine) as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "mapping.asked")).first() is None
        assert _request(app).crawl_state == CrawlState.none


def test_the_texts_about_a_request_escape_what_people_typed() -> None:
    request = MappingRequest(id=9, workspace_id=1, requester_id=STAFF, title="Skills <!channel> & FE")
    assert blocks.change_text("decline", COMMS, "no <@U0ADMIN001> budget") == (
        "declined by <@U0COMMS001>: no &lt;@U0ADMIN001&gt; budget"
    )
    assert blocks.question_text(request, COMMS, "Which <#C1>?") == (
        "<@U0STAFF001>, a question from <@U0COMMS001> about *Skills &lt;!channel&gt; &amp; FE*:\n>Which &lt;#C1&gt;?"
    )
    assert blocks.watcher_text(request, STAFF) == (
        "<@U0STAFF001> asked for a digital map: Skills &lt;!channel&gt; &amp; FE (#9)"
    )
    assert blocks.sent_text(True) == "sent to the comms team."
    assert "ask an admin to run `/outreach settings`" in blocks.sent_text(False)
