"""Who is comms and who is admin: explicit roles, the comms user group or channel, Slack admins; answers cached."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings
from assistant.models import Role
from assistant.models.base import require_id
from assistant.services.team.workspaces import ensure_workspace, explicit_role

log = logging.getLogger(__name__)

# Slack's answers that mean "not now" rather than "no": retried inside the budget, never cached.
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})
SLACK_NOT_ANSWERING = "Slack is not answering right now, so I can't tell what you may do here. Try again in a minute."


class SlackUnavailable(Exception):  # noqa: N818 - reads as the condition, like TimeoutError's cousins
    """A role lookup got no answer from Slack within the ack budget (timeouts, 429s or 5xx)."""

    def __init__(self, method: str) -> None:
        super().__init__(f"{method}: Slack did not answer in time")
        self.method = method


@dataclass(frozen=True, slots=True)
class SlackUser:
    """What users.info told us: admin or owner, and the user's time zone."""

    is_admin: bool
    timezone: str | None


class RoleResolver:
    """Resolves a Slack user's role in a team within `budget` seconds, caching only Slack's real answers."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        budget: float = 1.5,
        call_timeout: float = 0.6,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.budget = budget
        self.call_timeout = call_timeout
        self._clock = clock
        self._sleep = sleep
        self._roles: TTLCache[tuple[str, str], Role] = TTLCache(maxsize=10_000, ttl=ttl, timer=clock)
        self._users: TTLCache[tuple[str, str], SlackUser] = TTLCache(maxsize=10_000, ttl=ttl, timer=clock)
        self._groups: TTLCache[tuple[str, str], frozenset[str]] = TTLCache(maxsize=1_000, ttl=ttl, timer=clock)

    def role_of(self, client: WebClient, *, team_id: str, user_id: str) -> Role:
        """The user's role; raises SlackUnavailable when Slack does not answer within the budget."""
        key = (team_id, user_id)
        cached = self._roles.get(key)
        if cached is not None:
            return cached
        role = self._resolve(_Lookup(self, client), team_id=team_id, user_id=user_id)
        self._roles[key] = role
        return role

    def is_comms(self, client: WebClient, *, team_id: str, user_id: str) -> bool:
        return self.role_of(client, team_id=team_id, user_id=user_id) in (Role.comms, Role.admin)

    def is_admin(self, client: WebClient, *, team_id: str, user_id: str) -> bool:
        return self.role_of(client, team_id=team_id, user_id=user_id) is Role.admin

    def user(self, client: WebClient, *, team_id: str, user_id: str) -> SlackUser:
        """users.info, cached when Slack answered; raises SlackUnavailable otherwise."""
        return self._user(_Lookup(self, client), team_id, user_id)

    def forget(self, *, team_id: str, user_id: str | None = None) -> None:
        """Drop cached answers after a role or settings change."""
        for cache in (self._roles, self._users):
            for key in list(cache):
                if key[0] == team_id and (user_id is None or key[1] == user_id):
                    cache.pop(key, None)
        for group_key in list(self._groups):
            if group_key[0] == team_id:
                self._groups.pop(group_key, None)

    def _resolve(self, lookup: _Lookup, *, team_id: str, user_id: str) -> Role:
        if user_id in self.settings.admin_user_ids:
            return Role.admin
        with Session(self.engine) as session:
            workspace = ensure_workspace(session, slack_team_id=team_id, timezone=self.settings.default_timezone)
            session.commit()
            stated = explicit_role(session, workspace_id=require_id(workspace), slack_user_id=user_id)
            usergroup = workspace.comms_usergroup_id or self.settings.slack_comms_usergroup
            channel = workspace.comms_channel_id or self.settings.slack_comms_channel
        if stated is Role.admin or self._user(lookup, team_id, user_id).is_admin:
            return Role.admin
        if stated is Role.comms:
            return Role.comms
        if usergroup and user_id in self._members(lookup, team_id, "usergroup", usergroup):
            return Role.comms
        if channel and user_id in self._members(lookup, team_id, "channel", channel):
            return Role.comms
        return Role.staff

    def _user(self, lookup: _Lookup, team_id: str, user_id: str) -> SlackUser:
        key = (team_id, user_id)
        cached = self._users.get(key)
        if cached is not None:
            return cached
        answer = lookup.call("users.info", lambda slack: slack.users_info(user=user_id))
        if answer is None:  # Slack answered "no such user" (or a missing scope): not an admin
            return SlackUser(is_admin=False, timezone=None)
        user = answer.get("user") or {}
        found = SlackUser(is_admin=bool(user.get("is_admin") or user.get("is_owner")), timezone=user.get("tz"))
        self._users[key] = found
        return found

    def _members(self, lookup: _Lookup, team_id: str, kind: str, ident: str) -> frozenset[str]:
        key = (team_id, f"{kind}:{ident}")
        cached = self._groups.get(key)
        if cached is not None:
            return cached
        members: set[str] = set()
        if kind == "usergroup":
            page = lookup.call("usergroups.users.list", lambda slack: slack.usergroups_users_list(usergroup=ident))
            if page is None:
                return frozenset()
            members.update(page.get("users") or [])
        else:
            cursor: str | None = None
            while True:
                page = lookup.call(
                    "conversations.members",
                    lambda slack: slack.conversations_members(channel=ident, cursor=cursor, limit=1000),  # noqa: B023
                )
                if page is None:
                    return frozenset()
                members.update(page.get("members") or [])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        result = frozenset(members)
        self._groups[key] = result
        return result


class _Lookup:
    """One role resolution's Slack calls: short timeouts, retries of transient failures, one shared deadline."""

    def __init__(self, resolver: RoleResolver, client: WebClient) -> None:
        self.resolver = resolver
        self.client = client
        self.deadline = resolver._clock() + resolver.budget
        # A copy of the app's client without its retry handlers; urllib takes the float timeout set per call.
        self.quick = WebClient(token=client.token, base_url=client.base_url, headers=client.headers, retry_handlers=[])

    def call(self, method: str, fetch: Callable[[WebClient], SlackResponse]) -> dict[str, Any] | None:
        """Slack's answer; None when Slack said a definite no; SlackUnavailable when it never answered."""
        clock, sleep = self.resolver._clock, self.resolver._sleep
        while True:
            remaining = self.deadline - clock()
            if remaining <= 0.05:
                raise SlackUnavailable(method)
            self.quick.timeout = min(self.resolver.call_timeout, remaining)  # type: ignore[assignment]
            wait = 0.0
            try:
                response = fetch(self.quick)
                return dict(response.data) if isinstance(response.data, dict) else {}
            except SlackApiError as exc:
                status = exc.response.status_code
                error = str(exc.response.get("error") or "")
                if status != 429 and status < 500 and error not in TRANSIENT_ERRORS:
                    log.warning("%s refused: %s", method, error or status)
                    return None
                wait = _retry_after(exc.response.headers)
                log.info("%s: Slack answered %s (%s); retrying within the ack budget", method, status, error)
            except OSError as exc:  # timeouts and refused connections (URLError is an OSError)
                log.info("%s: no answer from Slack (%s); retrying within the ack budget", method, type(exc).__name__)
            remaining = self.deadline - clock()
            if wait >= remaining:
                raise SlackUnavailable(method)
            sleep(min(max(wait, 0.25), remaining))


def _retry_after(headers: Any) -> float:
    """Seconds Slack asked us to wait (Retry-After), 0 when absent or unreadable."""
    for name, value in dict(headers or {}).items():
        if str(name).lower() == "retry-after":
            try:
                return max(0.0, float(value if isinstance(value, str) else value[0]))
            except (TypeError, ValueError, IndexError):
                return 0.0
    return 0.0
