"""The `/outreach` slash command: ack at once, parse, route to the feature's subcommand handler."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from assistant.models import Workspace
from assistant.render.mrkdwn import escape
from assistant.slack.blocks import help as help_blocks
from assistant.slack.context import Services, Viewer
from assistant.slack.parse import CommandInput, ParseError, parse_command
from assistant.slack.subcommands import BY_NAME, COMMAND, closest

log = logging.getLogger(__name__)


@dataclass
class CommandContext:
    """One `/outreach` invocation as a handler sees it: parsed input, Slack's helpers and the services."""

    parsed: CommandInput
    payload: dict[str, Any]
    ack: Ack
    respond: Respond
    client: WebClient
    services: Services
    context: BoltContext | None = None  # the request context (workspace, viewer, session) from the middleware

    @property
    def team_id(self) -> str:
        return str(self.payload.get("team_id", ""))

    @property
    def user_id(self) -> str:
        return str(self.payload.get("user_id", ""))

    @property
    def channel_id(self) -> str:
        return str(self.payload.get("channel_id", ""))

    @property
    def trigger_id(self) -> str:
        return str(self.payload.get("trigger_id", ""))

    @property
    def viewer(self) -> Viewer:
        assert self.context is not None, "CommandContext built without the request context"
        viewer: Viewer = self.context["viewer"]
        return viewer

    @property
    def workspace(self) -> Workspace:
        assert self.context is not None, "CommandContext built without the request context"
        workspace: Workspace = self.context["workspace"]
        return workspace

    def error(self, text: str) -> None:
        """Answer with a specific ephemeral error (used before anything is stored)."""
        self.ack(text=text)


Handler = Callable[[CommandContext], None]


def register(app: App, services: Services, handlers: Mapping[str, Handler] | None = None) -> dict[str, Handler]:
    """Register `/outreach` and return its routing table; features add their subcommand handlers to it."""
    routes: dict[str, Handler] = {"help": _help_for(lambda: set(routes))}
    routes.update(handlers or {})

    @app.command(COMMAND)
    def outreach(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        try:
            parsed = parse_command(command.get("text", ""))
        except ParseError as exc:
            ack(text=f"I couldn't read that command: {escape(str(exc))}. Put text with spaces in quotes.")
            return
        handler = routes.get(parsed.subcommand)
        if handler is not None:
            handler(CommandContext(parsed, command, ack, respond, client, services, context))
            return
        known = BY_NAME.get(parsed.subcommand)
        if known is not None:
            ack(text=help_blocks.not_available(known))
            return
        ack(text=help_blocks.not_understood(parsed.subcommand, closest(parsed.subcommand)))

    return routes


def _help_for(available: Callable[[], set[str]]) -> Handler:
    def show_help(ctx: CommandContext) -> None:
        ctx.ack(text="Outreach Assistant commands", blocks=help_blocks.help_card(available()))

    return show_help
