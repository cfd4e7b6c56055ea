"""import_files: the writes behind the reading (PostgreSQL's COPY and merge, SQLite's upsert) store what the
normalized path stores, count what they did, change nothing the second time, and raise what fails."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.bulk import QUICK_SWITCH_SECONDS
from assistant.db import create_db_engine
from assistant.samples.chat_files import write_chat, write_newest_first
from assistant.services.ingest import archives
from assistant.services.ingest.archives import import_files
from assistant.services.ingest.twarc_rows import read_twarc2_rows
from assistant.services.ingest.writer import Tally, Writer
from assistant.services.store.rows import tag_keys
from tests.services.ingest.test_twarc_rows import clear, dump, import_normalized


@pytest.fixture
def chat(tmp_path: Path) -> Path:
    path = tmp_path / "chat.jsonl"
    with path.open("wb") as fp:
        write_chat(fp, 1200, 6, weeks=2)  # 2,400 posts: several flushes of the writer
    return path


def hashtag_rows_as_derived(db: Engine) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """`post_hashtag` as stored, and as it follows from each stored post's hashtags (the table has no foreign key
    to `post` since migration 0018: the store keeps the two in step, which this checks)."""
    posts, hashtag = (
        sa.table("post", sa.column("platform"), sa.column("id"), sa.column("hashtags", sa.JSON())),
        sa.table("post_hashtag", sa.column("platform"), sa.column("post_id"), sa.column("tag")),
    )
    with db.connect() as connection:
        stored = {
            tuple(row) for row in connection.execute(sa.select(hashtag.c.platform, hashtag.c.post_id, hashtag.c.tag))
        }
        derived = {
            (platform, pid, tag)
            for platform, pid, tags in connection.execute(sa.select(posts.c.platform, posts.c.id, posts.c.hashtags))
            for tag in tag_keys(tags)
        }
    return stored, derived


def test_a_file_in_the_order_of_real_archives_stores_the_same_rows(db: Engine, chat: Path, tmp_path: Path) -> None:
    # twarc2 keeps X's order, newest page first and newest post first: the sample's tidy order is the reverse.
    # Accounts are captured on every page, so the newest capture comes first here and must still win.
    import_files(db, [(chat, "twarc2")], parallel=False)
    reference = dump(db)
    clear(db)
    newest = tmp_path / "newest-first.jsonl"
    with chat.open("rb") as source, newest.open("wb") as target:
        assert write_newest_first(source, target) == 24
    tally = import_files(db, [(newest, "twarc2")], parallel=False)
    assert dump(db) == reference
    assert (tally.result.posts_inserted, tally.result.posts_updated) == (2400, 0)


def test_import_stores_the_normalized_tables_and_a_second_import_changes_nothing(db: Engine, chat: Path) -> None:
    import_normalized(db, chat)
    reference = dump(db)
    clear(db)

    first = import_files(db, [(chat, "twarc2")], parallel=False)
    assert dump(db) == reference
    accounts = len(reference["account"])
    assert (first.result.posts_inserted, first.result.posts_updated) == (2400, 0)
    assert first.result.accounts_inserted == accounts

    again = import_files(db, [(chat, "twarc2")], parallel=False)
    assert dump(db) == reference
    assert (again.result.posts_inserted, again.result.posts_updated, again.result.accounts_inserted) == (0, 2400, 0)
    stored, derived = hashtag_rows_as_derived(db)
    assert stored and stored == derived  # every hashtag row has its post, and every post its rows


def test_an_import_over_rows_already_stored_merges_them(db: Engine, chat: Path, tmp_path: Path) -> None:
    # PostgreSQL inserts an import's rows without the merge while their keys are new (statements.NewKeys): here
    # the first key already stored fails that insert, and the rows are merged as before.
    import_normalized(db, chat)
    reference = dump(db)
    clear(db)
    lines = chat.read_bytes().splitlines(keepends=True)
    later = tmp_path / "later.jsonl"
    later.write_bytes(b"".join(lines[len(lines) // 2 :]))

    stored = import_files(db, [(later, "twarc2")], parallel=False).result.posts_inserted
    whole = import_files(db, [(chat, "twarc2")], parallel=False)
    assert dump(db) == reference
    assert 0 < stored < 2400
    hashtags, derived = hashtag_rows_as_derived(db)
    assert hashtags == derived
    assert (whole.result.posts_inserted, whole.result.posts_updated) == (2400 - stored, stored)


@pytest.mark.parametrize("idle", [True, False])
def test_sqlite_writes_behind_the_reading_while_a_cpu_is_idle_and_stores_the_same(
    engine: Engine, chat: Path, monkeypatch: pytest.MonkeyPatch, idle: bool
) -> None:
    import_normalized(engine, chat)
    reference = dump(engine)
    clear(engine)
    behind: list[bool] = []

    class Watched(Writer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            behind.append(kwargs["behind"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(archives, "Writer", Watched)
    monkeypatch.setattr(archives, "cpu_idle", lambda share: idle)
    import_files(engine, [(chat, "twarc2")], parallel=False)
    assert behind == [idle]
    assert dump(engine) == reference


def test_a_write_that_fails_is_raised(tmp_path: Path, chat: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'unmigrated.db'}")  # no tables: the first write fails
    try:
        with pytest.raises(sa.exc.OperationalError, match="no such table"):
            import_files(engine, [(chat, "twarc2")], parallel=False)
    finally:
        engine.dispose()


def test_a_write_that_fails_behind_the_reading_is_raised(tmp_path: Path, chat: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'unmigrated.db'}")
    writer = Writer(engine, Tally(), keep_raw=False, captured_at=None, behind=True)
    try:
        with pytest.raises(sa.exc.OperationalError, match="no such table"):
            try:
                for chunk in read_twarc2_rows(chat, writer.encoder):
                    writer.add_rows(chunk.rows)
                writer.close()
            except BaseException:
                writer.close(commit=False)
                raise
    finally:
        engine.dispose()


@pytest.mark.parametrize("fails", [False, True])
def test_the_switch_interval_is_short_while_a_writer_thread_runs_and_given_back_after(
    tmp_path: Path, chat: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    # The writing thread gets the GIL back from the reading one within QUICK_SWITCH_SECONDS, not the default 5 ms.
    target = create_db_engine(f"sqlite:///{tmp_path / 'unmigrated.db'}") if fails else engine
    seen: list[float] = []
    write = Writer._write

    def watched(self: Writer, work: Any) -> None:
        seen.append(sys.getswitchinterval())
        write(self, work)

    monkeypatch.setattr(Writer, "_write", watched)
    before = sys.getswitchinterval()
    writer = Writer(target, Tally(), keep_raw=False, captured_at=None, behind=True)
    try:
        for chunk in read_twarc2_rows(chat, writer.encoder):
            writer.add_rows(chunk.rows)
        writer.close()
    except sa.exc.OperationalError:
        assert fails
        writer.close(commit=False)
    finally:
        target.dispose()
    assert seen and set(seen) == {QUICK_SWITCH_SECONDS} and QUICK_SWITCH_SECONDS < before
    assert sys.getswitchinterval() == before
    if not fails:
        assert dump(engine)["post"]


def test_a_writer_thread_that_cannot_start_gives_the_switch_interval_back(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError, match="can't start new thread"):
        Writer(engine, Tally(), keep_raw=False, captured_at=None, behind=True)
    assert sys.getswitchinterval() == before


@pytest.mark.postgres
def test_an_import_into_postgres_leaves_statistics_for_the_columns_queries_use(
    pg_engine: Engine, tmp_path: Path
) -> None:
    chat = tmp_path / "chat.jsonl"
    with chat.open("wb") as fp:
        write_chat(fp, 6000, 6)  # statistics are refreshed by an import that wrote 5,000 rows or more
    import_files(pg_engine, [(chat, "twarc2")], parallel=False)
    with pg_engine.connect() as connection:
        analyzed = {
            (table, column)
            for table, column in connection.execute(
                sa.text("SELECT tablename, attname FROM pg_stats WHERE schemaname = 'public'")
            )
        }
    assert {("post", "created_at"), ("post", "conversation_id"), ("post", "author_id")} <= analyzed
    assert {("post_hashtag", "tag"), ("account", "handle")} <= analyzed
    assert ("post", "text") not in analyzed  # long text: never in a plan's conditions, costly to sample
    assert ("post", "likes") not in analyzed  # counts are only read, never selected by
