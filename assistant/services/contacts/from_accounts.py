"""Contacts from network accounts: the fields an X, Mastodon or Bluesky account gives a contact, and saving accounts as contacts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from assistant.models.contacts import FIELD_LIMITS, Contact, Visibility
from assistant.services.contacts.book import Viewer, add_contact
from assistant.services.contacts.dedupe import matching
from assistant.services.contacts.fields import clean
from assistant.services.store.read import get_accounts
from integrations import normalized as n

_HANDLE_FIELD_OF = {"x": "x_handle", "mastodon": "mastodon_handle", "bluesky": "bluesky_handle"}


def account_fields(account: n.NormalizedAccount) -> dict[str, object]:
    """A contact's fields from a stored public account (name, handle, bio as notes, profile link)."""
    data: dict[str, object] = {"name": account.display_name or account.handle or account.id}
    handle_field = _HANDLE_FIELD_OF.get(account.platform)
    if handle_field:
        data[handle_field] = account.handle
    notes = [account.bio.strip()] if account.bio.strip() else []
    if account.location:
        notes.append(f"Location: {account.location}")
    if account.url:
        notes.append(f"Web: {account.url}")
    data["notes"] = "\n".join(notes)[: FIELD_LIMITS["notes"]]
    data["consent_basis"] = "public_role"
    return data


@dataclass
class SaveResult:
    added: list[Contact] = field(default_factory=list)
    already: list[Contact] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "(platform, id): reason"


def save_accounts(
    session: Session,
    viewer: Viewer,
    accounts: Iterable[n.NormalizedAccount],
    *,
    source: str,
    source_ref: str = "",
    visibility: str = Visibility.team.value,
    tags: Sequence[str] = (),
) -> SaveResult:
    """Save public accounts as contacts; an account whose handle is already a visible contact is not added twice."""
    result = SaveResult()
    for account in accounts:
        data = account_fields(account) | {"visibility": visibility, "tags": list(tags)}
        values, problems = clean(data)
        if problems:
            result.skipped.append(f"{account.platform}:{account.handle or account.id}: {problems.summary()}")
            continue
        probe = Contact(workspace_id=viewer.workspace_id, added_by=viewer.user_id, **values)  # type: ignore[arg-type]
        existing = matching(session, viewer, probe)
        if existing:
            result.already.append(existing[0][0])
            continue
        result.added.append(add_contact(session, viewer, data, source=source, source_ref=source_ref))
    return result


def save_account_keys(
    session: Session, viewer: Viewer, keys: Iterable[tuple[str, str]], *, source: str, source_ref: str = ""
) -> SaveResult:
    """`save_accounts` for (platform, account_id) pairs read from the store's Account table."""
    wanted = list(dict.fromkeys(keys))
    found = {(a.platform, a.id): a for a in get_accounts(session, wanted)}
    result = save_accounts(
        session, viewer, [found[k] for k in wanted if k in found], source=source, source_ref=source_ref
    )
    result.skipped.extend(f"{p}:{i}: not in the store" for p, i in wanted if (p, i) not in found)
    return result
