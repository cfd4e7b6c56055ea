"""Talking to the networks when connecting or disconnecting an account: verify tokens, X PKCE, revoke."""

from __future__ import annotations

import base64
import logging
from datetime import datetime, timedelta

import httpx
from sqlmodel import Session

from assistant.clients import Clients
from assistant.config import Settings
from assistant.crypto import TokenCipher
from assistant.models.accounts import ConnectedAccount, OAuthPending
from assistant.models.platforms import Platform
from assistant.render.mrkdwn import escape
from assistant.services.accounts.credentials import load_tokens
from assistant.services.accounts.team_accounts import AccountError, connect_account
from integrations.bluesky.account import delete_session
from integrations.bluesky.client import xrpc_url
from integrations.errors import IntegrationError, raise_for_status
from integrations.x.oauth import TokenSet, XOAuth

log = logging.getLogger(__name__)

PENDING_TTL = timedelta(minutes=10)


def start_x_connect(
    session: Session, cipher: TokenCipher, oauth: XOAuth, *, workspace_id: int, user_id: str, now: datetime
) -> str:
    """The X authorize URL; the PKCE verifier stays here (encrypted), keyed by the state X sends back."""
    request = oauth.authorize()
    session.add(
        OAuthPending(
            state=request.state,
            workspace_id=workspace_id,
            user_id=user_id,
            verifier_encrypted=cipher.encrypt(request.code_verifier),
            created_at=now,
        )
    )
    session.commit()
    return request.url


def finish_x_connect(
    session: Session,
    cipher: TokenCipher,
    oauth: XOAuth,
    http: httpx.Client,
    settings: Settings,
    *,
    state: str,
    code: str,
    now: datetime,
) -> ConnectedAccount:
    """X redirected back: trade the code (with the kept verifier) for tokens, find who they belong to, save."""
    pending = session.get(OAuthPending, state)
    if pending is None:
        raise AccountError("This X connect link is unknown or was already used; start again with /outreach accounts.")
    session.delete(pending)
    session.commit()
    if pending.created_at + PENDING_TTL < now:
        raise AccountError("This X connect link expired after 10 minutes; start again with /outreach accounts.")
    tokens = oauth.exchange_code(code, cipher.decrypt(pending.verifier_encrypted))
    response = http.get(
        settings.x_api_url.rstrip("/") + "/2/users/me", headers={"Authorization": f"Bearer {tokens.access_token}"}
    )
    raise_for_status(response, service="X", token_hint="the new X user token")
    user = response.json().get("data") or {}
    return connect_account(
        session,
        cipher,
        workspace_id=pending.workspace_id,
        platform="x",
        account_id=str(user["id"]),
        handle="@" + str(user.get("username", user["id"])),
        tokens=tokens,
        actor=pending.user_id,
        now=now,
    )


def verify_mastodon(http: httpx.Client, *, instance_url: str, token: str) -> tuple[str, str]:
    """(account id, @user@instance) from GET /api/v1/accounts/verify_credentials."""
    base = normalise_instance(instance_url)
    try:
        response = http.get(f"{base}/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"})
    except httpx.TransportError as exc:
        raise AccountError(f"{base} did not answer ({type(exc).__name__}).") from None
    if response.status_code in (401, 403):
        raise AccountError(f"{base} refused that access token; copy it again from Preferences → Development.")
    raise_for_status(response, service="Mastodon")
    body = response.json()
    host = httpx.URL(base).host
    return str(body["id"]), f"@{body['username']}@{host}"


def verify_bluesky_session(
    clients: Clients, http: httpx.Client, *, base_url: str, handle: str, app_password: str
) -> tuple[str, str, str, str]:
    """(DID, handle, refresh JWT, XRPC base of the account's own PDS) of a new session.

    The JWT is stored so disconnecting can end the session; the PDS (from the session's DID document, else
    `base_url`) is where the account's later calls go."""
    client = clients.bluesky_as(http, handle=handle, app_password=app_password, base_url=base_url)
    try:
        bluesky_session = client.create_session()
    except IntegrationError as exc:
        raise AccountError(
            f"Bluesky refused the login for {handle}: use an app password (Settings → App passwords)."
        ) from exc
    return (
        bluesky_session.did,
        "@" + (bluesky_session.handle or handle.lstrip("@")),
        bluesky_session.refresh_jwt,
        bluesky_session.pds_url or base_url,
    )


def verify_yammer(http: httpx.Client, *, api_url: str, token: str) -> tuple[str, str]:
    """(user id, name) from GET /users/current.json."""
    response = http.get(api_url.rstrip("/") + "/users/current.json", headers={"Authorization": f"Bearer {token}"})
    if response.status_code in (401, 403):
        raise AccountError("Yammer refused that token.")
    raise_for_status(response, service="Yammer")
    body = response.json()
    return str(body["id"]), str(body.get("full_name") or body.get("name") or body["id"])


def normalise_instance(instance_url: str) -> str:
    value = instance_url.strip().rstrip("/")
    if not value:
        raise AccountError("Give the Mastodon instance, e.g. mastodon.social.")
    if not value.startswith(("http://", "https://")):
        value = "https://" + value
    return value


def revoke_remotely(
    http: httpx.Client, settings: Settings, cipher: TokenCipher, account: ConnectedAccount, tokens: TokenSet | None
) -> bool:
    """Revoke the token where the network allows it (X, Mastodon with the app's keys); True when done."""
    if tokens is None:
        return False
    try:
        if account.platform == Platform.x and settings.x_client_id:
            headers: dict[str, str] = {}
            form = {
                "token": tokens.refresh_token or tokens.access_token,
                "token_type_hint": "refresh_token" if tokens.refresh_token else "access_token",
            }
            if settings.x_client_secret is not None:
                pair = f"{settings.x_client_id}:{settings.x_client_secret.get_secret_value()}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
            else:
                form["client_id"] = settings.x_client_id
            response = http.post(settings.x_api_url.rstrip("/") + "/2/oauth2/revoke", data=form, headers=headers)
            return response.status_code == 200
        if account.platform == Platform.mastodon and account.revoke_client_encrypted and account.instance_url:
            client_id, _, secret = cipher.decrypt(account.revoke_client_encrypted).partition(":")
            response = http.post(
                account.instance_url.rstrip("/") + "/oauth/revoke",
                data={"client_id": client_id, "client_secret": secret, "token": tokens.access_token},
            )
            return response.status_code == 200
    except httpx.TransportError as exc:
        log.warning("revoking the %s token of account %s failed: %s", account.platform, account.id, type(exc).__name__)
    return False


def end_bluesky_session(
    http: httpx.Client, settings: Settings, account: ConnectedAccount, tokens: TokenSet | None
) -> bool:
    """com.atproto.server.deleteSession with the stored refresh JWT; True when the session is gone.

    This ends the app's session only: an app-password session may not call com.atproto.server.revokeAppPassword
    (that needs a full-access login), so the app password itself stays valid until the person revokes it.
    """
    if account.platform != Platform.bluesky or tokens is None or not tokens.refresh_token:
        return False
    try:
        return delete_session(
            http, base_url=xrpc_url(account.instance_url or settings.bluesky_api_url), refresh_jwt=tokens.refresh_token
        )
    except IntegrationError as exc:
        log.warning("ending the Bluesky session of account %s failed: %s", account.id, type(exc).__name__)
        return False


def disconnect_message(platform: str, handle: str, *, revoked: bool, session_ended: bool = False) -> str:
    """What the person is told after disconnecting: what was revoked, and what they must still do on the network."""
    name = escape(handle)
    if revoked:
        return f"Disconnected {name} and revoked its token. Its stored tokens are deleted."
    if platform == Platform.bluesky:
        ended = "its session with Bluesky is ended and " if session_ended else ""
        return (
            f"Disconnected {name}: {ended}the stored app password is deleted. Bluesky does not let an app revoke "
            "an app password, so revoke it yourself: Bluesky → Settings → Privacy and security → App passwords."
        )
    if platform == Platform.yammer:
        return (
            f"Disconnected {name}: the stored token is deleted. Yammer has no way for an app to revoke a user "
            "token, so remove the app's access in your Yammer (Viva Engage) or Microsoft account settings too."
        )
    return (
        f"Disconnected {name} (revoke the app's access in the network's settings too). Its stored tokens are deleted."
    )


def stored_tokens(session: Session, cipher: TokenCipher, account: ConnectedAccount) -> TokenSet | None:
    from assistant.models.credentials import Credential

    credential = session.get(Credential, account.credential_id) if account.credential_id else None
    return load_tokens(cipher, credential) if credential is not None else None
