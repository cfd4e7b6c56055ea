"""Due-work sources the worker polls ("what is due now?"), built from the app's Clients; each feature adds its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.clients import Clients
    from assistant.jobs.digest_process import DigestProcess
    from assistant.worker import DueSource


def sources(clients: Clients, *, digest_process: DigestProcess | None = None) -> tuple[DueSource, ...]:
    """Every feature's source over the same clients. Add a source: build it here from `clients`.

    With `digest_process` (`outreach serve`), digests are made in that child process; without, in the worker's thread.
    The features are imported here rather than with the package, so that the digest process, which imports
    jobs.digest_process and jobs.digest_steps, starts without the others (tests/jobs/test_digest_process_imports.py).
    """
    from assistant.jobs.accounts import AccountSources
    from assistant.jobs.chats.runner import ChatRunner
    from assistant.jobs.contacts import ShoutoutReplies
    from assistant.jobs.digests import DigestJobs
    from assistant.jobs.mapping import MappingJobs
    from assistant.jobs.watches import WatchSources
    from assistant.jobs.weekly import WeeklyDigests
    from assistant.worker import outbox_retries

    accounts = AccountSources(clients)
    watches = WatchSources(clients)
    return (
        outbox_retries,
        accounts.refresh_tokens,
        accounts.snapshots,
        accounts.token_problems,
        WeeklyDigests(clients),
        watches.polls,
        watches.pending,
        *ChatRunner.sources(clients),
        ShoutoutReplies(clients),
        MappingJobs(clients),
        DigestJobs(clients, process=digest_process),
    )
