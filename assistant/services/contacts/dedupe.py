"""Duplicate contacts: find pairs that share an identifier or a similar name, and merge one into another (history kept)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from assistant.models.base import require_id, utcnow
from assistant.models.contacts import Contact, ContactEvent, Visibility
from assistant.services.contacts.book import (
    _SINGLE_FIELDS,
    SIMILAR_NAME,
    ContactError,
    Viewer,
    _event,
    get_editable,
    list_visible,
)
from assistant.services.contacts.fields import HANDLE_FIELDS
from assistant.services.team import audit


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    keep: Contact
    other: Contact
    reason: str


def identifiers(contact: Contact) -> set[tuple[str, str]]:
    """(field, value) pairs that identify a person: email and handles, including merged alternates."""
    found = {(name, str(getattr(contact, name)).casefold()) for name in ("email", *HANDLE_FIELDS, "linkedin_url")}
    for name, values in (contact.alternates or {}).items():
        if name in ("email", *HANDLE_FIELDS, "linkedin_url"):
            found.update((name, str(value).casefold()) for value in values)
    return {(name, value) for name, value in found if value}


def matching(session: Session, viewer: Viewer, contact: Contact) -> list[tuple[Contact, str]]:
    """Other visible contacts sharing an email or handle with `contact`, with what they share."""
    mine = identifiers(contact)
    found = []
    for other in list_visible(session, viewer):
        if other.id == contact.id:
            continue
        shared = sorted(mine & identifiers(other))
        if shared:
            found.append((other, f"same {shared[0][0].replace('_', ' ')} {shared[0][1]}"))
    return found


def duplicates(session: Session, viewer: Viewer) -> list[DuplicatePair]:
    """Likely duplicates among visible contacts: same email or handle, or similar names at the same organisation."""
    contacts = list_visible(session, viewer)
    contacts.sort(key=lambda c: require_id(c))
    pairs: list[DuplicatePair] = []
    for index, first in enumerate(contacts):
        first_ids = identifiers(first)
        for second in contacts[index + 1 :]:
            shared = sorted(first_ids & identifiers(second))
            if shared:
                reason = f"same {shared[0][0].replace('_', ' ')} ({shared[0][1]})"
            elif (
                first.organisation
                and first.organisation.casefold() == second.organisation.casefold()
                and difflib.SequenceMatcher(None, first.name.casefold(), second.name.casefold()).ratio() >= SIMILAR_NAME
            ):
                reason = f"similar names at {first.organisation}"
            else:
                continue
            pairs.append(DuplicatePair(first, second, reason))
    return pairs


def merge(session: Session, viewer: Viewer, keep_id: int, other_id: int) -> Contact:
    """Fold `other` into `keep`: no field value is lost (differing ones go to `alternates`), tags and notes
    are joined, and both histories stay on the kept contact, followed by a `merged` event."""
    if keep_id == other_id:
        raise ContactError("A contact cannot be merged with itself.")
    keep = get_editable(session, keep_id, viewer)
    other = get_editable(session, other_id, viewer)
    taken: list[str] = []
    alternates: dict[str, list[str]] = {k: list(v) for k, v in (keep.alternates or {}).items()}
    for name in _SINGLE_FIELDS:
        mine, theirs = getattr(keep, name), getattr(other, name)
        if theirs and not mine:
            setattr(keep, name, theirs)
            taken.append(name)
        elif theirs and theirs != mine and theirs not in alternates.get(name, []):
            alternates.setdefault(name, []).append(theirs)
    if other.name.casefold() != keep.name.casefold() and other.name not in alternates.get("name", []):
        alternates.setdefault("name", []).append(other.name)
    for name, values in (other.alternates or {}).items():
        for value in values:
            if value != getattr(keep, name, None) and value not in alternates.get(name, []):
                alternates.setdefault(name, []).append(value)
    keep.alternates = alternates
    keep.tags = [*keep.tags, *[t for t in other.tags if t not in keep.tags]]
    if other.notes and other.notes not in keep.notes:
        keep.notes = f"{keep.notes}\n\n{other.notes}".strip()
    # The wider audience wins so nobody who could see either loses it.
    order = [Visibility.me.value, Visibility.team.value, Visibility.workspace.value]
    if order.index(other.visibility) > order.index(keep.visibility):
        keep.visibility = other.visibility
    keep.updated_at = utcnow()
    session.execute(sa.update(ContactEvent).where(col(ContactEvent.contact_id) == other_id).values(contact_id=keep_id))
    session.add(keep)
    _event(
        session,
        keep,
        "merged",
        viewer.user_id,
        merged_contact_id=other_id,
        merged_added_by=other.added_by,
        merged_source=other.source,
        merged_created_at=other.created_at.isoformat(),
        fields_taken=taken,
    )
    session.flush()
    session.delete(other)
    audit.log(session, "contact.merged", keep, actor=viewer.user_id, merged_contact_id=other_id)
    session.flush()
    return keep
