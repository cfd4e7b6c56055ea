"""The `/outreach` slash command: ack at once, parse, route to the subcommand, answer ephemerally."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from assistant.slack.blocks import help as help_blocks
from assistant.slack.context import Services
from assistant.slack.parse import CommandInput, ParseError, parse_command
from assistant.slack.subcommands import BY_NAME, COMMAND, closest

log = logging.getLogger(__name__)

Handler = Callable[[CommandInput, dict[str, Any], Ack], None]


def register(app: App, services: Services, handlers: dict[str, Handler] | None = None) -> None:
    """Register `/outreach`; features add their subcommand handlers through `handlers`."""
    routes: dict[str, Handler] = {"help": _help}
    routes.update(handlers or {})

    @app.command(COMMAND)
    def outreach(ack: Ack, command: dict[str, Any]) -> None:
        try:
            parsed = parse_command(command.get("text", ""))
        except ParseError as exc:
            ack(text=f"I couldn't read that command: {exc}. Put text with spaces in quotes.")
            return
        handler = routes.get(parsed.subcommand)
        if handler is not None:
            handler(parsed, command, ack)
            return
        known = BY_NAME.get(parsed.subcommand)
        if known is not None:
            ack(text=help_blocks.not_available(known))
            return
        ack(text=help_blocks.not_understood(parsed.subcommand, closest(parsed.subcommand)))


def _help(parsed: CommandInput, command: dict[str, Any], ack: Ack) -> None:
    ack(text="Outreach Assistant commands", blocks=help_blocks.help_card())
