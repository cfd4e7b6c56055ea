"""The contact book's use cases: add, edit, tag, search, share, find duplicates, merge, erase; visibility always applied.

Visibility. `me`: only the person who added it. `team`: the adder and the comms team (comms and admins).
`workspace`: everyone in the workspace. Every read here (search, tag lists, duplicates, exports, shares,
single lookups) goes through `visible()`, so a private contact never reaches another person.
Editing and erasing: the adder, comms and admins, and only on contacts they can see (admins may erase
any contact on a data-subject request, by id).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from assistant.models.base import require_id, utcnow
from assistant.models.contacts import Contact, ContactEvent, ContactSource, Visibility
from assistant.services.contacts.fields import EDITABLE, HANDLE_FIELDS, Problems, clean, normalise_tags
from assistant.services.team import audit

SEARCH_WEIGHTS = {
    "name": 6.0,
    "handles": 5.0,
    "organisation": 4.0,
    "tags": 4.0,
    "role": 2.0,
    "notes": 1.0,
}
SIMILAR_NAME = 0.85
_SINGLE_FIELDS = ("organisation", "role", "email", "phone", *HANDLE_FIELDS, "linkedin_url")


class ContactError(Exception):
    """A contact use case refused; the message is what the person sees."""


class ContactInvalid(ContactError):
    def __init__(self, problems: Problems) -> None:
        super().__init__(problems.summary())
        self.problems = problems


class NotVisible(ContactError):
    """The contact does not exist or this person may not see it (the two are not told apart)."""


class NotAllowed(ContactError):
    """The person may see the contact but not change it."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking, with the roles visibility and edit rights depend on."""

    workspace_id: int
    user_id: str
    is_comms: bool = False
    is_admin: bool = False

    @property
    def in_team(self) -> bool:
        return self.is_comms or self.is_admin


# Visibility ---------------------------------------------------------------------------------------


def visible(viewer: Viewer) -> Any:
    """The SQL condition for the contacts `viewer` may see (used by every read)."""
    shown = [col(Contact.visibility) == Visibility.workspace.value, col(Contact.added_by) == viewer.user_id]
    if viewer.in_team:
        shown.append(col(Contact.visibility) == Visibility.team.value)
    return sa.and_(col(Contact.workspace_id) == viewer.workspace_id, sa.or_(*shown))


def can_see(contact: Contact, viewer: Viewer) -> bool:
    if contact.workspace_id != viewer.workspace_id:
        return False
    if contact.visibility == Visibility.workspace.value or contact.added_by == viewer.user_id:
        return True
    return contact.visibility == Visibility.team.value and viewer.in_team


def can_edit(contact: Contact, viewer: Viewer) -> bool:
    return can_see(contact, viewer) and (contact.added_by == viewer.user_id or viewer.in_team)


def get_visible(session: Session, contact_id: int, viewer: Viewer) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None or not can_see(contact, viewer):
        raise NotVisible(f"Contact #{contact_id} does not exist or is not shared with you.")
    return contact


def get_editable(session: Session, contact_id: int, viewer: Viewer) -> Contact:
    contact = get_visible(session, contact_id, viewer)
    if not can_edit(contact, viewer):
        raise NotAllowed("Only the person who added this contact, the comms team and admins can change it.")
    return contact


def list_visible(session: Session, viewer: Viewer, *, tag: str | None = None) -> list[Contact]:
    """Every contact `viewer` may see (optionally with a tag), by name."""
    contacts = list(session.exec(select(Contact).where(visible(viewer)).order_by(col(Contact.name), col(Contact.id))))
    if tag:
        wanted = normalise_tags([tag])
        contacts = [c for c in contacts if wanted and wanted[0] in c.tags]
    return contacts


def everyone(workspace_id: int) -> Viewer:
    """The audience of a channel post: sees only workspace-wide contacts."""
    return Viewer(workspace_id, "")


def added_between(session: Session, viewer: Viewer, start: datetime, end: datetime) -> list[Contact]:
    """Contacts added in [start, end) that `viewer` may see; for a channel post pass `everyone(workspace_id)`."""
    return list(
        session.exec(
            select(Contact)
            .where(visible(viewer), col(Contact.created_at) >= start, col(Contact.created_at) < end)
            .order_by(col(Contact.created_at), col(Contact.id))
        )
    )


# Adding and changing ------------------------------------------------------------------------------


def _event(session: Session, contact: Contact, kind: str, actor: str, **detail: Any) -> ContactEvent:
    event = ContactEvent(
        contact_id=require_id(contact), workspace_id=contact.workspace_id, kind=kind, actor=actor, detail=detail
    )
    session.add(event)
    return event


def add_contact(
    session: Session,
    viewer: Viewer,
    data: Mapping[str, object],
    *,
    source: str = ContactSource.manual,
    source_ref: str = "",
) -> Contact:
    """Validate, normalise and store a new contact with its first history event; flushes, does not commit."""
    values, problems = clean(data)
    if problems:
        raise ContactInvalid(problems)
    contact = Contact(
        workspace_id=viewer.workspace_id,
        added_by=viewer.user_id,
        name="",
        source=ContactSource(source),
        source_ref=source_ref,
    )
    for name, value in values.items():
        setattr(contact, name, value)
    session.add(contact)
    session.flush()
    _event(session, contact, "added", viewer.user_id, source=source, source_ref=source_ref)
    audit.log(session, "contact.added", contact, actor=viewer.user_id, source=source)
    return contact


def update_contact(session: Session, viewer: Viewer, contact_id: int, data: Mapping[str, object]) -> Contact:
    """Change the given fields (validated like a new contact); history keeps which fields changed."""
    contact = get_editable(session, contact_id, viewer)
    values, problems = clean(data, require_name="name" in data)
    if problems:
        raise ContactInvalid(problems)
    changed = [name for name, value in values.items() if getattr(contact, name) != value]
    for name in changed:
        setattr(contact, name, values[name])
    if changed:
        contact.updated_at = utcnow()
        session.add(contact)
        _event(session, contact, "edited", viewer.user_id, fields=changed)
        audit.log(session, "contact.edited", contact, actor=viewer.user_id, fields=changed)
    session.flush()
    return contact


def tag_contact(session: Session, viewer: Viewer, contact_id: int, tags: Iterable[str]) -> Contact:
    contact = get_editable(session, contact_id, viewer)
    added = [tag for tag in normalise_tags(list(tags)) if tag not in contact.tags]
    if added:
        contact.tags = [*contact.tags, *added]
        contact.updated_at = utcnow()
        session.add(contact)
        _event(session, contact, "tagged", viewer.user_id, tags=added)
    session.flush()
    return contact


def history(session: Session, viewer: Viewer, contact_id: int) -> list[ContactEvent]:
    get_visible(session, contact_id, viewer)
    return list(
        session.exec(
            select(ContactEvent)
            .where(ContactEvent.contact_id == contact_id)
            .order_by(col(ContactEvent.at), col(ContactEvent.id))
        )
    )


# Search -------------------------------------------------------------------------------------------


def _tokens(query: str) -> list[str]:
    return [t for t in (w.strip("@#\"'“”,.").casefold() for w in query.split()) if t]


def _haystacks(contact: Contact) -> dict[str, str]:
    alternates = " ".join(str(v) for values in (contact.alternates or {}).values() for v in values)
    handles = " ".join(
        [
            contact.email,
            contact.x_handle,
            contact.mastodon_handle,
            contact.bluesky_handle,
            contact.linkedin_url,
            alternates,
        ]
    )
    return {
        "name": contact.name,
        "handles": handles,
        "organisation": contact.organisation,
        "tags": " ".join(contact.tags),
        "role": contact.role,
        "notes": contact.notes,
    }


def score(contact: Contact, tokens: Sequence[str]) -> tuple[int, float]:
    """(tokens matched, weighted score): a whole word counts double, a word start 1.5, inside a word once."""
    matched = 0
    total = 0.0
    fields = {name: text.casefold() for name, text in _haystacks(contact).items()}
    for token in tokens:
        best = 0.0
        for name, text in fields.items():
            if token not in text:
                continue
            words = re.split(r"[\s@.,;/:_\-]+", text)
            factor = 2.0 if token in words else 1.5 if any(w.startswith(token) for w in words) else 1.0
            best = max(best, SEARCH_WEIGHTS[name] * factor)
        if best:
            matched += 1
            total += best
    return matched, total


def search(session: Session, viewer: Viewer, query: str, *, limit: int = 10) -> list[Contact]:
    """Visible contacts matching the query, best first (most words matched, then weighted score, then name)."""
    tokens = _tokens(query)
    if not tokens:
        return []
    ranked = []
    for contact in list_visible(session, viewer):
        matched, total = score(contact, tokens)
        if matched:
            ranked.append((-matched, -total, contact.name.casefold(), require_id(contact), contact))
    ranked.sort(key=lambda row: row[:4])
    return [row[4] for row in ranked[:limit]]


def suggestions(session: Session, viewer: Viewer, query: str, *, limit: int = 5) -> list[str]:
    """Near spellings among visible names, organisations and tags, then the most used tags."""
    contacts = list_visible(session, viewer)
    vocabulary: dict[str, str] = {}
    tag_counts: dict[str, int] = {}
    for contact in contacts:
        for word in [contact.name, contact.organisation, *contact.name.split(), *contact.organisation.split()]:
            if word:
                vocabulary.setdefault(word.casefold(), word)
        for tag in contact.tags:
            vocabulary.setdefault(tag, tag)
            tag_counts[tag] = tag_counts.get(tag, 0) + 1
    found: list[str] = []
    for token in _tokens(query) or [query.casefold()]:
        for match in difflib.get_close_matches(token, list(vocabulary), n=3, cutoff=0.6):
            if vocabulary[match] not in found:
                found.append(vocabulary[match])
    for tag, _count in sorted(tag_counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(found) >= limit:
            break
        if tag not in found:
            found.append(tag)
    return found[:limit]


# Duplicates and merging ---------------------------------------------------------------------------


# Sharing and erasing ------------------------------------------------------------------------------


def record_share(session: Session, viewer: Viewer, contact_id: int, *, target: str, channel: str, ts: str) -> None:
    """Remember a card posted for a share, so erasing the contact deletes the card too."""
    contact = get_visible(session, contact_id, viewer)
    _event(session, contact, "shared", viewer.user_id, target=target, channel=channel, ts=ts)
    session.flush()


def shared_cards(session: Session, contact_id: int) -> list[tuple[str, str]]:
    events = session.exec(
        select(ContactEvent).where(ContactEvent.contact_id == contact_id, ContactEvent.kind == "shared")
    )
    return [(str(e.detail.get("channel")), str(e.detail.get("ts"))) for e in events if e.detail.get("ts")]


@dataclass
class Erased:
    """What an erase removed; `cards` are the Slack messages (channel, ts) still to delete."""

    contact_id: int
    events: int
    cards: list[tuple[str, str]] = field(default_factory=list)


def erase(session: Session, viewer: Viewer, contact_id: int) -> Erased:
    """Delete the contact and everything derived from it; the audit log keeps only that it happened."""
    contact = session.get(Contact, contact_id)
    if contact is None or contact.workspace_id != viewer.workspace_id:
        raise NotVisible(f"Contact #{contact_id} does not exist or is not shared with you.")
    if not (viewer.is_admin or can_edit(contact, viewer)):
        if not can_see(contact, viewer):
            raise NotVisible(f"Contact #{contact_id} does not exist or is not shared with you.")
        raise NotAllowed("Only the person who added this contact, the comms team and admins can erase it.")
    cards = shared_cards(session, contact_id)
    removed: Any = session.execute(sa.delete(ContactEvent).where(col(ContactEvent.contact_id) == contact_id))
    session.delete(contact)
    # Earlier audit entries about this contact keep ids and field names only; nothing personal to scrub.
    audit.log(
        session,
        "contact.erased",
        contact,
        actor=viewer.user_id,
        events_deleted=removed.rowcount,
        cards_deleted=len(cards),
    )
    session.flush()
    return Erased(contact_id, removed.rowcount, cards)


# Saving stored accounts (digest participants, mapping results) -----------------------------------


def fields_of(contact: Contact) -> dict[str, object]:
    return {name: getattr(contact, name) for name in EDITABLE}
