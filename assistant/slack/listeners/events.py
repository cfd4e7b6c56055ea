"""Lifecycle events: uninstall and token revocation clean up stored installations."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from sqlmodel import Session

from assistant.services.team import audit
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.context import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.event("app_uninstalled")
    def on_uninstalled(context: dict[str, Any]) -> None:
        team_id = context.get("team_id") or ""
        store = app.installation_store
        if store is not None:
            store.delete_all(enterprise_id=context.get("enterprise_id"), team_id=team_id)
        _audit(services, team_id, "app.uninstalled")

    @app.event("tokens_revoked")
    def on_tokens_revoked(event: dict[str, Any], context: dict[str, Any]) -> None:
        team_id = context.get("team_id") or ""
        store = app.installation_store
        tokens = event.get("tokens") or {}
        if store is not None:
            for user_id in tokens.get("oauth") or []:
                store.delete_installation(enterprise_id=context.get("enterprise_id"), team_id=team_id, user_id=user_id)
            if tokens.get("bot"):
                store.delete_bot(enterprise_id=context.get("enterprise_id"), team_id=team_id)
        _audit(
            services, team_id, "tokens.revoked", bot=len(tokens.get("bot") or []), users=len(tokens.get("oauth") or [])
        )


def _audit(services: Services, team_id: str, action: str, **detail: Any) -> None:
    with Session(services.engine) as session:
        workspace = ensure_workspace(session, slack_team_id=team_id, timezone=services.settings.default_timezone)
        audit.log(session, action, workspace, actor="slack", **detail)
        session.commit()
