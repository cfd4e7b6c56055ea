"""The accounts' Slack wording: owners as mentions, and each refused handover said with its person or team."""

from __future__ import annotations

import pytest

from assistant.services.accounts.team_accounts import (
    AccountError,
    HandoverProblem,
    HandoverRefused,
    Owner,
    OwnerKind,
)
from assistant.slack.blocks.accounts import account_error, owner_mention

PERSON = Owner(OwnerKind.person, "U0TEACH001")
TEAM = Owner(OwnerKind.team, "S0TEACH001")


def test_a_person_is_a_user_mention_and_a_team_a_user_group_mention() -> None:
    assert owner_mention(PERSON) == "<@U0TEACH001>"
    assert owner_mention(TEAM) == "the team <!subteam^S0TEACH001>"


@pytest.mark.parametrize(
    ("problem", "owner", "text"),
    [
        (
            HandoverProblem.not_allowed,
            TEAM,
            "Only the owner of @council (the team <!subteam^S0TEACH001>) or an admin can hand it over.",
        ),
        (HandoverProblem.already_owner, PERSON, "<@U0TEACH001> already owns @council."),
        (HandoverProblem.already_owner, TEAM, "The team <!subteam^S0TEACH001> already owns @council."),
        (HandoverProblem.pending, PERSON, "A handover of @council to <@U0TEACH001> is already waiting for an answer."),
        (HandoverProblem.not_for_you, PERSON, "This handover is for <@U0TEACH001>, not you."),
        (HandoverProblem.not_for_you, TEAM, "This handover is for members of the team <!subteam^S0TEACH001>, not you."),
    ],
)
def test_a_refused_handover_is_worded_with_its_mention(problem: HandoverProblem, owner: Owner, text: str) -> None:
    assert account_error(HandoverRefused(problem, handle="@council", owner=owner)) == text


def test_the_handle_is_escaped_and_other_refusals_are_their_message() -> None:
    refused = HandoverRefused(HandoverProblem.already_owner, handle="@a<b>&c", owner=PERSON)
    assert account_error(refused) == "<@U0TEACH001> already owns @a&lt;b&gt;&amp;c."
    assert account_error(AccountError("Paste the token.")) == "Paste the token."
