"""Hashtag chats: the words the app posts or hands out (intro, closing, cancellation notes), dated per sitting."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from assistant.models.chats import ChatOccurrence, ChatSeries
from assistant.models.platforms import Platform
from assistant.services.chats.rules import check_lengths

LONGEST_DAY = " (Wed 30 Sep)"


def day_label(start: datetime | None, tz: str) -> str:
    """' (Thu 3 Dec)': dates the intro and closing, so a weekly chat's posts are never duplicates (X refuses those)."""
    if start is None:
        return ""
    local = start.astimezone(ZoneInfo(tz))
    return f" ({local:%a} {local.day} {local:%b})"


def intro_text(hashtag: str, title: str, questions: int, duration: int, guests: Sequence[str], day: str = "") -> str:
    with_guests = f" With {' '.join(guests)}." if guests else ""
    return (
        f"Welcome to #{hashtag}{day}: {title}.{with_guests} {questions} questions in the next {duration} minutes; "
        f"answer Q1 with A1 and keep #{hashtag} in every reply."
    )


def closing_text(hashtag: str, day: str = "") -> str:
    return f"Thank you for joining #{hashtag}{day}! A digest of today's chat follows soon."


def guests_on(platform: str, guests: Sequence[str]) -> list[str]:
    """The guests one network can mention: @name on X, @name@server on Mastodon, @name.domain on Bluesky."""
    if platform == Platform.x:
        return [g for g in guests if re.fullmatch(r"@\w{1,15}", g)]
    if platform == Platform.mastodon:
        return [g for g in guests if g.count("@") == 2]
    if platform == Platform.bluesky:
        return [g for g in guests if g.count("@") == 1 and "." in g]
    return []


def cancellation_reply(series: ChatSeries, occurrence: ChatOccurrence, platform: str) -> str:
    """The public note under the intro of a sitting cancelled while under way; guests mentioned if it fits."""
    day = day_label(occurrence.start_at, series.timezone)
    base = f"Sorry: #{series.hashtag}{day} is cancelled and no more questions will be posted."
    mentions = guests_on(platform, series.guests)
    text = f"{base} {' '.join(mentions)}, thank you; we will be in touch." if mentions else base
    return text if not any(check.over for check in check_lengths(text, [platform])) else base


def guest_notice(series: ChatSeries, when: Sequence[datetime], *, whole: bool) -> str:
    """What a moderator sends each guest: the app cannot write privately to people outside the workspace."""
    tz = ZoneInfo(series.timezone)
    dates = ", ".join(f"{w.astimezone(tz):%a %d %b %H:%M}" for w in when)
    what = f"the #{series.hashtag} chat series “{series.title}”" if whole else f"#{series.hashtag} “{series.title}”"
    on = f" on {dates} ({series.timezone})" if dates else ""
    return (
        f"Hello, I'm sorry to tell you that {what}{on} is cancelled. "
        "Thank you for agreeing to join us; we will be in touch about another date."
    )
