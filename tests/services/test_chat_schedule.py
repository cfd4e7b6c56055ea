"""Recurrence in the chat's IANA zone: the local time holds across DST changes; RRULEs for the calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from assistant.render.ics import rrule
from assistant.services.chats.rules import RuleError
from assistant.services.chats.schedule import plan, zone


def test_weekly_2100_london_stays_at_2100_local_across_october_and_march() -> None:
    slots = plan(date(2026, 10, 15), time(21, 0), "Europe/London", 60, "weekly", until=date(2027, 4, 8))
    starts = [s.start for s in slots]
    assert starts[0] == datetime(2026, 10, 15, 20, 0, tzinfo=UTC)  # BST: 21:00 local is 20:00 UTC
    assert starts[1] == datetime(2026, 10, 22, 20, 0, tzinfo=UTC)
    assert starts[2] == datetime(2026, 10, 29, 21, 0, tzinfo=UTC)  # after 25 Oct: GMT
    assert datetime(2027, 3, 25, 21, 0, tzinfo=UTC) in starts  # last Thursday before 28 Mar
    assert starts[-1] == datetime(2027, 4, 8, 20, 0, tzinfo=UTC)  # BST again
    london = zone("Europe/London")
    assert {s.astimezone(london).time() for s in starts} == {time(21, 0)}
    assert {s.astimezone(london).weekday() for s in starts} == {3}
    assert all(s.end - s.start == slots[0].end - slots[0].start for s in slots)


def test_fortnightly_count_and_monthly_nth_weekday() -> None:
    fortnightly = plan(date(2026, 12, 3), time(20, 0), "America/New_York", 45, "fortnightly", count=3)
    assert [s.start.date() for s in fortnightly] == [
        date(2026, 12, 4),
        date(2026, 12, 18),
        date(2027, 1, 1),
    ]  # UTC dates
    monthly = plan(date(2026, 12, 10), time(19, 0), "Europe/London", 60, "monthly", count=3)  # 2nd Thursday
    assert [s.start.date() for s in monthly] == [date(2026, 12, 10), date(2027, 1, 14), date(2027, 2, 11)]
    last = plan(date(2026, 12, 31), time(19, 0), "Europe/London", 60, "monthly", count=2)  # 5th Thursday = last
    assert [s.start.date() for s in last] == [date(2026, 12, 31), date(2027, 1, 28)]
    assert len(plan(date(2026, 12, 3), time(20, 0), "UTC", 60, "none", count=9)) == 1


def test_unknown_time_zone_is_a_rule_error() -> None:
    with pytest.raises(RuleError, match="'Mars/Olympus' is not a time zone"):
        zone("Mars/Olympus")


def test_rrules() -> None:
    assert rrule(date(2026, 12, 3), "weekly", count=4) == {"FREQ": "WEEKLY", "INTERVAL": 1, "COUNT": 4}
    assert rrule(date(2026, 12, 31), "monthly") == {"FREQ": "MONTHLY", "BYDAY": "-1TH"}
    assert rrule(date(2026, 12, 3), "none") == {}
