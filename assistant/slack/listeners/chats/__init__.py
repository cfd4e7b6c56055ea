"""Hashtag chats in Slack: `/outreach chat ...`, the schedule and questions modals, sign-off and hand-over buttons."""

from __future__ import annotations

from collections.abc import Mapping

from slack_bolt import App

from assistant.slack.blocks import chat_inputs
from assistant.slack.blocks import chats as blocks
from assistant.slack.blocks.mapping import SCHEDULE_CHAT_ACTIONS
from assistant.slack.context import Services
from assistant.slack.listeners.chats import form, handover, signoff
from assistant.slack.listeners.chats.command import chat_command
from assistant.slack.listeners.commands import Handler


def register(app: App, services: Services) -> Mapping[str, Handler]:
    """Register the chat modals and buttons; return the `chat` subcommand."""
    app.view(blocks.CHAT_MODAL)(form.on_submit)
    app.view(blocks.QUESTIONS_MODAL)(form.on_questions)
    app.options(chat_inputs.HOST_SEARCH)(form.search_hosts)
    app.action(SCHEDULE_CHAT_ACTIONS)(form.schedule_from_mapping)
    app.action(blocks.APPROVE)(signoff.approve)
    app.action(blocks.REQUEST_CHANGES)(signoff.request_changes)
    app.action(blocks.POSTED)(handover.posted)
    app.view(blocks.POSTED_MODAL)(handover.record_posted)
    app.action(blocks.POST_NOW)(handover.post_now)
    app.action(blocks.SKIP)(handover.skip)
    return {"chat": chat_command}
