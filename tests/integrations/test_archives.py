"""Archive import: format detection and the rtweet, Bluesky and Mastodon JSONL readers, counts checked."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from integrations.archives import UnknownFormat, detect_format, read_archive
from tests.conftest import shared_path

TT = ("fixtures", "datasets", "tt_tweets.jsonl")
BSKY = ("fixtures", "datasets", "bluesky_posts.jsonl")


def mastodon_jsonl(tmp_path: Path) -> tuple[Path, list[dict]]:
    exchanges = json.loads(
        shared_path("fixtures", "mastodon", "Mastodon.py_test_fetch_next_previous.decoded.json").read_text()
    )
    statuses = [s for ex in exchanges if isinstance(ex["body"], list) for s in ex["body"]]
    path = tmp_path / "statuses.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in statuses))
    return path, statuses


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("fixtures", "twarc2", "twarc-network_tweets.jsonl"), "twarc2"),
        (("fixtures", "twarc2", "twarc-csv_test-data", "flat.jsonl"), "twarc2"),
        (("fixtures", "twarc2", "twarc-csv_test-data", "tweets_compliance.jsonl"), "twarc2"),
        (TT, "rtweet"),
        (BSKY, "bluesky"),
    ],
)
def test_detect_format(parts: tuple[str, ...], expected: str) -> None:
    assert detect_format(shared_path(*parts)) == expected


def test_detect_mastodon_and_unknown(tmp_path: Path) -> None:
    path, _ = mastodon_jsonl(tmp_path)
    assert detect_format(path) == "mastodon"
    other = tmp_path / "other.jsonl"
    other.write_text('\n{"name": "a list", "members": 3}\n')
    with pytest.raises(UnknownFormat, match="first record's keys: members, name"):
        detect_format(other)
    with pytest.raises(UnknownFormat):
        list(read_archive(other))


def test_rtweet_dataset_parses_fully() -> None:
    path = shared_path(*TT)
    rows = [json.loads(line) for line in path.read_text().split("\n") if line.strip()]
    chunks = list(read_archive(path))
    posts = [p for chunk in chunks for p in chunk.batch.posts]
    assert len(posts) == len(rows) == 4418
    assert not [p for chunk in chunks for p in chunk.batch.problems]
    assert [p.id for p in posts] == [r["status_id"] for r in rows]
    kinds = Counter(p.kind for p in posts)
    assert kinds["reply"] == sum(1 for r in rows if r["reply_to_status_id"])
    assert kinds["quote"] == sum(1 for r in rows if r["is_quote"] and not r["reply_to_status_id"])
    assert sum(len(p.hashtags) for p in posts) == sum(
        len(r["hashtags"]) if isinstance(r["hashtags"], list) else (1 if r["hashtags"] else 0) for r in rows
    )
    first, row = posts[0], rows[0]
    assert first.author_handle == "MKumarYYC" and first.hashtags == ["tidytuesday", "rstats", "datascience"]
    assert first.created_at == datetime(2019, 8, 18, 18, 22, 42, tzinfo=UTC)
    assert first.metrics.likes == row["favorite_count"] and first.metrics.reposts == row["retweet_count"]
    assert first.url == "https://x.com/MKumarYYC/status/1163154266065735680"
    account = chunks[0].batch.accounts[0]
    assert (account.id, account.followers, account.following) == (row["user_id"], 10, 21)
    multi = next(p for p, r in zip(posts, rows, strict=True) if isinstance(r["mentions_screen_name"], list))
    assert len(multi.mentions) > 1 and all(m == m.lower() for m in multi.mentions)
    assert chunks[-1].bytes_read == chunks[-1].total_bytes == path.stat().st_size


def test_bluesky_dataset_parses_fully() -> None:
    path = shared_path(*BSKY)
    rows = [json.loads(line) for line in path.read_text().split("\n") if line.strip()]
    chunks = list(read_archive(path))
    posts = [p for chunk in chunks for p in chunk.batch.posts]
    assert len(posts) == len(rows) == 575
    assert [p.id for p in posts] == [r["uri"] for r in rows]
    assert sum(1 for p in posts if p.reply_to_post_id) == sum(1 for r in rows if "reply" in r["record"])
    assert all(p.platform == "bluesky" and p.created_at.tzinfo is not None for p in posts)
    tags = sum(
        1 for r in rows for f in r["record"]["facets"] for feat in f["features"] if feat["$type"].endswith("#tag")
    )
    assert sum(len(p.hashtags) for p in posts) <= tags + sum(len(r["record"].get("tags", [])) for r in rows)
    assert sum(p.metrics.likes for p in posts) == sum(r["like_count"] for r in rows)
    first = posts[0]
    assert first.reply_to_post_id == rows[0]["record"]["reply"]["parent"]["uri"]
    assert first.conversation_id == rows[0]["record"]["reply"]["root"]["uri"]
    assert first.mentions == ["cvidonne.bsky.social"]
    assert first.url == "https://bsky.app/profile/tangandhara.bsky.social/post/3lidbgauw2c2h"
    assert {a.id for chunk in chunks for a in chunk.batch.accounts} == {r["author"]["did"] for r in rows}


def test_mastodon_statuses_jsonl(tmp_path: Path) -> None:
    path, statuses = mastodon_jsonl(tmp_path)
    posts = [p for chunk in read_archive(path) for p in chunk.batch.posts]
    assert [p.id for p in posts] == [s["id"] for s in statuses]
    assert all(p.platform == "mastodon" and p.source == "mastodon-archive" for p in posts)


def test_file_object_needs_a_format() -> None:
    with pytest.raises(ValueError, match="give the format"):
        read_archive(io.BytesIO(b"{}\n"))
    with pytest.raises(ValueError, match="unknown archive format"):
        read_archive(io.BytesIO(b"{}\n"), "csv")  # type: ignore[arg-type]


def test_wrong_reader_skips_lines_with_a_reason() -> None:
    chunks = list(read_archive(io.BytesIO(b'{"uri": "at://x"}\n'), "rtweet"))
    assert chunks[0].skipped and "status_id" in chunks[0].skipped
