"""Fuzzing the front door: any `/outreach` text and any action or view value gets a 200, an answer and no traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, create_engine

from assistant.slack.subcommands import CATALOGUE
from assistant.standins import slack_requests as requests
from tests.fakes.slack import SIGNING_SECRET, SlackHarness
from tests.slack.actor_table import ANSWERS, LINKS, Registered, finishing_harness, registered, stored_rows

STAFF = "U0TEACH001"  # owns nothing and has no role: nothing they send may change what is stored
REGISTERED = registered()

TRICKY = [
    "²",
    "99999999999999999999999",
    "-1",
    "0",
    "9999-12-31",
    "0001-01-01",
    "2026-99-99",
    "--from",
    "--to",
    "--every",
    "--budget",
    "nan",
    "inf",
    "abc",
    '"',
    "“",
    "<!channel>",
    "<@U0ADMIN001>",
    "#edchat",
    "@someone",
    "1:2",
    "json:1",
    "1|question:1|x",
    "",
]
WORDS = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12), st.integers().map(str))
TEXT = st.lists(WORDS, max_size=6).map(" ".join)


class Traces(logging.Handler):
    """Collects log records that carry a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.traced: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.traced.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SlackHarness, Engine, Traces]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'app.db'}"
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine)
    traces = Traces()
    logging.getLogger().addHandler(traces)
    try:
        with finishing_harness(engine, url, slack_comms_channel="C0COMMS001") as app:
            yield app, engine, traces
    finally:
        logging.getLogger().removeHandler(traces)


def _answered(app: SlackHarness, response_text: str, calls_before: int) -> bool:
    return bool(response_text.strip()) or any(c.method.startswith(ANSWERS) for c in app.slack.calls[calls_before:])


FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("subcommand", [sub.name for sub in CATALOGUE])
@FUZZ
@given(rest=TEXT)
def test_any_command_text_is_answered(shared: tuple[SlackHarness, Engine, Traces], subcommand: str, rest: str) -> None:
    app, engine, traces = shared
    traces.traced.clear()
    before, calls = stored_rows(engine), len(app.slack.calls)
    text = f"{subcommand} {rest}".replace("\x00", "")
    response = app.command(text, user_id=STAFF, response_url=app.slack.response_url("fuzz"))
    assert response.status_code == 200, (text, response.text[:200])
    assert _answered(app, response.text, calls), f"no answer to {text!r}"
    assert traces.traced == [], (text, traces.traced)
    assert stored_rows(engine) == before, f"{text!r} changed what is stored"


def _payload(entry: Registered, value: str, response_url: str) -> dict[str, Any]:
    if entry.kind == "action":
        return requests.block_actions(
            {"type": "button", "action_id": entry.ident, "value": value},
            user_id=STAFF,
            response_url=response_url,  # a button in a message, as Slack sends it
        )
    return requests.view_submission(entry.ident, {}, user_id=STAFF, private_metadata=value)


@pytest.mark.parametrize("entry", REGISTERED, ids=[f"{r.kind}:{r.ident}" for r in REGISTERED])
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.sampled_from(TRICKY), st.text(max_size=40)))
def test_any_action_or_view_value_is_answered(
    shared: tuple[SlackHarness, Engine, Traces], entry: Registered, value: str
) -> None:
    app, engine, traces = shared
    traces.traced.clear()
    before, calls = stored_rows(engine), len(app.slack.calls)
    response = app.post(requests.signed_payload(_payload(entry, value, app.slack.response_url("fuzz")), SIGNING_SECRET))
    assert response.status_code == 200, (value, response.text[:200])
    assert _answered(app, response.text, calls) or entry.ident in LINKS, f"no answer to {value!r}"
    assert traces.traced == [], (value, traces.traced)
    assert stored_rows(engine) == before, f"{value!r} changed what is stored"
