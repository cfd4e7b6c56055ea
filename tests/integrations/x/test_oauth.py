"""OAuth 2.0 PKCE against a MockTransport token endpoint that checks the verifier against the challenge."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from integrations.errors import AuthError, IntegrationError
from integrations.x.oauth import SCOPES, XOAuth, code_challenge, new_code_verifier
from tests.integrations.x.recorded import NOW, settings

CLIENT_ID = "rG9n6402A3dbUJKzXTNX4oWHJ"
CLIENT_SECRET = "client-SECRET-value-42"
REDIRECT = "https://outreach.example.org/x/oauth/callback"


def s256(verifier: str) -> str:
    """RFC 7636 S256, computed here independently of the code under test."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


class FakeTokenEndpoint:
    """Plays X's /2/oauth2/token: issues codes for challenges and rotates single-use refresh tokens."""

    def __init__(self, *, confidential: bool = True) -> None:
        self.confidential = confidential
        self.challenges: dict[str, str] = {}
        self.live_refresh: set[str] = set()
        self.forms: list[dict[str, str]] = []
        self.issued = 0

    def grant_code(self, authorize_url: str) -> str:
        """What X does when the person clicks Authorize: remember the challenge, hand back a code."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        assert query["code_challenge_method"] == "S256"
        code = f"code-{len(self.challenges)}"
        self.challenges[code] = query["code_challenge"]
        return code

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST" and request.url.path == "/2/oauth2/token"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.forms.append(form)
        if self.confidential:
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {expected}":
                return httpx.Response(401, json={"error": "unauthorized_client"})
        elif form.get("client_id") != CLIENT_ID or "authorization" in request.headers:
            return httpx.Response(400, json={"error": "invalid_request", "error_description": "Missing client_id"})
        if form["grant_type"] == "authorization_code":
            challenge = self.challenges.pop(form["code"], None)
            if challenge is None or s256(form["code_verifier"]) != challenge:
                return httpx.Response(
                    400,
                    json={
                        "error": "invalid_request",
                        "error_description": "Value passed for the authorization code was invalid.",
                    },
                )
            assert form["redirect_uri"] == REDIRECT
            return self._tokens()
        if form["grant_type"] == "refresh_token":
            if form["refresh_token"] not in self.live_refresh:
                return httpx.Response(400, json={"error": "invalid_grant", "error_description": "Invalid token"})
            self.live_refresh.discard(form["refresh_token"])
            return self._tokens()
        return httpx.Response(400, json={"error": "unsupported_grant_type"})

    def _tokens(self) -> httpx.Response:
        self.issued += 1
        refresh = f"refresh-SECRET-{self.issued}"
        self.live_refresh.add(refresh)
        body: dict[str, Any] = {
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": f"access-SECRET-{self.issued}",
            "scope": " ".join(SCOPES),
            "refresh_token": refresh,
        }
        return httpx.Response(200, json=body)


def oauth(endpoint: FakeTokenEndpoint, **overrides: Any) -> XOAuth:
    values: dict[str, Any] = {"x_client_id": CLIENT_ID, "x_client_secret": CLIENT_SECRET, **overrides}
    http = httpx.Client(transport=httpx.MockTransport(endpoint))
    return XOAuth(http, settings(**values).x_config(), redirect_uri=REDIRECT, clock=lambda: NOW)


def test_authorize_url_has_everything_x_needs() -> None:
    flow = oauth(FakeTokenEndpoint())
    request = flow.authorize()
    parts = urlsplit(request.url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://x.com/i/oauth2/authorize"
    assert query == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": "tweet.read tweet.write users.read offline.access",
        "state": request.state,
        "code_challenge": s256(request.code_verifier),
        "code_challenge_method": "S256",
    }
    assert 43 <= len(request.code_verifier) <= 128
    assert request.state != flow.authorize().state
    assert request.code_verifier not in request.url


def test_s256_challenge_is_unpadded_base64url_of_sha256() -> None:
    verifier = new_code_verifier()
    challenge = code_challenge(verifier)
    assert challenge == s256(verifier)
    assert len(challenge) == 43 and "=" not in challenge and "+" not in challenge and "/" not in challenge
    assert new_code_verifier() != verifier


def test_code_exchange_with_the_matching_verifier_gives_tokens() -> None:
    endpoint = FakeTokenEndpoint()
    flow = oauth(endpoint)
    request = flow.authorize()
    code = endpoint.grant_code(request.url)

    tokens = flow.exchange_code(code, request.code_verifier)

    assert tokens.access_token == "access-SECRET-1"
    assert tokens.refresh_token == "refresh-SECRET-1"
    assert tokens.expires_at == NOW + timedelta(hours=2)
    assert tokens.scope == "tweet.read tweet.write users.read offline.access"
    assert endpoint.forms[0]["grant_type"] == "authorization_code"
    assert "client_id" not in endpoint.forms[0]  # a confidential client authenticates with basic auth
    assert "SECRET" not in repr(tokens)


def test_code_exchange_with_another_verifier_is_refused() -> None:
    endpoint = FakeTokenEndpoint()
    flow = oauth(endpoint)
    request = flow.authorize()
    code = endpoint.grant_code(request.url)
    with pytest.raises(IntegrationError, match="authorization code was invalid") as caught:
        flow.exchange_code(code, flow.authorize().code_verifier)
    assert caught.value.status == 400


def test_public_client_sends_client_id_in_the_form() -> None:
    endpoint = FakeTokenEndpoint(confidential=False)
    flow = oauth(endpoint, x_client_secret=None)
    request = flow.authorize()
    tokens = flow.exchange_code(endpoint.grant_code(request.url), request.code_verifier)
    assert tokens.access_token == "access-SECRET-1"
    assert endpoint.forms[0]["client_id"] == CLIENT_ID


def test_refresh_rotates_and_a_used_refresh_token_is_an_auth_error() -> None:
    endpoint = FakeTokenEndpoint()
    flow = oauth(endpoint)
    request = flow.authorize()
    first = flow.exchange_code(endpoint.grant_code(request.url), request.code_verifier)
    assert first.refresh_token is not None

    second = flow.refresh(first.refresh_token)

    assert second.access_token == "access-SECRET-2"
    assert second.refresh_token == "refresh-SECRET-2"
    assert endpoint.forms[-1] == {"grant_type": "refresh_token", "refresh_token": "refresh-SECRET-1"}
    with pytest.raises(AuthError, match="reconnect the account") as caught:
        flow.refresh(first.refresh_token)
    assert "refresh-SECRET" not in repr(caught.value)


def test_wrong_client_secret_names_the_settings() -> None:
    endpoint = FakeTokenEndpoint()
    flow = oauth(endpoint, x_client_secret="wrong-SECRET")
    request = flow.authorize()
    with pytest.raises(AuthError, match="X_CLIENT_ID and X_CLIENT_SECRET") as caught:
        flow.exchange_code(endpoint.grant_code(request.url), request.code_verifier)
    assert "wrong-SECRET" not in repr(caught.value) and CLIENT_SECRET not in repr(caught.value)


def test_missing_client_id_is_a_clear_error() -> None:
    with pytest.raises(AuthError, match="X_CLIENT_ID"):
        XOAuth(httpx.Client(), settings().x_config(), redirect_uri=REDIRECT)
