"""A digest's participants and a mapping's accounts saved as contacts, only for their own workspace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.models.base import require_id
from assistant.models.digests import Digest
from assistant.models.mapping import MappingMember
from assistant.services.contacts import book
from assistant.services.contacts.from_results import save_digest_participants, save_mapped_accounts
from assistant.services.mapping import requests as mapping
from assistant.services.store.write import upsert_batch
from assistant.services.team.workspaces import ensure_workspace
from integrations import normalized as n

CHAT = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def _viewer(session: Session, team: str = "T0TEST") -> book.Viewer:
    return book.Viewer(require_id(ensure_workspace(session, slack_team_id=team)), "U0COMMS001", is_comms=True)


def _post(post_id: str, author: str, at: datetime, tag: str = "ukfechat") -> n.NormalizedPost:
    return n.NormalizedPost("x", post_id, author, at, f"#{tag} hello", hashtags=[tag])


def _store(session: Session) -> None:
    upsert_batch(
        session,
        n.Batch(
            accounts=[
                n.NormalizedAccount("x", "1", "fe_lecturer", display_name="Fran Lecturer"),
                n.NormalizedAccount("x", "2", "kim_fe", display_name="Kim"),
                n.NormalizedAccount("x", "3", "late_lou", display_name="Lou"),
            ],
            posts=[
                _post("10", "1", CHAT.replace(minute=5)),
                _post("11", "2", CHAT.replace(minute=20)),
                _post("12", "2", CHAT.replace(minute=30)),
                _post("13", "3", CHAT.replace(hour=23)),  # after the window
                _post("14", "3", CHAT.replace(minute=10), tag="otherchat"),  # another hashtag
            ],
        ),
    )


def test_a_digests_participants_are_saved_once_tagged_with_its_hashtag(session: Session) -> None:
    viewer = _viewer(session)
    _store(session)
    digest = Digest(
        workspace_id=viewer.workspace_id, hashtag="ukfechat", start=CHAT, end=CHAT.replace(hour=22), token="t1"
    )
    session.add(digest)
    session.flush()
    saved = save_digest_participants(session, viewer, require_id(digest))
    assert saved is not None and saved.name == "ukfechat"
    assert [c.name for c in saved.result.added] == ["Fran Lecturer", "Kim"]  # Lou posted late, and elsewhere
    assert all(c.tags == ["ukfechat"] for c in saved.result.added)
    again = save_digest_participants(session, viewer, require_id(digest))
    assert again is not None and again.result.added == [] and len(again.result.already) == 2


def test_another_workspaces_digest_or_mapping_saves_nothing(session: Session) -> None:
    owner, stranger = _viewer(session), _viewer(session, "T0OTHER01")
    digest = Digest(workspace_id=owner.workspace_id, hashtag="ukfechat", start=CHAT, end=CHAT, token="t2")
    session.add(digest)
    request = mapping.create(
        session,
        workspace_id=owner.workspace_id,
        requester_id="U0STAFF001",
        data=mapping.RequestInput("Skills", seeds=("@fe_lecturer",)),
    )
    session.flush()
    assert save_digest_participants(session, stranger, require_id(digest)) is None
    assert save_digest_participants(session, owner, 4242) is None
    assert save_mapped_accounts(session, stranger, require_id(request)) is None
    assert save_mapped_accounts(session, owner, 4242) is None


def test_a_mappings_seeds_and_accounts_are_saved_but_not_its_posts(session: Session) -> None:
    viewer = _viewer(session)
    _store(session)
    request = mapping.create(
        session,
        workspace_id=viewer.workspace_id,
        requester_id="U0STAFF001",
        data=mapping.RequestInput("Skills", seeds=("@fe_lecturer",)),
    )
    request_id = require_id(request)
    for kind, item in (("seed", "1"), ("account", "2"), ("post", "3"), ("account", "404")):
        session.add(MappingMember(request_id=request_id, kind=kind, platform="x", item_id=item))
    session.flush()
    saved = save_mapped_accounts(session, viewer, request_id)
    assert saved is not None and saved.name == "Skills"
    assert sorted(c.name for c in saved.result.added) == ["Fran Lecturer", "Kim"]
    assert saved.result.skipped == ["x:404: not in the store"]
