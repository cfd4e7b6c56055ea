"""Cross-posting chat announcements and digests to the team's Yammer group.

On when the team set `yammer_crosspost` and a `yammer_group_id` (see assistant.services.team.settings); the
post uses the team's connected Yammer account, as the weekly digest does. Workers call `post_to_group` inside
their own outbox key, so a Yammer failure is recorded there and never touches the Slack or X post.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import Session, select

from assistant.clients import Clients
from assistant.config import Settings
from assistant.crypto import TokenCipher
from assistant.models.accounts import AccountStatus, ConnectedAccount
from assistant.models.credentials import Credential
from assistant.models.platforms import Platform
from assistant.models.workspaces import Workspace
from assistant.services.accounts.credentials import load_tokens
from assistant.services.team.settings import yammer_crosspost, yammer_group_id


def crosspost_group(workspace: Workspace | None, kind: str) -> str | None:
    """The Yammer group the team cross-posts this kind ("announcements" or "digests") to, or None when off."""
    if workspace is None or not yammer_crosspost(workspace):
        return None
    kinds = (workspace.settings or {}).get("yammer_crosspost_kinds") or ["announcements", "digests"]
    return yammer_group_id(workspace) if kind in kinds else None


def team_token(session: Session, settings: Settings, workspace_id: int) -> str | None:
    """The access token of the team's active connected Yammer account, or None."""
    account = session.exec(
        select(ConnectedAccount).where(
            ConnectedAccount.workspace_id == workspace_id,
            ConnectedAccount.platform == Platform.yammer,
            ConnectedAccount.status == AccountStatus.active,
        )
    ).first()
    credential = session.get(Credential, account.credential_id) if account and account.credential_id else None
    if credential is None:
        return None
    return load_tokens(TokenCipher.from_settings(settings), credential).access_token


def crosspost_text(text: str, link: str | None = None) -> str:
    """The Yammer body: the text, then the link on its own paragraph when there is one."""
    return f"{text}\n\n{link}" if link else text


def post_to_group(
    session: Session, settings: Settings, http: httpx.Client, *, workspace_id: int, group_id: str, text: str
) -> dict[str, Any]:
    """Post `text` to the group with the team's token; skipped (not failed) when no Yammer account is connected."""
    token = team_token(session, settings, workspace_id)
    if token is None:
        return {"skipped": "no Yammer account connected"}
    message = Clients(settings).yammer(http, token=token).post_message(text, group_id=group_id)
    return {"yammer_message": str(message.id), "group_id": group_id}
