"""The ingest writer: batches or prebuilt rows gathered, upserted in chunks and committed in steps."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Connection, Engine

from assistant.bulk import quick_switches
from assistant.services.store.memo import AccountMemo
from assistant.services.store.rows import RowEncoder, Rows
from assistant.services.store.statements import NewKeys
from assistant.services.store.write import UpsertResult, upsert_batch, upsert_rows
from integrations.normalized import Batch

COMMIT_EVERY_POSTS = 10_000  # one transaction per this many posts: fast, and a crash loses little
FLUSH_POSTS = 2_000  # posts gathered from consecutive lines before one upsert
FLUSH_ROWS = 5_000  # the same for prebuilt rows (the twarc2 fast path)
SQLITE_CACHE_KIB = 32_768  # SQLite page cache of the writing connection (the default is 2 MB)
MEMO_ACCOUNTS = 20_000  # accounts whose last write is remembered, to skip identical repeats (about 5 MB)
SHOWN_PROBLEMS = 5
BEHIND_FLUSHES = 2  # flushes a background writer may have waiting (about 10k posts' rows)
POST_STATISTICS = (
    "platform",
    "id",
    "author_id",
    "created_at",
    "conversation_id",
    "reply_to_post_id",
    "reposted_post_id",
)
"""The post columns in queries' conditions, whose statistics PostgreSQL refreshes after an import (see
`Writer._refresh_statistics`): the digest's chat query (digests.read) and the thread roots (store.threads)."""


@dataclass
class Tally:
    """What an import or fetch did, for the closing summary."""

    result: UpsertResult = field(default_factory=UpsertResult)
    lines: int = 0
    lines_skipped: int = 0
    problems: int = 0
    shown: list[str] = field(default_factory=list)

    def line(self, where: str, skipped: str | None, problems: list[str], has_data: bool) -> None:
        """Count one archive line: skipped (nothing to import, or only problems), and its problems noted."""
        self.lines += 1
        if skipped:
            self.lines_skipped += 1
            self.note(where, skipped)
        elif problems and not has_data:
            self.lines_skipped += 1
        for problem in problems:
            self.note(where, problem)

    def note(self, where: str, reason: str) -> None:
        self.problems += 1
        if len(self.shown) < SHOWN_PROBLEMS:
            self.shown.append(f"{where}: {reason}")


class Writer:
    """Gathers batches (or prebuilt store rows) and upserts them in chunks, committing every COMMIT_EVERY_POSTS.

    Batches that carry their own capture time are upserted apart from batches captured at another time.
    With `behind=True` the writes run in a thread of their own, in order, on their own connection, up to
    BEHIND_FLUSHES flushes behind the caller: PostgreSQL's merge works in its server while the caller reads the
    next lines. An error in that thread comes back from the next `add`, `add_rows`, `flush` or `close`.
    """

    def __init__(
        self, engine: Engine, tally: Tally, *, keep_raw: bool, captured_at: datetime | None, behind: bool = False
    ) -> None:
        self.engine = engine
        self.tally = tally
        self.keep_raw = keep_raw
        self.captured_at = captured_at
        self.encoder = RowEncoder(engine.dialect.name)
        self.pending = Batch()
        self.pending_rows = Rows()
        self.memo = AccountMemo(max_entries=MEMO_ACCOUNTS)
        self.new_keys = NewKeys.expected()  # PostgreSQL: tables whose rows so far all had new keys
        self.connection: Connection | None = None
        self.since_commit = 0
        self.analyzed_at = 2_500
        self._behind = _Behind(self._write) if behind else None

    def add(self, batch: Batch) -> None:
        pending = self.pending
        if batch.captured_at != pending.captured_at:
            if pending.posts or pending.accounts or pending.edges:
                self.flush()
            self.pending.captured_at = batch.captured_at
        self.pending.posts.extend(batch.posts)
        self.pending.accounts.extend(batch.accounts)
        self.pending.edges.extend(batch.edges)
        if len(self.pending.posts) >= FLUSH_POSTS or len(self.pending.accounts) >= FLUSH_POSTS:
            self.flush()

    def add_rows(self, rows: Rows) -> None:
        """Store rows built with `self.encoder` and this writer's keep_raw (see assistant.services.ingest.twarc_rows).

        The reader hands account rows on in windows of many pages (a chat's regulars come on every page),
        so they are written with the next flush of posts.
        """
        self.pending_rows.extend(rows)
        if len(self.pending_rows.posts) >= FLUSH_ROWS:
            self.flush()

    def _connect(self) -> Connection:
        if self.connection is None:
            self.connection = self.engine.connect()
            if self.connection.dialect.name == "sqlite":  # a bulk load's index pages stay in memory
                self.connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        return self.connection

    def flush(self, *, commit: bool = False) -> None:
        """Write what is pending, and commit when asked or when COMMIT_EVERY_POSTS were written since the last."""
        work = _Work(self.pending, self.pending_rows, commit)
        self.pending, self.pending_rows = Batch(), Rows()
        if self._behind is not None:
            self._behind.put(work)
        else:
            self._write(work)

    def _write(self, work: _Work) -> None:
        pending, rows = work.batch, work.rows
        if pending.posts or pending.accounts or pending.edges:
            self.tally.result += upsert_batch(
                self._connect(), pending, keep_raw=self.keep_raw, captured_at=self.captured_at, memo=self.memo
            )
            self.since_commit += len(pending.posts) + len(pending.accounts)
        if rows.posts or rows.accounts or rows.edges:
            self.tally.result += upsert_rows(
                self._connect(), rows, keep_raw=self.keep_raw, memo=self.memo, new_keys=self.new_keys
            )
            self.since_commit += len(rows.posts) + len(rows.accounts)
        if self.connection is not None and (work.commit or self.since_commit >= COMMIT_EVERY_POSTS):
            self.connection.commit()
            self.since_commit = 0

    def _refresh_statistics(self) -> None:
        """PostgreSQL plans the reads that follow (a digest) from table statistics: refreshed once an import is
        done, when it at least doubled what was there (the writes themselves look nothing up).

        Only the post columns that queries select by, join on or group by (POST_STATISTICS): sorting samples of
        the others, the long text and JSON above all, was most of the ANALYZE (0.63 of 0.85 s at 100k posts; with
        every short column kept, 0.24-0.29 against 0.16-0.19 s). The other tables are small or narrow and analyzed
        whole, which also keeps the statistics of the account table's expression index on the folded handle.
        The post table is analyzed on a second connection while this one analyzes the others, since nothing
        else runs by then. At 100k posts the statistics took 0.13-0.17 s after the import's last write, against
        0.40-0.49 s with every table on one connection and every short post column.
        """
        assert self.connection is not None
        written = self.tally.result.posts + self.tally.result.accounts
        if self.connection.dialect.name == "postgresql" and written >= 2 * self.analyzed_at:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyze-posts") as side:
                posts = side.submit(_analyze, self.engine, f"ANALYZE post ({', '.join(POST_STATISTICS)})")
                self.connection.exec_driver_sql("ANALYZE post_hashtag, account, follow_edge")
                self.connection.commit()
                posts.result()
            self.analyzed_at = written

    def close(self, *, commit: bool = True) -> None:
        """Write and commit what is pending, or (after a failure) roll the open transaction back."""
        try:
            if commit:
                self.flush(commit=True)
                if self._behind is not None:
                    self._behind.finish()
                if self.connection is not None:
                    self._refresh_statistics()
            else:
                if self._behind is not None:
                    self._behind.finish(check=False)
                if self.connection is not None:
                    self.connection.rollback()
        finally:
            if self.connection is not None:
                self.connection.close()
                self.connection = None


def _analyze(engine: Engine, statement: str) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql(statement)
        connection.commit()


@dataclass
class _Work:
    """One flush: what was pending, and whether to commit after writing it."""

    batch: Batch
    rows: Rows
    commit: bool


class _Behind:
    """One thread that runs a writer's flushes in order; a bounded queue keeps memory flat as files grow.

    While it runs, thread switches are quick (`bulk.quick_switches`): each statement it sends is a wait on the
    database, after which it needs the GIL back from the reading thread.
    """

    def __init__(self, write: Callable[[_Work], None]) -> None:
        self._write = write
        self._queue: queue.Queue[_Work | None] = queue.Queue(maxsize=BEHIND_FLUSHES)
        self._error: BaseException | None = None
        self._switches = ExitStack()
        self._switches.enter_context(quick_switches())
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
        try:
            self._thread.start()
        except BaseException:  # no thread, so no finish(): the interpreter's switch interval given back here
            self._switches.close()
            raise

    def _run(self) -> None:
        while (work := self._queue.get()) is not None:
            if self._error is None:  # after a failure the rest is only drained, so that `put` never blocks
                try:
                    self._write(work)
                except BaseException as exc:  # handed to the caller's thread, raised there
                    self._error = exc

    def put(self, work: _Work) -> None:
        self._raise()
        self._queue.put(work)

    def finish(self, *, check: bool = True) -> None:
        """Wait for every flush handed over; raise the thread's error unless `check` is False."""
        self._queue.put(None)
        self._thread.join()
        self._switches.close()
        if check:
            self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error
