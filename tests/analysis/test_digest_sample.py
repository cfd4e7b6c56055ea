"""Digest figures on a hand-checked 60-post sample chat, recomputed independently from the raw JSON."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from assistant.analysis.digest import ChatContext, build_digest
from assistant.analysis.digest.select import select_chat
from assistant.samples.chat import chat_start_times
from assistant.samples.chat_files import write_chat
from integrations.archives import read_archive

START = chat_start_times()[0]
END = START + timedelta(hours=1)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    buffer = io.BytesIO()
    write_chat(buffer, 60, 11)
    path = tmp_path_factory.mktemp("chat") / "edchat.jsonl"
    path.write_bytes(buffer.getvalue())
    raw = [post for line in buffer.getvalue().splitlines() for post in json.loads(line)["data"]]
    return path, raw


def _digest(path: Path) -> dict[str, Any]:
    posts = [p for chunk in read_archive(path) for p in chunk.batch.posts]
    chat = select_chat(posts, hashtag="edchat", start=START, end=END + timedelta(minutes=5))
    context = ChatContext(hashtag="edchat", start=START, end=END, host_handle="edchat_host")
    return build_digest(chat, context).figures


def _kind(raw: dict[str, Any]) -> str:
    types = {ref["type"] for ref in raw.get("referenced_tweets", [])}
    return {"retweeted": "repost", "replied_to": "reply", "quoted": "quote"}.get(next(iter(types), ""), "original")


def _answer_of(text: str) -> int | None:
    # independent of the analysis' regex: drop leading @words, then read "a<digits>" and a separator
    words = text.split()
    while words and words[0].startswith("@"):
        words.pop(0)
    if not words or words[0][0] not in "aA":
        return None
    digits = ""
    for ch in words[0][1:]:
        if not ch.isdigit():
            break
        digits += ch
    rest = words[0][1 + len(digits) :]
    return int(digits) if digits and rest in ("", ":", ".", ")") else None


def test_hand_checked_figures(sample: tuple[Path, list[dict[str, Any]]]) -> None:
    figures = _digest(sample[0])
    volume = figures["volume"]
    # counted by hand from a listing of the 60 posts of seed 11: 8 RTs, 10 thread replies, no quotes;
    # tagged answers A1..A6 = 5, 6, 5, 5, 4, 3; MartaMartin2 (user 2) wrote 16 of the 60 posts
    assert (volume["posts"], volume["originals"], volume["replies"], volume["quotes"], volume["reposts"]) == (
        60,
        42,
        10,
        0,
        8,
    )
    tagged = {q["number"]: (q["answers"] - q["thread_replies"], q["answerers"]) for q in figures["questions"]}
    assert [tagged[n][0] for n in range(1, 7)] == [5, 6, 5, 5, 4, 3]
    assert figures["top"]["contributors"][0] == {"author_id": "1500000002", "handle": "MartaMartin2", "posts": 16}
    assert figures["host"]["handle"] == "edchat_host"


def test_figures_match_independent_computation(sample: tuple[Path, list[dict[str, Any]]]) -> None:
    path, raw = sample
    figures = _digest(path)
    volume = figures["volume"]
    kinds = Counter(_kind(p) for p in raw)
    assert volume["posts"] == len(raw)
    assert (volume["originals"], volume["replies"], volume["quotes"], volume["reposts"]) == (
        kinds["original"],
        kinds["reply"],
        kinds["quote"],
        kinds["repost"],
    )
    assert volume["participants"] == len({p["author_id"] for p in raw})
    untagged = [p for p in raw if "#edchat" not in p["text"].lower()]
    assert volume["via_conversation"] == len(untagged)

    host = "1500000000"
    questions = {int(p["text"][1]): p for p in raw if p["author_id"] == host and p["text"].startswith("Q")}
    question_of = {q["id"]: n for n, q in questions.items()}
    by_id = {p["id"]: p for p in raw}

    def parent(post: dict[str, Any]) -> str | None:
        return next((r["id"] for r in post.get("referenced_tweets", []) if r["type"] == "replied_to"), None)

    def nearest_question(post: dict[str, Any]) -> int | None:  # up the reply parents to the first question
        above = parent(post)
        while above is not None and above in by_id:
            if above in question_of:
                return question_of[above]
            above = parent(by_id[above])
        return None

    expected: dict[int, list[dict[str, Any]]] = {n: [] for n in questions}
    by_host = 0  # the host's own posts answer nothing (moderator replies, or open conversation)
    for post in raw:
        if post["id"] in question_of or _kind(post) == "repost":
            continue
        if post["author_id"] == host:
            by_host += 1
            continue
        number = _answer_of(post["text"])
        if number is None and _kind(post) == "reply":
            number = nearest_question(post)
        if number in expected:
            expected[number].append(post)
    for question in figures["questions"]:
        answers = expected[question["number"]]
        assert question["answers"] == len(answers), question["number"]
        assert question["answerers"] == len({p["author_id"] for p in answers})
        best = max((sum(p["public_metrics"].values()) for p in answers), default=None)
        if answers:
            assert question["top_answers"][0]["engagement"] == best
    answered = sum(len(v) for v in expected.values())
    moderated = sum(q["moderator_replies"] for q in figures["questions"])
    intro = (figures["intro"] or {}).get("replies", 0)
    assert moderated <= by_host
    assert figures["open_conversation"] == len(raw) - kinds["repost"] - len(questions) - answered - moderated - intro

    counts = Counter(p["author_id"] for p in raw)
    top = figures["top"]
    assert [(c["author_id"], c["posts"]) for c in top["contributors"][:3]] == sorted(
        counts.items(), key=lambda kv: (-kv[1], kv[0])
    )[:3]
    mentioned = Counter(m.lower() for p in raw if _kind(p) != "repost" for m in set(re.findall(r"@(\w+)", p["text"])))
    assert {m["handle"].lower(): m["mentions"] for m in top["mentioned"]} == dict(
        sorted(mentioned.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    )
    # a mentioned account that posted in the chat is shown as it spells its handle, not as the mention was typed
    users = [u for line in path.read_text().splitlines() for u in json.loads(line)["includes"]["users"]]
    authors = {u["id"] for u in users} & {p["author_id"] for p in raw}
    spelled = {u["username"].lower(): u["username"] for u in users if u["id"] in authors}
    assert [m["handle"] for m in top["mentioned"]] == [
        spelled.get(m["handle"].lower(), m["handle"].lower()) for m in top["mentioned"]
    ]
    assert any(m["handle"] != m["handle"].lower() for m in top["mentioned"])  # the sample mentions in lower case
    co = Counter(
        t.lower()
        for p in raw
        if _kind(p) != "repost"
        for t in {h.lower() for h in re.findall(r"#(\w+)", p["text"])}
        if t.lower() != "edchat"
    )
    assert {c["tag"]: c["posts"] for c in top["co_hashtags"]} == dict(co)
    peak = Counter(int((p_time(p) - START).total_seconds() // 60) for p in raw)
    assert figures["volume"]["peak_minute"]["posts"] == max(peak.values())
    assert figures["volume"]["timeline"]["bucket_seconds"] == 60
    assert sum(figures["volume"]["timeline"]["counts"]) == sum(1 for p in raw if p_time(p) < END)


def p_time(post: dict[str, Any]) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(post["created_at"].replace("Z", "+00:00"))
