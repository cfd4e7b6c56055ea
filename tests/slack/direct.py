"""Calling a listener directly: the request context the middleware would build, and recorders for ack and respond."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from assistant.models import Role
from assistant.slack.context import Viewer, load_workspace
from assistant.standins.slack import TEAM_ID
from tests.fakes.slack import SlackHarness


class Calls(list[dict[str, Any]]):
    """Stands in for Bolt's `ack` or `respond`: keeps the keyword arguments of each call."""

    def __call__(self, **kwargs: Any) -> None:
        self.append(kwargs)


def request_context(app: SlackHarness, user_id: str, role: Role) -> BoltContext:
    """The context of a request from `user_id` of the demo team, whose role is already known."""
    workspace = load_workspace(app.services, TEAM_ID)
    viewer = Viewer(user_id, TEAM_ID, "Europe/London", app.services.roles, app.bolt.client, _role=role)
    return BoltContext(workspace=workspace, viewer=viewer, session=app.services.session, services=app.services)
