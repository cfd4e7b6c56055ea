"""Writing the audit log: who did what to which record."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from assistant.models import AuditEntry


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
