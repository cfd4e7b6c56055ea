"""Importing archive files into the store: twarc2 through its fast row path, every other format through its reader."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sqlalchemy.engine import Engine

from assistant.bulk import gc_paused
from assistant.services.ingest.twarc_rows import (
    RowChunk,
    parallel_available,
    parallel_pays,
    read_twarc2_rows,
    read_twarc2_rows_parallel,
)
from assistant.services.ingest.writer import Tally, Writer
from assistant.services.store.threads import fill_conversation_roots
from integrations.archives import ArchiveFormat, read_archive

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
    A failure rolls back the open transaction (the files committed before it stay) and is raised. On
    PostgreSQL the writes run behind the reading in a thread (`Writer(behind=True)`), so that the server merges
    one flush while this process reads the next. SQLite's writes run in this process and take the GIL back
    for every row, so a thread would only take turns with the reading (at 100k posts it cost 8% more CPU, 3.11
    against 2.88 s, and no shorter wall time): they run in line. No thread either when a file is read in a
    second process, which overlaps the writes already and must not be forked from a process with a busy thread.
    """
    tally = Tally()
    forks = any(_second_process(path, fmt, parallel) for path, fmt in files)
    behind = not forks and engine.dialect.name == "postgresql"
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
