"""Digital mapping in Slack: `/outreach map`, the request shortcut and form, the queue card's buttons and modals."""

from __future__ import annotations

from collections.abc import Mapping

from slack_bolt import App

from assistant.slack.blocks import mapping as blocks
from assistant.slack.context import Services
from assistant.slack.listeners.commands import Handler
from assistant.slack.listeners.mapping import card, form, rerun, start
from assistant.slack.listeners.mapping.command import map_command


def register(app: App, services: Services) -> Mapping[str, Handler]:
    """Register the mapping shortcut, modals and buttons; return the `map` subcommand."""
    app.global_shortcut(blocks.SHORTCUT_REQUEST)(form.on_shortcut)
    app.view(blocks.VIEW_REQUEST)(form.on_submit)
    app.action(blocks.CLAIM)(card.on_claim)
    app.action(blocks.CANCEL)(card.on_cancel)
    app.action(blocks.DELIVER)(card.on_deliver)
    app.action(blocks.DECLINE)(card.on_decline)
    app.action(blocks.ASK)(card.on_ask)
    app.view(blocks.VIEW_DECLINE)(card.on_decline_submit)
    app.view(blocks.VIEW_ASK)(card.on_ask_submit)
    app.action(blocks.START)(start.on_start)
    app.action(blocks.MEASURE)(start.on_measure)
    app.view(blocks.VIEW_START)(start.on_start_submit)
    app.action(blocks.RERUN)(rerun.on_rerun)
    app.view(blocks.VIEW_RERUN)(rerun.on_rerun_submit)
    return {"map": map_command}
