"""The twarc2 fast path stores exactly what the normalized path stores, on every real archive and both namings."""

from __future__ import annotations

import io
import multiprocessing
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.bulk import QUICK_SWITCH_SECONDS
from assistant.samples.chat_files import write_chat
from assistant.services.ingest import parallel
from assistant.services.ingest.parallel import (
    PARALLEL_MIN_BYTES,
    parallel_available,
    parallel_pays,
    read_twarc2_rows_parallel,
)
from assistant.services.ingest.twarc_rows import ACCOUNT_WINDOW_ROWS, PageRows, RowChunk, read_twarc2_rows
from assistant.services.store.memo import AccountMemo, AccountWindow
from assistant.services.store.rows import (
    RowEncoder,
    Rows,
    account_table,
    edge_table,
    hashtag_table,
    post_table,
    rows_from_batch,
)
from assistant.services.store.write import UpsertResult, upsert_batch, upsert_rows
from integrations.twarc import parse_twarc_line, read_twarc2
from tests.conftest import SHARED, shared_path

ARCHIVES = sorted(p.relative_to(SHARED).as_posix() for p in (SHARED / "fixtures" / "twarc2").rglob("*.jsonl"))
TABLES = {"post": post_table, "post_hashtag": hashtag_table, "account": account_table, "follow_edge": edge_table}
FIRST_SEEN = list(account_table.columns.keys()).index("first_seen_at")


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row of the four tables, sorted; accounts without first_seen_at (the time of the insert)."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for name, table in TABLES.items():
            columns = [column for column in table.columns if column.name != "first_seen_at"]
            rows = connection.execute(sa.select(*columns)).all()
            tables[name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


def clear(engine: Engine) -> None:
    with engine.begin() as connection:
        for name in ("post_hashtag", "follow_edge", "post", "account"):
            connection.execute(sa.text(f"DELETE FROM {name}"))


def import_normalized(engine: Engine, path: Path, *, keep_raw: bool = False) -> UpsertResult:
    """The reference: the normalized reader, one upsert_batch per line, one account memo (as the command had)."""
    result, memo = UpsertResult(), AccountMemo()
    with engine.begin() as connection:
        for chunk in read_twarc2(path):
            result += upsert_batch(connection, chunk.batch, keep_raw=keep_raw, memo=memo)
    return result


def import_fast(
    engine: Engine,
    path: Path,
    *,
    keep_raw: bool = False,
    flush_lines: int = 10**9,
    window_rows: int = ACCOUNT_WINDOW_ROWS,
) -> UpsertResult:
    """The fast path as the import command drives it: rows of many lines per upsert, one account memo."""
    result, memo, pending, lines = UpsertResult(), AccountMemo(), Rows(), 0
    with engine.begin() as connection:
        encode = RowEncoder(engine.dialect.name)
        for chunk in read_twarc2_rows(path, encode, keep_raw=keep_raw, window_rows=window_rows):
            pending.extend(chunk.rows)
            lines += 1
            if lines % flush_lines == 0:
                result += upsert_rows(connection, pending, keep_raw=keep_raw, memo=memo)
                pending = Rows()
        result += upsert_rows(connection, pending, keep_raw=keep_raw, memo=memo)
    return result


def without_first_seen(rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [row[:FIRST_SEEN] + row[FIRST_SEEN + 1 :] for row in rows]


def test_every_real_archive_is_covered() -> None:
    assert len(ARCHIVES) >= 20
    # the fast path's own shape (search pages), the flattened form and user pages are all among them
    assert {"fixtures/twarc2/twarc-network_tweets.jsonl", "fixtures/twarc2/twarc-csv_test-data/flat.jsonl"} <= set(
        ARCHIVES
    )


@pytest.mark.parametrize("relative", ARCHIVES)
def test_page_rows_equal_the_normalized_rows_line_by_line(relative: str) -> None:
    encode = RowEncoder("sqlite")
    pages = PageRows(encode, keep_raw=True)
    fast_lines = 0
    for line in shared_path(relative).read_bytes().splitlines():
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        reference = parse_twarc_line(obj)
        data = obj.get("data") if isinstance(obj, dict) else None
        first = data[0] if isinstance(data, list) and data else data
        if isinstance(reference, str) or not (isinstance(first, dict) and "text" in first):
            continue
        rows, problems = pages.page(obj)
        expected = rows_from_batch(reference, encode, keep_raw=True)
        assert rows.posts == expected.posts
        assert rows.hashtags == expected.hashtags
        assert without_first_seen(rows.accounts) == without_first_seen(expected.accounts)
        assert problems == reference.problems
        fast_lines += 1
    flat = relative.endswith(("flat.jsonl", "compliance.jsonl", "counts.jsonl", "lists.jsonl", "users.jsonl"))
    assert fast_lines > 0 or flat


@pytest.mark.parametrize("relative", ARCHIVES)
def test_fast_import_stores_the_same_tables_as_the_normalized_path(engine: Engine, relative: str) -> None:
    path = shared_path(relative)
    reference_result = import_normalized(engine, path)
    reference = dump(engine)
    clear(engine)
    fast_result = import_fast(engine, path)
    assert dump(engine) == reference
    assert (fast_result.posts_inserted, fast_result.posts_updated) == (reference_result.posts_inserted, 0)
    assert fast_result.accounts_inserted == reference_result.accounts_inserted


@pytest.mark.parametrize(
    "relative",
    [
        "fixtures/twarc2/twarc-network_tweets.jsonl",
        "fixtures/twarc2/twarc-csv_test-data/flat.jsonl",
        "fixtures/twarc2/twarc-csv_test-data/withheld.jsonl",
        "fixtures/twarc2/twarc-csv_test-data/streaming_output_with_error.jsonl",
    ],
)
def test_same_tables_with_raw_kept_and_small_flushes_on_both_databases(db: Engine, relative: str) -> None:
    path = shared_path(relative)
    import_normalized(db, path, keep_raw=True)
    reference = dump(db)
    clear(db)
    import_fast(db, path, keep_raw=True, flush_lines=2, window_rows=3)
    assert dump(db) == reference
    assert any(row[-1] is not None for row in reference["post"])  # raw was kept


def test_reading_reports_the_same_lines_as_the_normalized_reader() -> None:
    path = shared_path("fixtures", "twarc2", "twarc-csv_test-data", "streaming_output_with_error.jsonl")
    good = path.read_bytes().splitlines(keepends=True)
    broken = b"".join([good[0], good[1][:300] + b"\n", b'{"data": [{"id": "1", "text": "no date"}]}\n', *good[2:]])
    reference = [(c.line_number, c.skipped, c.batch.problems) for c in read_twarc2(io.BytesIO(broken))]
    fast = [(c.line_number, c.skipped, c.problems) for c in read_twarc2_rows(io.BytesIO(broken), RowEncoder("sqlite"))]
    assert fast == reference
    assert any("truncated" in problem for _, _, problems in fast for problem in problems)
    assert any("no created_at" in problem for _, _, problems in fast for problem in problems)


def renamed(obj: Any) -> Any:
    """A classic-named X object in the new `posts` naming (referenced_posts, includes.posts, repost_count...)."""
    names = {
        "referenced_tweets": "referenced_posts",
        "tweets": "posts",
        "retweet_count": "repost_count",
        "tweet_count": "post_count",
        "note_tweet": "note_post",
    }
    if isinstance(obj, dict):
        return {names.get(key, key): renamed(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [renamed(item) for item in obj]
    return obj


@pytest.mark.parametrize(
    "relative", ["fixtures/twarc2/twarc-network_tweets.jsonl", "fixtures/twarc2/twarc-hashtags_tweets1.jsonl"]
)
def test_both_namings_give_the_same_rows(relative: str) -> None:
    encode = RowEncoder("sqlite")
    pages = PageRows(encode)
    checked = 0
    for line in shared_path(relative).read_bytes().splitlines():
        classic = orjson.loads(line)
        new = renamed(classic)
        assert "posts" in new["includes"] or "tweets" not in classic["includes"]
        a, b = pages.page(classic)[0], pages.page(new)[0]
        assert (a.posts, a.hashtags, without_first_seen(a.accounts)) == (
            b.posts,
            b.hashtags,
            without_first_seen(b.accounts),
        )
        reference = parse_twarc_line(new)
        assert not isinstance(reference, str)
        assert b.posts == rows_from_batch(reference, encode).posts
        checked += len(a.posts)
    assert checked > 100


def test_sample_chat_import_matches_and_twice_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    with path.open("wb") as fp:
        write_chat(fp, 1500, 4, weeks=2)
    import_normalized(engine, path)
    reference = dump(engine)
    clear(engine)
    first = import_fast(engine, path, flush_lines=7, window_rows=40)
    assert dump(engine) == reference
    assert first.posts_inserted == 3000
    again = import_fast(engine, path, flush_lines=7)
    assert dump(engine) == reference
    assert (again.posts_inserted, again.posts_updated, again.accounts_inserted) == (0, 3000, 0)


def test_archive_posts_and_accounts_record_twarc_retrieved_at(engine: Engine) -> None:
    path = shared_path("fixtures", "twarc2", "twarc-network_tweets.jsonl")
    stamps = {
        datetime.fromisoformat(orjson.loads(line)["__twarc"]["retrieved_at"]).replace(tzinfo=None)
        for line in path.read_bytes().splitlines()
    }
    assert len(stamps) > 1
    import_fast(engine, path)
    with engine.connect() as connection:
        posts = connection.execute(sa.select(post_table.c.metrics_captured_at)).scalars().all()
        accounts = connection.execute(sa.select(account_table.c.captured_at)).scalars().all()
    assert posts and None not in posts and {p.replace(tzinfo=None) for p in posts} <= stamps
    assert accounts and None not in accounts and {a.replace(tzinfo=None) for a in accounts} <= stamps


def test_an_older_capture_does_not_overwrite_newer_counts(engine: Engine, tmp_path: Path) -> None:
    page = orjson.loads(shared_path("fixtures", "twarc2", "twarc-network_tweets.jsonl").read_bytes().splitlines()[0])
    first_id = page["data"][0]["id"]
    older = orjson.loads(orjson.dumps(page))
    older["__twarc"]["retrieved_at"] = "2021-06-01T00:00:00+00:00"
    older["data"][0]["public_metrics"]["like_count"] = 123_456
    newer_file, older_file = tmp_path / "newer.jsonl", tmp_path / "older.jsonl"
    newer_file.write_bytes(orjson.dumps(page) + b"\n")
    older_file.write_bytes(orjson.dumps(older) + b"\n")
    import_fast(engine, newer_file)
    import_fast(engine, older_file)
    with engine.connect() as connection:
        likes, captured = connection.execute(
            sa.select(post_table.c.likes, post_table.c.metrics_captured_at).where(post_table.c.id == first_id)
        ).one()
    assert likes == page["data"][0]["public_metrics"]["like_count"]
    assert captured.replace(tzinfo=UTC) == datetime.fromisoformat(page["__twarc"]["retrieved_at"])


def comparable(chunks: Iterable[RowChunk]) -> list[tuple[Any, ...]]:
    return [
        (
            c.line_number,
            c.bytes_read,
            c.skipped,
            c.problems,
            c.rows.posts,
            c.rows.hashtags,
            without_first_seen(c.rows.accounts),
        )
        for c in chunks
    ]


@pytest.mark.skipif(not parallel_available(), reason="needs fork and a second CPU")
def test_the_parallel_reader_yields_the_same_chunks(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    with path.open("wb") as fp:
        write_chat(fp, 2500, 9)
    good = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*good[:3], good[3][:500] + b"\n", b'{"counts": 1}\n', *good[4:]]))
    single = comparable(read_twarc2_rows(path, RowEncoder("sqlite")))
    assert comparable(read_twarc2_rows_parallel(path, "sqlite")) == single
    assert sum(len(c[4]) for c in single) == 2400 and any("truncated" in p for c in single for p in c[3])


@pytest.mark.skipif(not parallel_available(), reason="needs fork and a second CPU")
def test_the_parallel_reader_reads_with_quick_thread_switches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Its sending thread must get the GIL back from the reading quickly (bulk.quick_switches); the reading runs in
    # the forked process, which inherits this patch and reports the switch interval it read with as a problem.
    path = tmp_path / "chat.jsonl"
    with path.open("wb") as fp:
        write_chat(fp, 300, 9)
    read = parallel.read_twarc2_rows

    def reporting(*args: Any, **kwargs: Any) -> Iterator[RowChunk]:
        for chunk in read(*args, **kwargs):
            chunk.problems.append(f"switch interval {sys.getswitchinterval()}")
            yield chunk

    monkeypatch.setattr(parallel, "read_twarc2_rows", reporting)
    reported = {p for chunk in read_twarc2_rows_parallel(path, "sqlite") for p in chunk.problems}
    assert reported == {f"switch interval {QUICK_SWITCH_SECONDS}"}
    assert sys.getswitchinterval() > QUICK_SWITCH_SECONDS  # this process's own is untouched


@pytest.mark.skipif(not parallel_available(), reason="needs fork and a second CPU")
def test_a_failing_parallel_reader_raises_here(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="FileNotFoundError"):
        list(read_twarc2_rows_parallel(tmp_path / "missing.jsonl", "sqlite"))


def test_rowid_counting_holds_for_the_schema(engine: Engine) -> None:
    """upsert_rows counts SQLite inserts by the growth of max(rowid): post and account must stay rowid tables."""
    with engine.connect() as connection:
        for table in ("post", "account"):
            sql = connection.execute(
                sa.text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
            ).scalar_one()
            assert "WITHOUT ROWID" not in sql.upper() and "AUTOINCREMENT" not in sql.upper()
    assert list(account_table.columns.keys())[FIRST_SEEN - 1] == "captured_at"


def test_the_reader_folds_repeated_users_as_the_account_window_does(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    with path.open("wb") as fp:
        write_chat(fp, 3000, 5)
    expected, pages, occurrences = AccountWindow(), PageRows(RowEncoder("sqlite")), 0
    for line in path.read_bytes().splitlines():
        accounts = pages.page(orjson.loads(line))[0].accounts
        occurrences += len(accounts)
        expected.add(accounts)
    chunks = list(read_twarc2_rows(path, RowEncoder("sqlite")))
    windowed = [row for chunk in chunks for row in chunk.rows.accounts]
    assert without_first_seen(windowed) == without_first_seen(expected.rows)
    assert len(windowed) < occurrences / 3  # the regulars' repeats were folded, not built again
    assert all(not chunk.rows.accounts for chunk in chunks[:-1])  # the window never filled: all on the last line
    assert all(chunk.has_data for chunk in chunks)


def test_a_repeat_takes_the_later_capture_and_a_changed_profile_gets_its_own_row(tmp_path: Path) -> None:
    page = orjson.loads(shared_path("fixtures", "twarc2", "twarc-network_tweets.jsonl").read_bytes().splitlines()[0])
    user = page["includes"]["users"][0]
    later, changed = orjson.loads(orjson.dumps(page)), orjson.loads(orjson.dumps(page))
    later["__twarc"]["retrieved_at"] = "2031-01-01T00:00:00+00:00"
    changed["__twarc"]["retrieved_at"] = "2030-01-01T00:00:00+00:00"  # older than `later`, so kept apart
    changed["includes"]["users"][0]["description"] = "A new bio"
    path = tmp_path / "pages.jsonl"
    path.write_bytes(b"".join(orjson.dumps(obj) + b"\n" for obj in (page, later, changed)))
    rows = [row for chunk in read_twarc2_rows(path, RowEncoder("sqlite")) for row in chunk.rows.accounts]
    mine = [row for row in rows if row[1] == user["id"]]
    assert [(row[4], row[12]) for row in mine] == [
        (user.get("description") or "", "2031-01-01 00:00:00.000000"),
        ("A new bio", "2030-01-01 00:00:00.000000"),
    ]


def test_the_window_is_handed_on_when_full(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    with path.open("wb") as fp:
        write_chat(fp, 2000, 3)
    chunks = list(read_twarc2_rows(path, RowEncoder("sqlite"), window_rows=60))
    carrying = [chunk for chunk in chunks if chunk.rows.accounts]
    assert len(carrying) > 3 and chunks[-1] in carrying
    page_users = max(len(orjson.loads(line)["includes"]["users"]) for line in path.read_bytes().splitlines())
    assert all(len(chunk.rows.accounts) < 60 + page_users for chunk in carrying)


def test_account_window_repeat_folds_only_what_the_merge_order_allows() -> None:
    window = AccountWindow()
    row = ("x", "1", "ann", "Ann", "", "", "", 5, 6, 7, False, None, "2024-01-01 00:00:00.000000", "now", None)
    assert not window.repeat(("x", "1"), "2024-01-02 00:00:00.000000")  # nothing to fold into
    window.add([row])
    assert window.repeat(("x", "1"), "2024-01-03 00:00:00.000000")
    assert window.repeat(("x", "1"), "2024-01-02 00:00:00.000000")  # older: the later time stays
    assert not window.repeat(("x", "1"), None)  # unknown capture after a known one: a row of its own
    assert window.take() == [(*row[:12], "2024-01-03 00:00:00.000000", *row[13:])]
    unknown = (*row[:12], None, *row[13:])
    window.add([unknown])
    assert window.repeat(("x", "1"), None) and not window.repeat(("x", "1"), "2024-01-02 00:00:00.000000")
    assert window.take() == [unknown]


def test_a_second_process_reads_only_large_files_while_a_cpu_is_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "parallel_available", lambda: True)
    monkeypatch.setattr(parallel, "_usable_cpus", lambda: 4)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (1.5, 1.0, 1.0))
    assert parallel_pays(PARALLEL_MIN_BYTES)
    assert not parallel_pays(PARALLEL_MIN_BYTES - 1)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (3.5, 1.0, 1.0))
    assert not parallel_pays(PARALLEL_MIN_BYTES * 10)
    monkeypatch.setattr(parallel, "parallel_available", lambda: False)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert not parallel_pays(PARALLEL_MIN_BYTES * 10)


@pytest.mark.skipif(not parallel_available(), reason="needs fork and a second CPU")
def test_stopping_early_stops_the_parallel_reader(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    with path.open("wb") as fp:
        write_chat(fp, 20_000, 2)  # more messages than the worker keeps ready, so it is still reading
    chunks = read_twarc2_rows_parallel(path, "sqlite")
    first = next(chunks)
    assert first.line_number == 1 and first.rows.posts
    assert multiprocessing.active_children()
    chunks.close()
    assert not multiprocessing.active_children()
