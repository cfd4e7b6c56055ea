"""X API v1.1 archives (twarc 1): detected, and each status read with its text unescaped once, its reply parent,
author, tags, mentions and expanded links (the hand-written chat in tests/twarc1_chat.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from integrations.archives import detect_format, read_archive
from integrations.x.v1 import parse_v1_line, v1_time
from tests.twarc1_chat import STATUSES, write_twarc1


def test_a_twarc1_file_is_detected_and_read_line_by_line(tmp_path: Path) -> None:
    path = write_twarc1(tmp_path / "chat.jsonl")
    assert detect_format(path) == "twarc1"
    chunks = list(read_archive(path))
    assert [c.line_number for c in chunks] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert not [p for c in chunks for p in c.batch.problems] and not [c.skipped for c in chunks if c.skipped]
    # eight statuses, and the retweet's line carries the retweeted Q1 again (as v2's includes would)
    assert [[p.id for p in c.batch.posts] for c in chunks] == [
        ["9001"],
        ["9002"],
        ["9003"],
        ["9004"],
        ["9005"],
        ["9006"],
        ["9007", "9002"],
        ["9008"],
    ]


def test_each_field_of_a_status_as_published(tmp_path: Path) -> None:
    posts = {p.id: p for c in read_archive(write_twarc1(tmp_path / "chat.jsonl")) for p in c.batch.posts}
    intro, q1, a1, reply, q2, a2, rt = (posts[str(i)] for i in range(9001, 9008))
    assert intro.text == "Welcome to #edchat, tonight on tools & time"
    assert (intro.kind, intro.conversation_id, intro.reply_to_post_id) == ("original", "9001", None)
    assert intro.created_at == datetime(2026, 3, 12, 21, 0, tzinfo=UTC)
    assert q1.text == "Q1 Which tools <3 do you use? #edchat"
    assert (q1.kind, q1.reply_to_post_id, q1.reply_to_user_id, q1.reply_to_handle) == ("reply", "9001", "100", "hosty")
    assert q1.conversation_id is None  # v1.1 names no conversation
    assert (q1.metrics.likes, q1.metrics.reposts) == (4, 1)
    assert a1.text == "@hosty A1 paper & pens -> always https://t.co/abc #edchat"
    assert (a1.author_id, a1.author_handle, a1.hashtags, a1.mentions) == ("201", "ann", ["edchat"], ["hosty"])
    assert a1.urls == ["https://example.org/pens"]  # the expanded URL, not t.co
    assert a1.url == "https://x.com/ann/status/9003"
    assert (reply.kind, reply.reply_to_post_id, reply.hashtags, reply.reply_to_handle) == ("reply", "9003", [], "ann")
    assert q2.text == "Q2 And for time? #edchat" and q2.hashtags == ["edchat"]  # whole, from extended_tweet
    assert (a2.kind, a2.hashtags) == ("original", ["edchat"])
    assert (rt.kind, rt.reposted_post_id, rt.reply_to_post_id) == ("repost", "9002", None)
    assert rt.text == "RT @hosty: Q1 Which tools <3 do you use? #edchat"


def test_authors_come_with_their_statuses() -> None:
    batch = parse_v1_line(STATUSES[0])
    assert not isinstance(batch, str)
    (account,) = batch.accounts
    assert (account.id, account.handle, account.display_name) == ("100", "hosty", "Hosty")
    assert (account.followers, account.following, account.post_count) == (1200, 300, 4000)
    assert account.url == "https://edchat.example"  # the profile's t.co link expanded
    assert account.created_at == datetime(2015, 1, 5, 10, 0, tzinfo=UTC)
    retweet = parse_v1_line(STATUSES[6])
    assert not isinstance(retweet, str)
    assert [a.handle for a in retweet.accounts] == ["dee", "hosty"]


def test_a_line_that_is_no_status_is_skipped_with_a_reason() -> None:
    assert parse_v1_line({"id": 1, "text": "v2 has no user inline"}) == (
        "not an X v1.1 status (no id_str and user); nothing to import"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Thu Mar 12 21:05:00 +0000 2026", datetime(2026, 3, 12, 21, 5, tzinfo=UTC)),
        ("Thu Mar 12 23:05:00 +0200 2026", datetime(2026, 3, 12, 21, 5, tzinfo=UTC)),
        ("2026-03-12T21:05:00.000Z", datetime(2026, 3, 12, 21, 5, tzinfo=UTC)),
        (None, None),
    ],
)
def test_v1_times(value: str | None, expected: datetime | None) -> None:
    assert v1_time(value) == expected
