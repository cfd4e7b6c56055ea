"""twarc2 JSONL: real archives stream with checked counts, bad lines are reported, write -> read round-trips."""

from __future__ import annotations

import dataclasses
import inspect
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from integrations.normalized import NormalizedAccount, NormalizedPost
from integrations.twarc import read_twarc2, write_twarc2
from tests.conftest import SHARED, shared_path

TWARC_DIR = ("fixtures", "twarc2")
ARCHIVES = sorted(p.relative_to(SHARED).as_posix() for p in (SHARED / "fixtures" / "twarc2").rglob("*.jsonl"))


def expected_post_ids(path: Path) -> tuple[list[set[str]], list[int]]:
    """Independently of the reader: the post ids each line holds, and the line numbers that are not JSON."""
    per_line: list[set[str]] = []
    bad: list[int] = []
    with path.open() as fp:
        for number, line in enumerate(fp, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                bad.append(number)
                continue
            ids: set[str] = set()
            if "data" in obj:
                data = obj["data"] if isinstance(obj["data"], list) else [obj["data"]]
                included = obj.get("includes", {}).get("tweets", [])
                ids = {item["id"] for item in data + included if "text" in item}
            elif "text" in obj:
                ids = {obj["id"]} | {r["id"] for r in obj.get("referenced_tweets", []) if "text" in r}
            per_line.append(ids)
    return per_line, bad


def test_archive_list_is_not_empty() -> None:
    assert len(ARCHIVES) >= 20 and "fixtures/twarc2/twarc-network_tweets.jsonl" in ARCHIVES


@pytest.mark.parametrize("relative", ARCHIVES)
def test_real_archive_post_counts(relative: str) -> None:
    path = shared_path(relative)
    per_line, bad = expected_post_ids(path)
    chunks = list(read_twarc2(path))
    got = [chunk.batch.posts for chunk in chunks if chunk.batch.posts]
    assert sum(len(posts) for posts in got) == sum(len(ids) for ids in per_line)
    assert [{p.id for p in posts} for posts in got] == [ids for ids in per_line if ids]
    reported = [
        chunk.line_number for chunk in chunks if any("truncated" in p or "malformed" in p for p in chunk.batch.problems)
    ]
    assert reported == bad
    assert all(p.created_at.tzinfo is not None and p.source == "twarc2" for posts in got for p in posts)


def test_big_archive_totals() -> None:
    path = shared_path(*TWARC_DIR, "twarc-network_tweets.jsonl")
    posts = accounts = 0
    for chunk in read_twarc2(path):
        posts += len(chunk.batch.posts)
        accounts += len(chunk.batch.accounts)
    lines = [json.loads(line) for line in path.read_text().split("\n") if line.strip()]
    assert posts == sum(len({t["id"] for t in ln["data"] + ln["includes"].get("tweets", [])}) for ln in lines)
    assert accounts == sum(len({u["id"] for u in ln["includes"]["users"]}) for ln in lines)


def test_streaming_file_reports_bad_line_and_keeps_the_rest() -> None:
    path = shared_path(*TWARC_DIR, "twarc-csv_test-data", "streaming_output_with_error.jsonl")
    chunks = list(read_twarc2(path))
    problems = [p for chunk in chunks for p in chunk.batch.problems]
    assert len(problems) == 1 and problems[0].startswith("line 8: truncated line")
    primary = [json.loads(line)["data"]["id"] for line in path.read_text().split("\n")[:7]]
    ids = {p.id for chunk in chunks for p in chunk.batch.posts}
    assert set(primary) <= ids


def test_truncated_line_in_the_middle(tmp_path: Path) -> None:
    src = shared_path(*TWARC_DIR, "twarc-csv_test-data")
    first = (src / "two_tweets.jsonl").read_text().strip()
    middle = (src / "brexit.jsonl").read_text()[:5000]
    last = (src / "cotweet.jsonl").read_text().strip()
    path = tmp_path / "cut.jsonl"
    path.write_text(f"{first}\n{middle}\n\n{last}\n{{not json}}\n")
    chunks = list(read_twarc2(path))
    problems = [p for chunk in chunks for p in chunk.batch.problems]
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 5"]
    assert "truncated" in problems[0] and "malformed" in problems[1]
    ids = {p.id for chunk in chunks for p in chunk.batch.posts}
    assert json.loads(first)["data"][0]["id"] in ids and json.loads(last)["data"][0]["id"] in ids


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("counts.jsonl", "counts"),
        ("tweets_compliance.jsonl", "compliance event"),
        ("users_compliance.jsonl", "compliance event"),
        ("lists.jsonl", "neither posts nor users"),
    ],
)
def test_lines_without_posts_are_skipped_with_a_reason(name: str, reason: str) -> None:
    chunks = list(read_twarc2(shared_path(*TWARC_DIR, "twarc-csv_test-data", name)))
    assert chunks and all(chunk.skipped and reason in chunk.skipped for chunk in chunks)
    assert all(not chunk.batch.posts and not chunk.batch.problems for chunk in chunks)


def test_flat_and_paged_forms_of_the_same_search_agree() -> None:
    base = shared_path(*TWARC_DIR, "twarc-csv_test-data")
    paged = {p.id: p for chunk in read_twarc2(base / "noflat.jsonl") for p in chunk.batch.posts}
    flat_chunks = list(read_twarc2(base / "flat.jsonl"))
    assert len(flat_chunks) == 100
    for chunk in flat_chunks:
        post = chunk.batch.posts[0]
        other = paged[post.id]
        assert (post.kind, post.author_id, post.author_handle, post.hashtags, post.mentions, post.urls) == (
            other.kind,
            other.author_id,
            other.author_handle,
            other.hashtags,
            other.mentions,
            other.urls,
        )
        assert post.author_id in {a.id for a in chunk.batch.accounts}


def test_progress_figures() -> None:
    path = shared_path(*TWARC_DIR, "twarc-csv_test-data", "flat.jsonl")
    chunks = list(read_twarc2(path))
    read = [chunk.bytes_read for chunk in chunks]
    assert read == sorted(read) and read[0] > 0
    assert read[-1] == chunks[-1].total_bytes == path.stat().st_size
    assert [chunk.line_number for chunk in chunks] == list(range(1, 101))


class CountingRaw(io.RawIOBase):
    """A raw file that counts how many bytes the reader pulled from it."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.pulled = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.pulled += len(chunk)
        return len(chunk)


def test_reading_is_lazy_and_streams(tmp_path: Path) -> None:
    line = shared_path(*TWARC_DIR, "twarc-csv_test-data", "brexit.jsonl").read_bytes().strip() + b"\n"
    data = line * 40  # ~14 MB
    raw = CountingRaw(data)
    reader = read_twarc2(io.BufferedReader(raw))
    lazy = inspect.isgenerator(reader)
    assert lazy
    assert raw.pulled == 0
    first = next(reader)
    assert first.line_number == 1 and len(first.batch.posts) > 100
    assert raw.pulled < 2 * len(line) < len(data) / 10
    second = next(reader)
    assert second.line_number == 2 and raw.pulled < 3 * len(line)


def comparable(post: NormalizedPost) -> dict[str, Any]:
    data = dataclasses.asdict(post)
    data.pop("raw")
    data.pop("source")
    return data


def test_write_then_read_round_trip() -> None:
    path = shared_path(*TWARC_DIR, "twarc-hashtags_tweets1.jsonl")
    posts: dict[str, NormalizedPost] = {}
    accounts: dict[str, NormalizedAccount] = {}
    for chunk in read_twarc2(path):
        for post in chunk.batch.posts:
            posts.setdefault(post.id, post)
        for account in chunk.batch.accounts:
            accounts.setdefault(account.id, account)
    out = io.BytesIO()
    lines = write_twarc2(posts.values(), accounts.values(), out, page_size=100)
    assert set(accounts) - {p.author_id for p in posts.values()}  # some accounts author nothing here
    assert lines == -(-len(posts) // 100)  # they ride along in the last page, no users-only line
    out.seek(0)
    back_posts = {p.id: p for chunk in read_twarc2(out) for p in chunk.batch.posts}
    assert back_posts.keys() == posts.keys()
    for post_id, post in posts.items():
        assert comparable(back_posts[post_id]) == comparable(post)
    out.seek(0)
    back_accounts = {a.id: a for chunk in read_twarc2(out) for a in chunk.batch.accounts}
    assert back_accounts.keys() == accounts.keys()
    sample = next(iter(accounts.values()))
    got = back_accounts[sample.id]
    assert (got.handle, got.followers, got.following, got.post_count, got.created_at) == (
        sample.handle,
        sample.followers,
        sample.following,
        sample.post_count,
        sample.created_at,
    )


def test_accounts_without_posts_are_written_as_user_pages() -> None:
    accounts = [
        NormalizedAccount(platform="x", id=str(i), handle=f"user{i}", followers=i, following=1, post_count=2)
        for i in range(3)
    ]
    out = io.BytesIO()
    assert write_twarc2([], accounts, out, page_size=2) == 2
    out.seek(0)
    chunks = list(read_twarc2(out))
    assert [[a.handle for a in chunk.batch.accounts] for chunk in chunks] == [["user0", "user1"], ["user2"]]
    assert all(json.loads(line)["includes"] == {"users": []} for line in out.getvalue().splitlines())


def test_written_pages_have_the_twarc2_shape() -> None:
    post = NormalizedPost(
        platform="x",
        id="100",
        author_id="7",
        created_at=datetime(2024, 5, 6, 21, 0, tzinfo=UTC),
        text="Q1 #ukfechat @Host https://example.org",
        author_handle="teacher",
        hashtags=["ukfechat"],
        mentions=["host"],
        urls=["https://example.org"],
        kind="reply",
        reply_to_post_id="99",
        reply_to_user_id="8",
        conversation_id="90",
    )
    out = io.BytesIO()
    assert write_twarc2([post], [], out) == 1
    page = json.loads(out.getvalue())
    assert set(page) == {"data", "includes", "meta", "__twarc"}
    assert page["meta"]["result_count"] == 1
    assert page["includes"]["users"] == [{"id": "7", "username": "teacher", "name": ""}]
    tweet = page["data"][0]
    assert tweet["created_at"] == "2024-05-06T21:00:00.000Z"
    assert tweet["referenced_tweets"] == [{"type": "replied_to", "id": "99"}]
    assert tweet["entities"]["hashtags"] == [{"start": 3, "end": 12, "tag": "ukfechat"}]
    assert tweet["entities"]["mentions"] == [{"start": 13, "end": 18, "username": "host"}]
    assert {"retrieved_at", "url", "version"} <= set(page["__twarc"])
    out.seek(0)
    (chunk,) = list(read_twarc2(out))
    assert comparable(chunk.batch.posts[0]) == comparable(
        dataclasses.replace(post, url="https://x.com/teacher/status/100")
    )


@pytest.mark.parametrize("name", ["twarc-network_tweets.jsonl", "twarc-csv_test-data/flat.jsonl"])
def test_batches_carry_the_lines_twarc_retrieved_at(name: str) -> None:
    path = shared_path(*TWARC_DIR, *name.split("/"))
    stamps = [json.loads(line)["__twarc"]["retrieved_at"] for line in path.read_text().splitlines() if line.strip()]
    chunks = list(read_twarc2(path))
    assert [chunk.batch.captured_at for chunk in chunks] == [datetime.fromisoformat(s) for s in stamps]
    assert all(c.batch.captured_at is not None and c.batch.captured_at.tzinfo is UTC for c in chunks)


def test_a_line_without_twarc_metadata_has_no_capture_time() -> None:
    page = json.loads(shared_path(*TWARC_DIR, "twarc-network_tweets.jsonl").read_text().splitlines()[0])
    page.pop("__twarc")
    (chunk,) = list(read_twarc2(io.BytesIO(json.dumps(page).encode() + b"\n")))
    assert chunk.batch.posts and chunk.batch.captured_at is None
    page["__twarc"] = {"retrieved_at": "not a time"}
    (chunk,) = list(read_twarc2(io.BytesIO(json.dumps(page).encode() + b"\n")))
    assert chunk.batch.posts and chunk.batch.captured_at is None  # an unreadable stamp costs only the time
