"""The App Home tab: published when opened and on Refresh."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from assistant.services.dashboard import dashboard
from assistant.services.workspaces import ensure_workspace
from assistant.slack.blocks import ids
from assistant.slack.blocks.home import home_view
from assistant.slack.context import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        publish_home(services, client, team_id=context.get("team_id") or "", user_id=event["user"])

    @app.action(ids.HOME_REFRESH)
    def on_refresh(ack: Ack, body: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
        ack()
        publish_home(services, client, team_id=context.get("team_id") or "", user_id=body["user"]["id"])


def publish_home(services: Services, client: WebClient, *, team_id: str, user_id: str) -> None:
    role = services.roles.role_of(client, team_id=team_id, user_id=user_id)
    name = _display_name(client, user_id)
    with Session(services.engine) as session:
        workspace = ensure_workspace(session, slack_team_id=team_id, timezone=services.settings.default_timezone)
        session.commit()
        data = dashboard(session, workspace=workspace, user_id=user_id, user_name=name, role=role)
    client.views_publish(user_id=user_id, view=home_view(data))


def _display_name(client: WebClient, user_id: str) -> str:
    try:
        user = client.users_info(user=user_id)["user"]
    except Exception:  # the dashboard still shows without a name
        log.warning("users.info failed for %s", user_id)
        return "there"
    profile = user.get("profile") or {}
    return str(profile.get("display_name") or user.get("real_name") or user.get("name") or "there")
