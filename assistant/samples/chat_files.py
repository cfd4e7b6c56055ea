"""Sample chats as JSONL files: `generate_chat`'s pages written oldest first, or turned round into the order of
real twarc2 archives (newest first)."""

from __future__ import annotations

import tempfile
from typing import IO, Any

import orjson

from assistant.samples.chat import generate_chat


def write_chat(fp: IO[bytes], posts: int, seed: int, *, newest_first: bool = False, **options: Any) -> int:
    """Write `generate_chat(posts, seed, **options)` as JSONL to a binary file; return the posts written.

    `newest_first`: in the order of real archives (`write_newest_first`), by way of a temporary file."""
    if newest_first:
        with tempfile.TemporaryFile() as tidy:
            written = write_chat(tidy, posts, seed, **options)
            write_newest_first(tidy, fp)
        return written
    written = 0
    for page in generate_chat(posts, seed, **options):
        fp.write(orjson.dumps(page) + b"\n")
        written += len(page["data"])
    return written


def write_newest_first(source: IO[bytes], target: IO[bytes]) -> int:
    """Copy a file of `write_chat` (oldest first) in the order of a real `twarc2 search` file, which keeps X's
    order: the newest page first and each page's posts newest first. Returns the pages written.

    The source must be seekable: its pages are found first, then read back from the last; memory holds one
    page and an offset per page."""
    offsets: list[int] = []
    source.seek(0)
    while True:
        at = source.tell()
        line = source.readline()
        if not line:
            break
        if line.strip():
            offsets.append(at)
    for at in reversed(offsets):
        source.seek(at)
        page = orjson.loads(source.readline())
        page["data"].reverse()
        target.write(orjson.dumps(page) + b"\n")
    return len(offsets)
