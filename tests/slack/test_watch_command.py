"""`/outreach watch` from Slack: start (comms), list, stop, and specific errors for bad input."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.models.watches import Watch
from tests.fakes.slack import SlackHarness, ack_json


def test_comms_starts_lists_and_stops_a_watch(app: SlackHarness, engine: Engine) -> None:
    started = ack_json(
        app.command(
            "watch #ukfechat --network x,mastodon --every 30m --only outside",
            user_id="U0COMMS001",
            channel_id="C0COMMS001",
        )
    )
    assert "started watch 1: #ukfechat on x, mastodon every 30 minutes (only outside" in started["text"]
    with Session(engine) as session:
        watch = session.exec(select(Watch)).one()
        assert (watch.channel_id, watch.networks, watch.every_minutes, watch.only) == (
            "C0COMMS001",
            ["x", "mastodon"],
            30,
            "outside",
        )
    listed = ack_json(app.command("watch list", user_id="U0STAFF001"))
    assert "#ukfechat" in str(listed["blocks"])
    assert "X reads $0.00 of $1.00 today" in str(listed["blocks"])
    refused = ack_json(app.command("watch stop 1", user_id="U0STAFF001"))
    assert "Only <@U0COMMS001>" in refused["text"]
    stopped = ack_json(app.command("watch stop 1", user_id="U0COMMS001"))
    assert "Stopped watch 1" in stopped["text"]
    with Session(engine) as session:
        assert session.exec(select(Watch)).one().active is False


def test_bad_input_gets_a_specific_answer(app: SlackHarness) -> None:
    assert "ask the comms team" in ack_json(app.command("watch #edchat", user_id="U0STAFF001"))["text"]
    assert "is not a period" in ack_json(app.command("watch #edchat --every soon", user_id="U0COMMS001"))["text"]
    assert (
        "hashtags only" in ack_json(app.command('watch "FE funding" --network mastodon', user_id="U0COMMS001"))["text"]
    )
    assert "Unknown network" in ack_json(app.command("watch #edchat --network myspace", user_id="U0COMMS001"))["text"]
    assert (
        "every 5 minutes to 24 hours" in ack_json(app.command("watch #edchat --every 1m", user_id="U0COMMS001"))["text"]
    )


def test_save_as_contact_from_a_batch_uses_the_stored_account(app: SlackHarness, engine: Engine) -> None:
    from datetime import UTC, datetime

    from assistant.services import store
    from assistant.slack.blocks import watches as blocks
    from assistant.standins import slack_requests as requests
    from integrations.normalized import Batch, NormalizedAccount

    with Session(engine) as session:
        account = NormalizedAccount(
            platform="x", id="63046977", handle="snowman", display_name="Snow Man", bio="FE maths lecturer"
        )
        store.upsert_batch(session, Batch(accounts=[account]), captured_at=datetime(2026, 11, 23, tzinfo=UTC))
        session.commit()
    app.action(
        requests.block_actions(
            {"action_id": blocks.SAVE_CONTACT, "value": "x:63046977"},
            user_id="U0COMMS001",
            response_url=app.slack.response_url("save"),
        )
    )
    assert "Saved Snow Man" in app.slack.wait_for("response/save")[-1].args["text"]
    app.action(
        requests.block_actions(
            {"action_id": blocks.SAVE_CONTACT, "value": "x:63046977"},
            user_id="U0COMMS001",
            response_url=app.slack.response_url("again"),
        )
    )
    assert "already in the contacts" in app.slack.wait_for("response/again")[-1].args["text"]
