"""Block Kit for the team's connected accounts: the list, the connect modals and the handover DM."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.models.platforms import Platform
from assistant.render.mrkdwn import escape
from assistant.services.accounts.team_accounts import AccountError, HandoverProblem, HandoverRefused, Owner, OwnerKind
from assistant.slack.blocks import common

CONNECT_X = "accounts_connect_x"
CONNECT_MASTODON = "accounts_connect_mastodon"
CONNECT_BLUESKY = "accounts_connect_bluesky"
CONNECT_YAMMER = "accounts_connect_yammer"
HANDOVER_ACCEPT = "accounts_handover_accept"
HANDOVER_DECLINE = "accounts_handover_decline"
CONNECT_VIEW = "accounts_connect_submit"
ACTIONS = (CONNECT_X, CONNECT_MASTODON, CONNECT_BLUESKY, CONNECT_YAMMER, HANDOVER_ACCEPT, HANDOVER_DECLINE)

NETWORK_NAMES = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky", "yammer": "Yammer"}
STATUS_MARK = {"active": "🟢 active", "revoked": "🔴 token revoked", "expired": "🟠 token expired"}


@dataclass(frozen=True, slots=True)
class AccountLine:
    id: int
    platform: str
    handle: str
    owner: str
    co_owners: list[str]
    status: str
    owner_group: str | None = None


def accounts_list(accounts: list[AccountLine], *, can_connect: bool) -> list[common.Block]:
    blocks: list[common.Block] = [common.header("The team's public accounts")]
    if not accounts:
        blocks.append(common.section("No accounts connected yet."))
    entries = []
    for account in accounts:
        co = ", ".join(f"<@{user}>" for user in account.co_owners)
        entries.append(
            f"*{NETWORK_NAMES.get(account.platform, account.platform)}* {escape(account.handle)} · "
            f"{STATUS_MARK.get(account.status, account.status)}\n"
            + (
                f"Owner: the team <!subteam^{account.owner_group}> (accepted by <@{account.owner}>)"
                if account.owner_group
                else f"Owner <@{account.owner}>"
            )
            + (f" · co-owners {co}" if co else "")
        )
    blocks += common.sections(
        entries,
        sep="\n\n",
        chunks=common.MAX_BLOCKS_MESSAGE - 5,
        more=lambda n: f"…and {n} more accounts: `/outreach accounts handover` and `disconnect` work on any of them.",
    )
    blocks.append(common.divider())
    if can_connect:
        blocks.append(
            common.actions(
                common.button("Connect X", CONNECT_X, "x", style="primary"),
                common.button("Connect Mastodon", CONNECT_MASTODON, "mastodon"),
                common.button("Connect Bluesky", CONNECT_BLUESKY, "bluesky"),
                common.button("Connect Yammer", CONNECT_YAMMER, "yammer"),
            )
        )
    blocks.append(
        common.context(
            "Hand over: `/outreach accounts handover @account @person|@team` · disconnect: `/outreach accounts disconnect @account`"
        )
    )
    return blocks


def owner_mention(owner: Owner) -> str:
    """A person as `<@U…>`, a team as "the team <!subteam^S…>" (it pings the group only in a posted message)."""
    return f"the team <!subteam^{owner.id}>" if owner.kind == OwnerKind.team else f"<@{owner.id}>"


def account_error(error: AccountError) -> str:
    """The refusal as mrkdwn: a refused handover with its person or team mentioned, any other as its message."""
    if not isinstance(error, HandoverRefused):
        return str(error)
    who, handle = owner_mention(error.owner), escape(error.handle)
    if error.problem == HandoverProblem.not_allowed:
        return f"Only the owner of {handle} ({who}) or an admin can hand it over."
    if error.problem == HandoverProblem.already_owner:
        return f"{who[0].upper()}{who[1:]} already owns {handle}."
    if error.problem == HandoverProblem.pending:
        return f"A handover of {handle} to {who} is already waiting for an answer."
    members = "members of " if error.owner.kind == OwnerKind.team else ""
    return f"This handover is for {members}{who}, not you."


def _input(block_id: str, label: str, *, placeholder: str = "", optional: bool = False) -> common.Block:
    element: common.Block = {"type": "plain_text_input", "action_id": "value"}
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }


def connect_modal(platform: str) -> dict[str, object]:
    """The form for networks connected by token (Mastodon, Bluesky app password, Yammer)."""
    blocks: list[common.Block] = []
    if platform == Platform.mastodon:
        blocks += [
            _input("instance", "Instance", placeholder="mastodon.social"),
            _input("token", "Access token", placeholder="from Preferences → Development → your app"),
            _input("client", "App client key:secret (lets disconnect revoke the token)", optional=True),
        ]
    elif platform == Platform.bluesky:
        blocks += [
            _input("handle", "Handle", placeholder="council.bsky.social"),
            _input("token", "App password", placeholder="xxxx-xxxx-xxxx-xxxx"),
        ]
    else:
        blocks += [_input("token", "Access token")]
    blocks.append(common.context("The token is encrypted when saved and never shown again."))
    title = f"Connect {NETWORK_NAMES.get(platform, platform)}"
    return common.modal(CONNECT_VIEW, title, blocks, submit="Connect", private_metadata=platform)


def x_connect_link(url: str) -> list[common.Block]:
    return [
        common.section(
            "Open X to authorize the team's account. The link works once, for 10 minutes.",
            accessory={
                "type": "button",
                "text": {"type": "plain_text", "text": "Authorize on X"},
                "url": url,
                "action_id": "accounts_x_link",
            },
        )
    ]


def handover_request(
    handle: str, platform: str, from_user: str, requested_by: str, handover_id: int, *, team: str | None = None
) -> list[common.Block]:
    """The DM with Accept / Decline; `team` (escaped label such as "@comms", or "") when offered to a user group."""
    if team is None:
        target = "to you. You would become its owner"
    else:
        named = f" {team}" if team else ""
        target = f"to your team{named}. The first member to accept takes it: the team becomes its owner"
    return [
        common.section(
            f"<@{requested_by}> wants to hand over the team's {NETWORK_NAMES.get(platform, platform)} account "
            f"*{escape(handle)}* (now owned by <@{from_user}>) {target}."
        ),
        common.actions(
            common.button("Accept", HANDOVER_ACCEPT, str(handover_id), style="primary"),
            common.button("Decline", HANDOVER_DECLINE, str(handover_id), style="danger"),
        ),
    ]
