"""Writing the audit log: who did what to which record."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from sqlmodel import Session

from assistant.models import AuditEntry, Workspace
from assistant.models.base import require_id


class Audited(Protocol):
    """A stored row: its table names the record type, its id the record."""

    __tablename__: ClassVar[Any]
    id: int | None


def log(
    session: Session, action: str, row: Audited, *, actor: str, workspace_id: int | None = None, **detail: Any
) -> AuditEntry:
    """Add the audit entry of `action` on `row` (committed with the change it describes).

    The record is the row's table and id; the workspace is the row's own (a workspace row is its own), or
    `workspace_id` for a row that has none."""
    if workspace_id is None:
        workspace_id = row.id if isinstance(row, Workspace) else getattr(row, "workspace_id", None)
    return record(
        session,
        actor=actor,
        action=action,
        record_type=str(row.__tablename__),
        record_id=require_id(row),
        workspace_id=workspace_id,
        **detail,
    )


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    record_type: str,
    record_id: str | int,
    workspace_id: int | None = None,
    **detail: Any,
) -> AuditEntry:
    """Add one audit entry to the session (committed with the change it describes)."""
    entry = AuditEntry(
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        detail=detail,
    )
    session.add(entry)
    return entry
