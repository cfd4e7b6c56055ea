"""Save, load and refresh the encrypted OAuth credentials of the team's accounts (Credential rows)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session, col, select

from assistant.crypto import TokenCipher
from assistant.models.credentials import Credential
from integrations.errors import AuthError
from integrations.x.oauth import TokenSet

REFRESH_MARGIN = timedelta(minutes=5)


class TokenRefresher(Protocol):
    """Anything that trades a refresh token for a new TokenSet (integrations.x.oauth.XOAuth does)."""

    def refresh(self, refresh_token: str) -> TokenSet: ...


def save_credential(
    session: Session,
    cipher: TokenCipher,
    *,
    platform: str,
    account_id: str,
    tokens: TokenSet,
    now: datetime,
    workspace_id: int | None = None,
    handle: str = "",
) -> Credential:
    """Insert or update the credential of (workspace, platform, account), tokens encrypted; commits."""
    credential = session.exec(
        select(Credential).where(
            col(Credential.workspace_id).is_(None)
            if workspace_id is None
            else col(Credential.workspace_id) == workspace_id,
            Credential.platform == platform,
            Credential.account_id == account_id,
        )
    ).first()
    if credential is None:
        credential = Credential(
            workspace_id=workspace_id,
            platform=platform,
            account_id=account_id,
            access_token_encrypted="",
            created_at=now,
        )
    if handle:
        credential.handle = handle
    _store_tokens(credential, cipher, tokens, now)
    session.add(credential)
    session.commit()
    session.refresh(credential)
    return credential


def load_tokens(cipher: TokenCipher, credential: Credential) -> TokenSet:
    """The decrypted tokens of a credential (TokenDecryptError when ENCRYPTION_KEY changed)."""
    refresh = credential.refresh_token_encrypted
    return TokenSet(
        access_token=cipher.decrypt(credential.access_token_encrypted),
        refresh_token=cipher.decrypt(refresh) if refresh else None,
        expires_at=credential.expires_at,
        scope=credential.scopes,
        token_type=credential.token_type,
    )


def needs_refresh(credential: Credential, now: datetime, margin: timedelta = REFRESH_MARGIN) -> bool:
    return credential.expires_at is not None and credential.expires_at - margin <= now


def get_valid_access_token(
    session: Session,
    cipher: TokenCipher,
    credential: Credential,
    oauth_client: TokenRefresher,
    now: datetime,
) -> str:
    """The access token, refreshed first when it expires within 5 minutes; new tokens are saved at once.

    X refresh tokens are single-use, so the row is re-read under a row lock (PostgreSQL) and the new
    tokens committed before returning: a second worker then sees the fresh row instead of refreshing again.
    """
    if not needs_refresh(credential, now):
        return cipher.decrypt(credential.access_token_encrypted)
    if credential.id is not None:
        statement = (
            select(Credential)
            .where(Credential.id == credential.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        credential = session.exec(statement).one()
        if not needs_refresh(credential, now):
            return cipher.decrypt(credential.access_token_encrypted)
    if not credential.refresh_token_encrypted:
        raise AuthError(
            f"The {credential.platform} token of {credential.handle or credential.account_id} has expired "
            "and there is no refresh token; reconnect the account",
            service=credential.platform,
        )
    tokens = oauth_client.refresh(cipher.decrypt(credential.refresh_token_encrypted))
    if tokens.refresh_token is None:
        # Keep the old refresh token when the provider does not rotate it.
        tokens = TokenSet(
            access_token=tokens.access_token,
            refresh_token=cipher.decrypt(credential.refresh_token_encrypted),
            expires_at=tokens.expires_at,
            scope=tokens.scope,
            token_type=tokens.token_type,
        )
    _store_tokens(credential, cipher, tokens, now)
    session.add(credential)
    session.commit()
    return tokens.access_token


def _store_tokens(credential: Credential, cipher: TokenCipher, tokens: TokenSet, now: datetime) -> None:
    credential.access_token_encrypted = cipher.encrypt(tokens.access_token)
    credential.refresh_token_encrypted = cipher.encrypt(tokens.refresh_token) if tokens.refresh_token else None
    credential.expires_at = tokens.expires_at
    credential.token_type = tokens.token_type or "bearer"
    if tokens.scope:
        credential.scopes = tokens.scope
    credential.updated_at = now
