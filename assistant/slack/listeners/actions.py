"""Block actions: buttons and menus on the app's messages and views."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from assistant.slack.blocks import help as help_blocks
from assistant.slack.blocks import ids
from assistant.slack.context import Services
from assistant.slack.subcommands import BY_NAME


def register(app: App, services: Services) -> None:
    @app.action(ids.HELP_SHOW_SUBCOMMAND)
    def show_subcommand(ack: Ack, action: dict[str, Any], respond: Respond) -> None:
        ack()
        name = (action.get("selected_option") or {}).get("value", "")
        sub = BY_NAME.get(name)
        if sub is None:
            respond(text=f"Unknown subcommand {name!r}.", response_type="ephemeral", replace_original=False)
            return
        respond(
            text=f"/outreach {sub.name}",
            blocks=help_blocks.subcommand_detail(sub, available=sub.name in services.subcommands),
            response_type="ephemeral",
            replace_original=False,
        )
