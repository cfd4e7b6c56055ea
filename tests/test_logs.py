"""Secrets never reach the logs."""

from __future__ import annotations

import logging

import pytest

from assistant.config import Settings
from assistant.logs import REDACTED, configure_logging


def test_configured_secrets_are_redacted_from_messages_and_args(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(slack_bot_token="xoxb-secret-0001", x_bearer_token="AAAAbearer0002")  # type: ignore[arg-type]
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging(settings)
        log = logging.getLogger("test.redaction")
        log.warning("token is %s", "xoxb-secret-0001")
        log.warning("header Authorization: Bearer AAAAbearer0002")
        err = capsys.readouterr().err
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    assert "xoxb-secret-0001" not in err
    assert "AAAAbearer0002" not in err
    assert err.count(REDACTED) == 2
