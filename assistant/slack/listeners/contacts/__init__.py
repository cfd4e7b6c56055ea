"""Contacts in Slack: `/outreach contact …`, "Save as contact", the contact modals and the buttons of cards."""

from __future__ import annotations

from slack_bolt import App

from assistant.slack.blocks import contacts as blocks
from assistant.slack.context import Services
from assistant.slack.listeners.commands import Handler
from assistant.slack.listeners.contacts import cards, forms
from assistant.slack.listeners.contacts.command import contact_command
from assistant.slack.listeners.contacts.message import on_save_message


def register(app: App, services: Services) -> dict[str, Handler]:
    """Register the contact modals, shortcut and buttons; return the `contact` subcommand."""
    app.view(blocks.ADD_VIEW)(forms.on_add)
    app.view(blocks.EDIT_VIEW)(forms.on_edit)
    app.view(blocks.SHARE_VIEW)(forms.on_share)
    app.message_shortcut(blocks.SAVE_AS_CONTACT)(on_save_message)
    app.action(blocks.SHARE)(forms.on_share_button)
    app.action(blocks.EDIT)(forms.on_edit_button)
    app.action(blocks.DELETE)(cards.on_delete)
    app.action(blocks.MERGE_ACTIONS)(cards.on_merge)
    app.action(blocks.SAVE_FOUND_ACTIONS)(cards.on_save_found)
    app.action(blocks.DIGEST_SAVE_PARTICIPANTS)(cards.on_digest_save)
    app.action(blocks.MAPPING_SAVE_ACCOUNTS)(cards.on_mapping_save)
    return {"contact": contact_command}
