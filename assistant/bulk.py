"""Bulk work (a digest, an import): the cyclic garbage collector paused, and quick thread switches where threads share it."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block (reference counting still frees what is dropped).

    Reading 100k posts allocates ~2M objects that all stay alive; every few thousand allocations the
    collector walks the young ones again, and that walking cost the digest more than the reading and the
    analysis together. An import makes as many short-lived objects (decoded pages, rows), freed by reference
    counting, so the collector's walks over them are pure cost there too (about a tenth of the reading).
    On the way out, what the block built is moved to the oldest generation in one step
    (freeze, then unfreeze: documented to put the objects back in the oldest generation), so the young
    collections that follow do not walk it all once more either; a full collection still sees it (and any
    cycle) when one is due. Nested blocks are fine: only the outermost turns collection back on, and only
    if it was on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()  # (unfreeze would also release what someone else froze; nothing in this app freezes)
            gc.unfreeze()
            gc.enable()


QUICK_SWITCH_SECONDS = 0.0005  # the switch interval of `quick_switches` (the interpreter's default is 5 ms)


@contextmanager
def quick_switches() -> Iterator[None]:
    """The interpreter's switch interval at QUICK_SWITCH_SECONDS inside the block (where it was longer), given
    back on the way out.

    For bulk work split between a thread that computes and one that mostly waits on I/O: an import's writing
    thread (every statement a round trip to the database), the reading process's thread that sends rows down the
    pipe. Each time the waiting thread's I/O is done it needs the GIL back, and the busy thread lets it go only
    every switch interval: at the default 5 ms, 100k posts into PostgreSQL waited 0.2-0.5 s for it while the
    reading waited on the writes. Interleaved runs at 100k posts: 5-8% less wall time into PostgreSQL and SQLite,
    in one process and in two (docs/benchmarks.md).
    """
    before = sys.getswitchinterval()
    if before <= QUICK_SWITCH_SECONDS:  # already as quick: left alone (setting it again would round it down)
        yield
        return
    sys.setswitchinterval(QUICK_SWITCH_SECONDS)
    try:
        yield
    finally:
        sys.setswitchinterval(before)
