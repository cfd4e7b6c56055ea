"""Volume: posts by kind, participants (new and returning), the timeline, posts per minute and the peak minute."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

import numpy as np

from integrations.normalized import NormalizedPost

MAX_BUCKETS = 1440
BUCKETS = (60, 300, 900, 3600, 86400, 7 * 86400)  # a minute, 5 and 15 minutes, an hour, a day, a week


_CREATED = attrgetter("created_at")


def utc_minutes(times: Sequence[datetime]) -> Counter[int]:
    """How many of the times fall in each UTC minute since the epoch (`int(time.timestamp()) // 60`), counted with
    numpy: 0.03 against 0.05 s for 100k posts."""
    seconds = np.trunc(np.fromiter(map(datetime.timestamp, times), dtype=np.float64, count=len(times)))
    found, counts = np.unique((seconds // 60).astype(np.int64), return_counts=True)
    return Counter(dict(zip(found.tolist(), counts.tolist(), strict=True)))


def timeline(
    times: Sequence[datetime], *, start: datetime, end: datetime, minutes: Mapping[int, int] | None = None
) -> dict[str, Any]:
    """Posts per bucket over the window (clipped to the posts' span), from the posts' times; the bucket is the
    smallest of BUCKETS that keeps the timeline within MAX_BUCKETS points. `minutes` (posts per UTC minute since
    the epoch, when the caller has counted them) saves looking at every time again."""
    if times:
        first, last = min(times), max(times)
        start, end = max(start, first.replace(second=0, microsecond=0)), min(end, last + timedelta(minutes=1))
    seconds = max(60.0, (end - start).total_seconds())
    size = next((b for b in BUCKETS if seconds / b <= MAX_BUCKETS), BUCKETS[-1])
    buckets = max(1, min(MAX_BUCKETS, int(-(-seconds // size))))
    counts = [0] * buckets
    origin = start.timestamp()
    if minutes is not None and origin % 60 == 0:  # whole minutes fall in one bucket (every size is minutes)
        first_minute = int(origin) // 60
        for minute, posted in minutes.items():
            index = (minute - first_minute) * 60 // size
            if 0 <= index < buckets:
                counts[index] += posted
        return {"start": start.astimezone(UTC).isoformat(), "bucket_seconds": size, "counts": counts}
    for at in times:
        index = int((at - start).total_seconds() // size)
        if 0 <= index < buckets:
            counts[index] += 1
    return {"start": start.astimezone(UTC).isoformat(), "bucket_seconds": size, "counts": counts}


def volume(
    posts: Sequence[NormalizedPost],
    *,
    start: datetime,
    end: datetime,
    via_conversation: int,
    earlier_participants: set[str] | None = None,
) -> dict[str, Any]:
    """The volume figures; `earlier_participants` are authors seen in earlier occurrences of the chat."""
    kinds = Counter(p.kind for p in posts)
    authors = {p.author_id for p in posts}
    returning = len(authors & (earlier_participants or set()))
    times = list(map(_CREATED, posts))
    minutes = utc_minutes(times)
    peak: dict[str, Any] | None = None
    if minutes:
        minute, count = min(minutes.items(), key=lambda item: (-item[1], item[0]))
        peak = {"at": datetime.fromtimestamp(minute * 60, UTC).isoformat(), "posts": count}
    window_minutes = max(1.0, (end - start).total_seconds() / 60)
    return {
        "posts": len(posts),
        "originals": kinds.get("original", 0),
        "replies": kinds.get("reply", 0),
        "quotes": kinds.get("quote", 0),
        "reposts": kinds.get("repost", 0),
        "participants": len(authors),
        "new_participants": len(authors) - returning,
        "returning_participants": returning,
        "via_conversation": via_conversation,
        "posts_per_minute": round(len(posts) / window_minutes, 2),
        "peak_minute": peak,
        "timeline": timeline(times, start=start, end=end, minutes=minutes),
    }
