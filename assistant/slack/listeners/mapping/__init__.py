"""Digital mapping in Slack: `/outreach map`, the request shortcut and form, the queue card's buttons and modals."""

from __future__ import annotations

from assistant.slack.blocks import mapping as blocks
from assistant.slack.listeners.mapping import card, form, rerun, start
from assistant.slack.listeners.mapping.command import map_command
from assistant.slack.listeners.routes import Routes

ROUTES = Routes(
    global_shortcuts={blocks.SHORTCUT_REQUEST: form.on_shortcut},
    views={
        blocks.VIEW_REQUEST: form.on_submit,
        blocks.VIEW_DECLINE: card.on_decline_submit,
        blocks.VIEW_ASK: card.on_ask_submit,
        blocks.VIEW_START: start.on_start_submit,
        blocks.VIEW_RERUN: rerun.on_rerun_submit,
    },
    actions={
        blocks.CLAIM: card.on_claim,
        blocks.CANCEL: card.on_cancel,
        blocks.DELIVER: card.on_deliver,
        blocks.DECLINE: card.on_decline,
        blocks.ASK: card.on_ask,
        blocks.START: start.on_start,
        blocks.MEASURE: start.on_measure,
        blocks.MEASURE_FOLLOWS: start.on_measure_follows,
        blocks.RERUN: rerun.on_rerun,
    },
    subcommands={"map": map_command},
)
