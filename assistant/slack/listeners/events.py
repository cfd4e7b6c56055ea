"""Lifecycle events: uninstall and token revocation clean up stored installations."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk.oauth.installation_store import InstallationStore

from assistant.services.team import audit
from assistant.slack.context import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    """Register the uninstall and token-revocation events, with the app's installation store (None: one token)."""
    store = app.installation_store

    @app.event("app_uninstalled")
    def uninstalled(context: BoltContext) -> None:
        on_uninstalled(context, store)

    @app.event("tokens_revoked")
    def tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        on_tokens_revoked(event, context, store)


def on_uninstalled(context: BoltContext, store: InstallationStore | None) -> None:
    """Forget every stored installation of the team, and audit it."""
    if store is not None:
        store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id or "")
    _audit(context, "app.uninstalled")


def on_tokens_revoked(event: dict[str, Any], context: BoltContext, store: InstallationStore | None) -> None:
    """Forget the revoked user and bot tokens, and audit how many."""
    tokens = event.get("tokens") or {}
    team_id = context.team_id or ""
    if store is not None:
        for user_id in tokens.get("oauth") or []:
            store.delete_installation(enterprise_id=context.enterprise_id, team_id=team_id, user_id=user_id)
        if tokens.get("bot"):
            store.delete_bot(enterprise_id=context.enterprise_id, team_id=team_id)
    _audit(context, "tokens.revoked", bot=len(tokens.get("bot") or []), users=len(tokens.get("oauth") or []))


def _audit(context: BoltContext, action: str, **detail: Any) -> None:
    with context["session"]() as session:
        audit.log(session, action, context["workspace"], actor="slack", **detail)
        session.commit()
