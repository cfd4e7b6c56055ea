"""A mapping's members: the accounts a crawl or an archive found, and how each was found (seed, follows, search)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session

from assistant.models.mapping import MappingMember
from integrations.normalized import Batch


def add_members(session: Session, request_id: int, kind: str, ids: Iterable[str]) -> None:
    table = MappingMember.__table__  # type: ignore[attr-defined]
    rows = [{"request_id": request_id, "kind": kind, "platform": "x", "item_id": i} for i in set(ids)]
    if not rows:
        return
    existing = set(
        session.connection()
        .execute(
            sa.select(table.c.item_id).where(
                table.c.request_id == request_id,
                table.c.kind == kind,
                table.c.item_id.in_([r["item_id"] for r in rows]),
            )
        )
        .scalars()
    )
    fresh = [r for r in rows if r["item_id"] not in existing]
    if fresh:
        session.connection().execute(table.insert(), fresh)


def member_ids(session: Session, request_id: int, kind: str) -> set[str]:
    table = MappingMember.__table__  # type: ignore[attr-defined]
    return set(
        session.connection()
        .execute(sa.select(table.c.item_id).where(table.c.request_id == request_id, table.c.kind == kind))
        .scalars()
    )


def record_members(session: Session, request_id: int, kind: str, batch: Batch) -> None:
    ids = [a.id for a in batch.accounts]
    if kind == "seeds":
        add_members(session, request_id, "seed", ids)
    if kind in ("seeds", "profiles"):
        add_members(session, request_id, "profiled", ids)
    if kind == "following":
        add_members(session, request_id, "profiled", ids)
    add_members(session, request_id, "account", ids)
    add_members(session, request_id, "post", [p.id for p in batch.posts])
    authors = {p.author_id for p in batch.posts} | {p.reply_to_user_id for p in batch.posts if p.reply_to_user_id}
    add_members(session, request_id, "account", authors)
    if kind == "search":
        add_members(session, request_id, "profiled", [a.id for a in batch.accounts])
