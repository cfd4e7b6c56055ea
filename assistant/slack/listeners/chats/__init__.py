"""Hashtag chats in Slack: `/outreach chat ...`, the schedule and questions modals, sign-off and hand-over buttons."""

from __future__ import annotations

from assistant.slack.blocks import chat_inputs
from assistant.slack.blocks import chats as blocks
from assistant.slack.blocks.mapping import SCHEDULE_CHAT_ACTIONS
from assistant.slack.listeners.chats import form, handover, signoff
from assistant.slack.listeners.chats.command import chat_command
from assistant.slack.listeners.routes import Routes

ROUTES = Routes(
    views={
        blocks.CHAT_MODAL: form.on_submit,
        blocks.QUESTIONS_MODAL: form.on_questions,
        blocks.POSTED_MODAL: handover.record_posted,
    },
    options={chat_inputs.HOST_SEARCH: form.search_hosts},
    actions={
        SCHEDULE_CHAT_ACTIONS: form.schedule_from_mapping,
        blocks.APPROVE: signoff.approve,
        blocks.REQUEST_CHANGES: signoff.request_changes,
        blocks.POSTED: handover.posted,
        blocks.POST_NOW: handover.post_now,
        blocks.SKIP: handover.skip,
    },
    subcommands={"chat": chat_command},
)
