"""Figures as people write them: "1 answer" and "2 answers", "one earlier chat", "Thu 12 Mar, 21:05"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_IRREGULAR = {"person": "people", "reply": "replies", "is": "are", "was": "were"}


def plural(singular: str, count: float) -> str:
    """The word for `count` of them: "answer" / "answers", "person" / "people", "reply" / "replies"."""
    if count == 1:
        return singular
    head, _, last = singular.rpartition(" ")
    word = _IRREGULAR.get(last, last + "s")
    return f"{head} {word}" if head else word


def counted(count: float | None, singular: str) -> str:
    """ "1 answer", "2 answers", "0 answers", "1,204 posts" (thousands grouped); "" for None."""
    if count is None:
        return ""
    shown = f"{int(count):,}" if count == int(count) else f"{count:,}"
    return f"{shown} {plural(singular, count)}"


def in_words(count: float | None, singular: str) -> str:
    """ "one earlier chat", "four earlier chats": numbers to ten in words (the way prose writes them)."""
    if count is None:
        return ""
    if count == int(count) and 0 <= count <= 10:
        return f"{_WORDS[int(count)]} {plural(singular, count)}"
    return counted(count, singular)


def when(value: datetime | str | None, zone: str = "UTC", *, day: bool = True) -> str:
    """A moment in the team's zone as people write it: "Thu 12 Mar, 21:05" (with day=False: "21:05")."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    local = moment.astimezone(ZoneInfo(zone))
    clock = f"{local.hour:02d}:{local.minute:02d}"
    return f"{local:%a} {local.day} {local:%b}, {clock}" if day else clock
