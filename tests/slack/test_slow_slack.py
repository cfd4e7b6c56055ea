"""Slack slow or failing: every `/outreach` subcommand still gets its HTTP answer while Slack hangs, and one 429 costs nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from assistant.slack.roles import SLACK_NOT_ANSWERING
from assistant.slack.subcommands import CATALOGUE
from tests.fakes.slack import SlackHarness, ack_json, harness

# Each subcommand with the texts a user sends most, as a comms member (who needs the role lookups).
TEXTS = {
    "help": ["help", ""],
    "map": ["map", "map list", "map show 1", "map cancel 1"],
    "contact": ['contact "FE maths"', "contact add", "contact tag maths", "contact export", "contact duplicates"],
    "chat": ["chat new", "chat list", "chat show 1"],
    "digest": ["digest #edchat --from 2026-03-05", "digest weekly"],
    "watch": ["watch list", "watch #edchat", "watch stop 1", "watch budget 1 2.50"],
    "accounts": ["accounts"],
    "settings": ["settings"],
}
ALL_TEXTS = [text for texts in TEXTS.values() for text in texts]


@pytest.fixture
def app(engine: Engine, sqlite_url: str) -> Iterator[SlackHarness]:
    with harness(engine, sqlite_url, slack_comms_channel="C0COMMS001") as h:
        yield h


def test_every_subcommand_has_a_case() -> None:
    assert set(TEXTS) == {sub.name for sub in CATALOGUE}


@pytest.mark.parametrize("text", ALL_TEXTS)
def test_the_ack_comes_while_every_slack_method_hangs(app: SlackHarness, text: str) -> None:
    app.slack.hang()  # every Web API method hangs until released (30 s at most)
    try:
        response = app.command(text, user_id="U0COMMS001", channel_id="C0COMMS001")
        assert app.slack.hangs_expired == 0, f"{text!r}: the answer waited for a hung Slack call to give up"
    finally:
        app.slack.release()
    assert response.status_code == 200, f"{text!r}: {response.status_code} {response.text[:200]}"
    answer = ack_json(response)
    assert "Traceback" not in response.text
    if answer.get("text"):
        assert "Only" not in answer["text"], f"{text!r}: a guessed role: {answer['text']}"


@pytest.mark.parametrize(
    ("text", "user", "method"),
    [
        ("map list", "U0COMMS001", "usergroups.users.list"),
        ("contact export", "U0COMMS001", "usergroups.users.list"),
        ("accounts", "U0COMMS001", "usergroups.users.list"),
        ("map list", "U0COMMS001", "users.info"),
        ("settings", "U0ADMIN001", "users.info"),
    ],
)
def test_one_429_then_a_healthy_slack_gives_the_real_answer(
    app: SlackHarness, text: str, user: str, method: str
) -> None:
    app.slack.fail_status[method] = [429]
    answer = ack_json(app.command(text, user_id=user, channel_id="C0COMMS001"))
    assert answer.get("text", "") != SLACK_NOT_ANSWERING
    assert "Only" not in answer.get("text", ""), answer
    assert len(app.slack.calls_to(method)) == 2  # asked again after Slack's Retry-After
