"""What listeners need besides Slack: settings, the database engine and the role resolver."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from assistant.config import Settings
from assistant.slack.roles import RoleResolver


@dataclass
class Services:
    """Dependencies handed to every listener's register(); built once by the entry point."""

    settings: Settings
    engine: Engine
    roles: RoleResolver
    subcommands: set[str] = field(default_factory=set)  # filled by create_app: the live `/outreach` subcommands

    @classmethod
    def build(cls, settings: Settings, engine: Engine) -> Services:
        return cls(settings=settings, engine=engine, roles=RoleResolver(engine, settings))
