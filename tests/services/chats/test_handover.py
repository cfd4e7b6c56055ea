"""A moderator's hand-over of a chat post: found in the right workspace, posted by hand, posted now or skipped."""

from __future__ import annotations

from sqlmodel import Session

from assistant.models.base import require_id
from assistant.models.chats import ChatPost, PostStatus
from assistant.models.codecs import ChatPostRef
from assistant.models.platforms import Platform
from assistant.services.chats.form import validate
from assistant.services.chats.handover import ItemTarget, choose_missed, find_item, item_text, record_link
from assistant.services.chats.posts import post_row
from assistant.services.chats.repo import create_chat, occurrences_of
from assistant.services.team.workspaces import ensure_workspace
from tests.services.chats.conftest import NOW
from tests.services.test_chats import form


def _target(session: Session, item: str = "question:2") -> ItemTarget:
    ws = session.info["workspace_id"]
    valid = validate(session, form(), workspace_id=ws, now=NOW)
    series = create_chat(session, valid, workspace_id=ws, actor="U0STAFF001", now=NOW)
    occurrence = occurrences_of(session, require_id(series))[0]
    target = find_item(session, ws, ChatPostRef(require_id(occurrence), item, Platform.x))
    assert target is not None
    return target


def test_an_item_is_found_only_in_its_own_workspace(session: Session) -> None:
    target = _target(session)
    assert (target.item, target.platform) == ("question:2", Platform.x)
    other = require_id(ensure_workspace(session, slack_team_id="T0OTHER001"))
    ref = ChatPostRef(require_id(target.occurrence), "question:2", Platform.x)
    assert find_item(session, other, ref) is None
    assert find_item(session, session.info["workspace_id"], ChatPostRef(4242, "intro")) is None


def test_the_item_text_is_the_run_sheets(session: Session) -> None:
    target = _target(session)
    assert item_text(session, target.series, "question:2") == "Q2 Which support helped most? #ukfechat"
    assert item_text(session, target.series, "question:9") == ""


def test_a_post_made_by_hand_is_recorded_with_its_link_and_text(session: Session) -> None:
    target = _target(session)
    record_link(session, target, link="https://x.com/ukfechat/status/1865/", by="U0TEACH001")
    row = post_row(session, require_id(target.occurrence), "question:2", Platform.x)
    assert row is not None
    assert (row.status, row.post_id, row.by) == (PostStatus.manual_posted, "1865", "U0TEACH001")
    assert row.url == "https://x.com/ukfechat/status/1865/"
    assert row.text == "Q2 Which support helped most? #ukfechat"


def test_a_missed_post_is_posted_now_once_and_a_made_one_is_left_alone(session: Session) -> None:
    target = _target(session)
    assert choose_missed(session, target, PostStatus.post_now, by="U0TEACH001") is None
    row = post_row(session, require_id(target.occurrence), "question:2", Platform.x)
    assert row is not None and row.status == PostStatus.post_now
    record_link(session, target, link="https://x.com/ukfechat/status/1865", by="U0TEACH001")
    assert choose_missed(session, target, PostStatus.skipped, by="U0STAFF001") == PostStatus.manual_posted
    stored = session.get(ChatPost, require_id(row))
    assert stored is not None and stored.status == PostStatus.manual_posted and stored.by == "U0TEACH001"
