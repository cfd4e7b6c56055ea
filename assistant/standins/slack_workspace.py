"""The Slack stand-in's workspace: its ids, its people, user groups and channels, and what its method answers keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

TEAM_ID = "T0DEMO0001"
TEAM_NAME = "Demo Council"
BOT_USER_ID = "U0BOT00001"
BOT_ID = "B0BOT00001"
APP_ID = "A0APP00001"


@dataclass
class SlackUser:
    id: str
    name: str
    real_name: str
    tz: str = "Europe/London"
    is_admin: bool = False
    deleted: bool = False
    email: str = ""  # profile.email: Slack sends it only to a token granted users:read.email
    title: str = ""


def default_users() -> dict[str, SlackUser]:
    people = [
        SlackUser("U0ADMIN001", "amara", "Amara Okafor", is_admin=True, email="amara.okafor@demo-council.example"),
        SlackUser("U0COMMS001", "dev", "Dev Patel", email="dev.patel@demo-council.example", title="Digital comms"),
        SlackUser("U0STAFF001", "sian", "Siân Jones", email="sian.jones@demo-council.example"),
        SlackUser("U0TEACH001", "li", "Li Wei", tz="America/New_York", email="li.wei@demo-council.example"),
    ]
    return {person.id: person for person in people}


def default_usergroups() -> dict[str, list[str]]:
    return {"S0COMMS001": ["U0COMMS001", "U0ADMIN001"]}


def default_channel_members() -> dict[str, list[str]]:
    return {"C0COMMS001": ["U0COMMS001", "U0ADMIN001"], "C0GENERAL1": []}


class Workspace(Protocol):
    """What the method answers read and change: the directory, the messages, views and files, new ids."""

    users: dict[str, SlackUser]
    usergroups: dict[str, list[str]]
    channel_members: dict[str, list[str]]
    messages: dict[tuple[str, str], dict[str, Any]]
    views: dict[str, dict[str, Any]]
    files: dict[str, dict[str, Any]]

    @property
    def origin(self) -> str: ...

    def next_ts(self) -> str: ...

    def next_id(self, prefix: str) -> str: ...

    def granted(self) -> set[str]: ...
