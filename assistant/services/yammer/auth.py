"""`outreach yammer login`: a delegated Entra ID token for Yammer by MSAL's device-code flow, stored encrypted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import msal
from sqlmodel import Session

from assistant.clients import Clients
from assistant.config import Settings
from assistant.crypto import TokenCipher
from assistant.models.credentials import Credential
from assistant.models.platforms import Platform
from assistant.services.accounts.credentials import save_credential
from integrations.errors import AuthError
from integrations.x.oauth import TokenSet
from integrations.yammer.client import ENTRA_SCOPE

ENTRA_AUTHORITY = "https://login.microsoftonline.com"
PLATFORM = Platform.yammer


class LoginError(Exception):
    """The sign-in did not give a usable token; the message says why and what to do."""


def entra_app(settings: Settings, *, http_client: Any = None) -> msal.PublicClientApplication:
    """The MSAL public client for the Entra app registered for Yammer (see docs/yammer.md)."""
    if not settings.yammer_client_id:
        raise LoginError(
            "YAMMER_CLIENT_ID is not set: register an Entra ID app with the delegated Yammer permission "
            "permission and public client flows on (docs/yammer.md), then set YAMMER_CLIENT_ID and YAMMER_TENANT_ID"
        )
    return msal.PublicClientApplication(
        settings.yammer_client_id,
        authority=f"{ENTRA_AUTHORITY}/{settings.yammer_tenant_id}",
        http_client=http_client,
    )


def device_code_login(
    settings: Settings, *, prompt: Callable[[str], None], now: datetime, http_client: Any = None
) -> TokenSet:
    """Show the device code (through `prompt`), wait for the person to sign in, and return the tokens."""
    app = entra_app(settings, http_client=http_client)
    flow = app.initiate_device_flow(scopes=[ENTRA_SCOPE])
    if "user_code" not in flow:
        raise LoginError(
            f"Entra ID did not start the device sign-in: {flow.get('error_description') or flow.get('error')}"
        )
    prompt(str(flow["message"]))
    result = app.acquire_token_by_device_flow(flow)
    if "access_token" not in result:
        raise LoginError(f"sign-in failed: {result.get('error_description') or result.get('error') or 'no token'}")
    expires_in = int(result.get("expires_in") or 3600)
    return TokenSet(
        access_token=str(result["access_token"]),
        refresh_token=result.get("refresh_token"),
        expires_at=now + timedelta(seconds=expires_in),
        scope=str(result.get("scope") or ENTRA_SCOPE),
        token_type="bearer",
    )


def store_login(
    session: Session,
    settings: Settings,
    tokens: TokenSet,
    *,
    yammer_http: httpx.Client,
    now: datetime,
    workspace_id: int | None = None,
) -> Credential:
    """Check the token against Yammer (users/current) and store it encrypted under the signed-in account."""
    cipher = TokenCipher.from_settings(settings)
    me = Clients(settings).yammer(yammer_http, token=tokens.access_token).current_user()
    return save_credential(
        session,
        cipher,
        platform=PLATFORM,
        account_id=me.id,
        tokens=tokens,
        now=now,
        workspace_id=workspace_id,
        handle=me.full_name or me.name,
    )


class EntraRefresher:
    """Renews a stored Entra ID token with its refresh token (services.credentials.get_valid_access_token calls it)."""

    def __init__(self, settings: Settings, *, now: datetime, http_client: Any = None) -> None:
        self.settings = settings
        self.now = now
        self.http_client = http_client

    def refresh(self, refresh_token: str) -> TokenSet:
        app = entra_app(self.settings, http_client=self.http_client)
        result = app.acquire_token_by_refresh_token(refresh_token, scopes=[ENTRA_SCOPE])
        if "access_token" not in result:
            raise AuthError(
                f"Entra ID would not renew the Yammer token ({result.get('error_description') or result.get('error')}); "
                "run `outreach yammer login` again",
                service="Yammer",
            )
        return TokenSet(
            access_token=str(result["access_token"]),
            refresh_token=result.get("refresh_token"),
            expires_at=self.now + timedelta(seconds=int(result.get("expires_in") or 3600)),
            scope=str(result.get("scope") or ENTRA_SCOPE),
            token_type="bearer",
        )
