"""The App Home tab: published when opened and on Refresh; its shortcut buttons open the feature forms."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.models.base import require_id
from assistant.services.accounts.team_accounts import list_accounts
from assistant.services.chats.form import host_choices
from assistant.services.home.dashboard import dashboard
from assistant.slack.blocks import ids
from assistant.slack.blocks.chats import chat_modal
from assistant.slack.blocks.contacts import contact_modal
from assistant.slack.blocks.home import home_view
from assistant.slack.blocks.mapping_forms import request_modal
from assistant.slack.context import Services, Viewer

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    """Register the Home tab's event and its buttons."""
    app.event("app_home_opened")(on_home_opened)
    app.action(ids.HOME_REQUEST_MAPPING)(on_request_mapping)
    app.action(ids.HOME_ADD_CONTACT)(on_add_contact)
    app.action(ids.HOME_SCHEDULE_CHAT)(on_schedule_chat)
    app.action(ids.HOME_REFRESH)(on_refresh)


def on_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Publish the viewer's Home tab (the Messages tab needs nothing)."""
    if event.get("tab", "home") != "home":
        return
    publish_home(context, client)


def on_refresh(ack: Ack, client: WebClient, context: BoltContext) -> None:
    ack()
    publish_home(context, client)


def on_request_mapping(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=request_modal())


def on_add_contact(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    meta = json.dumps({"channel": None, "source": "manual"})
    client.views_open(trigger_id=body["trigger_id"], view=contact_modal(metadata=meta))


def on_schedule_chat(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    workspace = context["workspace"]
    with context["session"]() as session:
        hosts = [
            (str(c.id), f"{c.platform} @{c.handle or c.account_id}")
            for c in host_choices(session, require_id(workspace))
        ]
    view = chat_modal(hosts=hosts, timezone=workspace.timezone, channel_id=workspace.comms_channel_id or "")
    client.views_open(trigger_id=body["trigger_id"], view=view)


def publish_home(context: BoltContext, client: WebClient) -> None:
    """The dashboard for this viewer in their role, with the account owner groups they belong to."""
    viewer: Viewer = context["viewer"]
    workspace = context["workspace"]
    role = viewer.role
    name = _display_name(client, viewer.user_id)
    with context["session"]() as session:
        accounts = list_accounts(session, workspace_id=require_id(workspace))
        groups = _my_groups(client, {a.owner_group_id for a in accounts if a.owner_group_id}, viewer.user_id)
        data = dashboard(
            session, workspace=workspace, user_id=viewer.user_id, user_name=name, role=role, my_groups=groups
        )
    client.views_publish(user_id=viewer.user_id, view=home_view(data))


def _my_groups(client: WebClient, groups: set[str], user_id: str) -> frozenset[str]:
    """Of the user groups owning one of the team's accounts, those this person is a member of."""
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
