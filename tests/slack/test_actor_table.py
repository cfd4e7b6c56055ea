"""Every registered action and view, sent by a user without the right, with another workspace's id, or an unknown id."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine, select

from assistant.models.base import require_id
from assistant.models.chats import ChatSeries
from assistant.services.contacts import book
from assistant.services.mapping import requests as mapping
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.blocks import chats as blocks
from assistant.standins import slack_requests as requests
from assistant.standins.slack import TEAM_ID
from tests.fakes.slack import SIGNING_SECRET, SlackHarness
from tests.slack.actor_table import ANSWERS, LINKS, Registered, finishing_harness, registered, stored_rows
from tests.slack.test_chats import _chat_form, _state


def _of_this_app(record: logging.LogRecord, app: SlackHarness) -> bool:
    """Logged by this module's app: in the requesting thread (process_before_response) or in its listener
    executor (lazy listeners). Another test's app may still be finishing a listener in its own threads."""
    executor: Any = app.bolt._listener_runner.listener_executor
    return record.thread == threading.get_ident() or record.threadName.startswith(f"{executor._thread_name_prefix}_")


OTHER_TEAM = "T0OTHER001"
REGISTERED = registered()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SlackHarness, Engine]]:
    """One app for the whole table, with a mapping request, a chat and a contact (each id 1) in the demo team."""
    url = f"sqlite:///{tmp_path_factory.mktemp('actors') / 'app.db'}"
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine)
    with finishing_harness(engine, url, slack_comms_channel="C0COMMS001") as app:
        chat = requests.view_submission(
            blocks.CHAT_MODAL, _state(**_chat_form(start_date="2027-06-03")), user_id="U0STAFF001"
        )
        assert app.action(chat).status_code == 200
        with Session(engine) as session:
            workspace = ensure_workspace(session, slack_team_id=TEAM_ID)
            mapping.create(
                session,
                workspace_id=require_id(workspace),
                requester_id="U0STAFF001",
                data=mapping.RequestInput("Skills", seeds=("@AoC_info",)),
            )
            owner = book.Viewer(require_id(workspace), "U0STAFF001")
            book.add_contact(session, owner, {"name": "Ada Lovelace", "visibility": "me"})
            session.commit()
            assert [require_id(row) for row in session.exec(select(ChatSeries))] == [1]
        yield app, engine


def _payload(entry: Registered, value: str, user_id: str, team_id: str, response_url: str) -> dict[str, Any]:
    if entry.kind == "action":
        payload = requests.block_actions(
            {"type": "button", "action_id": entry.ident, "value": value},
            user_id=user_id,
            channel_id="C0GENERAL1",
            response_url=response_url,
        )
    else:
        payload = requests.view_submission(entry.ident, {}, user_id=user_id, private_metadata=value)
    payload["team"]["id"] = team_id
    payload["user"]["team_id"] = team_id
    return payload


# A staff member who neither made nor moderates anything; an admin of another team naming our rows; an unknown id.
CASES = [
    ("staff", "U0TEACH001", TEAM_ID, "1"),
    ("other workspace", "U0ADMIN001", OTHER_TEAM, "1"),
    ("unknown id", "U0COMMS001", TEAM_ID, "4242"),
]


@pytest.mark.parametrize("entry", REGISTERED, ids=[f"{r.kind}:{r.ident}" for r in REGISTERED])
@pytest.mark.parametrize(("case", "user_id", "team_id", "value"), CASES, ids=[c[0] for c in CASES])
def test_a_refused_request_is_answered_and_changes_nothing(
    shared: tuple[SlackHarness, Engine],
    caplog: pytest.LogCaptureFixture,
    entry: Registered,
    case: str,
    user_id: str,
    team_id: str,
    value: str,
) -> None:
    app, engine = shared
    before = stored_rows(engine)
    calls = len(app.slack.calls)
    url = app.slack.response_url(f"{entry.ident}-{case}".replace(" ", "-"))
    with caplog.at_level(logging.INFO):
        response = app.post(requests.signed_payload(_payload(entry, value, user_id, team_id, url), SIGNING_SECRET))
    assert response.status_code == 200
    answered = response.text.strip() or [c for c in app.slack.calls[calls:] if c.method.startswith(ANSWERS)]
    assert answered or entry.ident in LINKS, "a clear answer, not silence"
    assert not [r for r in caplog.records if r.exc_info and _of_this_app(r, app)], "no traceback"
    assert stored_rows(engine) == before, "nothing stored changes"
