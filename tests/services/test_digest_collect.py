"""Collecting a chat: Mastodon's hashtag timeline replayed from a recording; X conversation queries stay short."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.services.digest_collect import collect, conversation_queries
from assistant.services.digest_make import chat_posts
from integrations.mastodon.client import MastodonClient
from tests.integrations.mastodon.replay import Replay, load_exchanges

POSTED = datetime(2026, 8, 1, 13, 55, 55, tzinfo=UTC)


def test_mastodon_chat_is_collected_into_the_store(engine: Engine) -> None:
    replay = Replay(load_exchanges("Mastodon.py_test_hashtag_tl.decoded.json"), ignore=frozenset({"limit"}))
    client = MastodonClient(replay.client(), base_url="http://localhost:3000")
    start, end = POSTED - timedelta(minutes=30), POSTED + timedelta(minutes=30)
    result = collect(engine, hashtag="#hoot", start=start, end=end, platforms=["mastodon"], mastodon=client, now=end)
    assert result.by_source == {"mastodon": 1}
    assert any("/timelines/tag/hoot" in str(r.url) for r in replay.requests)
    with Session(engine) as session:
        posts = chat_posts(session, hashtag="hoot", start=start, end=end)
    assert [p.platform for p in posts] == ["mastodon"]


def test_platforms_without_a_client_are_left_to_the_store(engine: Engine) -> None:
    result = collect(engine, hashtag="x", start=POSTED, end=POSTED + timedelta(hours=1), platforms=["x", "bluesky"])
    assert result.total == 0 and result.by_source == {}


def test_conversation_queries_group_ids_within_the_length_limit() -> None:
    ids = [str(10**18 + i) for i in range(40)]
    queries = conversation_queries(ids, limit=200)
    assert all(len(q) <= 200 for q in queries) and len(queries) > 1
    joined = " ".join(queries)
    assert all(f"conversation_id:{i}" in joined for i in ids)
    assert conversation_queries(["1"]) == ["conversation_id:1"]
