"""Worker sources for connected accounts: daily snapshots, token refresh, and token problems told to owners once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from assistant.crypto import TokenCipher
from assistant.jobs.deps import JobDeps, LazyDeps
from assistant.models.accounts import AccountStatus, ConnectedAccount
from assistant.models.credentials import Credential
from assistant.models.digests import AccountSnapshot
from assistant.services.accounts import mark_token_problem, unreported_problems
from assistant.services.connect import x_redirect_uri
from assistant.services.credentials import get_valid_access_token, load_tokens, needs_refresh
from assistant.worker import DueJob
from integrations.errors import AuthError
from integrations.x.client import XClient
from integrations.x.oauth import XOAuth

log = logging.getLogger(__name__)

REFRESH_AHEAD = timedelta(minutes=15)


class AccountSources:
    """Three due sources sharing their dependencies: `snapshots`, `refresh_tokens`, `token_problems`."""

    def __init__(self, deps: JobDeps | None = None) -> None:
        self._deps = LazyDeps(deps)

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
            if key in taken or key in seen or account.platform not in ("x", "mastodon", "bluesky"):
                continue
            seen.add(key)
            yield DueJob(
                key=f"snapshot:{account.platform}:{account.account_id}:{day.isoformat()}",
                action=self._snapshot_action(engine, account.id or 0, now),
                reconcile=_reconciler(engine, account.platform, account.account_id, day),
            )

    def _snapshot_action(self, engine: Engine, account_id: int, now: datetime) -> Any:
        def action() -> dict[str, Any]:
            deps = self._deps.get()
            with Session(engine) as session:
                account = session.get(ConnectedAccount, account_id)
                if account is None:
                    return {"skipped": "account gone"}
                with deps.http() as http:
                    counts = measure(session, deps, http, account, now)
                row = AccountSnapshot(
                    platform=account.platform, account_id=account.account_id, day=now.date(), captured_at=now, **counts
                )
                try:
                    session.add(row)
                    session.commit()
                except IntegrityError:  # the digests feature recorded it already
                    session.rollback()
                return {"platform": account.platform, "account_id": account.account_id, **counts}

        return action

    # -- tokens ----------------------------------------------------------------------------------------------

    def refresh_tokens(self, engine: Engine, now: datetime) -> Iterable[DueJob]:
        """X tokens expiring within 15 minutes are refreshed ahead of use; a refused refresh marks the account."""
        with Session(engine) as session:
            rows = session.exec(
                select(ConnectedAccount, Credential)
                .join(Credential, col(Credential.id) == col(ConnectedAccount.credential_id))
                .where(ConnectedAccount.status == AccountStatus.active, ConnectedAccount.platform == "x")
            ).all()
        for account, credential in rows:
            if not needs_refresh(credential, now, REFRESH_AHEAD) or credential.expires_at is None:
                continue
            yield DueJob(
                key=f"account:{account.id}:refresh:{credential.expires_at.isoformat()}",
                action=self._refresh_action(engine, account.id or 0, now),
            )

    def _refresh_action(self, engine: Engine, account_id: int, now: datetime) -> Any:
        def action() -> dict[str, Any]:
            deps = self._deps.get()
            with Session(engine) as session, deps.http() as http:
                account = session.get(ConnectedAccount, account_id)
                credential = (
                    session.get(Credential, account.credential_id) if account and account.credential_id else None
                )
                if account is None or credential is None:
                    return {"skipped": "account gone"}
                oauth = XOAuth(http, deps.settings, redirect_uri=x_redirect_uri(deps.settings))
                cipher = TokenCipher.from_settings(deps.settings)
                try:
                    get_valid_access_token(session, cipher, credential, oauth, now + REFRESH_AHEAD)
                except AuthError as exc:
                    mark_token_problem(session, account=account, status=AccountStatus.expired, reason=str(exc), now=now)
                    return {"refreshed": False}
            return {"refreshed": True}

        return action

    def token_problems(self, engine: Engine, now: datetime) -> Iterable[DueJob]:
        """A revoked or expired token is told to the owners once (outbox key per status change)."""
        with Session(engine) as session:
            problems = unreported_problems(session)
        for account in problems:
            yield DueJob(
                key=f"account:{account.id}:token:{account.status}:{account.updated_at.isoformat()}",
                action=self._notify_action(engine, account.id or 0, now),
            )

    def _notify_action(self, engine: Engine, account_id: int, now: datetime) -> Any:
        def action() -> dict[str, Any]:
            deps = self._deps.get()
            with Session(engine) as session:
                account = session.get(ConnectedAccount, account_id)
                if account is None:
                    return {"skipped": "account gone"}
                text = (
                    f"The {account.platform} token of the team's account {account.handle} is {account.status}: "
                    f"{account.status_reason or 'the network refused it'}. Reconnect it with `/outreach accounts`."
                )
                client = deps.slack()
                for owner in account.owners():
                    client.chat_postMessage(channel=owner, text=text)
                account.status_notified_at = now
                session.add(account)
                session.commit()
                return {"told": account.owners()}

        return action


def measure(
    session: Session, deps: JobDeps, http: httpx.Client, account: ConnectedAccount, now: datetime
) -> dict[str, int | None]:
    """Followers, following, posts and mentions in the last day of one account, from its network."""
    since = now - timedelta(days=1)
    try:
        if account.platform == "x":
            client = XClient(http, deps.settings, clock=lambda: now)
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
        token = load_tokens(cipher, credential).access_token if credential else ""
        if account.platform == "mastodon" and account.instance_url:
            response = http.get(
                account.instance_url.rstrip("/") + "/api/v1/accounts/verify_credentials",
                headers={"Authorization": f"Bearer {token}"},
            )
            if response.status_code == 401:
                raise AuthError("Mastodon refused the token", service="Mastodon", status=401)
            response.raise_for_status()
            body = response.json()
            return {
                "followers": body.get("followers_count"),
                "following": body.get("following_count"),
                "posts": None,
                "mentions": None,
            }
        if account.platform == "bluesky":
            from integrations.bluesky.client import BlueskyClient

            bluesky = BlueskyClient(
                http, handle=account.handle.lstrip("@"), app_password=token, base_url=deps.settings.bluesky_api_url
            )
            profile = bluesky.query("app.bsky.actor.getProfile", {"actor": account.account_id})
            return {
                "followers": profile.get("followersCount"),
                "following": profile.get("followsCount"),
                "posts": None,
                "mentions": None,
            }
    except AuthError as exc:
        mark_token_problem(session, account=account, status=AccountStatus.revoked, reason=str(exc), now=now)
        raise
    return {"followers": None, "following": None, "posts": None, "mentions": None}


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
