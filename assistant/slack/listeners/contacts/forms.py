"""The contact modals: add, edit and share submitted, and the card buttons that open edit and share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from assistant.models.base import require_id
from assistant.models.contacts import Contact, ContactSource, Visibility
from assistant.render.mrkdwn import escape
from assistant.services.contacts import book, dedupe
from assistant.slack.blocks import contacts as blocks
from assistant.slack.listeners.contacts.common import contact_viewer, private
from assistant.slack.parse import parse_id, parse_json_object

PRIVATE_TO_YOU = "This contact is private to you; share it with a person, or change who can see it first."


def on_add(ack: Ack, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A new contact, checked field by field; a likely duplicate is offered for merging."""
    meta = parse_json_object(view.get("private_metadata"), "form's metadata")
    values = blocks.read_contact_values(view["state"])
    viewer = contact_viewer(context)
    with context["session"]() as db:
        try:
            contact = book.add_contact(
                db, viewer, values, source=meta.get("source", ContactSource.manual), source_ref=meta.get("ref", "")
            )
        except book.ContactInvalid as exc:
            ack(response_action="errors", errors=exc.problems.by_field)
            return
        matches = dedupe.matching(db, viewer, contact)
        db.commit()
        ack()
        card = (
            blocks.merge_offer(contact, matches)
            if matches
            else blocks.contact_card(contact, intro=":white_check_mark: Saved.")
        )
    private(client, meta.get("channel"), viewer.user_id, card.text, card.blocks)


def on_edit(ack: Ack, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Changes to a contact the person may edit, checked field by field."""
    values = blocks.read_contact_values(view["state"])
    viewer = contact_viewer(context)
    with context["session"]() as db:
        try:
            contact = book.update_contact(db, viewer, parse_id(view["private_metadata"], "contact"), values)
        except book.ContactInvalid as exc:
            ack(response_action="errors", errors=exc.problems.by_field)
            return
        except book.ContactError as exc:
            ack(response_action="errors", errors={"name": str(exc)})
            return
        db.commit()
        ack()
        card = blocks.contact_card(contact, intro=":pencil2: Updated.")
    private(client, None, viewer.user_id, card.text, card.blocks)


def on_share(ack: Ack, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A visible contact's card posted to a person and / or a channel (a private one only to a person)."""
    person, channel = blocks.read_share_target(view["state"])
    if not person and not channel:
        ack(response_action="errors", errors={"person": "Choose a person or a channel (or both)."})
        return
    viewer = contact_viewer(context)
    with context["session"]() as db:
        try:
            contact = book.get_visible(db, parse_id(view["private_metadata"], "contact"), viewer)
        except book.ContactError as exc:
            ack(response_action="errors", errors={"person": str(exc)})
            return
        if contact.visibility == Visibility.me.value and channel:
            ack(response_action="errors", errors={"channel": PRIVATE_TO_YOU})
            return
        ack()
        card = blocks.contact_card(contact, buttons=False, intro=f"<@{viewer.user_id}> shared a contact with you.")
        for target in [t for t in (person, channel) if t]:
            posted = client.chat_postMessage(channel=target, text=card.text, blocks=card.blocks)
            book.record_share(
                db, viewer, require_id(contact), target=target, channel=str(posted["channel"]), ts=str(posted["ts"])
            )
        db.commit()


def open_contact_modal(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
    lookup: Callable[[Session, int, book.Viewer], Contact],
    build: Callable[[Contact], dict[str, Any]],
) -> None:
    """Open a modal about the button's contact if the person may see (or edit) it; else say why."""
    viewer = contact_viewer(context)
    with context["session"]() as db:
        try:
            contact = lookup(db, parse_id(action["value"], "contact"), viewer)
        except book.ContactError as exc:
            respond(text=escape(str(exc)), replace_original=False)
            return
    client.views_open(trigger_id=body["trigger_id"], view=build(contact))


def on_share_button(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    open_contact_modal(body, action, client, respond, context, book.get_visible, blocks.share_modal)


def on_edit_button(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    open_contact_modal(body, action, client, respond, context, book.get_editable, _edit_modal)


def _edit_modal(contact: Contact) -> dict[str, Any]:
    return blocks.contact_modal(book.fields_of(contact), contact_id=contact.id)
