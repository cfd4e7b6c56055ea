"""Bluesky postView parsing: facets by UTF-8 byte offsets, replies, quotes, counts, URLs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from integrations.bluesky.parse import parse_post_view, parse_post_views, parse_profile
from tests.integrations.bluesky.fake import wire_post_views
from tests.integrations.bluesky.lexicon import conform, resolve

AUTHOR = {"did": "did:plc:author", "handle": "teacher.bsky.social", "displayName": "A Teacher"}
URI = "at://did:plc:author/app.bsky.feed.post/3kabc"


def facet(text: str, fragment: str, feature: dict[str, Any]) -> dict[str, Any]:
    """A facet over `fragment` with byte offsets, as the Bluesky app writes them."""
    start = text.encode().index(fragment.encode())
    return {"index": {"byteStart": start, "byteEnd": start + len(fragment.encode())}, "features": [feature]}


def view(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "uri": URI,
        "cid": "bafy",
        "author": AUTHOR,
        "record": {"$type": "app.bsky.feed.post", "createdAt": "2025-02-16T22:22:36.187Z", **record},
        "indexedAt": "2025-02-16T22:22:39.692Z",
        **extra,
    }


def test_facets_use_utf8_byte_offsets() -> None:
    text = "🎉🌍 Ça va? Ask @anna.bsky.social about #EdChat → https://example.org/x"
    facets = [
        facet(text, "@anna.bsky.social", {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:anna"}),
        facet(text, "#EdChat", {"$type": "app.bsky.richtext.facet#tag", "tag": "EdChat"}),
        facet(text, "https://example.org/x", {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/x"}),
    ]
    # Character offsets would land elsewhere: the emoji and Ç take more bytes than characters.
    start = facets[0]["index"]["byteStart"]
    assert text[start : start + 17] != "@anna.bsky.social"
    post = parse_post_view(view({"text": text, "facets": facets, "langs": ["en", "fr"]}))
    assert post.mentions == ["anna.bsky.social"]
    assert post.hashtags == ["edchat"] and post.urls == ["https://example.org/x"]
    assert post.lang == "en" and post.text == text
    known = parse_post_view(view({"text": text, "facets": facets}), handles={"did:plc:anna": "Anna.Example.org"})
    assert known.mentions == ["anna.example.org"]


def test_post_fields() -> None:
    post = parse_post_view(view({"text": "hi"}, likeCount=3, repostCount=2, replyCount=1, quoteCount=4))
    assert post.platform == "bluesky" and post.id == URI and post.author_id == "did:plc:author"
    assert post.author_handle == "teacher.bsky.social"
    assert post.url == "https://bsky.app/profile/teacher.bsky.social/post/3kabc"
    assert post.created_at == datetime(2025, 2, 16, 22, 22, 36, 187000, tzinfo=UTC)
    assert (post.metrics.likes, post.metrics.reposts, post.metrics.replies, post.metrics.quotes) == (3, 2, 1, 4)
    assert post.kind == "original" and post.conversation_id == URI


def test_reply_and_quote() -> None:
    parent = "at://did:plc:parent/app.bsky.feed.post/p1"
    root = "at://did:plc:root/app.bsky.feed.post/r1"
    quoted = "at://did:plc:q/app.bsky.feed.post/q1"
    record = {
        "text": "answer",
        "reply": {"parent": {"uri": parent, "cid": "c"}, "root": {"uri": root, "cid": "c"}},
        "embed": {"$type": "app.bsky.embed.record", "record": {"uri": quoted, "cid": "c"}},
    }
    post = parse_post_view(view(record))
    assert post.kind == "reply" and post.reply_to_post_id == parent and post.conversation_id == root
    assert post.reply_to_user_id == "did:plc:parent" and post.quoted_post_id == quoted
    quote_only = parse_post_view(
        view(
            {
                "text": "look",
                "embed": {
                    "$type": "app.bsky.embed.recordWithMedia",
                    "record": {"$type": "app.bsky.embed.record", "record": {"uri": quoted, "cid": "c"}},
                    "media": {"$type": "app.bsky.embed.images", "images": []},
                },
            }
        )
    )
    assert quote_only.kind == "quote" and quote_only.quoted_post_id == quoted


def test_external_embed_and_outline_tags() -> None:
    record = {
        "text": "read this",
        "tags": ["UKFEChat"],
        "embed": {"$type": "app.bsky.embed.external", "external": {"uri": "https://blog.example", "title": "t"}},
    }
    post = parse_post_view(view(record))
    assert post.hashtags == ["ukfechat"] and post.urls == ["https://blog.example"]


def test_profile() -> None:
    account = parse_profile({**AUTHOR, "createdAt": "2023-09-01T07:14:04.281Z", "followersCount": 5})
    assert (account.id, account.handle, account.display_name, account.followers) == (
        "did:plc:author",
        "teacher.bsky.social",
        "A Teacher",
        5,
    )
    assert account.url == "https://bsky.app/profile/teacher.bsky.social"


def test_wire_and_snake_case_forms_agree() -> None:
    wire = wire_post_views()[:50]
    from tests.conftest import shared_path

    lines = shared_path("fixtures", "datasets", "bluesky_posts.jsonl").read_text().split("\n")[:50]
    snake = [json.loads(line) for line in lines]
    a = [(p.id, p.metrics, p.hashtags, p.mentions, p.urls, p.created_at) for p in parse_post_views(wire).posts]
    b = [(p.id, p.metrics, p.hashtags, p.mentions, p.urls, p.created_at) for p in parse_post_views(snake).posts]
    assert a == b and any(m.likes for _, m, *_ in a)


def test_fake_views_conform_to_the_post_view_lexicon() -> None:
    target = resolve("app.bsky.feed.defs#postView", "app.bsky.feed.defs")
    assert target is not None
    nsid, schema = target
    views = [view({"text": "hi"}), *wire_post_views()[:20]]
    assert sum(conform(v, schema, nsid, "postView") for v in views) >= 2 * len(views)


def test_batch_dedupes_and_reports() -> None:
    good = view({"text": "hi"})
    bad = {"uri": "at://did:plc:x/app.bsky.feed.post/bad", "author": AUTHOR, "record": {"text": "no date"}}
    batch = parse_post_views([good, good, bad])
    assert [p.id for p in batch.posts] == [URI] and len(batch.accounts) == 1
    assert batch.problems and "bad" in batch.problems[0]
