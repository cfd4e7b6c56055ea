"""Mastodon status and account parsing: HTML to text, tags, mentions, reblogs, replies and roots."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from integrations.mastodon.parse import conversation_roots, html_to_text, parse_account, parse_status, parse_statuses
from tests.integrations.mastodon.replay import load_exchanges


def recorded_status() -> dict[str, Any]:
    exchanges = load_exchanges("Mastodon.py_test_hashtag_tl.decoded.json")
    return next(ex["body"][0] for ex in exchanges if isinstance(ex["body"], list))


def test_recorded_status() -> None:
    status = recorded_status()
    post = parse_status(status)
    assert post.platform == "mastodon" and post.id == "117020593741189701"
    assert post.text == "#hoot (hashtag toot)"
    assert post.hashtags == ["hoot"] and post.mentions == [] and post.urls == []
    assert post.kind == "original" and post.conversation_id == post.id
    assert post.author_id == "117020566092212359" and post.author_handle == "mastodonpy_test_2"
    assert post.url == "http://localhost:3000/@mastodonpy_test_2/117020593741189701"
    assert post.lang == "ja"
    assert post.created_at == datetime(2026, 8, 1, 13, 55, 55, 867000, tzinfo=UTC)


def test_html_to_text_keeps_links_and_breaks() -> None:
    html = (
        '<p>Join <a href="https://mastodon.social/tags/UKFEChat" class="mention hashtag" rel="tag">#<span>UKFEChat'
        '</span></a> with <span class="h-card"><a href="https://x.example/@anna" class="u-url mention">@<span>anna'
        '</span></a></span> &amp; friends<br>see <a href="https://example.org/a/very/long/path?x=1" rel="nofollow">'
        '<span class="invisible">https://</span><span class="ellipsis">example.org/a/very</span>'
        '<span class="invisible">/long/path?x=1</span></a></p><p>Second &lt;para&gt;</p>'
    )
    text, links = html_to_text(html)
    assert text == "Join #UKFEChat with @anna & friends\nsee https://example.org/a/very/long/path?x=1\n\nSecond <para>"
    assert links == ["https://example.org/a/very/long/path?x=1"]


def test_reblog_is_folded_into_a_repost() -> None:
    original = recorded_status()
    original["content"] = '<p>Hello <a href="https://example.org">example.org</a></p>'
    original["mentions"] = [
        {"id": "5", "username": "Bob", "acct": "Bob@other.example", "url": "https://other.example/@Bob"}
    ]
    wrapper = copy.deepcopy(original)
    wrapper.update(
        id="200",
        content="",
        reblog=original,
        tags=[],
        mentions=[],
        account={**original["account"], "id": "77", "acct": "booster@else.where"},
    )
    post = parse_status(wrapper)
    assert post.kind == "repost" and post.reposted_post_id == original["id"]
    assert post.text == "Hello https://example.org" and post.hashtags == ["hoot"]
    assert post.mentions == ["bob@other.example"] and post.urls == ["https://example.org"]
    assert post.author_handle == "booster@else.where"
    batch = parse_statuses([wrapper])
    assert [p.id for p in batch.posts] == ["200", original["id"]]
    assert {a.id for a in batch.accounts} == {"77", original["account"]["id"]}


def test_reply_chain_roots_and_quote() -> None:
    base = recorded_status()

    def status(sid: str, parent: str | None) -> dict[str, Any]:
        item = copy.deepcopy(base)
        item.update(id=sid, in_reply_to_id=parent, in_reply_to_account_id="9" if parent else None)
        return item

    statuses = [status("1", None), status("2", "1"), status("3", "2"), status("4", "99")]
    statuses[3]["quote"] = {"state": "accepted", "quoted_status": {"id": "55"}}
    assert conversation_roots(statuses) == {"1": "1", "2": "1", "3": "1"}
    posts = {p.id: p for p in parse_statuses(statuses).posts}
    assert posts["3"].conversation_id == "1" and posts["3"].reply_to_post_id == "2"
    assert posts["3"].reply_to_user_id == "9" and posts["3"].kind == "reply"
    assert posts["4"].conversation_id is None  # its parent is outside what the instance returned
    assert posts["4"].quoted_post_id == "55"
    assert parse_status(statuses[2]).conversation_id is None  # alone, the root is unknown


def test_card_url_and_spoiler() -> None:
    status = recorded_status()
    status["spoiler_text"] = "CW politics"
    status["card"] = {"url": "https://news.example/story"}
    post = parse_status(status)
    assert post.text.startswith("CW politics\n\n#hoot")
    assert post.urls == ["https://news.example/story"]


def test_account() -> None:
    exchanges = load_exchanges("Mastodon.py_test_fetch_next_previous.decoded.json")
    account = parse_account(exchanges[0]["body"])
    assert account.handle == "mastodonpy_test" and account.display_name == "John Lennon"
    assert account.bio == "I walk funny"
    assert account.created_at == datetime(2026, 8, 1, tzinfo=UTC)
    assert account.followers == exchanges[0]["body"]["followers_count"]


def test_bad_status_is_a_problem_not_a_crash() -> None:
    good = recorded_status()
    bad = {"id": "x", "account": {"id": "1"}}
    batch = parse_statuses([bad, good])
    assert [p.id for p in batch.posts] == [good["id"]]
    assert batch.problems and "status x" in batch.problems[0]
