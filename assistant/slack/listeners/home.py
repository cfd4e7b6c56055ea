"""The App Home tab: published when opened and on Refresh."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from assistant.models.base import require_id
from assistant.services.home.dashboard import dashboard
from assistant.services.team.workspaces import ensure_workspace
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

    @app.action(ids.HOME_REQUEST_MAPPING)
    def on_request_mapping(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        from assistant.slack.blocks.mapping_forms import request_modal

        client.views_open(trigger_id=body["trigger_id"], view=request_modal())

    @app.action(ids.HOME_ADD_CONTACT)
    def on_add_contact(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        from assistant.slack.blocks.contacts import contact_modal

        meta = json.dumps({"channel": None, "source": "manual"})
        client.views_open(trigger_id=body["trigger_id"], view=contact_modal(metadata=meta))

    @app.action(ids.HOME_SCHEDULE_CHAT)
    def on_schedule_chat(ack: Ack, body: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
        ack()
        from assistant.services.chats.form import host_choices
        from assistant.slack.blocks.chats import chat_modal

        with Session(services.engine) as session:
            workspace = ensure_workspace(session, slack_team_id=context.get("team_id") or "")
            session.commit()
            hosts = [
                (str(c.id), f"{c.platform} @{c.handle or c.account_id}")
                for c in host_choices(session, require_id(workspace))
            ]
            view = chat_modal(hosts=hosts, timezone=workspace.timezone, channel_id=workspace.comms_channel_id or "")
        client.views_open(trigger_id=body["trigger_id"], view=view)

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
        groups = _my_owner_groups(session, client, require_id(workspace), user_id)
        data = dashboard(session, workspace=workspace, user_id=user_id, user_name=name, role=role, my_groups=groups)
    client.views_publish(user_id=user_id, view=home_view(data))


def _my_owner_groups(session: Session, client: WebClient, workspace_id: int, user_id: str) -> frozenset[str]:
    """The user groups owning one of the team's accounts that this person is a member of."""
    from assistant.services.accounts.team_accounts import list_accounts

    groups = {a.owner_group_id for a in list_accounts(session, workspace_id=workspace_id) if a.owner_group_id}
    mine = set()
    for group in sorted(groups):
        try:
            if user_id in client.usergroups_users_list(usergroup=group)["users"]:
                mine.add(group)
        except SlackApiError as exc:  # the dashboard still shows without it
            log.warning("usergroups.users.list failed for %s: %s", group, exc.response.get("error"))
    return frozenset(mine)


def _display_name(client: WebClient, user_id: str) -> str:
    try:
        user = client.users_info(user=user_id)["user"]
    except Exception:  # the dashboard still shows without a name
        log.warning("users.info failed for %s", user_id)
        return "there"
    profile = user.get("profile") or {}
    return str(profile.get("display_name") or user.get("real_name") or user.get("name") or "there")
