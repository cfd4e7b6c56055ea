"""SQLModel tables, one module per aggregate; importing this package registers them all."""

from assistant.models.audit import AuditEntry
from assistant.models.base import NAMING_CONVENTION, UTCDateTime, utcnow
from assistant.models.credentials import Credential
from assistant.models.outbox import OutboxItem, OutboxState
from assistant.models.posts import Account, FollowEdge, Post, PostHashtag
from assistant.models.slack_events import SlackEventReceipt
from assistant.models.workspaces import Member, Role, Workspace

__all__ = [
    "NAMING_CONVENTION",
    "Account",
    "AuditEntry",
    "Credential",
    "FollowEdge",
    "Member",
    "OutboxItem",
    "OutboxState",
    "Post",
    "PostHashtag",
    "Role",
    "SlackEventReceipt",
    "UTCDateTime",
    "Workspace",
    "utcnow",
]
