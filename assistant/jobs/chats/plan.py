"""What a sitting needs now, worked out without I/O: reminders, posts to publish or hand over, prompts, the digest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from assistant.models.chats import ChatPost, PostStatus
from assistant.models.codecs import INTRO, chat_post_key
from assistant.models.outbox import OutboxState
from assistant.services.chats.signoff import RunSheet, SheetItem

DEFAULT_REMINDERS = (24 * 60, 15)  # minutes before the start; a team overrides with settings["chat_reminder_minutes"]
GRACE = timedelta(minutes=2)  # later than this after its minute, an item is "missed" and the moderator is asked
DIGEST_AFTER = timedelta(minutes=15)
DONE = (PostStatus.posted, PostStatus.manual_posted, PostStatus.skipped)

OutboxStates = Mapping[str, tuple[str, str | None]]  # outbox key -> (state, last error)


@dataclass(frozen=True, slots=True)
class Remind:
    """Remind the moderators and the chat's channel, `minutes` before the start."""

    minutes: int
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CrosspostIntro:
    """The intro is out: cross-post it to the team's Yammer group (when the team has one)."""

    intro: SheetItem


@dataclass(frozen=True, slots=True)
class ItemIntent:
    """One post of the sitting on one network, under its outbox key, due at `due`."""

    item: SheetItem
    platform: str
    key: str
    due: datetime


@dataclass(frozen=True, slots=True)
class AskUnapproved(ItemIntent):
    """The item is due but not signed off: tell these moderators."""

    users: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordDone(ItemIntent):
    """The outbox says it was posted but the chat's record does not yet: record it."""


@dataclass(frozen=True, slots=True)
class ReportFailed(ItemIntent):
    """Posting failed for good: ask the lead moderator to post it by hand."""

    error: str = ""


@dataclass(frozen=True, slots=True)
class AskMissed(ItemIntent):
    """The item's minute passed unnoticed (a worker was down): ask the lead to post now or skip."""


@dataclass(frozen=True, slots=True)
class Publish(ItemIntent):
    """Post it from the team's account on the network (a network without a connected account hands it over)."""


@dataclass(frozen=True, slots=True)
class HandOver(ItemIntent):
    """Give the lead moderator the exact text to post by hand (manual chats, networks the app cannot post to)."""


@dataclass(frozen=True, slots=True)
class RequestDigest:
    """The sitting is over: request its digest."""


Intent = Remind | CrosspostIntro | ItemIntent | RequestDigest


def reminder_due(leads: Sequence[int], start: datetime, now: datetime) -> int | None:
    """The reminder (minutes before `start`) whose window `now` falls in: from its lead until the next one's."""
    ordered = sorted({int(m) for m in leads}, reverse=True)
    for index, minutes in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else 0
        if start - timedelta(minutes=minutes) <= now < start - timedelta(minutes=following):
            return minutes
    return None


def plan(
    sheet: RunSheet,
    states: OutboxStates,
    posts: Mapping[tuple[str, str], ChatPost],
    now: datetime,
    *,
    moderators: Sequence[str],
    reminders: Sequence[int] = DEFAULT_REMINDERS,
    grace: timedelta = GRACE,
) -> list[Intent]:
    """Everything the sitting of `sheet` needs at `now`, in the order it should happen.

    `states` are the sitting's outbox rows, `posts` its recorded posts by (item, platform).
    """
    occurrence = sheet.occurrence
    assert occurrence is not None and occurrence.id is not None, "a sitting's run sheet"
    series, start, end = sheet.series, occurrence.start_at, occurrence.end_at
    intents: list[Intent] = []
    reminder = reminder_due(reminders, start, now)
    if reminder is not None:
        intents.append(Remind(reminder, (*moderators, series.channel_id)))
    if now < start:
        return intents
    intro = next((item for item in sheet.items if item.item == INTRO), None)
    if intro is not None and intro.approved and intro.due(start) <= now < end:
        intents.append(CrosspostIntro(intro))
    for item in sheet.items:
        due = item.due(start)
        if now < due:
            continue
        for platform in series.platforms:
            key = chat_post_key(occurrence.id, item.item, platform)
            row = posts.get((item.item, platform))
            if row is not None and row.status in DONE:
                continue
            if not item.approved:
                if key not in states and now < end:
                    intents.append(AskUnapproved(item, platform, key, due, tuple(moderators)))
                continue
            state, error = states.get(key, (None, None))
            if state == OutboxState.done.value:
                intents.append(RecordDone(item, platform, key, due))
                continue
            if state == OutboxState.dead.value and now < end:
                intents.append(ReportFailed(item, platform, key, due, error or ""))
                continue
            asked = row is not None and row.status == PostStatus.post_now
            if state is None and not asked and now - due > grace:
                if now < end:
                    intents.append(AskMissed(item, platform, key, due))
                continue
            if series.manual:
                intents.append(HandOver(item, platform, key, due))
            else:
                intents.append(Publish(item, platform, key, due))
    if now >= end + DIGEST_AFTER:
        intents.append(RequestDigest())
    return intents


def lead_label(minutes: int) -> str:
    """How a reminder names its lead time: 24 hours, 2 days, 1 hour, 15 minutes."""
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days > 1 else ''}" if days > 1 else "24 hours"
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' if minutes > 60 else ''}"
    return f"{minutes} minutes"
