"""Reading a twarc2 archive in a second process (`outreach import --parallel`), so that reading and building rows
overlap the database's writes; and when that pays on this machine."""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import queue
import threading
import traceback
from collections.abc import Generator
from multiprocessing.connection import Connection

from assistant.bulk import quick_switches
from assistant.services.ingest.twarc_rows import RowChunk, read_twarc2_rows
from assistant.services.store.rows import RowEncoder

_LINES_PER_MESSAGE = 10  # archive lines handed from the worker process at a time (about 1,000 posts)
_MESSAGES_AHEAD = 12  # messages the worker keeps ready (about 4 MB): more than one flush of the writer's
PARALLEL_MIN_BYTES = 16_000_000  # files this large (about 16k posts) are read in a second process when a CPU is idle


def parallel_available() -> bool:
    """Whether `read_twarc2_rows_parallel` can run here (a second CPU, and processes started by fork)."""
    return _usable_cpus() > 1 and "fork" in multiprocessing.get_all_start_methods()


def parallel_pays(size_bytes: int) -> bool:
    """Whether reading a file of `size_bytes` in a second process should pay off now.

    Only for files of PARALLEL_MIN_BYTES or more (below that, starting the process costs about what it
    saves), and only while a CPU is idle (the last minute's load average leaves one free): with none idle
    the two processes take turns, and pickling the rows across makes the import slower, not faster.
    """
    return size_bytes >= PARALLEL_MIN_BYTES and parallel_available() and cpu_idle()


def cpu_idle(share: float = 1.0) -> bool:
    """Whether the last minute's load average leaves `share` of a CPU free (True where it is not reported)."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return True
    return load <= _usable_cpus() - share


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def read_twarc2_rows_parallel(
    path: str | os.PathLike[str], dialect: str, *, keep_raw: bool = False
) -> Generator[RowChunk, None, None]:
    """`read_twarc2_rows` run in a second process, so that reading and building rows overlap the writes.

    The same chunks in the same order, pickled a few lines at a time through a pipe. The worker keeps up to
    _MESSAGES_AHEAD messages ready (a sending thread empties them into the pipe), so that it goes on reading
    while the caller writes a flush of several messages' rows; beyond that it waits, and memory stays flat.
    The worker is forked: the caller must not run other threads (the import command's progress bar
    refreshes from its own loop for this reason). Closing the iterator early stops the worker.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_produce, args=(os.fspath(path), dialect, keep_raw, sender), daemon=True)
    worker.start()
    sender.close()  # the worker holds the only writing end: its exit ends the stream
    try:
        while True:
            try:
                message = pickle.loads(receiver.recv_bytes())
            except EOFError:
                worker.join()
                raise RuntimeError(f"reading {path} stopped: its worker process exited ({worker.exitcode})") from None
            if message is None:
                return
            if isinstance(message, str):
                raise RuntimeError(f"reading {path} failed in its worker process:\n{message}")
            yield from message
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        receiver.close()


def _produce(path: str, dialect: str, keep_raw: bool, sender: Connection) -> None:
    """The worker: chunks in pickled lists of _LINES_PER_MESSAGE, then None; a failure as its traceback text."""
    # The objects inherited from the parent are never garbage here, and reading makes no cycles (what it
    # drops, reference counting frees): no collections, which would touch (and so copy) the parent's pages.
    gc.freeze()
    gc.disable()
    ready: queue.Queue[bytes | None] = queue.Queue(maxsize=_MESSAGES_AHEAD)

    def send() -> None:  # the pipe holds less than a message: writing waits (without the GIL) for the reader
        try:
            while (data := ready.get()) is not None:
                sender.send_bytes(data)
        except OSError:
            pass  # the reading process stopped listening (and will stop this one)

    thread = threading.Thread(target=send, name="send-rows", daemon=True)
    thread.start()
    message: list[RowChunk] | str | None
    try:
        message = []
        with quick_switches():  # the sending thread gets the GIL back from the reading quickly after each write
            for chunk in read_twarc2_rows(path, RowEncoder(dialect), keep_raw=keep_raw):
                message.append(chunk)
                if len(message) >= _LINES_PER_MESSAGE:
                    ready.put(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
                    message = []
        if message:
            ready.put(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
        message = None
    except BaseException:  # noqa: BLE001 - handed to the reading process, which raises it there
        message = traceback.format_exc()
    ready.put(pickle.dumps(message))
    ready.put(None)
    thread.join()
    sender.close()
