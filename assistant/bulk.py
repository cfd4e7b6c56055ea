"""Pause the cyclic garbage collector during bulk work (a digest, an import) that makes many small objects."""

from __future__ import annotations

import gc
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
