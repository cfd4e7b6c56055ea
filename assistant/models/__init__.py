"""SQLModel tables, one module per aggregate; importing this package registers them all."""

from assistant.models.accounts import AccountHandover, ConnectedAccount, OAuthPending  # noqa: F401
from assistant.models.audit import AuditEntry
from assistant.models.base import NAMING_CONVENTION, UTCDateTime, utcnow
from assistant.models.chats import ChatApproval, ChatModerator, ChatOccurrence, ChatPost, ChatQuestion, ChatSeries  # noqa: F401
from assistant.models.contacts import Contact, ContactEvent, YammerShoutout  # noqa: F401
from assistant.models.costs import BudgetHold, CostEntry, CostEstimate, XBilledItem  # noqa: F401
from assistant.models.credentials import Credential
from assistant.models.digests import AccountSnapshot, Digest, DigestJob, DigestJobState
from assistant.models.heartbeat import WorkerHeartbeat  # noqa: F401
from assistant.models.mapping import CrawlStep, MappingArtefact, MappingMember, MappingRequest  # noqa: F401
from assistant.models.outbox import OutboxItem, OutboxState
from assistant.models.posts import Account, FollowEdge, Post, PostHashtag
from assistant.models.slack_events import SlackEventReceipt
from assistant.models.watches import Watch, WatchSeen  # noqa: F401
from assistant.models.workspaces import Member, Role, Workspace

__all__ = [
    "AccountSnapshot",
    "Digest",
    "DigestJob",
    "DigestJobState",
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
