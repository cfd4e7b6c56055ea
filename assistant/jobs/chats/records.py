"""What the chat runner reads and writes around a post: the outbox rows of a sitting, its recorded posts, the team's
accounts on a network."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.jobs.chats.plan import OutboxStates
from assistant.models import OutboxItem
from assistant.models.accounts import ConnectedAccount
from assistant.models.chats import ChatPost, ChatSeries, PostStatus
from assistant.models.credentials import Credential
from assistant.services.chats.posts import record_post


def outbox_states(engine: Engine, prefix: str) -> OutboxStates:
    """(state, last error) of every outbox row whose key starts with `prefix`."""
    table = OutboxItem.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(table.c.key, table.c.state, table.c.last_error).where(
                table.c.key.startswith(prefix, autoescape=True)
            )
        )
        return {row.key: (row.state, row.last_error) for row in rows}


def record(engine: Engine, occ_id: int, item: str, platform: str, result: dict[str, Any]) -> None:
    """The chat's record of a post made (its id, link and, on Bluesky, the uri and cid a reply needs)."""
    with Session(engine) as session:
        record_post(
            session,
            occ_id,
            item,
            platform,
            PostStatus.posted,
            text=str(result.get("text", "")),
            url=result.get("url"),
            post_id=result.get("post_id"),
            detail={"uri": result["uri"], "cid": result["cid"]} if result.get("cid") else None,
        )


def record_from_outbox(engine: Engine, occ_id: int, item: str, platform: str, key: str) -> None:
    """Record a post the outbox completed (a worker died between posting and recording)."""
    with Session(engine) as session:
        row = session.exec(select(OutboxItem).where(OutboxItem.key == key)).first()
        result = row.result if row else None
    if result and result.get("post_id") and "ts" not in result:
        record(engine, occ_id, item, platform, result)


def posted_row(session: Session, occ_id: int, item: str, platform: str) -> ChatPost | None:
    """The item's recorded post on `platform` when it was posted by the app."""
    row = session.exec(
        select(ChatPost).where(ChatPost.occurrence_id == occ_id, ChatPost.item == item, ChatPost.platform == platform)
    ).first()
    return row if row is not None and row.status == PostStatus.posted else None


def posted_id(session: Session, occ_id: int, item: str, platform: str = "x") -> str | None:
    row = posted_row(session, occ_id, item, platform)
    return row.post_id if row is not None else None


def team_credential(session: Session, series: ChatSeries, platform: str) -> Credential | None:
    """The chat's workspace's connected account on `platform` (its stored token or app password)."""
    return session.exec(
        select(Credential).where(Credential.workspace_id == series.workspace_id, Credential.platform == platform)
    ).first()


def instance_of(session: Session, credential: Credential) -> str | None:
    """The instance (Mastodon) or PDS (Bluesky) of the connected account holding `credential`, when recorded."""
    account = session.exec(select(ConnectedAccount).where(ConnectedAccount.credential_id == credential.id)).first()
    return account.instance_url if account is not None and account.instance_url else None
