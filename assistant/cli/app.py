"""The Typer application and the helpers every CLI command shares (settings, engine, failing cleanly)."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.engine import Engine

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


def engine_for(settings: Settings) -> Engine:
    return create_db_engine(settings.database_url)
