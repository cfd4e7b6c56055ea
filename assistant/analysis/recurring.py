"""Recurring hashtag chats: bursts at the same weekday and time, week after week, in a given time zone."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "RecurringSlot",
    "detect_recurring_chats",
    "slot_overlaps",
    "weekday_hour_profile",
    "WEEKDAYS",
]

WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
BIN_MINUTES = 30
BINS_PER_DAY = 24 * 60 // BIN_MINUTES
BINS_PER_WEEK = 7 * BINS_PER_DAY
MIN_SESSION_POSTS = 5  # fewer posts than this in the window is not a session
BURST_FACTOR = 6.0  # a session's window is at least this many times denser than the hashtag's average
GROW_SHARE = 0.2  # a neighbouring half-hour joins the window if it holds this share of the peak's posts
MAX_SLOTS_PER_HASHTAG = 3
_QUESTION = re.compile(r"^\s*(?:@\w+\s+)*Q\s?\d{1,2}\b", re.IGNORECASE)

Post = tuple[str, datetime, str, str]


@dataclass(slots=True)
class RecurringSlot:
    """A weekly window in which a hashtag bursts, with what a typical session looks like."""

    hashtag: str
    weekday: int  # 0 = Monday, in `tz`
    start: time
    end: time
    tz: str
    weeks_seen: int
    weeks_observed: int
    typical_posts: int
    typical_participants: int
    organisers: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """Like "Thursdays 21:00-22:00 Europe/London"."""
        return f"{WEEKDAYS[self.weekday]} {self.start:%H:%M}-{self.end:%H:%M} {self.tz}"

    @property
    def duration(self) -> timedelta:
        start = datetime.combine(date(2000, 1, 3), self.start)
        end = datetime.combine(date(2000, 1, 3), self.end)
        if end <= start:
            end += timedelta(days=1)
        return end - start

    def occurrence(self, day: date) -> tuple[datetime, datetime]:
        """The session on local `day` (which must be the slot's weekday) as aware UTC (start, end)."""
        zone = ZoneInfo(self.tz)
        local_start = datetime.combine(day, self.start)
        local_end = local_start + self.duration
        return (
            local_start.replace(tzinfo=zone).astimezone(UTC),
            local_end.replace(tzinfo=zone).astimezone(UTC),
        )


@dataclass(slots=True)
class _Tag:
    bins: dict[int, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))  # week -> bin -> posts
    posts: dict[tuple[int, int], list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    total: int = 0
    first_week: int | None = None
    last_week: int | None = None


def _week_and_bin(moment: datetime, zone: ZoneInfo) -> tuple[int, int]:
    if moment.tzinfo is None:
        raise ValueError("post times must be timezone-aware")
    local = moment.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    week = monday.toordinal() // 7
    bin_ = local.weekday() * BINS_PER_DAY + (local.hour * 60 + local.minute) // BIN_MINUTES
    return week, bin_


def weekday_hour_profile(posts: Iterable[tuple[str, datetime, str, str]], *, tz: str) -> dict[str, list[list[int]]]:
    """Posts per hashtag by local weekday (rows, Monday first) and hour (columns)."""
    zone = ZoneInfo(tz)
    out: dict[str, list[list[int]]] = {}
    for hashtag, moment, _author, _text in posts:
        grid = out.setdefault(hashtag, [[0] * 24 for _ in range(7)])
        local = moment.astimezone(zone)
        grid[local.weekday()][local.hour] += 1
    return out


def detect_recurring_chats(
    posts: Iterable[tuple[str, datetime, str, str]],
    *,
    tz: str,
    min_weeks: int = 3,
    max_window_hours: int = 2,
) -> list[RecurringSlot]:
    """Slots (weekday, window of at most `max_window_hours`) where a hashtag bursts in at least `min_weeks` weeks.

    `posts` are (hashtag lower-case, created_at aware UTC, author_id, text); a post with several hashtags
    appears once per hashtag. Results are sorted by weeks seen, then typical posts, most regular first.
    """
    if max_window_hours < 1:
        raise ValueError("max_window_hours must be at least 1")
    zone = ZoneInfo(tz)
    tags: dict[str, _Tag] = defaultdict(_Tag)
    for hashtag, moment, author, text in posts:
        week, bin_ = _week_and_bin(moment, zone)
        tag = tags[hashtag]
        tag.bins[week][bin_] += 1
        tag.posts[(week, bin_)].append((author, text))
        tag.total += 1
        tag.first_week = week if tag.first_week is None else min(tag.first_week, week)
        tag.last_week = week if tag.last_week is None else max(tag.last_week, week)

    max_bins = max_window_hours * 60 // BIN_MINUTES
    slots: list[RecurringSlot] = []
    for hashtag in sorted(tags):
        slots.extend(_slots_for(hashtag, tags[hashtag], tz=tz, min_weeks=min_weeks, max_bins=max_bins))
    slots.sort(key=lambda s: (-s.weeks_seen, -s.typical_posts, s.hashtag, s.weekday, s.start))
    return slots


def _window(start: int, length: int) -> list[int]:
    return [(start + i) % BINS_PER_WEEK for i in range(length)]


def _sessions(tag: _Tag, window: list[int], density: float) -> list[int]:
    """The weeks in which `window` holds a burst."""
    threshold = max(MIN_SESSION_POSTS, BURST_FACTOR * density * len(window))
    return [week for week, counts in tag.bins.items() if sum(counts[b] for b in window) >= threshold]


def _slots_for(hashtag: str, tag: _Tag, *, tz: str, min_weeks: int, max_bins: int) -> list[RecurringSlot]:
    assert tag.first_week is not None and tag.last_week is not None
    weeks_observed = tag.last_week - tag.first_week + 1
    if weeks_observed < min_weeks:
        return []
    density = tag.total / (weeks_observed * BINS_PER_WEEK)  # average posts per half-hour
    # per bin: in how many weeks the bin alone (or with its neighbours) bursts, and its posts in those weeks
    used: set[int] = set()
    found: list[RecurringSlot] = []
    for _ in range(MAX_SLOTS_PER_HASHTAG):
        best: tuple[int, int, int] | None = None  # (weeks, posts, bin)
        for bin_ in range(BINS_PER_WEEK):
            if bin_ in used:
                continue
            weeks = _sessions(tag, _window(bin_, 1), density)
            if len(weeks) < 1:
                continue
            posts = sum(tag.bins[w][bin_] for w in weeks)
            key = (len(weeks), posts, -bin_)
            if best is None or key > (best[0], best[1], -best[2]):
                best = (len(weeks), posts, bin_)
        if best is None:
            break
        start, length = best[2], 1
        totals = Counter[int]()
        for counts in tag.bins.values():
            totals.update(counts)
        peak = totals[best[2]]
        while length < max_bins:
            left, right = (start - 1) % BINS_PER_WEEK, (start + length) % BINS_PER_WEEK
            candidates = [(totals[b], b) for b in (left, right) if b not in used]
            if not candidates:
                break
            count, chosen = max(candidates)
            if count < GROW_SHARE * peak:
                break
            if chosen == left:
                start = left
            length += 1
        window = _window(start, length)
        weeks = sorted(_sessions(tag, window, density))
        used.update(window)
        if len(weeks) < min_weeks:
            continue
        found.append(_slot(hashtag, tag, tz=tz, window=window, weeks=weeks, weeks_observed=weeks_observed))
    return found


def _slot(
    hashtag: str, tag: _Tag, *, tz: str, window: list[int], weeks: list[int], weeks_observed: int
) -> RecurringSlot:
    per_session_posts: list[int] = []
    per_session_people: list[int] = []
    questions: Counter[str] = Counter()
    for week in weeks:
        session = [item for b in window for item in tag.posts.get((week, b), ())]
        per_session_posts.append(len(session))
        per_session_people.append(len({author for author, _ in session}))
        askers = {author for author, text in session if _QUESTION.match(text)}
        questions.update(askers)
    floor = max(1, len(weeks) // 4)
    organisers = [author for author, n in questions.most_common() if n >= floor]
    start_minutes = (window[0] % BINS_PER_DAY) * BIN_MINUTES
    end_minutes = (start_minutes + len(window) * BIN_MINUTES) % (24 * 60)
    return RecurringSlot(
        hashtag=hashtag,
        weekday=window[0] // BINS_PER_DAY,
        start=time(start_minutes // 60, start_minutes % 60),
        end=time(end_minutes // 60, end_minutes % 60),
        tz=tz,
        weeks_seen=len(weeks),
        weeks_observed=weeks_observed,
        typical_posts=round(statistics.median(per_session_posts)),
        typical_participants=round(statistics.median(per_session_people)),
        organisers=organisers,
    )


def slot_overlaps(slot: RecurringSlot, start: datetime, end: datetime) -> bool:
    """Whether [start, end) (aware datetimes) overlaps any weekly session of `slot`."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    if end <= start:
        return False
    zone = ZoneInfo(slot.tz)
    first = start.astimezone(zone).date() - timedelta(days=2)
    last = end.astimezone(zone).date() + timedelta(days=1)
    day = first + timedelta(days=(slot.weekday - first.weekday()) % 7)
    while day <= last:
        occ_start, occ_end = slot.occurrence(day)
        if occ_start < end and start < occ_end:
            return True
        day += timedelta(days=7)
    return False
