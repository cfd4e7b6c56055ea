"""What listeners need: the services, and per request the workspace, the viewer and a session factory."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.clients import Clients
from assistant.config import Settings
from assistant.models import Role, Workspace
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.roles import RoleResolver, SlackUnavailable

log = logging.getLogger(__name__)

SessionFactory = Callable[[], Session]


class WorkspaceCache:
    """Each team's workspace row for `seconds` (one query per team, not per request); `forget` after a change."""

    def __init__(self, seconds: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._rows: dict[str, tuple[float, Workspace]] = {}
        self._lock = threading.Lock()

    def get(self, team_id: str) -> Workspace | None:
        with self._lock:
            found = self._rows.get(team_id)
        if found is None or found[0] <= self.clock():
            return None
        return found[1]

    def put(self, team_id: str, workspace: Workspace) -> None:
        with self._lock:
            self._rows[team_id] = (self.clock() + self.seconds, workspace)

    def forget(self, team_id: str) -> None:
        with self._lock:
            self._rows.pop(team_id, None)


def _team_of(body: dict[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, dict):
        return str(team.get("id") or "")
    return str(body.get("team_id") or "")


@dataclass
class Services:
    """Dependencies handed to every listener's register(); built once by the entry point."""

    settings: Settings
    engine: Engine
    roles: RoleResolver
    clients: Clients
    subcommands: set[str] = field(default_factory=set)  # filled by create_app: the live `/outreach` subcommands
    workspaces: WorkspaceCache = field(default_factory=WorkspaceCache)

    @classmethod
    def build(cls, settings: Settings, engine: Engine, clients: Clients | None = None) -> Services:
        """`clients` defaults to those built from `settings` (tests give their own)."""
        return cls(
            settings=settings,
            engine=engine,
            roles=RoleResolver(engine, settings),
            clients=clients if clients is not None else Clients.from_settings(settings, engine),
        )

    def session(self) -> Session:
        """A new Session on the app's engine (the factory put into each request's context)."""
        return Session(self.engine)


@dataclass
class Viewer:
    """The Slack user behind a request; the role is looked up on first use, within the ack budget."""

    user_id: str
    team_id: str
    default_timezone: str
    _roles: RoleResolver
    _client: WebClient
    _role: Role | None = None

    @property
    def role(self) -> Role:
        """The user's role; raises SlackUnavailable when Slack does not answer in time (never guessed)."""
        if self._role is None:
            self._role = self._roles.role_of(self._client, team_id=self.team_id, user_id=self.user_id)
        return self._role

    @property
    def is_comms(self) -> bool:
        return self.role in (Role.comms, Role.admin)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    @property
    def timezone(self) -> str:
        """The user's own time zone from Slack, else the workspace's (a slow Slack costs only the nicety)."""
        try:
            return self._roles.user(self._client, team_id=self.team_id, user_id=self.user_id).timezone or (
                self.default_timezone
            )
        except SlackUnavailable:
            return self.default_timezone


def request_context(services: Services) -> Callable[..., BoltResponse | None]:
    """Middleware: put `services`, `workspace`, `viewer` and `session` (a factory) into each request's context."""

    def middleware(context: BoltContext, body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:  # noqa: A002
        context["services"] = services
        context["session"] = services.session
        team_id = context.team_id or _team_of(body)
        if not team_id:
            return next()
        workspace = load_workspace(services, team_id)
        context["workspace"] = workspace
        user_id = context.user_id or ""
        if user_id and context.client is not None:
            context["viewer"] = Viewer(
                user_id=user_id,
                team_id=team_id,
                default_timezone=workspace.timezone,
                _roles=services.roles,
                _client=context.client,
            )
        return next()

    return middleware


def load_workspace(services: Services, team_id: str) -> Workspace:
    """The team's workspace row, created on first contact, detached so a listener can read it freely (never
    change it: a service that writes loads its own row). Kept a few seconds, so an ack needs no query."""
    cached = services.workspaces.get(team_id)
    if cached is not None:
        return cached
    with Session(services.engine, expire_on_commit=False) as session:
        workspace = ensure_workspace(session, slack_team_id=team_id, timezone=services.settings.default_timezone)
        session.commit()
    services.workspaces.put(team_id, workspace)
    return workspace
