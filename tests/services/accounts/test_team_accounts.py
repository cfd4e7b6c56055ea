"""Team accounts: who owns an account and why a handover is refused come back as plain data, never Slack markup."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.crypto import TokenCipher
from assistant.models.accounts import ConnectedAccount
from assistant.models.base import require_id
from assistant.services.accounts.team_accounts import (
    HandoverProblem,
    HandoverRefused,
    Owner,
    OwnerKind,
    connect_account,
    decide_handover,
    handover_target,
    owner_of,
    request_handover,
)
from assistant.services.team.workspaces import ensure_workspace
from integrations.x.oauth import TokenSet

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def _account(session: Session) -> ConnectedAccount:
    workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
    session.commit()
    return connect_account(
        session,
        TokenCipher(Fernet(Fernet.generate_key())),
        workspace_id=require_id(workspace),
        platform="mastodon",
        account_id="109",
        handle="@council@mastodon.example",
        tokens=TokenSet(access_token="tok"),
        actor="U0COMMS001",
        now=NOW,
    )


def _refusal(call: object) -> HandoverRefused:
    assert isinstance(call, HandoverRefused)
    assert "<@" not in str(call) and "<!" not in str(call)
    return call


def test_the_owner_is_the_person_until_a_team_owns_it(session: Session) -> None:
    account = _account(session)
    assert owner_of(account) == Owner(OwnerKind.person, "U0COMMS001")
    account.owner_group_id = "S0TEACH001"
    assert owner_of(account) == Owner(OwnerKind.team, "S0TEACH001")


def test_a_handover_by_someone_else_is_refused_naming_the_owner(session: Session) -> None:
    account = _account(session)
    with pytest.raises(HandoverRefused) as refused:
        request_handover(session, account=account, actor="U0STAFF001", is_admin=False, now=NOW, to_user_id="U0TEACH001")
    error = _refusal(refused.value)
    assert (error.problem, error.handle, error.owner) == (
        HandoverProblem.not_allowed,
        "@council@mastodon.example",
        Owner(OwnerKind.person, "U0COMMS001"),
    )


def test_a_handover_to_the_owner_or_a_second_one_is_refused_with_who(session: Session) -> None:
    account = _account(session)
    with pytest.raises(HandoverRefused) as to_owner:
        request_handover(session, account=account, actor="U0COMMS001", is_admin=False, now=NOW, to_user_id="U0COMMS001")
    assert (to_owner.value.problem, to_owner.value.owner) == (
        HandoverProblem.already_owner,
        Owner(OwnerKind.person, "U0COMMS001"),
    )
    first = request_handover(
        session, account=account, actor="U0COMMS001", is_admin=False, now=NOW, to_group_id="S0TEACH001"
    )
    assert handover_target(first) == Owner(OwnerKind.team, "S0TEACH001")
    with pytest.raises(HandoverRefused) as second:
        request_handover(session, account=account, actor="U0COMMS001", is_admin=False, now=NOW, to_user_id="U0TEACH001")
    error = _refusal(second.value)
    assert (error.problem, error.owner) == (HandoverProblem.pending, Owner(OwnerKind.team, "S0TEACH001"))


def test_only_whom_it_is_offered_to_may_answer_a_handover(session: Session) -> None:
    account = _account(session)
    to_person = request_handover(
        session, account=account, actor="U0COMMS001", is_admin=False, now=NOW, to_user_id="U0TEACH001"
    )
    with pytest.raises(HandoverRefused) as refused:
        decide_handover(session, handover_id=require_id(to_person), user_id="U0STAFF001", accept=True, now=NOW)
    error = _refusal(refused.value)
    assert (error.problem, error.owner) == (HandoverProblem.not_for_you, Owner(OwnerKind.person, "U0TEACH001"))
    handover, account = decide_handover(
        session, handover_id=require_id(to_person), user_id="U0TEACH001", accept=True, now=NOW
    )
    assert owner_of(account) == Owner(OwnerKind.person, "U0TEACH001")


def test_a_team_handover_is_refused_to_a_non_member(session: Session) -> None:
    account = _account(session)
    to_team = request_handover(
        session, account=account, actor="U0COMMS001", is_admin=False, now=NOW, to_group_id="S0TEACH001"
    )
    with pytest.raises(HandoverRefused) as refused:
        decide_handover(
            session,
            handover_id=require_id(to_team),
            user_id="U0ADMIN001",
            accept=True,
            now=NOW,
            group_members=["U0TEACH001"],
        )
    error = _refusal(refused.value)
    assert (error.problem, error.owner) == (HandoverProblem.not_for_you, Owner(OwnerKind.team, "S0TEACH001"))
