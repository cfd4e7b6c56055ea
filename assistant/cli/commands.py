"""The `outreach` Typer app with every command registered: importing a command module registers its commands."""

from __future__ import annotations

from assistant.cli import (
    chats,  # noqa: F401  (chat list, chat ics)
    contacts,  # noqa: F401  (contacts export/import, yammer login)
    cost,  # noqa: F401  (cost --month)
    data,  # noqa: F401  (import, fetch, export, sample-chat)
    digests,  # noqa: F401  (digest FILE | --hashtag --from --to)
    doctor,  # noqa: F401  (doctor [--no-paid])
    mapping,  # noqa: F401  (map run, report, communities, estimate)
    runtime,  # noqa: F401  (serve, worker, migrate, demo)
)
from assistant.cli.app import app

__all__ = ["app"]
