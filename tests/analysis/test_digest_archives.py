"""Digest counts on real archives (twarc2 and the #TidyTuesday rtweet set), checked against the raw JSON."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.analysis.digest import ChatContext, build_digest
from assistant.analysis.digest.select import select_chat
from integrations.archives import read_archive
from tests.chat_shapes import raw_chat
from tests.conftest import shared_path

EARLY, LATE = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def _figures(path: Path, hashtag: str) -> dict[str, Any]:
    posts = [p for chunk in read_archive(path) for p in chunk.batch.posts]
    chat = select_chat(posts, hashtag=hashtag)
    return build_digest(chat, ChatContext(hashtag=hashtag, start=EARLY, end=LATE)).figures


def _raw_twarc(path: Path) -> dict[str, dict[str, Any]]:
    posts: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        for post in [*page.get("data", []), *page.get("includes", {}).get("tweets", [])]:
            posts.setdefault(post["id"], post)
    return posts


def _reposted(post: dict[str, Any]) -> str | None:
    return next((r["id"] for r in post.get("referenced_tweets", []) if r["type"] == "retweeted"), None)


def _tags(post: dict[str, Any]) -> set[str]:
    return {h["tag"].casefold() for h in (post.get("entities") or {}).get("hashtags", [])}


def test_twarc2_network_archive_counts() -> None:
    path = shared_path("fixtures", "twarc2", "twarc-network_tweets.jsonl")
    raw = _raw_twarc(path)
    chat = raw_chat(raw, "BlackLivesMatter")  # tagged posts, the replies below them (by reply parent), reposts
    extra = {i: p for i, p in chat.items() if "blacklivesmatter" not in _tags(p)}
    figures = _figures(path, "BlackLivesMatter")
    assert figures["volume"]["posts"] == len(chat)
    assert figures["volume"]["via_conversation"] == sum(1 for p in extra.values() if _reposted(p) is None)
    assert figures["volume"]["participants"] == len({p["author_id"] for p in chat.values()})
    reposts = sum(1 for p in chat.values() if any(r["type"] == "retweeted" for r in p.get("referenced_tweets", [])))
    assert figures["volume"]["reposts"] == reposts
    authors = Counter(p["author_id"] for p in chat.values())
    assert figures["top"]["contributors"][0]["posts"] == max(authors.values())
    co = Counter(t for p in chat.values() if not p["text"].startswith("RT @") for t in _tags(p) - {"blacklivesmatter"})
    top = figures["top"]["co_hashtags"][0]
    assert top["posts"] == max(co.values()) and co[top["tag"]] == top["posts"]


def test_twarc2_hashtags_archive_counts() -> None:
    path = shared_path("fixtures", "twarc2", "twarc-hashtags_tweets1.jsonl")
    raw = _raw_twarc(path)
    tagged = [p for p in raw.values() if "naacpimageawards" in _tags(p)]
    figures = _figures(path, "#NAACPImageAwards")
    assert figures["volume"]["posts"] >= len(tagged) == 2
    assert figures["volume"]["posts"] - figures["volume"]["via_conversation"] == len(tagged)


def _list(value: Any) -> list[str]:
    # rtweet's JSON writes one-element lists as a bare string and empty ones as null
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def test_tidytuesday_counts() -> None:
    path = shared_path("fixtures", "datasets", "tt_tweets.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    tagged = [r for r in rows if "tidytuesday" in {h.lower() for h in _list(r.get("hashtags"))}]
    # the chat: the tagged rows, the rows below them through reply_to_status_id (rtweet keeps the reply
    # parent), and retweets of those; read straight from the rows
    chat = {r["status_id"] for r in tagged}
    grew = True
    while grew:
        below = {r["status_id"] for r in rows if not r.get("is_retweet") and r.get("reply_to_status_id") in chat}
        grew = not below <= chat
        chat |= below
    chat |= {r["status_id"] for r in rows if r.get("retweet_status_id") in chat}
    untagged = [r for r in rows if r["status_id"] in chat and r not in tagged]
    figures = _figures(path, "tidytuesday")
    volume = figures["volume"]
    assert len(tagged) == 4370 and len(untagged) == 11  # 11 untagged replies in threads, counted like twarc2's
    assert volume["posts"] == len(chat)
    assert volume["via_conversation"] == len(untagged)
    tagged = [r for r in rows if r["status_id"] in chat]
    assert volume["participants"] == len({r["user_id"] for r in tagged})
    replied = Counter(  # "most replied to" by handle: rtweet names the replied-to account in reply_to_screen_name
        r["reply_to_screen_name"]
        for r in tagged
        if r.get("reply_to_user_id") and r["reply_to_user_id"] != r["user_id"] and not r.get("is_retweet")
    )
    most = figures["top"]["replied_to"]
    assert all(entry["handle"] for entry in most)
    assert most[0]["replies"] == max(replied.values()) == replied[most[0]["handle"]]
    assert volume["quotes"] == sum(1 for r in tagged if r["is_quote"] and not r["reply_to_status_id"])
    assert volume["replies"] == sum(1 for r in tagged if r["reply_to_status_id"])
    by_author = Counter(r["screen_name"] for r in tagged)
    top = figures["top"]["contributors"][:5]
    assert [(c["handle"], c["posts"]) for c in top] == sorted(
        by_author.items(), key=lambda kv: (-kv[1], [r["user_id"] for r in tagged if r["screen_name"] == kv[0]][0])
    )[:5]
    co = Counter(t for r in tagged for t in {h.lower() for h in _list(r["hashtags"])} - {"tidytuesday"})
    assert figures["top"]["co_hashtags"][0] == {"tag": "rstats", "posts": co["rstats"]}
    domains = Counter(
        d
        for r in tagged
        for d in {
            u.split("/")[2].lower().removeprefix("www.")
            for u in _list(r.get("urls_expanded_url"))
            if u
            if u.split("/")[2].lower().removeprefix("www.") not in ("twitter.com", "x.com")
        }
    )
    if domains:
        assert figures["top"]["domains"][0]["posts"] == max(domains.values())
