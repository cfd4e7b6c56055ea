"""Fixtures for Slack front-door tests: the app wired to the local Slack stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from tests.fakes.slack import SlackHarness, harness


@pytest.fixture
def app(engine: Engine, sqlite_url: str) -> Iterator[SlackHarness]:
    with harness(engine, sqlite_url) as h:
        yield h
