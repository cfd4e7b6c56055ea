"""Digest rendering: Slack limits and escaping, the self-contained HTML archive, JSON against its schema, CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import jsonschema
import orjson
import pytest
from slack_sdk.models.blocks import Block

from assistant.analysis.digest import ChatContext, DigestResult, build_digest
from assistant.render.digest_chart import timeline_png
from assistant.render.digest_files import schema, to_csv, to_json
from assistant.render.digest_html import _esc, _escape_by_replacing, _PostMarkup, archive_html, threaded
from assistant.slack.blocks.common import MAX_BLOCKS_MESSAGE, MAX_SECTION_TEXT
from assistant.slack.blocks.digests import SAVE_PARTICIPANTS, digest_message
from integrations.normalized import Metrics, NormalizedPost

T0 = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)
EVIL = "<!channel> hey <@U123> & <https://evil.example|click> <script>alert(1)</script>"


def _post(i: int, text: str, **kw: object) -> NormalizedPost:
    return NormalizedPost(
        platform="x",
        id=str(1000 + i),
        author_id=str(i % 97),
        author_handle=kw.pop("handle", f"user{i % 97}"),  # type: ignore[arg-type]
        created_at=T0 + timedelta(seconds=20 * i),
        text=text,
        hashtags=kw.pop("hashtags", ["chat"]),  # type: ignore[arg-type]
        url=f"https://x.com/u/status/{1000 + i}",
        metrics=Metrics(likes=i % 7),
        **kw,  # type: ignore[arg-type]
    )


def _big() -> DigestResult:
    posts = [_post(0, f"Q{n}: question {n} {EVIL} #chat", handle="host") for n in range(1, 2)]
    questions = [(n, T0 + timedelta(minutes=n), f"Q{n}: {EVIL} " + "long " * 120) for n in range(1, 61)]
    posts += [
        _post(
            i,
            f"A{i % 60 + 1} {EVIL} " + "word " * 80 + f"https://site{i}.example/p #chat #tag{i}",
            mentions=[f"m{i}"],
            urls=[f"https://site{i}.example/p"],
        )
        for i in range(1, 400)
    ]
    return build_digest(
        posts,
        ChatContext(
            hashtag="chat",
            start=T0,
            end=T0 + timedelta(hours=3),
            questions=questions,
            host_handle="host",
            timezone="Europe/London",
        ),
    )


def test_slack_message_stays_within_limits_and_parses() -> None:
    blocks = digest_message(_big().figures, digest_id=7, archive_url="https://outreach.example/archive/t")
    assert len(blocks) <= MAX_BLOCKS_MESSAGE
    for block in blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
        text = block.get("text", {}).get("text", "")
        assert len(text) <= MAX_SECTION_TEXT
    dumped = json.dumps(blocks)
    assert "more questions in the archive" in dumped and "more in the archive" in dumped
    assert {
        "type": "button",
        "text": {"type": "plain_text", "text": "Save participants as contacts", "emoji": True},
        "action_id": SAVE_PARTICIPANTS,
        "value": "7",
    } in blocks[-1]["elements"]


def test_outside_text_pings_nobody() -> None:
    blocks = digest_message(_big().figures, digest_id=7)
    texts = [b.get("text", {}).get("text", "") for b in blocks] + [
        e.get("text", "") for b in blocks if b["type"] == "context" for e in b["elements"]
    ]
    joined = "\n".join(texts)
    assert "&lt;!channel&gt;" in joined and "&lt;@U123&gt;" in joined
    assert "<!channel>" not in joined and "<@U123>" not in joined and "<https://evil" not in joined


def test_empty_chat_says_no_posts() -> None:
    figures = build_digest([], ChatContext(hashtag="quiet", start=T0, end=T0 + timedelta(hours=1))).figures
    blocks = digest_message(figures, digest_id=1)
    assert "No posts with #quiet" in json.dumps(blocks)
    result = build_digest([], ChatContext(hashtag="quiet", start=T0, end=T0 + timedelta(hours=1)))
    assert "No posts with #quiet" in archive_html(result)
    jsonschema.validate(orjson.loads(to_json(figures)), schema())


def test_html_archive_is_self_contained_escaped_and_threaded() -> None:
    root = _post(
        1,
        f'A1 {EVIL} see https://good.example/x #chat https://bad.example/"onmouseover="alert(2)',
        urls=["https://good.example/x"],
    )
    reply = _post(2, "nice one", kind="reply", reply_to_post_id=root.id, conversation_id=root.id, hashtags=[])
    question = _post(0, "Q1: what works? #chat", handle="host", conversation_id="1000")
    result = build_digest(
        [question, root, reply], ChatContext(hashtag="chat", start=T0, end=T0 + timedelta(hours=1), host_handle="host")
    )
    html = archive_html(result, chart_png=timeline_png(result.figures))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert 'onmouseover="' not in html and "&#34;onmouseover=&#34;" in html
    assert '<a href="https://good.example/x" rel="nofollow noopener">' in html
    assert "data:image/png;base64," in html
    for remote in ('src="http', "<link", "@import", "<script"):
        assert remote not in html
    assert 'id="p1002" style="margin-left:1.5rem"' in html  # the reply sits under its parent
    assert html.index("p1001") < html.index("p1002")


@pytest.mark.parametrize(
    "text", ["", "plain", EVIL, "&amp; already", 'it\'s "quoted"', "naïve 🎉 <b>", "\x00<\x00", "a" * 5000 + "<"]
)
def test_the_fast_escaper_escapes_as_the_five_replacements_do(text: str) -> None:
    assert _esc(text) == _escape_by_replacing(text)
    assert type(_esc(text)) is str  # no Markup: the archive formats thousands of these


def test_threads_nest_replies_depth_first_once_each() -> None:
    root, other = _post(1, "root"), _post(2, "other root")
    a = _post(3, "a", reply_to_post_id=root.id)
    b = _post(4, "b", reply_to_post_id=a.id)
    c = _post(5, "c", reply_to_post_id=root.id)
    outside = _post(6, "parent not in the group", reply_to_post_id="999")
    loop_x, loop_y = _post(7, "x", reply_to_post_id="1008"), _post(8, "y", reply_to_post_id="1007")  # a cycle
    twin = NormalizedPost(  # the root's id on another platform, replying to the x post: replies stay on their network
        platform="mastodon",
        id=root.id,
        author_id="m",
        author_handle="m",
        created_at=T0,
        text="m",
        reply_to_post_id=a.id,
    )
    placed = threaded([root, other, a, b, c, outside, loop_x, loop_y])
    assert [(p.text, depth) for p, depth in placed] == [
        ("root", 0),
        ("a", 1),
        ("b", 2),
        ("c", 1),
        ("other root", 0),
        ("parent not in the group", 0),
        ("x", 0),
        ("y", 0),
    ]
    assert [p.text for p, _ in threaded([twin, root, a])] == ["m", "root", "a"]
    assert threaded([root, other]) == [(root, 0), (other, 0)]


def test_each_post_s_markup_in_the_shapes_posts_come_in() -> None:
    """One post's markup, spelt out by hand: a Bluesky post (an id of letters, no link of its own), a handle and an
    id that need escaping, counts in the tens of thousands, a time in a zone whose offset had seconds (Monrovia
    was 44 min 30 s behind UTC until 1972: 12:00:20 UTC is 11:15:50 there; since, on UTC), a post without the chat's
    tag, and a post with its link."""
    zone = ZoneInfo("Africa/Monrovia")
    bluesky = NormalizedPost(
        platform="bluesky",
        id="3kq<x>",
        author_id="did:plc:abc",
        author_handle="o'neil.bsky.social",
        created_at=datetime(1960, 1, 1, 12, 0, 20, tzinfo=UTC),
        text="Love this 🎉 <b>",
        hashtags=["Other"],
        metrics=Metrics(likes=12345, reposts=0, replies=7, quotes=1),
    )
    x_post = _post(1, "A1 yes #chat", kind="quote")
    markup = _PostMarkup(zone, "Chat")
    assert markup.chunk([(bluesky, 9)]).decode() == (
        '<div class="post thread" id="p3kq&lt;x&gt;" style="margin-left:12.0rem">'
        '<div class="meta"><strong>@o&#39;neil.bsky.social</strong> · 11:15:50 · original · ♥ 12345 ⟳ 0 ↩ 7 ❝ 1'
        '</div><div class="text">Love this 🎉 &lt;b&gt;</div></div>\n'
    )
    assert markup.chunk([(x_post, 0)]).decode() == (
        '<div class="post" id="p1001" style="margin-left:0.0rem"><div class="meta"><strong>@user1</strong> · '
        '<a href="https://x.com/u/status/1001" rel="nofollow noopener">21:00:20</a> · quote · ♥ 1 ⟳ 0 ↩ 0 ❝ 0'
        '</div><div class="text">A1 yes #chat</div></div>\n'
    )


@pytest.mark.parametrize("build", [_big, lambda: build_digest([], ChatContext(hashtag="x", start=T0, end=T0))])
def test_json_follows_its_schema(build: object) -> None:
    result = build()  # type: ignore[operator]
    document = orjson.loads(to_json(result.figures))
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.validate(document, schema())
    assert document["schema_version"] == 3 and document["$schema"] == schema()["$id"]
    broken = {**document, "volume": {**document["volume"], "posts": "many"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema())
    for old in (1, 2):  # kept for digests stored before version 3
        jsonschema.Draft202012Validator.check_schema(schema(old))
        assert schema(old)["properties"]["schema_version"] == {"const": old}


def test_csv_has_every_post_and_defuses_formulas() -> None:
    posts = [_post(1, '=HYPERLINK("http://evil")'), _post(2, "plain", hashtags=[])]
    text = to_csv(posts, hashtag="chat", timezone="Europe/London", question_of={"1001": 3})
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == ["1001", "1002"]
    assert rows[0]["text"].startswith("'=") and rows[0]["question"] == "3"
    assert rows[1]["via_conversation"] == "yes" and rows[0]["via_conversation"] == ""


def _compared(*rows: tuple[str, float, float, float, int]) -> str:
    from assistant.render.environment import environment

    macros = environment().get_template("digests/macros.html").module
    items = [(n, {"value": v, "previous": p, "average": a, "occurrences": o}) for n, v, p, a, o in rows]
    return str(macros.comparison_table(items))  # type: ignore[attr-defined]


def test_the_comparison_names_its_earlier_chats_once_and_drops_a_copy_of_last_time() -> None:
    one = _compared(("posts", 400, 458, 458, 1), ("quotes", 14, 17, 17, 1))
    assert "<th>this time</th><th>last time</th></tr>" in one and "average" not in one
    assert "<tr><th>posts</th><td>400</td><td>458</td></tr>" in one
    three = _compared(("posts", 400, 458, 420.5, 3), ("posts_per_minute", 6.67, 7.63, 7.0, 3))
    assert "<th>average of three earlier chats</th></tr>" in three
    assert "<tr><th>posts per minute</th><td>6.67</td><td>7.63</td><td>7</td></tr>" in three
    mixed = _compared(("posts", 400, 458, 420, 3), ("thread_replies", 3, 1, 1, 1))
    assert "<th>average</th></tr>" in mixed
    assert "<td>420 over three earlier chats</td>" in mixed and "<td>1 over one earlier chat</td>" in mixed
