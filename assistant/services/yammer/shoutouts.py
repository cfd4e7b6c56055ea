"""Yammer shout-outs (a question to a group whose replies come back to Slack) and cross-posting to Yammer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlmodel import Session, col, select

from assistant.clients import Clients
from assistant.config import Settings
from assistant.crypto import TokenCipher, TokenDecryptError
from assistant.models.base import utcnow
from assistant.models.contacts import ShoutoutState, YammerShoutout
from assistant.models.credentials import Credential
from assistant.models.platforms import Platform
from assistant.models.workspaces import Workspace
from assistant.services.accounts.credentials import get_valid_access_token, needs_refresh
from assistant.services.team import audit
from assistant.services.yammer.auth import EntraRefresher
from integrations.errors import AuthError, NotFound
from integrations.yammer.client import YammerClient

PLATFORM = Platform.yammer
COLLECT_FOR = timedelta(days=7)
POLL_EVERY = timedelta(minutes=2)
CROSSPOST_KEY = "yammer_crosspost"  # on/off, shared with `/outreach settings`
CROSSPOST_GROUP_KEY = "yammer_group_id"  # shared with `/outreach settings`
CROSSPOST_KINDS_KEY = "yammer_crosspost_kinds"
CROSSPOST_KINDS = ("announcements", "digests")


class ShoutoutError(Exception):
    """The shout-out could not be posted; `for_admin` says what an admin must fix (None: the person can)."""

    def __init__(self, message: str, *, for_admin: str | None = None) -> None:
        super().__init__(message)
        self.for_admin = for_admin


def slack_permalink(channel: str, ts: str) -> str:
    """Slack's permalink form for a message (https://slack.com/archives/C…/p<ts without dot>)."""
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


def yammer_token(
    session: Session,
    settings: Settings,
    *,
    workspace_id: int | None = None,
    http: httpx.Client | None = None,
    now: datetime | None = None,
) -> str | None:
    """The stored delegated token (`outreach yammer login`, renewed through Entra ID when it is about to
    expire), else YAMMER_ACCESS_TOKEN, else None."""
    stored = session.exec(
        select(Credential)
        .where(Credential.platform == PLATFORM)
        .where(col(Credential.workspace_id).is_(None) | (col(Credential.workspace_id) == workspace_id))
        .order_by(col(Credential.workspace_id).desc(), col(Credential.updated_at).desc())
    ).first()
    if stored is not None and settings.encryption_key is not None:
        cipher = TokenCipher.from_settings(settings)
        at = now or utcnow()
        if needs_refresh(stored, at) and stored.refresh_token_encrypted and settings.yammer_client_id:
            refresher = EntraRefresher(settings, now=at, http_client=http)
            return get_valid_access_token(session, cipher, stored, refresher, at)
        return cipher.decrypt(stored.access_token_encrypted)
    if settings.yammer_access_token is not None:
        return settings.yammer_access_token.get_secret_value()
    return None


def yammer_client(
    session: Session, settings: Settings, http: httpx.Client, *, workspace_id: int | None = None
) -> YammerClient:
    try:
        token = yammer_token(session, settings, workspace_id=workspace_id, http=http)
    except (AuthError, TokenDecryptError) as exc:
        raise ShoutoutError(
            "The app's Yammer sign-in has lapsed; an admin has been told.", for_admin=str(exc)
        ) from None
    if token is None:
        raise ShoutoutError(
            "Yammer is not connected yet.",
            for_admin="Connect Yammer: run `outreach yammer login` (or set YAMMER_ACCESS_TOKEN); see docs/yammer.md.",
        )
    return Clients(settings).yammer(http, token=token)


def shoutout_text(question: str, link: str) -> str:
    return f"{question}\n\nAsked from Slack by the comms team; your replies here reach them: {link}"


def start_shoutout(
    session: Session,
    yammer: YammerClient,
    *,
    workspace_id: int,
    requested_by: str,
    question: str,
    group_id: str,
    slack_channel_id: str,
    slack_ts: str,
    now: datetime,
) -> YammerShoutout:
    """Post the question to the group with a link back to the Slack thread, and record the thread to follow."""
    question = question.strip()
    if not question:
        raise ShoutoutError('Write the question in quotes: /outreach contact ask "Who knows …?" --yammer GROUP_ID')
    if not group_id.isdigit():
        raise ShoutoutError(f"{group_id!r} is not a Yammer group id (the number in the group's address, e.g. 2528).")
    try:
        message = yammer.post_message(
            shoutout_text(question, slack_permalink(slack_channel_id, slack_ts)), group_id=group_id
        )
    except AuthError as exc:
        raise ShoutoutError(
            f"The app's Yammer token may not post to group {group_id}; an admin has been told.",
            for_admin=(
                f"Yammer refused a shout-out to group {group_id} ({exc}). The signed-in Yammer account must be a "
                "member of that group and the token must be a delegated one: run `outreach yammer login` as a member."
            ),
        ) from None
    except NotFound:
        raise ShoutoutError(f"There is no Yammer group {group_id} (or it is hidden from the app's account).") from None
    shoutout = YammerShoutout(
        workspace_id=workspace_id,
        requested_by=requested_by,
        question=question,
        group_id=group_id,
        thread_id=message.thread_id,
        web_url=message.web_url,
        slack_channel_id=slack_channel_id,
        slack_ts=slack_ts,
        next_poll_at=now + POLL_EVERY,
        collect_until=now + COLLECT_FOR,
        created_at=now,
    )
    session.add(shoutout)
    session.flush()
    audit.log(session, "shoutout.posted", shoutout, actor=requested_by, group_id=group_id, thread_id=message.thread_id)
    return shoutout


def due_shoutouts(session: Session, now: datetime) -> list[YammerShoutout]:
    """Open shout-outs whose replies should be read now; those past their collection window are closed."""
    rows = list(
        session.exec(
            select(YammerShoutout).where(
                YammerShoutout.state == ShoutoutState.open, col(YammerShoutout.next_poll_at) <= now
            )
        )
    )
    due = []
    for row in rows:
        if row.collect_until <= now:
            row.state = ShoutoutState.closed
            session.add(row)
        else:
            due.append(row)
    return due


# Cross-posting ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Crosspost:
    group_id: str
    kinds: tuple[str, ...]


def crosspost_setting(workspace: Workspace) -> Crosspost | None:
    """The team's cross-posting: on/off is `yammer_crosspost` (also set from `/outreach settings`), the group and
    kinds are ours; None when off or no group is chosen."""
    stored: dict[str, Any] = workspace.settings or {}
    group = stored.get(CROSSPOST_GROUP_KEY)
    if not stored.get(CROSSPOST_KEY) or not group:
        return None
    kinds = stored.get(CROSSPOST_KINDS_KEY) or list(CROSSPOST_KINDS)
    return Crosspost(str(group), tuple(k for k in kinds if k in CROSSPOST_KINDS))


def set_crosspost(
    session: Session, workspace: Workspace, *, group_id: str | None, kinds: list[str], actor: str
) -> None:
    """Turn cross-posting on (group and kinds) or off (group_id None); audited."""
    unknown = [k for k in kinds if k not in CROSSPOST_KINDS]
    if unknown:
        raise ShoutoutError(f"{', '.join(unknown)}: cross-posting knows {' and '.join(CROSSPOST_KINDS)}")
    if group_id is not None and not group_id.isdigit():
        raise ShoutoutError(f"{group_id!r} is not a Yammer group id (the number in the group's address).")
    settings = dict(workspace.settings or {})
    settings[CROSSPOST_KEY] = group_id is not None
    if group_id is not None:
        settings[CROSSPOST_GROUP_KEY] = group_id
        settings[CROSSPOST_KINDS_KEY] = kinds or list(CROSSPOST_KINDS)
    workspace.settings = settings
    session.add(workspace)
    audit.log(session, "workspace.yammer_crosspost", workspace, actor=actor, group_id=group_id, kinds=kinds)


def change_crosspost(
    session: Session, workspace_id: int, *, group_id: str | None, kinds: list[str], actor: str
) -> Crosspost | None:
    """`set_crosspost` on the stored workspace, committed; returns the setting now (None: off)."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise ShoutoutError(f"workspace {workspace_id} is not stored")
    set_crosspost(session, workspace, group_id=group_id, kinds=kinds, actor=actor)
    session.commit()
    return crosspost_setting(workspace)
