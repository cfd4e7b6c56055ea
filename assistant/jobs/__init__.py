"""Due-work sources the worker polls ("what is due now?"); each feature adds its module's source here."""

from __future__ import annotations

from assistant.jobs.accounts import AccountSources
from assistant.jobs.chats import chat_jobs
from assistant.jobs.contacts import ShoutoutReplies
from assistant.jobs.digests import DigestJobs
from assistant.jobs.mapping import MappingJobs
from assistant.jobs.watches import WatchSources
from assistant.jobs.weekly import WeeklyDigests
from assistant.worker import DueSource, outbox_retries

_accounts = AccountSources()
_watches = WatchSources()

# Add a source: import it from assistant.jobs.<feature> and append it.
SOURCES: tuple[DueSource, ...] = (
    outbox_retries,
    _accounts.refresh_tokens,
    _accounts.snapshots,
    _accounts.token_problems,
    WeeklyDigests(),
    _watches.polls,
    _watches.pending,
    chat_jobs,
    ShoutoutReplies(),
    MappingJobs(),
    DigestJobs(),
)
