"""Figures in words: plurals, small numbers spelt out, times in the team's zone as people write them."""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.render.wording import counted, in_words, when


def test_plurals_are_right() -> None:
    assert [counted(n, "account") for n in (0, 1, 2, 1204)] == ["0 accounts", "1 account", "2 accounts", "1,204 accounts"]
    assert (counted(1, "person"), counted(3, "person")) == ("1 person", "3 people")
    assert (counted(1, "moderator reply"), counted(2, "moderator reply")) == ("1 moderator reply", "2 moderator replies")


def test_small_numbers_read_as_words() -> None:
    assert (in_words(1, "earlier chat"), in_words(4, "earlier chat")) == ("one earlier chat", "four earlier chats")
    assert in_words(12, "earlier chat") == "12 earlier chats"


def test_times_in_the_teams_zone() -> None:
    assert when("2026-03-12T21:05:00+00:00", "Europe/London") == "Thu 12 Mar, 21:05"
    assert when(datetime(2026, 7, 2, 20, 5, tzinfo=UTC), "Europe/London") == "Thu 2 Jul, 21:05"  # summer time
    assert when("2026-03-12T21:05:00Z", "America/New_York", day=False) == "17:05"
