"""The team's connected accounts: connect, list, hand over, disconnect, and token problems reported once."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from assistant.crypto import TokenCipher
from assistant.models.accounts import AccountHandover, AccountStatus, ConnectedAccount, HandoverState
from assistant.models.base import require_id
from assistant.models.credentials import Credential
from assistant.models.platforms import Platform
from assistant.services.accounts.credentials import save_credential
from assistant.services.team import audit
from integrations.x.oauth import TokenSet

PLATFORMS = tuple(Platform)


class AccountError(ValueError):
    """A refused account operation; the message is shown to the person as is."""


class OwnerKind(StrEnum):
    person = "person"
    team = "team"  # a Slack user group


@dataclass(frozen=True, slots=True)
class Owner:
    """Who owns an account, or is offered it: one Slack user or one Slack user group, by id."""

    kind: OwnerKind
    id: str


class HandoverProblem(StrEnum):
    not_allowed = "not_allowed"  # only the owner (or a member of the owning team) or an admin may hand it over
    already_owner = "already_owner"
    pending = "pending"  # another handover of the account waits for an answer
    not_for_you = "not_for_you"  # the handover is offered to someone else


class HandoverRefused(AccountError):
    """A refused handover that names a person or a team (`owner`); the Slack builder words it with the mention."""

    def __init__(self, problem: HandoverProblem, *, handle: str, owner: Owner) -> None:
        super().__init__(f"handover refused ({problem}): {handle}, {owner.kind} {owner.id}")
        self.problem = problem
        self.handle = handle
        self.owner = owner


def list_accounts(session: Session, *, workspace_id: int, include_revoked: bool = True) -> list[ConnectedAccount]:
    statement = select(ConnectedAccount).where(ConnectedAccount.workspace_id == workspace_id)
    if not include_revoked:
        statement = statement.where(ConnectedAccount.status == AccountStatus.active)
    return list(session.exec(statement.order_by(col(ConnectedAccount.platform), col(ConnectedAccount.handle))))


def find_account(session: Session, *, workspace_id: int, ref: str) -> ConnectedAccount | None:
    """The account named by `@handle`, `handle`, `platform:handle` or its numeric id in this workspace."""
    ref = ref.strip().lstrip("@")
    platform, _, name = ref.partition(":") if ref.split(":", 1)[0] in PLATFORMS else ("", "", ref)
    accounts = list_accounts(session, workspace_id=workspace_id)
    if name.isdigit():
        by_id = [account for account in accounts if account.id == int(name)]
        if by_id:
            return by_id[0]
    wanted = name.lower()
    matches = [
        account
        for account in accounts
        if (not platform or account.platform == platform)
        and wanted in (account.handle.lower().lstrip("@"), account.handle.lower().lstrip("@").split("@")[0])
    ]
    return matches[0] if len(matches) == 1 else None


def connect_account(
    session: Session,
    cipher: TokenCipher,
    *,
    workspace_id: int,
    platform: str,
    account_id: str,
    handle: str,
    tokens: TokenSet,
    actor: str,
    now: datetime,
    instance_url: str | None = None,
    revoke_client: str | None = None,
) -> ConnectedAccount:
    """Save the tokens (encrypted) and the account; the person connecting owns it unless it had an owner. Audited."""
    if platform not in PLATFORMS:
        raise AccountError(f"Unknown network {platform!r}; use one of {', '.join(PLATFORMS)}.")
    credential = save_credential(
        session,
        cipher,
        platform=platform,
        account_id=account_id,
        tokens=tokens,
        now=now,
        workspace_id=workspace_id,
        handle=handle,
    )
    account = session.exec(
        select(ConnectedAccount).where(
            ConnectedAccount.workspace_id == workspace_id,
            ConnectedAccount.platform == platform,
            ConnectedAccount.account_id == account_id,
        )
    ).first()
    if account is None:
        account = ConnectedAccount(
            workspace_id=workspace_id,
            platform=platform,
            account_id=account_id,
            handle=handle,
            owner_user_id=actor,
            connected_by=actor,
            created_at=now,
        )
    account.credential_id = credential.id
    account.handle = handle
    account.instance_url = instance_url
    account.status = AccountStatus.active
    account.status_reason = None
    account.status_notified_at = None
    account.revoke_client_encrypted = cipher.encrypt(revoke_client) if revoke_client else None
    account.updated_at = now
    session.add(account)
    session.flush()
    audit.log(session, "account.connected", account, actor=actor, platform=platform, handle=handle)
    session.commit()
    session.refresh(account)
    return account


def can_manage(account: ConnectedAccount, user_id: str, *, is_admin: bool, in_owner_group: bool = False) -> bool:
    """Admins, the owner, and (for a team-owned account) any member of the owning group."""
    return is_admin or user_id == account.owner_user_id or (bool(account.owner_group_id) and in_owner_group)


def owner_of(account: ConnectedAccount) -> Owner:
    """The owning team (user group) when there is one, else the owning person."""
    if account.owner_group_id:
        return Owner(OwnerKind.team, account.owner_group_id)
    return Owner(OwnerKind.person, account.owner_user_id)


def handover_target(handover: AccountHandover) -> Owner:
    """Whom a handover offers the account to: a team (user group) or a person."""
    if handover.to_group_id:
        return Owner(OwnerKind.team, handover.to_group_id)
    return Owner(OwnerKind.person, handover.to_user_id or "")


def request_handover(
    session: Session,
    *,
    account: ConnectedAccount,
    actor: str,
    is_admin: bool,
    now: datetime,
    to_user_id: str | None = None,
    to_group_id: str | None = None,
    in_owner_group: bool = False,
) -> AccountHandover:
    """Start moving ownership to a person or a team (whose member must accept); admins and owners may. Audited.

    The caller checks that the person or the user group exists in the workspace (that needs Slack).
    """
    if (to_user_id is None) == (to_group_id is None):
        raise AccountError("Hand over to one person or one user group.")
    if not can_manage(account, actor, is_admin=is_admin, in_owner_group=in_owner_group):
        raise HandoverRefused(HandoverProblem.not_allowed, handle=account.handle, owner=owner_of(account))
    if to_user_id is not None and to_user_id == account.owner_user_id and not account.owner_group_id:
        raise HandoverRefused(HandoverProblem.already_owner, handle=account.handle, owner=owner_of(account))
    if to_group_id is not None and to_group_id == account.owner_group_id:
        raise HandoverRefused(HandoverProblem.already_owner, handle=account.handle, owner=owner_of(account))
    pending = session.exec(
        select(AccountHandover).where(
            AccountHandover.account_id == account.id, AccountHandover.state == HandoverState.pending
        )
    ).first()
    if pending is not None:
        raise HandoverRefused(HandoverProblem.pending, handle=account.handle, owner=handover_target(pending))
    handover = AccountHandover(
        account_id=require_id(account),
        from_user_id=account.owner_user_id,
        to_user_id=to_user_id,
        to_group_id=to_group_id,
        requested_by=actor,
        created_at=now,
    )
    session.add(handover)
    session.flush()
    audit.log(
        session,
        "account.handover_requested",
        handover,
        actor=actor,
        workspace_id=account.workspace_id,
        account=account.handle,
        from_user=account.owner_user_id,
        from_group=account.owner_group_id,
        to_user=to_user_id,
        to_group=to_group_id,
    )
    session.commit()
    session.refresh(handover)
    return handover


def handover_group(session: Session, handover_id: int) -> str | None:
    """The user group a hand-over is offered to (its members may accept), or None for a person or no such row."""
    handover = session.get(AccountHandover, handover_id)
    return handover.to_group_id if handover is not None else None


def decide_handover(
    session: Session,
    *,
    handover_id: int,
    user_id: str,
    accept: bool,
    now: datetime,
    group_members: Collection[str] | None = None,
) -> tuple[AccountHandover, ConnectedAccount]:
    """The new owner (or, for a team, any member of `group_members`) accepts or declines. Audited.

    On acceptance ownership moves and the previous owner stays a co-owner; to a team, the account's owner is
    the group (`owner_group_id`) and the member who accepted is recorded as `owner_user_id`.
    """
    handover = session.get(AccountHandover, handover_id)
    if handover is None:
        raise AccountError("That handover no longer exists.")
    account = session.get(ConnectedAccount, handover.account_id)
    if account is None:
        raise AccountError("That account is no longer connected.")
    if handover.to_group_id:
        offered = group_members is not None and user_id in group_members
    else:
        offered = handover.to_user_id == user_id
    if not offered:
        raise HandoverRefused(HandoverProblem.not_for_you, handle=account.handle, owner=handover_target(handover))
    if handover.state != HandoverState.pending:
        raise AccountError(f"This handover was already {handover.state}.")
    handover.state = HandoverState.accepted if accept else HandoverState.declined
    handover.decided_at = now
    handover.decided_by = user_id
    if accept:
        previous = account.owner_user_id
        account.owner_user_id = user_id
        account.owner_group_id = handover.to_group_id
        co_owners = [user for user in account.co_owner_user_ids if user not in (user_id, previous)]
        account.co_owner_user_ids = [*co_owners, previous] if previous != user_id else co_owners
        account.updated_at = now
        session.add(account)
    session.add(handover)
    audit.log(
        session,
        f"account.handover_{handover.state}",
        handover,
        actor=user_id,
        workspace_id=account.workspace_id,
        account=account.handle,
        from_user=handover.from_user_id,
        to_user=handover.to_user_id,
        to_group=handover.to_group_id,
    )
    session.commit()
    session.refresh(handover)
    session.refresh(account)
    return handover, account


def mark_token_problem(
    session: Session, *, account: ConnectedAccount, status: AccountStatus, reason: str, now: datetime
) -> bool:
    """Record that the token was revoked or expired; True only when this is news (the owners get told once)."""
    if account.status == status:
        return False
    account.status = status
    account.status_reason = reason[:500]
    account.status_notified_at = None
    account.updated_at = now
    session.add(account)
    audit.log(session, f"account.token_{status}", account, actor="system", reason=reason[:500])
    session.commit()
    return True


def unreported_problems(session: Session) -> list[ConnectedAccount]:
    """Accounts whose revoked or expired token has not been reported to their owners yet."""
    return list(
        session.exec(
            select(ConnectedAccount).where(
                ConnectedAccount.status != AccountStatus.active,
                col(ConnectedAccount.status_notified_at).is_(None),
            )
        )
    )


def remove_account(session: Session, *, account: ConnectedAccount, actor: str, revoked_remotely: bool) -> None:
    """Forget the account and its stored tokens (after the caller revoked them where it could). Audited."""
    credential = session.get(Credential, account.credential_id) if account.credential_id else None
    audit.log(
        session,
        "account.disconnected",
        account,
        actor=actor,
        platform=account.platform,
        handle=account.handle,
        revoked_remotely=revoked_remotely,
    )
    session.delete(account)
    if credential is not None:
        session.delete(credential)
    session.commit()
