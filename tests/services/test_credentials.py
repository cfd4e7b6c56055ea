"""Encrypted credentials on a migrated SQLite database: save, load, refresh before expiry; the cipher's errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.config import ConfigError, Settings
from assistant.crypto import TokenCipher, TokenDecryptError
from assistant.models.credentials import Credential
from assistant.services.accounts.credentials import get_valid_access_token, load_tokens, save_credential
from integrations.errors import AuthError
from integrations.x.oauth import TokenSet, XOAuth

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
KEY = Fernet.generate_key().decode()


def cipher(key: str = KEY) -> TokenCipher:
    return TokenCipher.from_settings(Settings(_env_file=None, encryption_key=key))


class FakeRefresher:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def refresh(self, refresh_token: str) -> TokenSet:
        self.calls.append(refresh_token)
        n = len(self.calls)
        return TokenSet(f"access-{n + 1}", f"refresh-{n + 1}", NOW + timedelta(hours=3), "tweet.read")


def _saved(
    engine: Engine, *, expires_in: timedelta | None = timedelta(hours=2), refresh: str | None = "refresh-1"
) -> int:
    with Session(engine) as session:
        credential = save_credential(
            session,
            cipher(),
            platform="x",
            account_id="783214",
            handle="UKFEchat",
            tokens=TokenSet("access-1", refresh, NOW + expires_in if expires_in else None, "tweet.read users.read"),
            now=NOW,
        )
        assert credential.id is not None
        return credential.id


def test_tokens_are_stored_encrypted_and_load_back(engine: Engine) -> None:
    credential_id = _saved(engine)
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT * FROM credential")).mappings().one()
    assert "access-1" not in str(dict(row)) and "refresh-1" not in str(dict(row))
    with Session(engine) as session:
        credential = session.get(Credential, credential_id)
        assert credential is not None
        tokens = load_tokens(cipher(), credential)
    assert (tokens.access_token, tokens.refresh_token) == ("access-1", "refresh-1")
    assert tokens.expires_at == NOW + timedelta(hours=2)
    assert credential.scopes == "tweet.read users.read"


def test_saving_again_updates_the_same_row(engine: Engine) -> None:
    _saved(engine)
    _saved(engine)
    with Session(engine) as session:
        assert len(session.exec(select(Credential)).all()) == 1


def test_a_token_far_from_expiry_is_used_as_is(engine: Engine) -> None:
    credential_id = _saved(engine)
    refresher = FakeRefresher()
    with Session(engine) as session:
        credential = session.get(Credential, credential_id)
        assert credential is not None
        token = get_valid_access_token(session, cipher(), credential, refresher, NOW + timedelta(minutes=54))
    assert token == "access-1"
    assert refresher.calls == []


def test_a_token_within_5_minutes_of_expiry_is_refreshed_and_saved(engine: Engine) -> None:
    credential_id = _saved(engine)
    refresher = FakeRefresher()
    later = NOW + timedelta(hours=2) - timedelta(minutes=4)
    with Session(engine) as session:
        credential = session.get(Credential, credential_id)
        assert credential is not None
        token = get_valid_access_token(session, cipher(), credential, refresher, later)
    assert token == "access-2"
    assert refresher.calls == ["refresh-1"]

    with Session(engine) as fresh:  # what another worker would read
        stored = fresh.get(Credential, credential_id)
        assert stored is not None
        assert stored.access_token_encrypted != "access-2"
        assert load_tokens(cipher(), stored).access_token == "access-2"
        assert load_tokens(cipher(), stored).refresh_token == "refresh-2"
        assert stored.expires_at == NOW + timedelta(hours=3)
        assert stored.updated_at == later
        # The refreshed token is now good: no second refresh.
        assert get_valid_access_token(fresh, cipher(), stored, refresher, later) == "access-2"
    assert refresher.calls == ["refresh-1"]


def test_refresh_through_the_real_oauth_client(engine: Engine) -> None:
    def token_endpoint(request: httpx.Request) -> httpx.Response:
        assert b"grant_type=refresh_token" in request.content and b"refresh_token=refresh-1" in request.content
        return httpx.Response(
            200,
            json={"token_type": "bearer", "expires_in": 7200, "access_token": "access-x", "refresh_token": "refresh-x"},
        )

    settings = Settings(_env_file=None, x_client_id="cid", x_client_secret="csecret")
    later = NOW + timedelta(hours=2, minutes=1)  # already expired
    flow = XOAuth(
        httpx.Client(transport=httpx.MockTransport(token_endpoint)),
        settings.x_config(),
        redirect_uri="https://a/cb",
        clock=lambda: later,
    )
    credential_id = _saved(engine)
    with Session(engine) as session:
        credential = session.get(Credential, credential_id)
        assert credential is not None
        assert get_valid_access_token(session, cipher(), credential, flow, later) == "access-x"
        assert credential.expires_at == later + timedelta(hours=2)


def test_expired_without_refresh_token_asks_to_reconnect(engine: Engine) -> None:
    credential_id = _saved(engine, refresh=None)
    with Session(engine) as session:
        credential = session.get(Credential, credential_id)
        assert credential is not None
        with pytest.raises(AuthError, match="reconnect"):
            get_valid_access_token(session, cipher(), credential, FakeRefresher(), NOW + timedelta(hours=3))


def test_a_token_without_expiry_is_never_refreshed(engine: Engine) -> None:
    credential_id = _saved(engine, expires_in=None)
    refresher = FakeRefresher()
    with Session(engine) as session:
        credential = session.get(Credential, credential_id)
        assert credential is not None
        assert get_valid_access_token(session, cipher(), credential, refresher, NOW + timedelta(days=30)) == "access-1"
    assert refresher.calls == []


def test_cipher_round_trip_and_wrong_key_message() -> None:
    secret = "access-SECRET-token"
    encrypted = cipher().encrypt(secret)
    assert secret not in encrypted
    assert cipher().decrypt(encrypted) == secret
    other_key = Fernet.generate_key().decode()
    with pytest.raises(TokenDecryptError, match="ENCRYPTION_KEY changed or is wrong") as caught:
        cipher(other_key).decrypt(encrypted)
    text = repr(caught.value) + str(caught.value)
    assert KEY not in text and other_key not in text and secret not in text
    assert caught.value.__cause__ is None
    assert KEY not in repr(cipher())


def test_cipher_needs_an_encryption_key() -> None:
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY"):
        TokenCipher.from_settings(Settings(_env_file=None))
