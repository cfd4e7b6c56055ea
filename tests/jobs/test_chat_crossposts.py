"""Cross-posting a chat to Bluesky and Mastodon: threads, crash recovery without a second post, cancelling mid-chat."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.crypto import TokenCipher
from assistant.jobs.chats.runner import ChatRunner
from assistant.models import OutboxItem, Workspace
from assistant.models.chats import ChatPost, PostStatus
from assistant.services.accounts.credentials import save_credential
from assistant.services.chats.posts import intro_is_public
from assistant.services.chats.repo import cancel
from integrations.x.oauth import TokenSet
from tests.fakes.chats import ChatWorld, FakeMastodon, chat_world, connect_mastodon
from tests.integrations.bluesky.fake import DID, HANDLE, PASSWORD
from tests.integrations.bluesky.pds import FakePDS

BEFORE = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
MINISTER = "did:plc:feminister"
QUESTIONS = "5 | Qu’est-ce qui a changé 🎓 ce trimestre ?\n20 | Which support helped most?\n40 | What next?"


def _minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.fixture
def world(engine: Engine) -> Iterator[ChatWorld]:
    with chat_world(engine) as w:
        yield w


@pytest.fixture
def pds(world: ChatWorld) -> FakePDS:
    """The team's Bluesky account connected (handle + app password) and a fake PDS behind the runner."""
    fake = FakePDS(handles={"fe-minister.bsky.social": MINISTER})
    world.runner.bluesky_http = fake.client()
    world.runner.settings = world.settings.model_copy(update={"bluesky_api_url": "https://pds.test/xrpc"})
    with Session(world.engine) as session:
        save_credential(
            session,
            TokenCipher.from_settings(world.settings),
            platform="bluesky",
            account_id=DID,
            tokens=TokenSet(access_token=PASSWORD),
            now=BEFORE,
            workspace_id=world.workspace_id,
            handle="@" + HANDLE,
        )
    return fake


def _rows(engine: Engine, platform: str) -> dict[str, ChatPost]:
    with Session(engine) as session:
        return {p.item: p for p in session.exec(select(ChatPost).where(ChatPost.platform == platform))}


def _outbox(engine: Engine, key: str) -> OutboxItem:
    with Session(engine) as session:
        return session.exec(select(OutboxItem).where(OutboxItem.key == key)).one()


def test_bluesky_posts_go_out_on_time_as_a_thread_under_the_intro_with_facets(world: ChatWorld, pds: FakePDS) -> None:
    _, (occurrence,) = world.chat(
        BEFORE, cross_post=["bluesky"], guests="@fe-minister.bsky.social", questions=QUESTIONS
    )
    for minute in (-1, 0, 0.5, 5, 5.5, 20, 40, 60, 61):
        world.tick(_minutes(minute))
    records = pds.created
    assert [r["text"] for r in records] == world.x_texts()  # the same five posts as on X
    intro = records[0]
    assert "reply" not in intro and intro["text"].startswith("Welcome to #ukfechat (Thu 3 Dec)")
    assert all(r["langs"] == ["en"] for r in records)  # the team set no languages
    features = [f["features"][0] for f in intro["facets"]]
    assert {"$type": "app.bsky.richtext.facet#mention", "did": MINISTER} in features
    rows = _rows(world.engine, "bluesky")
    root = {"uri": rows["intro"].detail["uri"], "cid": rows["intro"].detail["cid"]}
    assert root == {"uri": pds.uri(rows["intro"].post_id or ""), "cid": pds.cid(intro)}
    assert all(r["reply"] == {"root": root, "parent": root} for r in records[1:])
    q1 = records[1]
    (tag,) = q1["facets"]
    start = tag["index"]["byteStart"]
    assert q1["text"].encode()[start : tag["index"]["byteEnd"]] == b"#ukfechat"
    assert start == len(q1["text"].encode()) - len(b"#ukfechat") != q1["text"].index("#ukfechat")
    assert rows["question:3"].status == PostStatus.posted.value
    assert rows["question:3"].url == f"https://bsky.app/profile/{HANDLE}/post/{rows['question:3'].post_id}"
    assert pds.sessions == 1  # one login, reused for every post
    assert _outbox(world.engine, f"chat:{occurrence.id}:question:2:bluesky").state == "done"


def test_bluesky_posts_declare_the_languages_the_team_set(world: ChatWorld, pds: FakePDS) -> None:
    with Session(world.engine) as session:
        workspace = session.get(Workspace, world.workspace_id)
        assert workspace is not None
        workspace.settings = {**(workspace.settings or {}), "post_langs": ["cy", "en"]}
        session.add(workspace)
        session.commit()
    world.chat(BEFORE, cross_post=["bluesky"], questions=QUESTIONS)
    for minute in (-1, 0, 0.5, 5):
        world.tick(_minutes(minute))
    assert len(pds.created) == 2 and all(r["langs"] == ["cy", "en"] for r in pds.created)


def test_the_bluesky_thread_continues_after_a_restart_from_the_recorded_uri_and_cid(
    world: ChatWorld, pds: FakePDS
) -> None:
    world.chat(BEFORE, cross_post=["bluesky"])
    world.tick(_minutes(0))
    world.tick(_minutes(5))
    old = world.runner
    world.runner = ChatRunner(old.settings, old.slack, old.http, bluesky_http=old.bluesky_http)  # a new process
    world.tick(_minutes(20))
    intro = _rows(world.engine, "bluesky")["intro"]
    assert pds.created[-1]["text"] == "Q2 Which support helped most? #ukfechat"
    assert pds.created[-1]["reply"]["root"] == {"uri": intro.detail["uri"], "cid": intro.detail["cid"]}
    assert pds.sessions == 2


def test_a_bluesky_crash_between_posted_and_recorded_is_found_by_its_record_key(world: ChatWorld, pds: FakePDS) -> None:
    _, (occurrence,) = world.chat(BEFORE, cross_post=["bluesky"])
    world.tick(_minutes(0))
    key = f"chat:{occurrence.id}:question:1:bluesky"
    world.crash_after_posting(key, _minutes(5))
    assert "question:1" not in _rows(world.engine, "bluesky") and len(pds.created) == 2
    world.tick(_minutes(6), name="restarted")  # the dead worker's lease still holds
    world.tick(_minutes(11), name="restarted")  # expired: getRecord finds the post under its record key
    assert [r["text"] for r in pds.created].count("Q1 What changed this term? #ukfechat") == 1
    assert len([r for r in pds.requests if r.url.path.endswith("createRecord")]) == 2
    row = _outbox(world.engine, key)
    assert row.state == "done" and row.result and row.result["reconciled"] is True
    assert _rows(world.engine, "bluesky")["question:1"].post_id == row.result["post_id"]


@pytest.fixture
def mastodon(world: ChatWorld) -> FakeMastodon:
    return connect_mastodon(world, BEFORE)


def test_a_mastodon_crash_between_posted_and_recorded_is_recovered_without_a_second_status(
    world: ChatWorld, mastodon: FakeMastodon
) -> None:
    statuses = mastodon.statuses
    _, (occurrence,) = world.chat(BEFORE, cross_post=["mastodon"])
    world.tick(_minutes(0))
    key = f"chat:{occurrence.id}:question:1:mastodon"
    world.crash_after_posting(key, _minutes(5))
    assert _outbox(world.engine, key).state == "running" and "question:1" not in _rows(world.engine, "mastodon")
    world.tick(_minutes(6), name="restarted")
    assert [c["key"] for c in mastodon.calls].count(key) == 1  # the lease holds: not touched
    world.tick(_minutes(11), name="restarted")  # unknown: asked again with the same Idempotency-Key
    assert [c["key"] for c in mastodon.calls].count(key) == 2 and len(statuses) == 2  # intro and Q1, no second Q1
    row = _outbox(world.engine, key)
    assert row.state == "done" and row.result and row.result["post_id"] == statuses[key]["id"]
    assert (
        _rows(world.engine, "mastodon")["question:1"].url == f"https://mastodon.social/@council/{statuses[key]['id']}"
    )
    world.tick(_minutes(20))
    assert (
        len(statuses) == 3
        and statuses[f"chat:{occurrence.id}:question:2:mastodon"]["in_reply_to_id"]
        == (statuses[f"chat:{occurrence.id}:intro:mastodon"]["id"])
    )


def test_cancelling_a_chat_under_way_replies_under_the_public_intro_mentioning_the_guests(
    world: ChatWorld, pds: FakePDS
) -> None:
    series, (occurrence,) = world.chat(BEFORE, cross_post=["bluesky"], guests="@fe_minister @fe-minister.bsky.social")
    world.tick(_minutes(0))
    intro_x = world.x.created()[0]["id"]
    with Session(world.engine) as session:
        assert intro_is_public(session, occurrence)
        stored = session.get(type(series), series.id)
        assert stored is not None
        cancel(session, stored, actor="U0STAFF001", now=_minutes(2), occurrence_id=occurrence.id)
    for minute in (2.5, 3, 5, 20):
        world.tick(_minutes(minute))
    x_note = world.x.created()[-1]
    assert len(world.x.created()) == 2 and "Q1" not in x_note["text"]
    assert x_note["text"] == (
        "Sorry: #ukfechat (Thu 3 Dec) is cancelled and no more questions will be posted. "
        "@fe_minister, thank you; we will be in touch."
    )
    assert x_note["referenced_tweets"] == [{"type": "replied_to", "id": intro_x}]
    note = pds.created[-1]
    assert len(pds.created) == 2 and "@fe-minister.bsky.social, thank you" in note["text"]
    assert {"$type": "app.bsky.richtext.facet#mention", "did": MINISTER} in [f["features"][0] for f in note["facets"]]
    intro = _rows(world.engine, "bluesky")["intro"]
    assert note["reply"]["parent"] == {"uri": intro.detail["uri"], "cid": intro.detail["cid"]}
    assert _outbox(world.engine, f"chat:{occurrence.id}:cancelled").state == "done"


def test_cancelling_before_the_start_posts_nothing_in_public(world: ChatWorld) -> None:
    series, (occurrence,) = world.chat(BEFORE, guests="@fe_minister")
    with Session(world.engine) as session:
        stored = session.get(type(series), series.id)
        assert stored is not None and not intro_is_public(session, occurrence)
        cancel(session, stored, actor="U0STAFF001", now=_minutes(-60), occurrence_id=occurrence.id)
    for minute in (-15, 0, 5, 30):
        world.tick(_minutes(minute))
    assert world.x.created() == [] and world.slack.calls_to("chat.postMessage") == []
