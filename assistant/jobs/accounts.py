"""Worker sources for connected accounts: daily snapshots, token refresh, and token problems told to owners once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from assistant.clients import Clients
from assistant.crypto import TokenCipher
from assistant.models.accounts import AccountStatus, ConnectedAccount
from assistant.models.base import require_id
from assistant.models.codecs import account_refresh_key, account_snapshot_key, account_token_key
from assistant.models.credentials import Credential
from assistant.models.digests import AccountSnapshot
from assistant.models.platforms import POST_NETWORKS, Platform
from assistant.services.accounts.credentials import get_valid_access_token, load_tokens, needs_refresh
from assistant.services.accounts.team_accounts import mark_token_problem, unreported_problems
from assistant.services.costs.ledger import x_meter
from assistant.worker import DueJob
from integrations.bluesky import account as bluesky_account
from integrations.bluesky.client import BlueskyClient, xrpc_url
from integrations.errors import AuthError
from integrations.mastodon import account as mastodon_account
from integrations.x.client import XClient

log = logging.getLogger(__name__)

REFRESH_AHEAD = timedelta(minutes=15)


class AccountSources:
    """Three due sources sharing their dependencies: `snapshots`, `refresh_tokens`, `token_problems`."""

    def __init__(self, deps: Clients) -> None:
        self._deps = deps

    # -- daily snapshots -------------------------------------------------------------------------------------

    def snapshots(self, engine: Engine, now: datetime) -> Iterable[DueJob]:
        """One job per active account without today's (UTC) snapshot; outbox key per account per day."""
        day = now.date()
        with Session(engine) as session:
            accounts = session.exec(
                select(ConnectedAccount).where(ConnectedAccount.status == AccountStatus.active)
            ).all()
            taken = {
                (row.platform, row.account_id)
                for row in session.exec(select(AccountSnapshot).where(AccountSnapshot.day == day))
            }
        seen: set[tuple[str, str]] = set()
        for account in accounts:
            key = (account.platform, account.account_id)
            if key in taken or key in seen or account.platform not in POST_NETWORKS:
                continue
            seen.add(key)
            yield DueJob(
                key=account_snapshot_key(account.platform, account.account_id, day),
                action=self._snapshot_action(engine, require_id(account), now),
                reconcile=_reconciler(engine, account.platform, account.account_id, day),
            )

    def _on_account(
        self, engine: Engine, account_id: int, work: Callable[[Session, ConnectedAccount], dict[str, Any]]
    ) -> Callable[[], dict[str, Any]]:
        """An outbox action doing `work` on the account in its own session; skipped when the account is gone."""

        def action() -> dict[str, Any]:
            with Session(engine) as session:
                account = session.get(ConnectedAccount, account_id)
                if account is None:
                    return {"skipped": "account gone"}
                return work(session, account)

        return action

    def _snapshot_action(self, engine: Engine, account_id: int, now: datetime) -> Callable[[], dict[str, Any]]:
        def snapshot(session: Session, account: ConnectedAccount) -> dict[str, Any]:
            with self._deps.http() as http:
                counts = measure(session, self._deps, http, account, now)
            row = AccountSnapshot(
                platform=account.platform, account_id=account.account_id, day=now.date(), captured_at=now, **counts
            )
            try:
                session.add(row)
                session.commit()
            except IntegrityError:  # the digests feature recorded it already
                session.rollback()
            return {"platform": account.platform, "account_id": account.account_id, **counts}

        return self._on_account(engine, account_id, snapshot)

    # -- tokens ----------------------------------------------------------------------------------------------

    def refresh_tokens(self, engine: Engine, now: datetime) -> Iterable[DueJob]:
        """X tokens expiring within 15 minutes are refreshed ahead of use; a refused refresh marks the account."""
        with Session(engine) as session:
            rows = session.exec(
                select(ConnectedAccount, Credential)
                .join(Credential, col(Credential.id) == col(ConnectedAccount.credential_id))
                .where(ConnectedAccount.status == AccountStatus.active, ConnectedAccount.platform == Platform.x)
            ).all()
        for account, credential in rows:
            if not needs_refresh(credential, now, REFRESH_AHEAD) or credential.expires_at is None:
                continue
            yield DueJob(
                key=account_refresh_key(require_id(account), credential.expires_at),
                action=self._refresh_action(engine, require_id(account), now),
            )

    def _refresh_action(self, engine: Engine, account_id: int, now: datetime) -> Callable[[], dict[str, Any]]:
        def refresh(session: Session, account: ConnectedAccount) -> dict[str, Any]:
            credential = session.get(Credential, account.credential_id) if account.credential_id else None
            if credential is None:
                return {"skipped": "account gone"}
            deps = self._deps
            with deps.http() as http:
                oauth = deps.x_oauth(http)
                cipher = TokenCipher.from_settings(deps.settings)
                try:
                    get_valid_access_token(session, cipher, credential, oauth, now + REFRESH_AHEAD)
                except AuthError as exc:
                    mark_token_problem(session, account=account, status=AccountStatus.expired, reason=str(exc), now=now)
                    return {"refreshed": False}
            return {"refreshed": True}

        return self._on_account(engine, account_id, refresh)

    def token_problems(self, engine: Engine, now: datetime) -> Iterable[DueJob]:
        """A revoked or expired token is told to the owners once (outbox key per status change)."""
        with Session(engine) as session:
            problems = unreported_problems(session)
        for account in problems:
            yield DueJob(
                key=account_token_key(require_id(account), account.status, account.updated_at),
                action=self._notify_action(engine, require_id(account), now),
            )

    def _notify_action(self, engine: Engine, account_id: int, now: datetime) -> Callable[[], dict[str, Any]]:
        def notify(session: Session, account: ConnectedAccount) -> dict[str, Any]:
            text = (
                f"The {account.platform} token of the team's account {account.handle} is {account.status}: "
                f"{account.status_reason or 'the network refused it'}. Reconnect it with `/outreach accounts`."
            )
            client = self._deps.slack_for_workspace(session, account.workspace_id)
            told = owners_to_tell(client, account)
            for owner in told:
                client.chat_postMessage(channel=owner, text=text)
            account.status_notified_at = now
            session.add(account)
            session.commit()
            return {"told": told}

        return self._on_account(engine, account_id, notify)


def owners_to_tell(client: WebClient, account: ConnectedAccount) -> list[str]:
    """The named owners, and for a team-owned account every member of its user group (usergroups.users.list)."""
    people = account.owners()
    if account.owner_group_id:
        try:
            members = client.usergroups_users_list(usergroup=account.owner_group_id)["users"] or []
        except SlackApiError as exc:  # the named owners are still told
            log.warning("members of %s unknown: %s", account.owner_group_id, exc.response.get("error"))
            members = []
        people = [*people, *(str(member) for member in members)]
    return list(dict.fromkeys(people))


def measure(
    session: Session, deps: Clients, http: httpx.Client, account: ConnectedAccount, now: datetime
) -> dict[str, int | None]:
    """Followers, following, posts and mentions in the last day of one account, from its network."""
    since = now - timedelta(days=1)
    try:
        if account.platform == Platform.x:
            meter = x_meter(
                session.get_bind(),  # type: ignore[arg-type]
                deps.settings.x_prices(),
                workspace_id=account.workspace_id,
                job_kind="snapshot",
                job_id=account.id or "",
                clock=lambda: now,
            )
            client = deps.x(http, clock=lambda: now, meter=meter)
            user: dict[str, Any] = next(iter(next(client.users_by_ids([account.account_id])).data or []), {})
            metrics = user.get("public_metrics") or {}
            username = user.get("username") or account.handle.lstrip("@")
            return {
                "followers": metrics.get("followers_count"),
                "following": metrics.get("following_count"),
                "posts": _count(client, f"from:{username}", since, now),
                "mentions": _count(client, f"@{username} -from:{username}", since, now),
            }
        cipher = TokenCipher.from_settings(deps.settings)
        credential = session.get(Credential, account.credential_id) if account.credential_id else None
        tokens = load_tokens(cipher, credential) if credential else None
        token = tokens.access_token if tokens else ""
        if account.platform == Platform.mastodon:
            mastodon = deps.mastodon_as(http, token=token, instance_url=account.instance_url)
            response = mastodon._get(mastodon.base_url + "/api/v1/accounts/verify_credentials")
            body = response.json()
            return {
                "followers": body.get("followers_count"),
                "following": body.get("following_count"),
                "posts": mastodon_account.count_statuses(
                    mastodon, str(body.get("id") or account.account_id), since=since
                ),
                "mentions": mastodon_account.count_mentions(mastodon, since=since),
            }
        if account.platform == Platform.bluesky:
            bluesky = deps.bluesky_as(
                http,
                handle=account.handle,
                app_password=token,
                base_url=xrpc_url(account.instance_url or deps.settings.bluesky_api_url),
            )
            stored = tokens.refresh_token if tokens else None
            try:
                bluesky.resume_session(stored, did=account.account_id)
                profile = bluesky.query("app.bsky.actor.getProfile", {"actor": account.account_id})
                return {
                    "followers": profile.get("followersCount"),
                    "following": profile.get("followsCount"),
                    "posts": bluesky_account.count_own_posts(bluesky, account.account_id, since=since),
                    "mentions": bluesky_account.count_mentions(bluesky, since=since),
                }
            finally:
                _keep_refresh_jwt(session, cipher, credential, bluesky, stored, now)
    except AuthError as exc:
        mark_token_problem(session, account=account, status=AccountStatus.revoked, reason=str(exc), now=now)
        raise
    return {"followers": None, "following": None, "posts": None, "mentions": None}


def _keep_refresh_jwt(
    session: Session,
    cipher: TokenCipher,
    credential: Credential | None,
    client: BlueskyClient,
    stored: str | None,
    now: datetime,
) -> None:
    """Save the session's refresh JWT when it changed (refreshSession rotates it; a new login makes a new one)."""
    current = client.session.refresh_jwt if client.session is not None else None
    if credential is None or not current or current == stored:
        return
    credential.refresh_token_encrypted = cipher.encrypt(current)
    credential.updated_at = now
    session.add(credential)
    session.commit()


def _count(client: XClient, query: str, since: datetime, until: datetime) -> int:
    total = 0
    for page in client.counts(query, granularity="day", start_time=since, end_time=until - timedelta(seconds=10)):
        total += int(page.meta.get("total_tweet_count") or 0)
    return total


def _reconciler(engine: Engine, platform: str, account_id: str, day: date) -> Callable[[], dict[str, Any] | None]:
    return lambda: _existing(engine, platform, account_id, day)


def _existing(engine: Engine, platform: str, account_id: str, day: Any) -> dict[str, Any] | None:
    with engine.connect() as connection:
        table = AccountSnapshot.__table__  # type: ignore[attr-defined]
        found = connection.execute(
            sa.select(table.c.id).where(
                table.c.platform == platform, table.c.account_id == account_id, table.c.day == day
            )
        ).first()
    return {"snapshot": found[0]} if found else None
