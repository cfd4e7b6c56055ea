"""A chat as an RFC 5545 calendar: one VEVENT (RRULE for a series, EXDATE for cancelled sittings) and its VTIMEZONE."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vRecur

from assistant.models.chats import ChatOccurrence, ChatSeries, ChatStatus, Recurrence, nth_weekday
from assistant.models.platforms import Platform

PRODID = "-//Outreach Assistant//Hashtag chats//EN"
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class AgendaItem(Protocol):
    """A post of the chat as the calendar lists it (the run sheet's items)."""

    @property
    def minute(self) -> int: ...

    @property
    def text(self) -> str: ...


def chat_calendar(
    series: ChatSeries,
    occurrences: Sequence[ChatOccurrence],
    items: Sequence[AgendaItem],
    *,
    organizer_name: str,
    domain: str = "outreach.invalid",
    now: datetime | None = None,
) -> bytes:
    """The .ics bytes of a chat series; times are local to the chat's zone with its VTIMEZONE included."""
    tz = ZoneInfo(series.timezone)
    first_local = datetime.combine(series.start_date, series.start_time, tzinfo=tz)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    last = occurrences[-1].start_at if occurrences else first_local.astimezone(UTC)
    calendar.add_component(
        Timezone.from_tzid(
            series.timezone, first_date=series.start_date - timedelta(days=1), last_date=last.date() + timedelta(days=1)
        )
    )
    event = Event()
    event.add("uid", f"chat-{series.id}@{domain}")
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", first_local)
    event.add("dtend", first_local + timedelta(minutes=series.duration_minutes))
    event.add("summary", f"#{series.hashtag}: {series.title}")
    event.add("description", _description(series, items))
    event.add("url", f"https://x.com/hashtag/{series.hashtag}")
    event.add(
        "location",
        f"#{series.hashtag} on " + ", ".join(p.capitalize() if p != Platform.x else "X" for p in series.platforms),
    )
    organizer = vCalAddress(f"mailto:chats@{domain}")
    organizer.params["cn"] = organizer_name
    event.add("organizer", organizer)
    if series.status == ChatStatus.cancelled:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    until = None
    if series.recurrence_until is not None:
        until = datetime.combine(series.recurrence_until, series.start_time, tzinfo=tz)
    rule = rrule(series.start_date, series.recurrence, until=until, count=series.recurrence_count)
    if rule:
        event.add("rrule", vRecur(rule))
        cancelled = [o.start_at.astimezone(tz) for o in occurrences if o.status == ChatStatus.cancelled]
        if cancelled:
            event.add("exdate", cancelled)
    calendar.add_component(event)
    return calendar.to_ical()


def _description(series: ChatSeries, items: Sequence[AgendaItem]) -> str:
    lines = [series.description, ""] if series.description else []
    lines.append(f"Hashtag chat #{series.hashtag}, {series.duration_minutes} minutes.")
    if series.guests:
        lines.append("Guests: " + " ".join(series.guests))
    lines.append("")
    for item in items:
        lines.append(f"+{item.minute:02d} min  {item.text}")
    return "\n".join(lines)


def rrule(
    start_date: date, recurrence: str, *, until: datetime | None = None, count: int | None = None
) -> dict[str, object]:
    """The RFC 5545 RRULE of a series as icalendar's vRecur mapping (empty for a one-off)."""
    if recurrence == Recurrence.none:
        return {}
    rule: dict[str, object]
    if recurrence == Recurrence.monthly:
        rule = {"FREQ": "MONTHLY", "BYDAY": f"{nth_weekday(start_date)}{WEEKDAY_CODES[start_date.weekday()]}"}
    else:
        rule = {"FREQ": "WEEKLY", "INTERVAL": 2 if recurrence == Recurrence.fortnightly else 1}
    if until is not None:
        rule["UNTIL"] = until.astimezone(UTC)
    elif count:
        rule["COUNT"] = count
    return rule
