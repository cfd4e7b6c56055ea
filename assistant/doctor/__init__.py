"""`outreach doctor`: every install check in order, each giving one line's verdict and what to do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import httpx
from sqlalchemy.engine import Engine

from assistant.clients import Clients
from assistant.config import Settings

Status = Literal["ok", "fail", "skip"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """One check's outcome: `fail` on a required check makes `outreach doctor` exit non-zero."""

    name: str
    status: Status
    detail: str
    required: bool = True

    @property
    def blocking(self) -> bool:
        return self.status == "fail" and self.required


def ok(name: str, detail: str) -> Verdict:
    return Verdict(name, "ok", detail)


def fail(name: str, detail: str, *, required: bool = True) -> Verdict:
    return Verdict(name, "fail", detail, required)


def skip(name: str, detail: str) -> Verdict:
    return Verdict(name, "skip", detail, required=False)


@dataclass
class Context:
    """What the checks share: settings, the database engine, one HTTP client, and whether paid calls may run."""

    settings: Settings
    engine: Engine
    http: httpx.Client
    paid: bool = True
    announce: Callable[[str], None] = field(default=lambda _line: None)
    database_ok: bool = False  # set once the database answered: paid calls are then written to the cost ledger

    @property
    def clients(self) -> Clients:
        """The app's builders of the network clients, over these settings (each given `http`)."""
        return Clients(self.settings)


def run_checks(context: Context) -> Iterator[Verdict]:
    """Each check after settings (which the caller loads); a database that cannot be reached skips its followers."""
    from assistant.doctor import local, networks, slack

    database = local.database(context)
    yield database
    context.database_ok = database.status == "ok"
    if context.database_ok:
        yield local.schema(context)
        yield local.encryption(context)
        yield local.worker(context)
    yield from slack.checks(context)
    yield networks.x_bearer(context)
    yield networks.mastodon(context)
    yield networks.bluesky(context)
    yield networks.yammer(context)
    yield networks.public_url(context)
