"""Comparison of every figure with the previous occurrence of the chat and the average of recent ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

HEADLINE = (
    "posts",
    "participants",
    "new_participants",
    "returning_participants",
    "answers",
    "via_conversation",
    "posts_per_minute",
)
VOLUME = (*(name for name in HEADLINE if name != "answers"), "originals", "replies", "quotes", "reposts")
HOST = ("mentions_in_chat", "mentions_on_day", "followers_gained")
QUESTION = ("answers", "answerers", "thread_replies", "moderator_replies")
DISTINCT = ("links", "domains", "co_hashtags", "mentioned")  # the sizes of the top lists before they are cut
# Every figure compared, in the order the archive lists them (questions' figures live with each question).
FIGURES = (
    *HEADLINE,
    "originals",
    "replies",
    "quotes",
    "reposts",
    "peak_minute_posts",
    "thread_replies",
    "moderator_replies",
    "intro_replies",
    "open_conversation",
    *(f"host_{name}" for name in HOST),
    *(f"distinct_{name}" for name in DISTINCT),
)


def question_key(number: int, name: str) -> str:
    """The flat name of a question's figure ("q2.answers") in `comparable`."""
    return f"q{number}.{name}"


def headline(figures: Mapping[str, Any]) -> dict[str, float]:
    """The headline numbers of a digest document (the ones the Slack message compares)."""
    values = comparable(figures)
    return {name: values[name] for name in HEADLINE}


def comparable(figures: Mapping[str, Any]) -> dict[str, float]:
    """Every numeric figure of a digest document by flat name; figures the document has no value for
    (no host, no follower snapshots) are left out. Works on documents of every schema version."""
    volume = figures.get("volume", {})
    questions = figures.get("questions", [])
    values = {name: float(volume.get(name, 0) or 0) for name in VOLUME}
    values["answers"] = float(sum(q.get("answers", 0) for q in questions))
    values["peak_minute_posts"] = float((volume.get("peak_minute") or {}).get("posts", 0))
    values["thread_replies"] = float(sum(q.get("thread_replies", 0) for q in questions))
    values["moderator_replies"] = float(sum(q.get("moderator_replies", 0) for q in questions))
    values["intro_replies"] = float((figures.get("intro") or {}).get("replies", 0))
    values["open_conversation"] = float(figures.get("open_conversation", 0) or 0)
    host = figures.get("host") or {}
    for name in HOST:
        if host.get(name) is not None:
            values[f"host_{name}"] = float(host[name])
    distinct = figures.get("distinct") or {}  # documents made before it was added have none: no comparison
    for name in DISTINCT:
        if distinct.get(name) is not None:
            values[f"distinct_{name}"] = float(distinct[name])
    for question in questions:
        for name in QUESTION:
            values[question_key(question["number"], name)] = float(question.get(name, 0) or 0)
    return values


def compare(current: Mapping[str, float], previous: Sequence[Mapping[str, float]]) -> dict[str, Any]:
    """Each figure of `current` (and every headline one) with the previous occurrence's (newest first in
    `previous`) and the average over the occurrences that have it."""
    result: dict[str, Any] = {}
    for name in dict.fromkeys([*HEADLINE, *current]):
        value = current.get(name, 0.0)
        earlier = [p[name] for p in previous if name in p]
        result[name] = {
            "value": value,
            "previous": earlier[0] if earlier else None,
            "average": round(sum(earlier) / len(earlier), 2) if earlier else None,
            "occurrences": len(earlier),
        }
    return result
