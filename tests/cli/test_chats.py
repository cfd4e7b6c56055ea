"""`outreach chat list|ics` from a shell: the calendar file parses back; a bad id is one clear line and exit 1."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlmodel import Session
from typer.testing import CliRunner

from assistant import migrate
from assistant.cli.commands import app
from assistant.db import create_db_engine
from assistant.services.chats.form import ChatInput, validate
from assistant.services.chats.repo import create_chat
from assistant.services.team.workspaces import ensure_workspace

runner = CliRunner()


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "X_", "DATABASE_", "ENCRYPTION_")):
            monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    migrate.upgrade(url)
    engine = create_db_engine(url)
    with Session(engine) as session:
        ws = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.commit()
        form = ChatInput(
            hashtag="edchat",
            title="Teachers and AI",
            start_date="2030-01-10",
            start_time="20:00",
            timezone="America/New_York",
            recurrence="weekly",
            count=3,
            channel_id="C0GENERAL1",
            questions="Where do you use AI?\nWhat worries you?",
        )
        valid = validate(session, form, workspace_id=ws.id or 0, now=datetime(2029, 12, 1, tzinfo=UTC))
        create_chat(session, valid, workspace_id=ws.id or 0, actor="U0TEACH001", now=datetime(2029, 12, 1, tzinfo=UTC))
    engine.dispose()
    return url


def test_chat_ics_writes_a_calendar_that_parses_back(database: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["chat", "ics", "1", "--out", str(tmp_path / "edchat.ics")])
    assert result.exit_code == 0, result.output
    (event,) = Calendar.from_ical((tmp_path / "edchat.ics").read_bytes()).walk("VEVENT")
    assert event["SUMMARY"] == "#edchat: Teachers and AI" and event["RRULE"]["COUNT"] == [3]
    assert str(event["DTSTART"].params["TZID"]) == "America/New_York"


def test_chat_list_and_a_bad_id(database: str) -> None:
    listed = runner.invoke(app, ["chat", "list"])
    assert (
        listed.exit_code == 0
        and "#edchat  Thu 10 Jan 2030 20:00 America/New_York  weekly  2 questions" in listed.output
    )
    missing = runner.invoke(app, ["chat", "ics", "42"])
    assert missing.exit_code == 1 and "there is no chat 42" in missing.output
