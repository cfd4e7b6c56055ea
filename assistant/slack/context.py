"""What listeners need besides Slack: settings, the database engine, the outside clients and the role resolver."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from assistant.clients import Clients
from assistant.config import Settings
from assistant.slack.roles import RoleResolver


@dataclass
class Services:
    """Dependencies handed to every listener's register(); built once by the entry point."""

    settings: Settings
    engine: Engine
    roles: RoleResolver
    clients: Clients
    subcommands: set[str] = field(default_factory=set)  # filled by create_app: the live `/outreach` subcommands

    @classmethod
    def build(cls, settings: Settings, engine: Engine, clients: Clients | None = None) -> Services:
        """`clients` defaults to those built from `settings` (tests give their own)."""
        return cls(
            settings=settings,
            engine=engine,
            roles=RoleResolver(engine, settings),
            clients=clients if clients is not None else Clients.from_settings(settings, engine),
        )
