"""The real request path: signature checks, help card, unknown subcommands, App Home, retried events."""

from __future__ import annotations

import json
import time

import sqlalchemy as sa
from slack_sdk.models.blocks import Block
from sqlalchemy.engine import Engine

from assistant.slack.blocks import ids
from assistant.slack.subcommands import CATALOGUE
from assistant.standins import slack_requests as requests
from tests.fakes.slack import SIGNING_SECRET, SlackHarness, ack_json, view_arg


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_help_card_lists_every_subcommand_with_an_example(app: SlackHarness) -> None:
    body = ack_json(app.command("help"))
    blocks = body["blocks"]
    text = json.dumps(blocks)
    for sub in CATALOGUE:
        assert f"*{sub.name}*" in text, sub.name
        assert sub.example.replace('"', '\\"') in text, sub.example
    for block in blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    assert len(blocks) <= 50


def test_bare_command_answers_with_the_help_card(app: SlackHarness) -> None:
    assert ack_json(app.command(""))["blocks"] == ack_json(app.command("help"))["blocks"]


def test_unknown_subcommand_names_the_word_and_the_closest_subcommand(app: SlackHarness) -> None:
    body = ack_json(app.command("contcat Ada"))
    assert "`contcat`" in body["text"]
    assert "/outreach contact" in body["text"]
    assert "response_type" not in body or body["response_type"] == "ephemeral"


def test_unknown_subcommand_text_is_escaped(app: SlackHarness) -> None:
    body = ack_json(app.command("<!channel>"))
    assert "<!channel>" not in body["text"]
    assert "&lt;!channel&gt;" in body["text"]


def test_unclosed_quote_gets_a_specific_error(app: SlackHarness) -> None:
    body = ack_json(app.command('contact "Ada Lovelace'))
    assert "unclosed quote" in body["text"]


def test_forged_signature_is_refused_and_nothing_is_stored(app: SlackHarness, engine: Engine) -> None:
    envelope = requests.app_home_opened("U0STAFF001")
    signed = requests.signed_event(envelope, "not-the-secret")
    response = app.post(signed)
    assert response.status_code == 401
    assert _count(engine, "workspace") == 0
    assert _count(engine, "slack_event_receipt") == 0
    assert [call.method for call in app.slack.calls] == ["auth.test"]  # only the start-up check


def test_stale_timestamp_is_refused(app: SlackHarness) -> None:
    old = int(time.time()) - 6 * 60
    signed = requests.sign(
        requests.form_body(requests.slash_command("help")),
        SIGNING_SECRET,
        content_type="application/x-www-form-urlencoded",
        timestamp=old,
    )
    assert app.post(signed).status_code == 401


def test_malformed_body_is_a_bad_request(app: SlackHarness) -> None:
    for body, content_type in (
        ("{not json", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ("", "application/json"),
    ):
        signed = requests.sign(body, SIGNING_SECRET, content_type=content_type)
        assert app.post(signed).status_code == 400, body


def test_app_home_is_published_when_opened(app: SlackHarness, engine: Engine) -> None:
    assert app.event(requests.app_home_opened("U0COMMS001")).status_code == 200
    call = app.slack.wait_for("views.publish")[0]
    assert call.args["user_id"] == "U0COMMS001"
    view = view_arg(call.args)
    assert view["type"] == "home"
    text = json.dumps(view["blocks"])
    assert "Request queue" in text  # U0COMMS001 is in the comms user group
    assert "You are *comms*" in text
    assert _count(engine, "workspace") == 1


def test_staff_home_has_no_queue(app: SlackHarness) -> None:
    app.event(requests.app_home_opened("U0STAFF001"))
    view = view_arg(app.slack.wait_for("views.publish")[0].args)
    assert "Request queue" not in json.dumps(view["blocks"])


def test_retried_event_does_not_repeat_its_side_effect(app: SlackHarness) -> None:
    envelope = requests.app_home_opened("U0STAFF001", event_id="Ev0RETRY01")
    assert app.event(envelope).status_code == 200
    app.slack.wait_for("views.publish")
    assert app.event(envelope, retry_num=1).status_code == 200
    assert app.event(envelope, retry_num=2).status_code == 200
    time.sleep(0.3)
    assert len(app.slack.calls_to("views.publish")) == 1


def test_help_menu_shows_one_subcommand(app: SlackHarness) -> None:
    payload = requests.block_actions(
        {
            "type": "static_select",
            "action_id": ids.HELP_SHOW_SUBCOMMAND,
            "selected_option": {"value": "chat", "text": {"type": "plain_text", "text": "chat"}},
        },
        response_url=app.slack.response_url("help"),
    )
    assert app.action(payload).status_code == 200
    reply = app.slack.wait_for("response/help")[0]
    assert "/outreach chat" in json.dumps(reply.args)


def test_healthz_checks_the_database(app: SlackHarness) -> None:
    response = app.http.get("/healthz")
    assert response.status_code == 200
    assert response.json()["ok"] is True and response.json()["database"] == "ok"
    assert app.http.get("/nowhere").status_code == 404
