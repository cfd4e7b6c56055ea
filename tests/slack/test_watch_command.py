"""`/outreach watch` from Slack: start (comms), list, stop, and specific errors for bad input."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.models.watches import Watch
from assistant.samples.network import World
from assistant.services.costs.budget import month_bounds
from assistant.standins.x_graph import FakeXGraph
from tests.fakes.slack import SlackHarness, ack_json, harness


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


def _steady(now: datetime, authors: int = 20) -> World:
    """A #fechat post every 15 minutes for two days, the newest 7.5 minutes ago (none near the last 24 hours'
    edges), by `authors` people in turn."""
    world = World()
    for a in range(authors):
        world.users[str(6_000_000 + a)] = {"id": str(6_000_000 + a), "username": f"lecturer{a}", "name": f"L{a}"}
    for k in range(192):
        at = now - timedelta(minutes=7.5) - k * timedelta(minutes=15)
        world.posts.append(
            {
                "id": str(9_000_000 - k),
                "author_id": str(6_000_000 + k % authors),
                "text": f"Week {k} #fechat",
                "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "entities": {"hashtags": [{"start": 0, "end": 0, "tag": "fechat"}]},
            }
        )
    world.posts.sort(key=lambda post: str(post["created_at"]))
    return world


def _left_of_day(at: datetime) -> float:
    return (datetime.combine(at.date() + timedelta(days=1), time(0), tzinfo=UTC) - at) / timedelta(days=1)


def test_a_new_x_watch_is_told_its_cost_measured_on_its_first_page(engine: Engine, sqlite_url: str) -> None:
    before = datetime.now(UTC)
    with harness(engine, sqlite_url, x_bearer_token="fake-x") as app:
        fake = FakeXGraph(_steady(before), clock=lambda: datetime.now(UTC))
        app.use_networks(fake.transport)
        started = ack_json(app.command("watch #fechat --budget 5", user_id="U0COMMS001", channel_id="C0COMMS001"))
        assert "started watch 1: #fechat" in started["text"]
        told = app.slack.wait_for("response/r1")[-1].args
    after = datetime.now(UTC)
    # the first page (what the first poll reads; it reads it again free today), then X's count (free)
    assert [c.endpoint for c in fake.calls] == ["GET /2/tweets/search/recent", "GET /2/tweets/counts/recent"]
    assert told["response_type"] == "in_channel"
    # by hand: the first page is the newest 100 posts by the 20 authors ($0.70, billed now); the last 24 hours
    # hold 96 posts; today is that page and the day's rest at that pace, a later day 96 posts by the 20
    found = re.search(r"about \$([\d.]+) today \(([\d,]+) posts, about (\d+) users", told["text"])
    assert found is not None, told["text"]
    posts = int(found[2].replace(",", ""))
    assert posts in {100 + round(96 * _left_of_day(at)) for at in (before, after)}
    truth = posts * 0.005 + 20 * 0.010
    assert abs(float(found[1]) - truth) / truth <= 0.10
    later = re.search(r"then about \$([\d.]+) a day at that pace \(96 posts, about (\d+) users\)", told["text"])
    assert later is not None and abs(float(later[1]) - 0.68) / 0.68 <= 0.10, told["text"]
    _first, following = month_bounds(before.date())
    assert f"To the end of the month ({(following - before.date()).days} day" in told["text"]
    assert "Month to date $0.70" in told["text"] and "no monthly X budget set" in told["text"]
    with Session(engine) as session:
        watch = session.exec(select(Watch)).one()
        assert watch.cost_spent == pytest.approx(0.70)  # the day's budget paid for the page


def test_a_watch_over_its_daily_budget_is_priced_at_the_budget(engine: Engine, sqlite_url: str) -> None:
    now = datetime.now(UTC)
    with harness(engine, sqlite_url, x_bearer_token="fake-x") as app:
        app.use_networks(FakeXGraph(_steady(now), clock=lambda: datetime.now(UTC)).transport)
        app.command("watch #fechat --budget 0.50", user_id="U0COMMS001", channel_id="C0COMMS001")
        told = app.slack.wait_for("response/r1")[-1].args["text"]
    left = (month_bounds(now.date())[1] - now.date()).days
    assert "it stops reading at its $0.50 daily budget" in told and f"about ${0.5 * left:,.2f}." in told
