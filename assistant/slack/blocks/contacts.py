"""Block Kit for contacts: cards, search results, the add/edit and share modals, duplicates, Yammer replies."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.models.base import require_id
from assistant.models.codecs import FoundDetailRef, MergeRef
from assistant.models.contacts import ConsentBasis, Contact, Visibility
from assistant.render.mrkdwn import code, escape, link, mailto, truncate
from assistant.services.contacts.fields import TEXT_FIELDS, Found
from assistant.slack.blocks import common

# Ids (registered in listeners/contacts.py)
ADD_VIEW = "contact_add"
EDIT_VIEW = "contact_edit"
SHARE_VIEW = "contact_share"
SAVE_AS_CONTACT = "save_as_contact"  # message shortcut
SHARE = "contact_share_open"
EDIT = "contact_edit_open"
DELETE = "contact_delete"
MERGE = "contact_merge"  # each button's own action_id is MERGE:keep:other; the value carries keep:other
SAVE_FOUND = "contact_save_found"  # each button's own action_id is SAVE_FOUND:n; the value carries the detail
MERGE_ACTIONS = re.compile(rf"^{MERGE}(:.*)?$")
SAVE_FOUND_ACTIONS = re.compile(rf"^{SAVE_FOUND}(:.*)?$")
DIGEST_SAVE_PARTICIPANTS = "digest_save_participants"  # emitted by the digests feature; value = digest id
MAPPING_SAVE_ACCOUNTS = "mapping_save_accounts"  # emitted by the mapping feature; value = mapping request id

MAX_TEXT_INPUT = 3000  # https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element
FIELD_LABELS = {
    "name": "Name",
    "organisation": "Organisation",
    "role": "Role",
    "email": "Email",
    "phone": "Phone",
    "x_handle": "X handle",
    "mastodon_handle": "Mastodon (user@instance)",
    "bluesky_handle": "Bluesky handle",
    "linkedin_url": "LinkedIn URL",
    "tags": "Tags (comma-separated)",
    "notes": "Notes",
    "visibility": "Who can see it",
    "consent_basis": "Why we may keep it",
}
VISIBILITY_LABELS = {
    Visibility.me.value: "Just me",
    Visibility.team.value: "Me and the comms team",
    Visibility.workspace.value: "Everyone in the workspace",
}
CONSENT_LABELS = {
    ConsentBasis.unknown.value: "Not recorded",
    ConsentBasis.public_role.value: "Public professional role",
    ConsentBasis.legitimate_interest.value: "Legitimate interest",
    ConsentBasis.consent.value: "They agreed",
}


@dataclass(frozen=True, slots=True)
class Card:
    """A message: fallback text and blocks."""

    text: str
    blocks: list[common.Block]


def _handles(contact: Contact) -> list[str]:
    parts = []
    if contact.email:
        parts.append(mailto(contact.email))
    if contact.phone:
        parts.append(escape(contact.phone))
    if contact.x_handle:
        parts.append("X " + link(f"https://x.com/{contact.x_handle}", f"@{contact.x_handle}"))
    if contact.mastodon_handle:
        user, _, instance = contact.mastodon_handle.partition("@")
        parts.append("Mastodon " + link(f"https://{instance}/@{user}", f"@{contact.mastodon_handle}"))
    if contact.bluesky_handle:
        parts.append(
            "Bluesky " + link(f"https://bsky.app/profile/{contact.bluesky_handle}", f"@{contact.bluesky_handle}")
        )
    if contact.linkedin_url:
        parts.append(link(contact.linkedin_url, "LinkedIn"))
    return parts


def contact_blocks(contact: Contact, *, buttons: bool = True) -> list[common.Block]:
    """One contact: name, role and organisation, handles, tags, notes; Share / Edit / Delete when `buttons`."""
    title = f"*{escape(contact.name)}*"
    where = ", ".join(escape(x) for x in (contact.role, contact.organisation) if x)
    lines = [f"{title} — {where}" if where else title]
    handles = _handles(contact)
    if handles:
        lines.append(" · ".join(handles))
    if contact.tags:
        lines.append(" ".join(code(tag) for tag in contact.tags))
    if contact.notes:
        lines.append(escape(truncate(contact.notes, 500)))
    blocks: list[common.Block] = [common.section("\n".join(lines), block_id=f"contact_{contact.id}")]
    meta = (
        f"#{contact.id} · from {escape(contact.source)} · visible to "
        f"{VISIBILITY_LABELS.get(contact.visibility, contact.visibility).lower()}"
    )
    blocks.append(common.context(meta))
    if buttons:
        value = str(contact.id)
        delete = common.button("Delete", DELETE, value, style="danger")
        delete["confirm"] = {
            "title": {"type": "plain_text", "text": "Erase this contact?"},
            "text": {"type": "plain_text", "text": f"Erase {truncate(contact.name, 100)} and its history for good?"},
            "confirm": {"type": "plain_text", "text": "Erase"},
            "deny": {"type": "plain_text", "text": "Keep"},
            "style": "danger",
        }
        blocks.append(
            common.actions(
                common.button("Share", SHARE, value),
                common.button("Edit", EDIT, value),
                delete,
                block_id=f"contact_actions_{contact.id}",
            )
        )
    return blocks


def contact_card(contact: Contact, *, buttons: bool = True, intro: str = "") -> Card:
    blocks = ([common.section(intro)] if intro else []) + contact_blocks(contact, buttons=buttons)
    return Card(f"Contact: {escape(contact.name)}", blocks)


def search_results(query: str, contacts: Sequence[Contact], suggestions: Sequence[str], *, title: str = "") -> Card:
    if not contacts:
        hint = (
            "Try " + ", ".join(code(s) for s in suggestions) + "."
            if suggestions
            else "The contact book has nothing you can see yet: `/outreach contact add` starts it."
        )
        text = f"No contacts match {code(query)}. {hint}\nTags: `/outreach contact tag TAG` · all: `/outreach contact export`"
        return Card(f"No contacts match {escape(query)}", [common.section(text)])
    blocks: list[common.Block] = [common.header(title or f"Contacts matching “{truncate(query, 100)}”")]
    per = 3
    for contact in contacts[: (common.MAX_BLOCKS_MESSAGE - 2) // per]:
        blocks.extend(contact_blocks(contact))
    shown = min(len(contacts), (common.MAX_BLOCKS_MESSAGE - 2) // per)
    blocks.append(common.context(f"{shown} contact{'s' if shown != 1 else ''} shown, best match first."))
    return Card(f"{len(contacts)} contacts match {escape(query)}", blocks)


# Modals -------------------------------------------------------------------------------------------


def _text_input(name: str, initial: str, *, optional: bool = True, multiline: bool = False) -> common.Block:
    """One field of the form. Free text is held to the model's limit (handles, URLs and numbers are checked
    after they are normalised, so a typed '@' or spaces never hit the limit); a stored value longer than the
    form holds (notes a merge joined) is left out of the form, so saving it never cuts the stored text."""
    limit = TEXT_FIELDS.get(name, MAX_TEXT_INPUT)
    if len(initial) > limit:
        return common.context(
            f"*{FIELD_LABELS[name]}*: {len(initial):,} characters, more than a Slack form holds ({limit:,}), "
            "so they are not in this form and stay exactly as they are."
        )
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    element["max_length"] = limit
    if initial:
        element["initial_value"] = initial
    return {
        "type": "input",
        "block_id": name,
        "optional": optional,
        "label": {"type": "plain_text", "text": FIELD_LABELS[name]},
        "element": element,
    }


def _select(name: str, labels: Mapping[str, str], initial: str) -> common.Block:
    options = [{"text": {"type": "plain_text", "text": label}, "value": value} for value, label in labels.items()]
    chosen = next((o for o in options if o["value"] == initial), options[0])
    return {
        "type": "input",
        "block_id": name,
        "label": {"type": "plain_text", "text": FIELD_LABELS[name]},
        "element": {"type": "static_select", "action_id": "value", "options": options, "initial_option": chosen},
    }


def contact_modal(
    prefill: Mapping[str, object] | None = None,
    *,
    contact_id: int | None = None,
    metadata: str = "",
    others: Sequence[str] = (),
) -> common.Block:
    """The add form (or the edit form when `contact_id` is given), prefilled from a message or the contact;
    `others` names the other people a message points at, shown as a hint to save them next."""
    data = dict(prefill or {})
    tags = data.get("tags") or []
    text = lambda name: str(data.get(name) or "")  # noqa: E731
    blocks = [
        _text_input("name", text("name"), optional=False),
        _text_input("organisation", text("organisation")),
        _text_input("role", text("role")),
        _text_input("email", text("email")),
        _text_input("phone", text("phone")),
        _text_input("x_handle", text("x_handle")),
        _text_input("mastodon_handle", text("mastodon_handle")),
        _text_input("bluesky_handle", text("bluesky_handle")),
        _text_input("linkedin_url", text("linkedin_url")),
        _text_input("tags", ", ".join(tags) if isinstance(tags, list) else str(tags)),
        _text_input("notes", text("notes"), multiline=True),
        _select("visibility", VISIBILITY_LABELS, text("visibility") or Visibility.team.value),
        _select("consent_basis", CONSENT_LABELS, text("consent_basis") or ConsentBasis.unknown.value),
    ]
    if others:
        blocks.insert(0, others_hint(others))
    editing = contact_id is not None
    return common.modal(
        EDIT_VIEW if editing else ADD_VIEW,
        "Edit contact" if editing else "Add a contact",
        blocks,
        submit="Save",
        private_metadata=str(contact_id) if editing else metadata,
    )


def others_hint(others: Sequence[str]) -> common.Block:
    """A context line: who else the message names, to save next with the same shortcut."""
    names = ", ".join(escape(name) for name in others)
    return common.context(f"Also in this message: {names}. Save them next: run *Save as contact* on it again.")


def read_contact_values(state: Mapping[str, Any]) -> dict[str, object]:
    """The submitted form as field -> text (selects give their option value)."""
    values: dict[str, object] = {}
    for block_id, entries in (state.get("values") or {}).items():
        if block_id not in FIELD_LABELS:
            continue
        entry = entries.get("value") or {}
        if entry.get("type") == "static_select":
            values[block_id] = (entry.get("selected_option") or {}).get("value") or ""
        else:
            values[block_id] = entry.get("value") or ""
    return values


def share_modal(contact: Contact) -> common.Block:
    return common.modal(
        SHARE_VIEW,
        "Share a contact",
        [
            common.section(f"Share *{escape(contact.name)}* with a person or a channel; a card is posted there."),
            {
                "type": "input",
                "block_id": "person",
                "optional": True,
                "label": {"type": "plain_text", "text": "Person"},
                "element": {"type": "users_select", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "channel",
                "optional": True,
                "label": {"type": "plain_text", "text": "Channel"},
                "element": {
                    "type": "conversations_select",
                    "action_id": "value",
                    "filter": {"include": ["public", "private"]},
                },
            },
        ],
        submit="Share",
        close=None,
        private_metadata=str(contact.id),
    )


def read_share_target(state: Mapping[str, Any]) -> tuple[str | None, str | None]:
    values = state.get("values") or {}
    person = ((values.get("person") or {}).get("value") or {}).get("selected_user")
    channel = ((values.get("channel") or {}).get("value") or {}).get("selected_conversation")
    return person, channel


# Duplicates and merging ---------------------------------------------------------------------------


def merge_button(keep: Contact, other: Contact, *, style: str | None = None) -> common.Block:
    """Merge `other` into `keep`: an action_id of its own (Slack refuses two alike in one block)."""
    value = MergeRef(require_id(keep), require_id(other)).encode()
    return common.button(f"Merge into #{keep.id}", f"{MERGE}:{value}", value, style=style)


def duplicates_card(pairs: Sequence[tuple[Contact, Contact, str]]) -> Card:
    if not pairs:
        return Card(
            "No likely duplicates", [common.section("No likely duplicates among the contacts you can see. :sparkles:")]
        )
    blocks: list[common.Block] = [common.header("Likely duplicates")]
    for keep, other, reason in pairs[: (common.MAX_BLOCKS_MESSAGE - 2) // 3]:
        blocks.append(
            common.section(
                f"*{escape(keep.name)}* (#{keep.id}, {escape(keep.organisation) or 'no organisation'}) and "
                f"*{escape(other.name)}* (#{other.id}, {escape(other.organisation) or 'no organisation'}): {escape(reason)}"
            )
        )
        blocks.append(common.actions(merge_button(keep, other, style="primary"), merge_button(other, keep)))
        blocks.append(common.divider())
    blocks.append(
        common.context("A merge keeps every value (others become alternates), all tags and notes, and both histories.")
    )
    return Card(f"{len(pairs)} likely duplicates", blocks)


def merge_offer(new: Contact, matches: Sequence[tuple[Contact, str]]) -> Card:
    blocks = contact_blocks(new, buttons=False)
    for existing, reason in matches[:5]:
        blocks.append(common.section(f"This looks like *{escape(existing.name)}* (#{existing.id}): {escape(reason)}."))
        blocks.append(common.actions(merge_button(existing, new, style="primary")))
    blocks.append(common.context("Or keep both: nothing to do."))
    return Card(f"Saved {escape(new.name)}; it may be a duplicate", blocks)


# Saving found details (Yammer replies) ------------------------------------------------------------


def found_buttons(found: Found, *, source_ref: str, limit: int = 5) -> list[common.Block]:
    """One "Save" button per email or handle found; the value carries the detail (no lookup needed)."""
    items: list[tuple[str, str]] = (
        [("email", e) for e in found.emails]
        + [("x_handle", h) for h in found.x_handles]
        + [("mastodon_handle", h) for h in found.mastodon_handles]
        + [("bluesky_handle", h) for h in found.bluesky_handles]
        + [("linkedin_url", u) for u in found.linkedin_urls]
    )
    elements: list[common.Block] = []
    for field_name, value in items[:limit]:
        payload = FoundDetailRef(field_name, value, source_ref).encode()
        if len(payload) > common.MAX_BUTTON_VALUE:
            continue
        label = f"Save {value}" if field_name in ("email", "linkedin_url") else f"Save @{value}"
        elements.append(common.button(truncate(label, 75), f"{SAVE_FOUND}:{len(elements)}", payload))
    return [common.actions(*elements)] if elements else []


def yammer_reply(*, shoutout_id: int, sender: str, body: str, web_url: str, found: Found, message_id: str) -> Card:
    opened = f" · {link(web_url, 'open in Yammer')}" if web_url.startswith("https://") else ""
    blocks: list[common.Block] = [
        common.section(
            f"*{escape(sender)}* replied on Yammer{opened}:\n>{escape(truncate(body, 2500)).replace(chr(10), chr(10) + '>')}"
        )
    ]
    buttons = found_buttons(found, source_ref=f"yammer:{message_id}")
    if buttons:
        blocks.append(
            common.context(
                "Contact details in this reply: one click saves each as a contact (visible to the comms team)."
            )
        )
        blocks.extend(buttons)
    return Card(f"{escape(sender)} replied on Yammer", blocks)


def shoutout_posted(question: str, group_id: str, web_url: str) -> str:
    group = link(web_url, f"group {group_id}") if web_url.startswith("https://") else f"group {escape(group_id)}"
    return (
        f":mega: Asked on Yammer in {group}: _{escape(question)}_\n"
        "Replies will appear in this thread as they come in (for a week)."
    )


def export_summary(count: int, tag: str | None) -> str:
    scope = f" tagged {code(tag)}" if tag else ""
    return f"Exported {count} contact{'s' if count != 1 else ''}{scope} you can see: CSV and vCard files below."


def saved_many(added: int, already: int, skipped: int, what: str) -> str:
    parts = [f"Saved {added} contact{'s' if added != 1 else ''} from {what}"]
    if already:
        parts.append(f"{already} already in the book")
    if skipped:
        parts.append(f"{skipped} skipped")
    return "; ".join(parts) + "."
