"""The accounts of a digest or of a mapping saved as contacts, for a person of the digest's or request's workspace."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from assistant.models.contacts import ContactSource
from assistant.models.digests import Digest
from assistant.models.mapping import MappingMember, MappingRequest
from assistant.services.contacts.book import Viewer
from assistant.services.contacts.from_accounts import SaveResult, save_account_keys, save_accounts
from assistant.services.store.read import iter_post_authors

MAPPED_KINDS = ("seed", "account")  # the members of a map that are accounts (not hashtags or keywords)


@dataclass(frozen=True, slots=True)
class SavedFrom:
    """What saving did, and the name of what was saved from (a digest's hashtag, a mapping request's title)."""

    result: SaveResult
    name: str


def save_digest_participants(session: Session, viewer: Viewer, digest_id: int) -> SavedFrom | None:
    """Every author of the digest's posts as a team contact tagged with its hashtag; flushes, does not commit.

    None when the digest is gone or another workspace's (a CLI-made digest, of no workspace, is anyone's)."""
    digest = session.get(Digest, digest_id)
    if digest is None or digest.workspace_id not in (None, viewer.workspace_id):
        return None
    accounts = list(iter_post_authors(session, hashtag=digest.hashtag, since=digest.start, until=digest.end))
    result = save_accounts(
        session,
        viewer,
        accounts,
        source=ContactSource.digest,
        source_ref=f"digest:{digest.id}",
        tags=[digest.hashtag],
    )
    return SavedFrom(result, digest.hashtag)


def save_mapped_accounts(session: Session, viewer: Viewer, request_id: int) -> SavedFrom | None:
    """The seeds and accounts of a mapping as team contacts; flushes, does not commit.

    None when the request is gone or another workspace's."""
    request = session.get(MappingRequest, request_id)
    if request is None or request.workspace_id != viewer.workspace_id:
        return None
    keys = [
        (m.platform, m.item_id)
        for m in session.exec(select(MappingMember).where(MappingMember.request_id == request.id))
        if m.kind in MAPPED_KINDS
    ]
    result = save_account_keys(session, viewer, keys, source=ContactSource.mapping, source_ref=f"mapping:{request.id}")
    return SavedFrom(result, request.title)
