"""Who is comms and who is admin: explicit roles, the comms user group or channel, Slack admins; cached."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from cachetools import TTLCache
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings
from assistant.models import Role
from assistant.models.base import require_id
from assistant.services.team.workspaces import ensure_workspace, explicit_role

log = logging.getLogger(__name__)


class RoleResolver:
    """Resolves a Slack user's role in a team, caching Slack lookups for `ttl` seconds."""

    def __init__(
        self, engine: Engine, settings: Settings, *, ttl: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.engine = engine
        self.settings = settings
        self._roles: TTLCache[tuple[str, str], Role] = TTLCache(maxsize=10_000, ttl=ttl, timer=clock)
        self._groups: TTLCache[tuple[str, str], frozenset[str]] = TTLCache(maxsize=1_000, ttl=ttl, timer=clock)

    def role_of(self, client: WebClient, *, team_id: str, user_id: str) -> Role:
        key = (team_id, user_id)
        cached = self._roles.get(key)
        if cached is not None:
            return cached
        role = self._resolve(client, team_id=team_id, user_id=user_id)
        self._roles[key] = role
        return role

    def is_comms(self, client: WebClient, *, team_id: str, user_id: str) -> bool:
        return self.role_of(client, team_id=team_id, user_id=user_id) in (Role.comms, Role.admin)

    def is_admin(self, client: WebClient, *, team_id: str, user_id: str) -> bool:
        return self.role_of(client, team_id=team_id, user_id=user_id) is Role.admin

    def forget(self, *, team_id: str, user_id: str | None = None) -> None:
        """Drop cached answers after a role or settings change."""
        for key in list(self._roles):
            if key[0] == team_id and (user_id is None or key[1] == user_id):
                self._roles.pop(key, None)
        for key in list(self._groups):
            if key[0] == team_id:
                self._groups.pop(key, None)

    def _resolve(self, client: WebClient, *, team_id: str, user_id: str) -> Role:
        if user_id in self.settings.admin_user_ids:
            return Role.admin
        with Session(self.engine) as session:
            workspace = ensure_workspace(session, slack_team_id=team_id, timezone=self.settings.default_timezone)
            session.commit()
            stated = explicit_role(session, workspace_id=require_id(workspace), slack_user_id=user_id)
            usergroup = workspace.comms_usergroup_id or self.settings.slack_comms_usergroup
            channel = workspace.comms_channel_id or self.settings.slack_comms_channel
        if stated is Role.admin or self._is_slack_admin(client, user_id):
            return Role.admin
        if stated is Role.comms:
            return Role.comms
        if usergroup and user_id in self._members(client, team_id, "usergroup", usergroup):
            return Role.comms
        if channel and user_id in self._members(client, team_id, "channel", channel):
            return Role.comms
        return Role.staff

    def _is_slack_admin(self, client: WebClient, user_id: str) -> bool:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            return False
        return bool(user.get("is_admin") or user.get("is_owner"))

    def _members(self, client: WebClient, team_id: str, kind: str, ident: str) -> frozenset[str]:
        key = (team_id, f"{kind}:{ident}")
        cached = self._groups.get(key)
        if cached is not None:
            return cached
        members: set[str] = set()
        try:
            if kind == "usergroup":
                members.update(client.usergroups_users_list(usergroup=ident)["users"])
            else:
                cursor = None
                while True:
                    page = client.conversations_members(channel=ident, cursor=cursor, limit=1000)
                    members.update(page["members"])
                    cursor = (page.get("response_metadata") or {}).get("next_cursor")
                    if not cursor:
                        break
        except SlackApiError as exc:
            log.warning("could not list members of %s %s: %s", kind, ident, exc.response.get("error"))
        result = frozenset(members)
        self._groups[key] = result
        return result
