"""Posting to Bluesky: facets by UTF-8 byte offsets, mentions resolved to DIDs, replies, record keys, lexicon shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from integrations.bluesky.client import BlueskyClient
from integrations.bluesky.post import (
    StrongRef,
    create_post,
    detect_facets,
    get_post,
    mentioned_handles,
    post_record,
    resolve_handle,
    tid_for,
)
from integrations.errors import ServerError
from tests.integrations.bluesky.fake import DID, HANDLE, PASSWORD
from tests.integrations.bluesky.pds import TID, FakePDS, check_post_record

AT = datetime(2026, 12, 3, 21, 5, tzinfo=UTC)


def _client(fake: FakePDS) -> BlueskyClient:
    return BlueskyClient(fake.client(), handle=HANDLE, app_password=PASSWORD, base_url="https://pds.test/xrpc")


def _covered(text: str, facet: dict[str, object]) -> str:
    index = facet["index"]
    assert isinstance(index, dict)
    return text.encode("utf-8")[index["byteStart"] : index["byteEnd"]].decode("utf-8")


def test_facets_use_utf8_byte_offsets_after_emoji_and_accents() -> None:
    text = (
        "Q1 🎓 Qu’est-ce qui a changé ? #ukfechat #Été2026! avec @fe-minister.bsky.social. https://example.org/é?x=1."
    )
    facets = detect_facets(text, {"fe-minister.bsky.social": "did:plc:minister"})
    features = [facet["features"][0] for facet in facets]
    assert [_covered(text, facet) for facet in facets] == [
        "#ukfechat",
        "#Été2026",
        "@fe-minister.bsky.social",
        "https://example.org/é?x=1",
    ]
    assert features == [
        {"$type": "app.bsky.richtext.facet#tag", "tag": "ukfechat"},
        {"$type": "app.bsky.richtext.facet#tag", "tag": "Été2026"},
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:minister"},
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/é?x=1"},
    ]
    first = facets[0]["index"]
    assert first["byteStart"] == text.index("#ukfechat") + 3 + 2 + 1  # 🎓 is 4 bytes, ’ 3 and é 2: not char indices
    check_post_record(post_record(text, created_at=AT, facets=facets))


def test_what_is_not_a_tag_mention_or_link_gets_no_facet() -> None:
    text = "Q2 #123 costs 50# and mail a@b.org, ping @fe_minister or @name@mastodon.social; see example.org/x"
    facets = detect_facets(text, {"b.org": "did:plc:b", "mastodon.social": "did:plc:m"})
    assert [(_covered(text, f), f["features"][0]["$type"].rsplit("#")[1]) for f in facets] == [
        ("example.org/x", "link")
    ]
    assert facets[0]["features"][0]["uri"] == "https://example.org/x"
    assert mentioned_handles(text) == []


def test_a_reply_names_the_root_and_the_parent() -> None:
    root = StrongRef(f"at://{DID}/app.bsky.feed.post/3lintro22222a", "bafyreiroot")
    record = post_record("Q1 hello #ukfechat", created_at=AT, reply_root=root)
    assert record["reply"] == {"root": root.as_json(), "parent": root.as_json()}
    assert record["createdAt"] == "2026-12-03T21:05:00.000Z" and record["langs"] == ["en"]
    check_post_record(record)


def test_record_keys_are_valid_tids_stable_per_key_and_minute() -> None:
    first = tid_for("chat:1:question:1:bluesky", AT)
    assert TID.match(first) and first == tid_for("chat:1:question:1:bluesky", AT)
    assert first != tid_for("chat:1:question:2:bluesky", AT)
    assert first != tid_for("chat:2:question:1:bluesky", datetime(2026, 12, 10, 21, 5, tzinfo=UTC))


def test_create_post_resolves_mentions_and_sends_a_lexicon_valid_create_record() -> None:
    fake = FakePDS(handles={"fe-minister.bsky.social": "did:plc:minister"})
    client = _client(fake)
    text = "Welcome to #ukfechat 🎉 With @fe-minister.bsky.social and @nobody.example."
    ref = create_post(client, text, rkey=tid_for("k", AT), created_at=AT, langs=["en", "fr"])
    (record,) = fake.created
    assert ref.uri == fake.uri(tid_for("k", AT)) and ref.cid == fake.cid(record)
    assert [f["features"][0] for f in record["facets"]] == [
        {"$type": "app.bsky.richtext.facet#tag", "tag": "ukfechat"},
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:minister"},
    ]  # @nobody.example does not resolve: plain text
    assert record["langs"] == ["en", "fr"]
    resolves = [r for r in fake.requests if r.url.path.endswith("resolveHandle")]
    assert [r.url.params["handle"] for r in resolves] == ["fe-minister.bsky.social", "nobody.example"]
    create = next(r for r in fake.requests if r.url.path.endswith("createRecord"))
    assert json.loads(create.content)["repo"] == DID and fake.sessions == 1


def test_get_post_finds_a_record_by_key_and_none_when_absent() -> None:
    fake = FakePDS()
    client = _client(fake)
    assert get_post(client, DID, tid_for("k", AT)) is None
    made = create_post(client, "Q1 #ukfechat", rkey=tid_for("k", AT), created_at=AT)
    assert get_post(client, DID, tid_for("k", AT)) == made


def test_an_unresolvable_handle_is_none_and_an_outage_is_raised() -> None:
    fake = FakePDS()
    client = _client(fake)
    assert resolve_handle(client, "@ghost.example") is None
    fake.fail_next = 502
    with pytest.raises(ServerError):  # the worker retries later rather than posting without the mention
        resolve_handle(client, "ghost.example")


def test_creating_again_under_the_same_record_key_returns_the_first_post() -> None:
    fake = FakePDS()
    client = _client(fake)
    first = create_post(client, "Q1 #ukfechat", rkey=tid_for("k", AT), created_at=AT)
    again = create_post(client, "Q1 #ukfechat", rkey=tid_for("k", AT), created_at=AT)
    assert again == first and len(fake.created) == 1
