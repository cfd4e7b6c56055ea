"""The synthetic chat generator: deterministic, realistic in the ways digests depend on, constant memory."""

from __future__ import annotations

import re
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from assistant.samples.chat import chat_start_times, generate_chat
from integrations.normalized import NormalizedPost
from integrations.x.parse import parse_page

ANSWER = re.compile(r"^(?P<mention>@\w+ )?(?P<label>[Aa])(?P<number>\d+)(?P<sep>:|\))? ")


def posts_of(posts: int, seed: int, **options: object) -> list[NormalizedPost]:
    found: list[NormalizedPost] = []
    for page in generate_chat(posts, seed, **options):  # type: ignore[arg-type]
        batch = parse_page(page, source="twarc2")
        assert batch.problems == []
        found.extend(batch.posts)
    return found


def test_pages_have_the_twarc2_shape_with_authors_and_mentions_in_includes() -> None:
    pages = list(generate_chat(250, 1))
    assert [len(page["data"]) for page in pages] == [100, 100, 50]
    for page in pages:
        users = {user["id"] for user in page["includes"]["users"]}
        for post in page["data"]:
            assert post["author_id"] in users
            for mention in post.get("entities", {}).get("mentions", []):
                assert mention["id"] in users
                assert post["text"][mention["start"] : mention["end"]] == "@" + mention["username"]
            for tag in post.get("entities", {}).get("hashtags", []):
                assert post["text"][tag["start"] : tag["end"]] == "#" + tag["tag"]
        assert page["meta"]["result_count"] == len(page["data"])
        assert "retrieved_at" in page["__twarc"]
    ids = [post["id"] for page in pages for post in page["data"]]
    assert len(set(ids)) == 250
    times = [post["created_at"] for page in pages for post in page["data"]]
    assert times == sorted(times)


def test_host_posts_intro_then_questions_on_schedule() -> None:
    posts = posts_of(600, 5, questions=6, start=datetime(2026, 3, 5, 21, 0), tz="Europe/London")
    host = [p for p in posts if p.author_handle == "edchat_host" and p.kind == "original"]
    assert host[0].text.startswith("Welcome to #edchat")
    questions = [p for p in host if re.match(r"Q\d+: ", p.text)]
    assert [q.text.split(":")[0] for q in questions] == [f"Q{i}" for i in range(1, 7)]
    start = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)  # London is on UTC in March before the clocks change
    assert questions[0].created_at == start + timedelta(minutes=5)
    gaps = [(b.created_at - a.created_at).total_seconds() / 60 for a, b in zip(questions, questions[1:], strict=False)]
    assert all(8 <= gap <= 10.01 for gap in gaps)
    assert all("edchat" in q.hashtags for q in questions)


def test_answers_come_in_every_form_people_use() -> None:
    posts = posts_of(1500, 9)
    forms: Counter[tuple[bool, str, str | None]] = Counter()
    for post in posts:
        match = ANSWER.match(post.text)
        if match and post.kind != "repost":
            forms[(bool(match["mention"]), match["label"], match["sep"])] += 1
            assert "edchat" in post.hashtags
    assert forms[(False, "A", None)] > 20  # "A1 ..."
    assert forms[(False, "A", ":")] > 20  # "A1: ..."
    assert forms[(False, "a", ")")] > 20  # "a1) ..."
    assert forms[(True, "A", None)] > 20  # "@host A2 ..."


def test_thread_replies_reposts_quotes_links_languages() -> None:
    posts = posts_of(2000, 11)
    by_id = {p.id: p for p in posts}
    replies = [p for p in posts if p.kind == "reply"]
    assert len(replies) > 200
    assert all("edchat" not in p.hashtags for p in replies)
    assert all(p.conversation_id == by_id[p.reply_to_post_id].conversation_id for p in replies)  # type: ignore[index]
    assert any(by_id[p.reply_to_post_id].kind == "reply" for p in replies)  # type: ignore[index]  # threads go deep
    reposts = [p for p in posts if p.kind == "repost"]
    assert len(reposts) > 100 and all(p.text.startswith("RT @") for p in reposts)
    assert all(p.reposted_post_id in by_id for p in reposts)
    quotes = [p for p in posts if p.kind == "quote"]
    assert quotes and all(by_id[p.quoted_post_id].text.startswith("Q") for p in quotes)  # type: ignore[index]
    links = Counter(url for p in posts for url in p.urls if "twitter.com" not in url)
    assert links.most_common(1)[0][1] >= 10 and len(links) > 20  # a few repeated, many one-offs
    assert len({url.split("/")[2] for url in links}) >= 5
    assert {p.lang for p in posts} >= {"en", "es", "fr", "cy"}
    assert sum(1 for p in posts if p.mentions and p.kind == "original") > 50
    co_tags = Counter(tag for p in posts for tag in p.hashtags if tag != "edchat")
    assert len(co_tags) >= 4
    assert any(ord(ch) > 0x1F000 for p in posts for ch in p.text)  # emoji


def test_weekly_series_repeats_the_slot_with_returning_and_new_people() -> None:
    posts = posts_of(400, 2, weeks=3, start=datetime(2026, 3, 19, 21, 0), tz="Europe/London")
    assert len(posts) == 1200
    london = ZoneInfo("Europe/London")
    welcomes = [p for p in posts if p.text.startswith("Welcome to #edchat")]
    local = [w.created_at.astimezone(london) for w in welcomes]
    assert [(t.weekday(), t.hour, t.minute) for t in local] == [(3, 21, 0)] * 3  # across the clock change
    weeks = [
        {p.author_id for p in posts if w.created_at <= p.created_at < w.created_at + timedelta(days=1)}
        for w in welcomes
    ]
    returning = weeks[0] & weeks[1]
    assert len(returning) > 10
    assert weeks[1] - weeks[0]  # newcomers in week 2


def test_start_times_follow_local_wall_clock() -> None:
    times = chat_start_times(datetime(2026, 3, 26, 21, 0), weeks=2, tz="Europe/London")
    assert times == [datetime(2026, 3, 26, 21, 0, tzinfo=UTC), datetime(2026, 4, 2, 20, 0, tzinfo=UTC)]


def test_too_few_posts_for_the_questions_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 8 posts"):
        list(generate_chat(5, 1, questions=6))


def test_memory_stays_flat_as_the_chat_grows_fivefold() -> None:
    def peak(posts: int) -> int:
        tracemalloc.start()
        for _ in generate_chat(posts, 4):
            pass
        _, high = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return high

    small, large = peak(2_000), peak(10_000)
    assert large < small * 1.5
