"""SQLModel tables, one module per aggregate; importing this package registers them all."""

from assistant.models.audit import AuditEntry
from assistant.models.base import NAMING_CONVENTION, UTCDateTime, utcnow
from assistant.models.outbox import OutboxItem, OutboxState
from assistant.models.slack_events import SlackEventReceipt
from assistant.models.workspaces import Member, Role, Workspace

__all__ = [
    "NAMING_CONVENTION",
    "AuditEntry",
    "Member",
    "OutboxItem",
    "OutboxState",
    "Role",
    "SlackEventReceipt",
    "UTCDateTime",
    "Workspace",
    "utcnow",
]
