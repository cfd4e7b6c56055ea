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
        "Mastodon's search needs an account"
        in ack_json(app.command('watch "FE funding" --network mastodon', user_id="U0COMMS001"))["text"]
    )
    assert (
        "connect one first" in ack_json(app.command("watch mentions --network bluesky", user_id="U0COMMS001"))["text"]
    )
    assert "Unknown network" in ack_json(app.command("watch #edchat --network myspace", user_id="U0COMMS001"))["text"]
    assert (
        "every 5 minutes to 24 hours" in ack_json(app.command("watch #edchat --every 1m", user_id="U0COMMS001"))["text"]
    )


def test_save_as_contact_from_a_batch_uses_the_stored_account(app: SlackHarness, engine: Engine) -> None:
    from datetime import UTC, datetime

    from assistant.services.store.write import upsert_batch
    from assistant.slack.blocks import watches as blocks
    from assistant.standins import slack_requests as requests
    from integrations.normalized import Batch, NormalizedAccount

    with Session(engine) as session:
        account = NormalizedAccount(
            platform="x", id="63046977", handle="snowman", display_name="Snow Man", bio="FE maths lecturer"
        )
        upsert_batch(session, Batch(accounts=[account]), captured_at=datetime(2026, 11, 23, tzinfo=UTC))
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


def test_budget_is_set_at_start_changed_later_and_validated(app: SlackHarness, engine: Engine) -> None:
    started = ack_json(app.command("watch #ukfechat --budget 2.50", user_id="U0COMMS001", channel_id="C0COMMS001"))
    assert "within $2.50 a day" in started["text"]
    assert "$0.00 of $2.50 today" in str(ack_json(app.command("watch list", user_id="U0STAFF001"))["blocks"])
    for bad, message in [
        ("--budget 0", "more than $0"),
        ("--budget -1", "more than $0"),
        ("--budget lots", "is not an amount"),
        ("--budget 5000", "at most $100.00 a day"),
        ("--budget nan", "more than $0"),
    ]:
        refused = ack_json(app.command(f"watch #edchat {bad}", user_id="U0COMMS001"))
        assert message in refused["text"], (bad, refused)
        assert refused.get("response_type", "ephemeral") == "ephemeral"
    assert "not an amount" in ack_json(app.command("watch budget 1 $cheap", user_id="U0COMMS001"))["text"]
    assert (
        "Use `/outreach watch budget ID 2.50`" in ack_json(app.command("watch budget 1", user_id="U0COMMS001"))["text"]
    )
    assert "no running watch 9" in ack_json(app.command("watch budget 9 3", user_id="U0COMMS001"))["text"]
    assert "Only <@U0COMMS001>" in ack_json(app.command("watch budget 1 3", user_id="U0STAFF001"))["text"]
    changed = ack_json(app.command("watch budget 1 $4.75", user_id="U0COMMS001"))
    assert "may now spend $4.75 a day" in changed["text"]
    assert "$0.00 of $4.75 today" in str(ack_json(app.command("watch list", user_id="U0STAFF001"))["blocks"])
    from assistant.models import AuditEntry

    with Session(engine) as session:
        assert session.exec(select(Watch)).one().cost_budget == 4.75
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "watch.budget_changed")).one()


def test_a_mastodon_keyword_watch_says_what_mastodon_search_covers(app: SlackHarness, engine: Engine) -> None:
    from assistant.config import Settings
    from assistant.crypto import TokenCipher
    from assistant.models.base import utcnow
    from assistant.services.accounts.team_accounts import connect_account
    from assistant.services.team.workspaces import ensure_workspace
    from integrations.x.oauth import TokenSet

    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.commit()
        cipher = TokenCipher.from_settings(
            Settings(_env_file=None, encryption_key="test-encryption-key-for-watches-0123456789abcdef")
        )
        connect_account(
            session,
            cipher,
            workspace_id=workspace.id or 0,
            platform="mastodon",
            account_id="1091",
            handle="@council@mastodon.example",
            tokens=TokenSet(access_token="masto-SECRET"),
            actor="U0COMMS001",
            now=utcnow(),
            instance_url="https://mastodon.example",
        )
    started = ack_json(app.command('watch "FE funding" --network mastodon', user_id="U0COMMS001"))
    assert "started watch" in started["text"] and "opted in to search" in started["text"]
    assert "X reads" not in started["text"]
