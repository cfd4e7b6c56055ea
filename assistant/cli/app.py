"""The Typer application and the helpers every CLI command shares (settings, engine, failing cleanly)."""

from __future__ import annotations

from dataclasses import replace
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.engine import Engine

from assistant.clients import Clients
from assistant.config import ConfigError, Settings, load_settings
from assistant.db import create_db_engine

app = typer.Typer(
    name="outreach",
    help="Outreach Assistant: mapping requests, contacts, hashtag chats and digests for comms teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear line to stderr and exit non-zero."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        fail(str(exc), code=2)


def clients_for(context: typer.Context, settings: Settings, engine: Engine | None = None) -> Clients:
    """The command's outside clients, built from its settings; over the HTTP of the Clients a caller passed as the
    context object (tests: `CliRunner().invoke(app, args, obj=clients)`)."""
    given = context.find_object(Clients)
    if given is not None:
        return replace(given, settings=settings)
    return Clients.from_settings(settings, engine)


def engine_for(settings: Settings) -> Engine:
    return create_db_engine(settings.database_url)
