"""Chat recurrence planned in the chat's IANA zone: the wall-clock time holds across clock changes; stored in UTC."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from assistant.models.chats import Recurrence, nth_weekday
from assistant.services.chats.rules import RuleError

MAX_OCCURRENCES = 53  # a year of weekly chats; an open-ended series is planned a year ahead


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone, or RuleError('timezone') for a name that is not one."""
    value = (name or "").strip()
    if not value or value not in _zone_names():
        raise RuleError("timezone", f"{value or '(empty)'!r} is not a time zone; use an IANA name like Europe/London.")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError("timezone", f"{value!r} is not a time zone; use an IANA name like Europe/London.") from None


_ZONES: set[str] = set()


def _zone_names() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
        _ZONES.add("UTC")
    return _ZONES


def to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time (a time skipped by a spring-forward change moves on by the gap)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def _nth_weekday_of(year: int, month: int, weekday: int, n: int) -> date:
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    following = date(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def local_dates(start: date, recurrence: str, *, until: date | None = None, count: int | None = None) -> Iterator[date]:
    """The local dates of a series, first one included; stops at `until`, `count` or MAX_OCCURRENCES."""
    limit = min(count, MAX_OCCURRENCES) if count else MAX_OCCURRENCES
    if recurrence == Recurrence.none:
        limit = 1
    produced = 0
    index = 0
    n = nth_weekday(start)
    while produced < limit:
        if recurrence in (Recurrence.weekly, Recurrence.fortnightly, Recurrence.none):
            step = 14 if recurrence == Recurrence.fortnightly else 7
            day = start + timedelta(days=step * index)
        else:
            month0 = start.month - 1 + index
            day = _nth_weekday_of(start.year + month0 // 12, month0 % 12 + 1, start.weekday(), n)
        index += 1
        if until is not None and day > until:
            return
        produced += 1
        yield day


@dataclass(frozen=True, slots=True)
class Slot:
    """One planned sitting in UTC."""

    start: datetime
    end: datetime


def plan(
    start_date: date,
    start_time: time,
    tz_name: str,
    duration_minutes: int,
    recurrence: str,
    *,
    until: date | None = None,
    count: int | None = None,
) -> list[Slot]:
    tz = zone(tz_name)
    slots = []
    for day in local_dates(start_date, recurrence, until=until, count=count):
        begins = to_utc(day, start_time, tz)
        slots.append(Slot(begins, begins + timedelta(minutes=duration_minutes)))
    return slots
