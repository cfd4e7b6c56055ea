"""The HTTP guard in front of Bolt: size, then signature, then parsing; junk gets 400/401/413 and one short log line."""

from __future__ import annotations

import logging

import pytest

from assistant.standins import slack_requests as requests
from assistant.web import MAX_BODY_BYTES
from tests.fakes.slack import SIGNING_SECRET, SlackHarness

JUNK = [
    ("[1]", "application/json"),
    ('"just a string"', "application/json"),
    ("payload=%5B1%5D", "application/x-www-form-urlencoded"),  # payload=[1]
    ('payload="x"', "application/x-www-form-urlencoded"),
    ("\xff\xfe", "application/json"),
]


def _post(app: SlackHarness, body: str | bytes, headers: dict[str, str]) -> int:
    return app.http.post("/slack/events", content=body, headers=headers).status_code


@pytest.mark.parametrize(("body", "content_type"), JUNK)
def test_unsigned_junk_is_refused_before_it_is_parsed(
    app: SlackHarness, caplog: pytest.LogCaptureFixture, body: str, content_type: str
) -> None:
    with caplog.at_level(logging.DEBUG):
        assert _post(app, body, {"Content-Type": content_type}) == 401
    assert not [r for r in caplog.records if r.exc_info], "no traceback for junk"
    rejected = [r.getMessage() for r in caplog.records if r.name == "assistant.web"]
    assert rejected == [f"rejected POST /slack/events: missing or invalid Slack signature ({len(body.encode())} bytes)"]


@pytest.mark.parametrize(("body", "content_type"), JUNK)
def test_signed_junk_is_a_bad_request_not_a_500(
    app: SlackHarness, caplog: pytest.LogCaptureFixture, body: str, content_type: str
) -> None:
    signed = requests.sign(body, SIGNING_SECRET, content_type=content_type)
    with caplog.at_level(logging.DEBUG):
        assert app.post(signed).status_code == 400
    assert not [r for r in caplog.records if r.exc_info]


def test_a_body_over_the_cap_is_refused_unread_and_not_logged(
    app: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = "payload=" + "x" * (5 * 1024 * 1024)
    with caplog.at_level(logging.DEBUG):
        assert _post(app, body, {"Content-Type": "application/x-www-form-urlencoded"}) == 413
    assert all(len(r.getMessage()) < 200 for r in caplog.records), "one short line, never the body"
    assert [r.getMessage() for r in caplog.records if r.name == "assistant.web"] == [
        f"rejected POST /slack/events: body too large ({len(body)} bytes)"
    ]


def test_a_signed_body_just_under_the_cap_is_still_read(app: SlackHarness) -> None:
    text = "x" * (MAX_BODY_BYTES - 2000)
    signed = requests.signed_command(f"nosuchcommand {text}", SIGNING_SECRET, response_url=app.slack.response_url())
    assert len(signed.body) < MAX_BODY_BYTES
    assert app.post(signed).status_code == 200
