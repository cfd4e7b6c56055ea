"""`outreach yammer login`'s service: MSAL device-code flow against a fake Entra ID, token stored encrypted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.config import Settings
from assistant.models.credentials import Credential
from assistant.services.yammer.auth import LoginError, device_code_login, store_login
from assistant.services.yammer.shoutouts import yammer_token
from integrations.x.oauth import TokenSet
from tests.fakes.entra import FakeEntra
from tests.fakes.yammer import BASE_URL, TOKEN, FakeYammer

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = dict(
        yammer_client_id="11111111-2222-3333-4444-555555555555",
        yammer_tenant_id="contoso.example.org",
        yammer_api_url=BASE_URL,
        encryption_key=Fernet.generate_key().decode(),
    )
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def test_device_code_login_stores_the_token_encrypted(engine: Engine) -> None:
    entra = FakeEntra(access_token=TOKEN)
    shown: list[str] = []
    config = settings()
    with entra.client() as http:
        tokens = device_code_login(config, prompt=shown.append, now=NOW, http_client=http)
    assert "ABCD-EFGH" in shown[0]
    assert tokens.access_token == TOKEN and tokens.expires_at == NOW + timedelta(seconds=3599)
    device = next(r for r in entra.requests if r.url.path.endswith("/devicecode"))
    assert "api.yammer.com%2F.default" in device.content.decode()
    assert sum(r.url.path.endswith("/token") for r in entra.requests) == 2  # pending once, then the token
    with Session(engine) as session, FakeYammer().client() as yammer_http:
        credential = store_login(session, config, tokens, yammer_http=yammer_http, now=NOW)
        assert (credential.platform, credential.account_id, credential.handle) == ("yammer", "2", "John Smith")
        stored = session.exec(select(Credential)).one()
        assert TOKEN not in stored.access_token_encrypted
        assert yammer_token(session, config, now=NOW) == TOKEN


def test_a_declined_sign_in_and_a_missing_client_id_are_clear() -> None:
    with FakeEntra(deny=True).client() as http, pytest.raises(LoginError, match="declined"):
        device_code_login(settings(), prompt=lambda _m: None, now=NOW, http_client=http)
    with pytest.raises(LoginError, match="YAMMER_CLIENT_ID"):
        device_code_login(settings(yammer_client_id=None), prompt=lambda _m: None, now=NOW)


def test_an_expiring_token_is_renewed_through_entra_and_saved(engine: Engine) -> None:
    config = settings()
    entra, yammer = FakeEntra(access_token="renewed-token", pending=0), FakeYammer()

    def route(request: httpx.Request) -> httpx.Response:
        return (entra if request.url.host == "login.microsoftonline.com" else yammer).handle(request)

    old = TokenSet(access_token=TOKEN, refresh_token="old-refresh", expires_at=NOW + timedelta(minutes=2))
    with Session(engine) as session, httpx.Client(transport=httpx.MockTransport(route)) as http:
        store_login(session, config, old, yammer_http=http, now=NOW)
        assert yammer_token(session, config, http=http, now=NOW - timedelta(hours=1)) == TOKEN  # still fresh then
        assert yammer_token(session, config, http=http, now=NOW) == "renewed-token"
        refresh = next(r for r in entra.requests if r.url.path.endswith("/token"))
        assert "old-refresh" in refresh.content.decode()
        credential = session.exec(select(Credential)).one()
        assert credential.expires_at == NOW + timedelta(seconds=3599)
