"""Contacts in Slack: `/outreach contact …`, "Save as contact", the contact modals and the buttons of cards."""

from __future__ import annotations

from assistant.slack.blocks import contacts as blocks
from assistant.slack.listeners.contacts import cards, forms
from assistant.slack.listeners.contacts.command import contact_command
from assistant.slack.listeners.contacts.message import on_save_message
from assistant.slack.listeners.routes import Routes

ROUTES = Routes(
    views={blocks.ADD_VIEW: forms.on_add, blocks.EDIT_VIEW: forms.on_edit, blocks.SHARE_VIEW: forms.on_share},
    message_shortcuts={blocks.SAVE_AS_CONTACT: on_save_message},
    actions={
        blocks.SHARE: forms.on_share_button,
        blocks.EDIT: forms.on_edit_button,
        blocks.DELETE: cards.on_delete,
        blocks.MERGE_ACTIONS: cards.on_merge,
        blocks.SAVE_FOUND_ACTIONS: cards.on_save_found,
        blocks.DIGEST_SAVE_PARTICIPANTS: cards.on_digest_save,
        blocks.MAPPING_SAVE_ACCOUNTS: cards.on_mapping_save,
    },
    subcommands={"contact": contact_command},
)
