"""The request context: workspace, viewer and session in every listener's context; a role Slack never gave is said so."""

from __future__ import annotations

import threading
from typing import Any

from slack_bolt import Ack, BoltContext
from sqlalchemy.engine import Engine

from assistant.models import Role
from assistant.slack.blocks import settings as blocks
from assistant.slack.context import Viewer
from assistant.slack.roles import SLACK_NOT_ANSWERING
from assistant.standins import slack_requests as requests
from assistant.standins.slack import TEAM_ID
from tests.fakes.slack import SIGNING_SECRET, SlackHarness, ack_json


def test_a_listener_finds_workspace_viewer_and_session_in_its_context(app: SlackHarness) -> None:
    seen: dict[str, Any] = {}
    done = threading.Event()

    @app.bolt.shortcut("context_probe")
    def probe(ack: Ack, context: BoltContext) -> None:
        ack()
        viewer = context["viewer"]
        seen.update(workspace=context["workspace"].slack_team_id, viewer=viewer, role=viewer.role, tz=viewer.timezone)
        with context["session"]() as session:
            seen["session_works"] = session.connection() is not None
        done.set()

    app.action(requests.shortcut("context_probe", user_id="U0TEACH001"))
    assert done.wait(30)
    assert seen["workspace"] == TEAM_ID
    assert isinstance(seen["viewer"], Viewer) and seen["viewer"].user_id == "U0TEACH001"
    assert seen["role"] is Role.staff
    assert seen["tz"] == "America/New_York"  # the user's own zone from users.info
    assert seen["session_works"]


def test_an_admin_is_told_slack_is_not_answering_not_only_admins(app: SlackHarness) -> None:
    app.slack.fail_status["users.info"] = [500] * 20  # Slack keeps failing for longer than the ack budget
    answer = ack_json(app.command("settings", user_id="U0ADMIN001"))
    assert answer["text"] == SLACK_NOT_ANSWERING
    assert "Only admins" not in answer["text"]
    app.slack.fail_status.clear()
    app.command("settings", user_id="U0ADMIN001")  # the failure was not cached: the admin gets the form
    assert app.slack.wait_for("views.open")


def test_a_form_sent_while_slack_is_down_keeps_what_was_typed(app: SlackHarness, engine: Engine) -> None:
    app.slack.fail_status["users.info"] = [500] * 20
    payload = requests.view_submission(blocks.SETTINGS_VIEW, {}, user_id="U0ADMIN001")
    answer = ack_json(app.post(requests.signed_payload(payload, SIGNING_SECRET)))
    assert answer["response_action"] == "push"  # a notice over the form; closing it returns to the form
    assert answer["view"]["blocks"][0]["text"]["text"] == SLACK_NOT_ANSWERING
