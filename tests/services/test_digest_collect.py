"""Collecting a chat: Mastodon's hashtag timeline replayed from a recording, and its threads (statuses' context
built from recorded Status objects); X conversation queries stay short."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.models.posts import Post
from assistant.render.digest_html import archive_html
from assistant.services.digests.collect import collect, conversation_queries
from assistant.services.digests.make import chat_posts, make_digest
from integrations.mastodon.client import MastodonClient
from tests.integrations.mastodon.replay import Replay, load_exchanges
from tests.integrations.mastodon.threads import POSTED, outside_thread, recorded, reply


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


def test_mastodon_threads_bring_in_replies_without_the_hashtag(engine: Engine) -> None:
    from assistant.analysis.digest import ChatContext, build_digest

    (root,) = copy.deepcopy(recorded("Mastodon.py_test_hashtag_tl.decoded.json", "/timelines/tag/hoot"))
    root["replies_count"] = 3
    toots = recorded("Mastodon.py_test_fetch_next_previous.decoded.json", "statuses?limit=5")
    start, end = POSTED - timedelta(minutes=30), POSTED + timedelta(minutes=30)
    first = reply(toots[0], to=root, at=POSTED + timedelta(minutes=1), text="A thread answer")
    second = reply(toots[1], to=first, at=POSTED + timedelta(minutes=2), text="and a reply to it")
    tagged = reply(root, to=root, at=POSTED + timedelta(minutes=3), text="Tagged #hoot")  # comes with the timeline
    late = reply(toots[2], to=root, at=end + timedelta(minutes=5), text="after the chat")
    tagged["replies_count"] = 1  # a tagged reply with its own reply: its thread overlaps the root's
    third = reply(toots[3], to=tagged, at=POSTED + timedelta(minutes=4), text="me too")
    context = {"ancestors": [], "descendants": [first, second, tagged, third, late]}
    contexts = {root["id"]: context, tagged["id"]: {"ancestors": [root], "descendants": [third]}}
    requests: list[str] = []

    def mastodon(request: httpx.Request) -> httpx.Response:
        requests.append(request.url.path)
        if request.url.path == "/api/v1/timelines/tag/hoot":
            return httpx.Response(200, json=[tagged, root])
        status_id = request.url.path.removeprefix("/api/v1/statuses/").removesuffix("/context")
        if status_id in contexts:
            return httpx.Response(200, json=contexts[status_id])
        return httpx.Response(404, json={"error": "Record not found"})

    client = MastodonClient(httpx.Client(transport=httpx.MockTransport(mastodon)), base_url="http://localhost:3000")
    result = collect(engine, hashtag="#hoot", start=start, end=end, platforms=["mastodon"], mastodon=client, now=end)
    assert requests[0] == "/api/v1/timelines/tag/hoot"
    assert sorted(requests[1:]) == sorted(f"/api/v1/statuses/{s['id']}/context" for s in (root, tagged))
    # first, second and third once each (third is in both threads); the late reply is left out
    assert result.by_source == {"mastodon": 5} and result.via_conversation == 3
    with Session(engine) as session:
        posts = chat_posts(session, hashtag="hoot", start=start, end=end)
    by_id = {p.id: p for p in posts}
    assert set(by_id) == {root["id"], tagged["id"], first["id"], second["id"], third["id"]}
    assert by_id[second["id"]].conversation_id == root["id"] and by_id[second["id"]].kind == "reply"
    figures = build_digest(posts, ChatContext(hashtag="hoot", start=start, end=end)).figures
    assert figures["volume"]["via_conversation"] == 3  # marked as thread replies, as X's are


def test_mastodon_question_posts_are_followed_even_before_replies_are_counted(engine: Engine) -> None:
    (root,) = copy.deepcopy(recorded("Mastodon.py_test_hashtag_tl.decoded.json", "/timelines/tag/hoot"))
    root["content"] = "<p>Q1: what works? #hoot</p>"  # replies_count stays 0 (remote servers lag)
    plain = copy.deepcopy(root)
    plain.update(id=str(int(root["id"]) + 1), content="<p>Hello #hoot</p>")
    asked: list[str] = []

    def mastodon(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/context"):
            asked.append(request.url.path)
            return httpx.Response(200, json={"ancestors": [], "descendants": []})
        return httpx.Response(200, json=[plain, root])

    client = MastodonClient(httpx.Client(transport=httpx.MockTransport(mastodon)), base_url="http://localhost:3000")
    start, end = POSTED - timedelta(minutes=30), POSTED + timedelta(minutes=30)
    collect(engine, hashtag="hoot", start=start, end=end, platforms=["mastodon"], mastodon=client, now=end)
    assert asked == [f"/api/v1/statuses/{root['id']}/context"]


def test_mastodon_tagged_replies_whose_thread_root_is_not_on_the_timeline_are_followed(engine: Engine) -> None:
    chat = outside_thread()  # every count 0: the intro's tagged reply shows it has replies all the same
    intro, on_intro, under_on_intro = chat.intro, chat.on_intro, chat.under_on_intro
    outside, on_outside, under_on_outside = chat.outside, chat.on_outside, chat.under_on_outside
    start, end = chat.start, chat.end
    asked: list[str] = []
    mastodon = chat.server(asked)

    client = MastodonClient(httpx.Client(transport=httpx.MockTransport(mastodon)), base_url="http://localhost:3000")
    result = collect(engine, hashtag="hoot", start=start, end=end, platforms=["mastodon"], mastodon=client, now=end)
    # the intro (it has a tagged reply) and the reply to the outside status; the intro's reply is in the intro's
    assert asked == [on_outside["id"], intro["id"]]
    # three tagged statuses, the two untagged replies and the outside status above one of them; never the sibling
    assert result.by_source == {"mastodon": 6} and result.via_conversation == 2
    with Session(engine) as session:
        posts = chat_posts(session, hashtag="hoot", start=start, end=end)
        stored = {row.id: row for row in session.exec(select(Post).where(Post.platform == "mastodon"))}
    assert {p.id for p in posts} == {
        intro["id"],
        on_intro["id"],
        under_on_intro["id"],
        on_outside["id"],
        under_on_outside["id"],
    }
    assert set(stored) == {p.id for p in posts} | {outside["id"]}  # the outside status: context, not the chat
    assert stored[under_on_outside["id"]].conversation_id == outside["id"] == stored[on_outside["id"]].conversation_id
    with Session(engine) as session:  # the digest shows the outside status above the reply to it, counts it nowhere
        made = make_digest(session, hashtag="hoot", start=start, end=end, save=False)
    assert set(made.result.outside_parents) == {("mastodon", outside["id"])}
    assert made.result.figures["volume"]["posts"] == 5
    page = archive_html(made.result)
    assert page.count('class="post outside"') == 1 and "Toot number 5!" in page and "Not the chat" not in page


def _bluesky_reply(view: dict[str, Any], *, to: dict[str, Any], root: dict[str, Any], at: datetime, text: str) -> dict:
    """A recorded postView turned into a reply without tags (new rkey, time and text; record.reply set)."""
    reply = copy.deepcopy(view)
    reply["uri"] = f"{view['uri'].rsplit('/', 1)[0]}/3reply{int(at.timestamp())}"
    stamp = at.isoformat().replace("+00:00", ".000Z")
    reply["record"] = {
        "$type": "app.bsky.feed.post",
        "createdAt": stamp,
        "text": text,
        "reply": {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": {"uri": to["uri"], "cid": to["cid"]}},
    }
    reply.update(indexedAt=stamp, replyCount=0)
    return reply


def test_bluesky_threads_bring_in_replies_without_the_hashtag(engine: Engine) -> None:
    from urllib.parse import parse_qs

    from assistant.analysis.digest import ChatContext, build_digest
    from integrations.bluesky.client import BlueskyClient
    from tests.integrations.bluesky.fake import FakeBluesky, wire_post_views
    from tests.integrations.bluesky.lexicon import check_output, check_params
    from tests.integrations.bluesky.test_bluesky_client import make_client

    root = next(v for v in wire_post_views() if "reply" not in v["record"] and v.get("replyCount"))
    posted = datetime.fromisoformat(root["record"]["createdAt"].replace("Z", "+00:00"))
    first = _bluesky_reply(root, to=root, root=root, at=posted + timedelta(minutes=1), text="Lovely chart")
    second = _bluesky_reply(root, to=first, root=root, at=posted + timedelta(minutes=2), text="Agreed")
    fake = FakeBluesky(views=[root])

    def node(view: dict[str, Any], replies: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {"$type": "app.bsky.feed.defs#threadViewPost", "post": view, "replies": replies or []}

    fake.thread = node(root, [node(first, [node(second)])])
    client: BlueskyClient = make_client(fake)
    start, end = posted - timedelta(minutes=30), posted + timedelta(minutes=30)
    result = collect(
        engine, hashtag="TidyTuesday", start=start, end=end, platforms=["bluesky"], bluesky=client, now=end
    )
    threads = [r for r in fake.requests if r.url.path.endswith("app.bsky.feed.getPostThread")]
    assert len(threads) == 1 and parse_qs(threads[0].url.query.decode())["uri"] == [root["uri"]]
    check_params("app.bsky.feed.getPostThread", parse_qs(threads[0].url.query.decode()))
    check_output("app.bsky.feed.getPostThread", fake.responses[-1][1])
    assert result.via_conversation == 2
    with Session(engine) as session:
        posts = chat_posts(session, hashtag="tidytuesday", start=start, end=end)
    by_id = {p.id: p for p in posts}
    assert set(by_id) == {root["uri"], first["uri"], second["uri"]}
    assert by_id[second["uri"]].conversation_id == root["uri"] and by_id[second["uri"]].kind == "reply"
    assert (
        build_digest(posts, ChatContext(hashtag="tidytuesday", start=start, end=end)).figures["volume"][
            "via_conversation"
        ]
        == 2
    )
