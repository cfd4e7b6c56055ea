"""Importing archive files into the store: twarc2 through its fast row path, every other format through its reader."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sqlalchemy.engine import Engine

from assistant.bulk import gc_paused
from assistant.services.ingest.parallel import cpu_idle, parallel_available, parallel_pays, read_twarc2_rows_parallel
from assistant.services.ingest.twarc_rows import RowChunk, read_twarc2_rows
from assistant.services.ingest.writer import Tally, Writer
from assistant.services.store.statements import JSON_ROWS_SQLITE
from assistant.services.store.threads import fill_conversation_roots
from integrations.archives import ArchiveFormat, read_archive

THREAD_SPARE_CPU = 0.5  # SQLite's writes run in a thread while the load average leaves this much of a CPU idle
Progress = Callable[[str, int], None]
"""Told the file being read (its name) and the bytes read so far over all the files."""


def import_files(
    engine: Engine,
    files: Sequence[tuple[Path, ArchiveFormat]],
    *,
    keep_raw: bool = False,
    parallel: bool | None = None,
    progress: Progress | None = None,
) -> Tally:
    """Import each (file, format) into the store, committing file by file; re-importing changes nothing.

    Replies stored without their conversation's root (rtweet, X v1.1) then get their stored parent's.
    A failure rolls back the open transaction (the files committed before it stay) and is raised. The writes
    run behind the reading in a thread (`Writer(behind=True)`), so that PostgreSQL's server merges one flush,
    or SQLite writes it, while this process reads the next. SQLite writes each table's rows of a flush in one
    statement (store.statements.write_rows), which sqlite3 runs without the GIL, so its thread is used while
    half a CPU is idle (THREAD_SPARE_CPU); on a busy machine the two threads only take turns, and each waits for
    the other to be scheduled (100k posts at load average 6: 5.0-8.4 s against 3.9-4.7 s in line). Where the
    SQLite library is too old for that (JSON_ROWS_SQLITE), it binds every row and takes the GIL back each time,
    so a thread would only take turns with the reading (3.11 against 2.88 s of CPU at 100k posts, no shorter
    wall time), and the writes run in line. No thread either when a file is read in a second process, which
    overlaps the writes already and must not be forked from a process with a busy thread.
    """
    tally = Tally()
    forks = any(_second_process(path, fmt, parallel) for path, fmt in files)
    if engine.dialect.name == "postgresql":
        behind = not forks
    else:
        behind = not forks and sqlite3.sqlite_version_info >= JSON_ROWS_SQLITE and cpu_idle(THREAD_SPARE_CPU)
    writer = Writer(engine, tally, keep_raw=keep_raw, captured_at=None, behind=behind)
    tell = progress or (lambda _name, _done: None)
    try:
        with gc_paused():
            done_before = 0
            for path, fmt in files:
                tell(path.name, done_before)
                if fmt == "twarc2":  # the fast path: X pages straight to store rows
                    for rows_chunk in _twarc2_rows(path, writer, keep_raw=keep_raw, parallel=parallel):
                        where = f"{path.name}:{rows_chunk.line_number}"
                        tally.line(where, rows_chunk.skipped, rows_chunk.problems, rows_chunk.has_data)
                        writer.add_rows(rows_chunk.rows)
                        tell(path.name, done_before + rows_chunk.bytes_read)
                else:
                    for chunk in read_archive(path, fmt):
                        batch = chunk.batch
                        where = f"{path.name}:{chunk.line_number}"
                        tally.line(where, chunk.skipped, batch.problems, bool(batch.posts or batch.accounts))
                        writer.add(batch)
                        tell(path.name, done_before + chunk.bytes_read)
                writer.flush(commit=True)
                done_before += path.stat().st_size
                tell(path.name, done_before)
    except BaseException:
        writer.close(commit=False)
        raise
    writer.close()
    if any(fmt != "twarc2" for _, fmt in files):  # their replies may name only their parent
        with engine.begin() as connection:
            fill_conversation_roots(connection)
    return tally


def _twarc2_rows(path: Path, writer: Writer, *, keep_raw: bool, parallel: bool | None) -> Iterator[RowChunk]:
    """A twarc2 file as store rows, read in this process, or in a second one while this one writes.

    `parallel` None decides by the file's size and whether a CPU is idle (`parallel_pays`): on a busy
    machine the second process only takes turns with the writer and costs the pickling of every row. Both
    ways store the same rows.
    """
    if _second_process(path, "twarc2", parallel):
        return read_twarc2_rows_parallel(path, writer.encoder.dialect, keep_raw=keep_raw)
    return read_twarc2_rows(path, writer.encoder, keep_raw=keep_raw)


def _second_process(path: Path, fmt: ArchiveFormat, parallel: bool | None) -> bool:
    if fmt != "twarc2":
        return False
    if parallel is None:
        parallel = parallel_pays(path.stat().st_size)
    return parallel and parallel_available()
