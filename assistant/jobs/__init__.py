"""Due-work sources the worker polls ("what is due now?"); each feature adds its module's source here."""

from __future__ import annotations

from assistant.worker import DueSource, outbox_retries

# Add a source: import it from assistant.jobs.<feature> and append it.
SOURCES: tuple[DueSource, ...] = (outbox_retries,)
