"""`outreach doctor`: check an install end to end, one line per check, non-zero exit when a required one fails."""

from __future__ import annotations

import typer
from rich.markup import escape

from assistant.cli.app import app, console, engine_for
from assistant.clients import new_http
from assistant.config import ConfigError, load_settings
from assistant.doctor import Context, Verdict, run_checks

MARKS = {"ok": "[green]✓[/]", "fail": "[red]✗[/]", "skip": "[dim]–[/]"}


def show(verdict: Verdict) -> None:
    optional = "" if verdict.required or verdict.status != "fail" else " [dim](optional)[/]"
    console.print(
        f"{MARKS[verdict.status]} {escape(verdict.name)}: {escape(verdict.detail)}{optional}",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def doctor(
    paid: bool = typer.Option(True, "--paid/--no-paid", help="Make the one billed X call (its cost is shown first)."),
) -> None:
    """Check the settings, database, Slack app, networks and public URL; say what to fix."""
    try:
        settings = load_settings()
        settings.require_for_serve()
    except ConfigError as exc:
        show(Verdict("settings", "fail", str(exc)))
        raise typer.Exit(2) from None
    show(Verdict("settings", "ok", "loaded (Socket Mode)" if settings.socket_mode else "loaded (HTTP mode)"))
    engine = engine_for(settings)
    failed = 0
    try:
        with new_http() as http:
            context = Context(
                settings,
                engine,
                http,
                paid=paid,
                announce=lambda line: console.print(f"  … {escape(line)}", highlight=False, soft_wrap=True),
            )
            for verdict in run_checks(context):
                show(verdict)
                failed += verdict.blocking
    finally:
        engine.dispose()
    if failed:
        console.print(f"{failed} required check(s) failed.", highlight=False)
        raise typer.Exit(1)
    console.print("All required checks passed.", highlight=False)
