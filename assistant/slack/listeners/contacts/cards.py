"""Buttons that change the contact book: erase, merge, save a found detail, save a digest's or a mapping's accounts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from assistant.models.codecs import FoundDetailRef, MergeRef
from assistant.models.contacts import ContactSource, Visibility
from assistant.render.mrkdwn import escape
from assistant.services.contacts import book, dedupe
from assistant.services.contacts.from_results import SavedFrom, save_digest_participants, save_mapped_accounts
from assistant.slack.blocks import contacts as blocks
from assistant.slack.listeners.contacts.common import contact_viewer
from assistant.slack.parse import parse_id

log = logging.getLogger(__name__)


def on_delete(ack: Ack, action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    """Erase a contact with its history, and delete the cards it was shared on."""
    ack()
    viewer = contact_viewer(context)
    with context["session"]() as db:
        try:
            erased = book.erase(db, viewer, parse_id(action["value"], "contact"))
        except book.ContactError as exc:
            respond(text=escape(str(exc)), replace_original=False)
            return
        db.commit()
    for channel, ts in erased.cards:
        try:
            client.chat_delete(channel=channel, ts=ts)
        except SlackApiError as exc:
            log.warning("could not delete a shared card of an erased contact: %s", exc.response.get("error"))
    respond(
        text=f"Contact #{erased.contact_id} erased with its history and {len(erased.cards)} shared card(s).",
        replace_original=False,
    )


def on_merge(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Merge the other contact of a likely pair into the one kept."""
    ack()
    ref = MergeRef.decode(str(action["value"]))
    viewer = contact_viewer(context)
    with context["session"]() as db:
        try:
            merged = dedupe.merge(db, viewer, ref.keep_id, ref.other_id)
        except book.ContactError as exc:
            respond(text=escape(str(exc)), replace_original=False)
            return
        db.commit()
        intro = f":twisted_rightwards_arrows: Merged #{ref.other_id} into #{ref.keep_id}."
        card = blocks.contact_card(merged, intro=intro)
    respond(text=card.text, blocks=card.blocks, replace_original=False)


def on_save_found(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """An email, handle or link found in a Yammer answer saved as a team contact named after it."""
    ack()
    detail = FoundDetailRef.decode(str(action["value"]))
    field_name, value = detail.field, detail.value
    name = value.split("@")[0] if field_name in ("email", "mastodon_handle") else value.rsplit("/", 1)[-1].split(".")[0]
    viewer = contact_viewer(context)
    with context["session"]() as db:
        try:
            contact = book.add_contact(
                db,
                viewer,
                {"name": name, field_name: value, "visibility": Visibility.team.value},
                source=ContactSource.yammer,
                source_ref=detail.source_ref,
            )
        except book.ContactInvalid as exc:
            respond(text=f"Could not save {escape(value)}: {escape(str(exc))}", replace_original=False)
            return
        matches = dedupe.matching(db, viewer, contact)
        db.commit()
        card = (
            blocks.merge_offer(contact, matches)
            if matches
            else blocks.contact_card(contact, intro=":white_check_mark: Saved; edit it to add a name and organisation.")
        )
    respond(text=card.text, blocks=card.blocks, replace_original=False, response_type="ephemeral")


def on_digest_save(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Everyone who posted in a digest's window saved as team contacts."""
    ack()
    gone = "That digest no longer exists."
    _save_from(action, respond, context, save_digest_participants, "digest", gone, lambda name: f"the #{name} digest")


def on_mapping_save(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """The seeds and accounts of a mapping saved as team contacts."""
    ack()
    gone = "That mapping request no longer exists."
    _save_from(
        action, respond, context, save_mapped_accounts, "request", gone, lambda name: f"the mapping “{escape(name)}”"
    )


def _save_from(
    action: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    save: Callable[[Session, book.Viewer, int], SavedFrom | None],
    what: str,
    gone: str,
    source: Callable[[str], str],
) -> None:
    """Save the accounts of the digest or request the button names; say how many were added."""
    with context["session"]() as db:
        saved = save(db, contact_viewer(context), parse_id(action["value"], what))
        if saved is None:
            respond(text=gone, replace_original=False)
            return
        db.commit()
    added, already, skipped = (len(saved.result.added), len(saved.result.already), len(saved.result.skipped))
    respond(text=blocks.saved_many(added, already, skipped, source(saved.name)), replace_original=False)
