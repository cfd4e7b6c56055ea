"""Roles: admin from settings, Slack admins and explicit roles; comms from the user group or channel; cached."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.models import Role
from assistant.services.team.workspaces import ensure_workspace, set_role
from assistant.slack.roles import RoleResolver, SlackUnavailable
from assistant.standins.slack import TEAM_ID, SlackStandIn
from tests.fakes.slack import BOT_TOKEN, make_settings


def _resolver(
    engine: Engine, url: str, slack: SlackStandIn, clock: list[float] | None = None, **overrides: object
) -> RoleResolver:
    settings = make_settings(url, slack, **overrides)
    ticks = clock if clock is not None else [0.0]
    return RoleResolver(engine, settings, ttl=60, clock=lambda: ticks[0])


def test_roles_from_every_source(engine: Engine, sqlite_url: str) -> None:
    with SlackStandIn() as slack:
        client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
        roles = _resolver(engine, sqlite_url, slack, slack_admin_users="U0LISTED01")
        assert roles.role_of(client, team_id=TEAM_ID, user_id="U0LISTED01") is Role.admin  # settings
        assert roles.role_of(client, team_id=TEAM_ID, user_id="U0ADMIN001") is Role.admin  # Slack is_admin
        assert roles.role_of(client, team_id=TEAM_ID, user_id="U0COMMS001") is Role.comms  # user group
        assert roles.role_of(client, team_id=TEAM_ID, user_id="U0STAFF001") is Role.staff


def test_comms_channel_members_are_comms(engine: Engine, sqlite_url: str) -> None:
    with SlackStandIn() as slack:
        slack.channel_members["C0COMMS001"] = ["U0TEACH001"]
        client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
        roles = _resolver(engine, sqlite_url, slack, slack_comms_usergroup=None, slack_comms_channel="C0COMMS001")
        assert roles.is_comms(client, team_id=TEAM_ID, user_id="U0TEACH001")
        assert not roles.is_comms(client, team_id=TEAM_ID, user_id="U0STAFF001")


def test_explicit_role_wins_over_staff(engine: Engine, sqlite_url: str) -> None:
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id=TEAM_ID)
        set_role(
            session, workspace_id=workspace.id or 0, slack_user_id="U0STAFF001", role=Role.comms, actor="U0ADMIN001"
        )
        session.commit()
    with SlackStandIn() as slack:
        client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
        assert _resolver(engine, sqlite_url, slack).role_of(client, team_id=TEAM_ID, user_id="U0STAFF001") is Role.comms


def test_membership_is_cached_until_it_expires(engine: Engine, sqlite_url: str) -> None:
    clock = [0.0]
    with SlackStandIn() as slack:
        client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
        roles = _resolver(engine, sqlite_url, slack, clock)
        assert roles.role_of(client, team_id=TEAM_ID, user_id="U0STAFF001") is Role.staff
        slack.usergroups["S0COMMS001"].append("U0STAFF001")
        calls_before = len(slack.calls_to("usergroups.users.list"))
        clock[0] = 30.0
        assert roles.role_of(client, team_id=TEAM_ID, user_id="U0STAFF001") is Role.staff  # cached
        assert len(slack.calls_to("usergroups.users.list")) == calls_before
        clock[0] = 61.0
        assert roles.role_of(client, team_id=TEAM_ID, user_id="U0STAFF001") is Role.comms  # expired, asked again


class _Clock:
    """A clock the resolver's retries advance instead of sleeping (the budget is counted, not waited)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _budgeted(engine: Engine, url: str, slack: SlackStandIn, clock: _Clock, **overrides: object) -> RoleResolver:
    return RoleResolver(engine, make_settings(url, slack, **overrides), ttl=60, clock=clock, sleep=clock.sleep)


@pytest.mark.parametrize(
    ("method", "status", "user_id", "role", "slept"),
    [
        ("usergroups.users.list", 429, "U0COMMS001", Role.comms, [1.0]),  # not cached as an empty member list
        ("users.info", 500, "U0ADMIN001", Role.admin, [0.25]),  # one error does not make an admin staff
    ],
)
def test_one_slack_failure_is_retried_within_the_budget(
    engine: Engine, sqlite_url: str, method: str, status: int, user_id: str, role: Role, slept: list[float]
) -> None:
    clock = _Clock()
    with SlackStandIn() as slack:
        slack.fail_status[method] = [status]
        client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
        roles = _budgeted(engine, sqlite_url, slack, clock)
        assert roles.role_of(client, team_id=TEAM_ID, user_id=user_id) is role
        assert clock.slept == slept  # Slack's Retry-After for a 429, a short pause for a 5xx
        assert len(slack.calls_to(method)) == 2


def test_a_role_slack_never_answered_is_unknown_and_not_cached(engine: Engine, sqlite_url: str) -> None:
    clock = _Clock()
    with SlackStandIn() as slack:
        slack.fail_status["conversations.members"] = [429, 429, 429]
        client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
        roles = _budgeted(engine, sqlite_url, slack, clock, slack_comms_usergroup=None, slack_comms_channel="C0COMMS001")
        with pytest.raises(SlackUnavailable):
            roles.role_of(client, team_id=TEAM_ID, user_id="U0COMMS001")
        assert clock.now <= roles.budget  # gave up inside the budget
        slack.fail_status.clear()
        assert roles.role_of(client, team_id=TEAM_ID, user_id="U0COMMS001") is Role.comms  # asked again, not cached


def test_a_hanging_users_info_gives_up_within_the_budget(engine: Engine, sqlite_url: str) -> None:
    with SlackStandIn() as slack:
        slack.hang("users.info")
        try:
            client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
            roles = RoleResolver(engine, make_settings(sqlite_url, slack), budget=0.4, call_timeout=0.2)
            with pytest.raises(SlackUnavailable):
                roles.role_of(client, team_id=TEAM_ID, user_id="U0ADMIN001")
            assert slack.hanging >= 1  # the answer came while Slack was still hanging
        finally:
            slack.release()
        assert roles.role_of(client, team_id=TEAM_ID, user_id="U0ADMIN001") is Role.admin


def test_a_definite_no_from_slack_is_an_answer(engine: Engine, sqlite_url: str) -> None:
    clock = _Clock()
    with SlackStandIn() as slack:
        slack.fail_next["users.info"] = "user_not_found"
        client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
        roles = _budgeted(engine, sqlite_url, slack, clock)
        assert roles.role_of(client, team_id=TEAM_ID, user_id="U0STAFF001") is Role.staff
        assert clock.slept == []
