"""The Typer application and the helpers every CLI command shares (settings, engine, failing cleanly)."""

from __future__ import annotations

from dataclasses import replace
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
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


def release() -> str:
    """The installed distribution's version (the source tree's own when run uninstalled)."""
    try:
        return installed_version("outreach-assistant")
    except PackageNotFoundError:
        from assistant import __version__

        return __version__


def _print_version(value: bool) -> None:
    if value:
        console.print(f"outreach {release()}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    del version  # acted on by its eager callback; the commands live in the modules that register them


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
