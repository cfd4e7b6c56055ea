"""OAuth 2.0 Authorization Code with PKCE for X: the authorize URL, the code exchange and the refresh."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from integrations.errors import AuthError, IntegrationError, raise_for_status
from integrations.x.config import XConfig

SERVICE = "X"
SCOPES: tuple[str, ...] = ("tweet.read", "tweet.write", "users.read", "offline.access")
CLIENT_HINT = "X_CLIENT_ID and X_CLIENT_SECRET"


def code_challenge(verifier: str) -> str:
    """The S256 challenge: base64url(sha256(verifier)) without padding (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_code_verifier() -> str:
    """A random verifier of 43-128 unreserved characters (RFC 7636 section 4.1)."""
    return secrets.token_urlsafe(64)[:96]


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """Where to send the person, and what to keep (server side) until X redirects back."""

    url: str
    state: str
    code_verifier: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class TokenSet:
    """Tokens from the token endpoint; `expires_at` is aware UTC. Never logged (repr hides the tokens)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None
    scope: str = ""
    token_type: str = "bearer"


class XOAuth:
    """The PKCE flow against X; confidential clients authenticate with HTTP basic (client id + secret)."""

    def __init__(
        self,
        http: httpx.Client,
        config: XConfig,
        *,
        redirect_uri: str,
        scopes: tuple[str, ...] = SCOPES,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not config.client_id:
            raise AuthError("Connecting an X account needs X_CLIENT_ID; it is not set", service=SERVICE)
        self._http = http
        self._client_id = config.client_id
        self._client_secret = config.client_secret
        self._authorize_url = config.authorize_url
        self._token_url = config.base_url.rstrip("/") + "/2/oauth2/token"
        self._redirect_uri = redirect_uri
        self._scopes = scopes
        self._clock = clock

    def __repr__(self) -> str:
        return f"XOAuth(client_id={self._client_id!r}, redirect_uri={self._redirect_uri!r})"

    def authorize(self, *, state: str | None = None, code_verifier: str | None = None) -> AuthorizationRequest:
        """Build the authorize URL with a fresh state and S256 code challenge."""
        state = state or secrets.token_urlsafe(24)
        verifier = code_verifier or new_code_verifier()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._client_id,
                "redirect_uri": self._redirect_uri,
                "scope": " ".join(self._scopes),
                "state": state,
                "code_challenge": code_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        separator = "&" if "?" in self._authorize_url else "?"
        return AuthorizationRequest(url=f"{self._authorize_url}{separator}{query}", state=state, code_verifier=verifier)

    def exchange_code(self, code: str, code_verifier: str) -> TokenSet:
        """Trade the code X redirected back with (plus the verifier kept from `authorize`) for tokens."""
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self._redirect_uri,
                "code_verifier": code_verifier,
            }
        )

    def refresh(self, refresh_token: str) -> TokenSet:
        """A new access token (and a new refresh token: X rotates them) from a refresh token."""
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def _token(self, form: dict[str, str]) -> TokenSet:
        headers: dict[str, str] = {}
        if self._client_secret is not None:
            pair = f"{self._client_id}:{self._client_secret.get_secret_value()}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        else:
            form = {**form, "client_id": self._client_id}
        try:
            response = self._http.post(self._token_url, data=form, headers=headers)
        except httpx.TransportError as exc:
            raise IntegrationError(f"X token endpoint did not answer ({type(exc).__name__})", service=SERVICE) from None
        if response.status_code == 400 and _error_code(response) == "invalid_grant":
            raise AuthError(
                "X refused the grant (code or refresh token expired or already used); reconnect the account",
                service=SERVICE,
                status=400,
            )
        raise_for_status(response, service=SERVICE, token_hint=CLIENT_HINT)
        body = response.json()
        if not isinstance(body, dict) or not body.get("access_token"):
            raise IntegrationError("X token endpoint answered without an access_token", service=SERVICE)
        return self._token_set(body)

    def _token_set(self, body: dict[str, Any]) -> TokenSet:
        expires_in = body.get("expires_in")
        expires_at = self._clock() + timedelta(seconds=int(expires_in)) if expires_in is not None else None
        return TokenSet(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
            expires_at=expires_at,
            scope=str(body.get("scope", "")),
            token_type=str(body.get("token_type", "bearer")),
        )


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("error")) if isinstance(body, dict) and body.get("error") else None
