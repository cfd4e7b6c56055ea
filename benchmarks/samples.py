"""The sample chat files the benchmarks import: in the order of real twarc2 archives (newest first) unless asked."""

from __future__ import annotations

from pathlib import Path


def write_sample(path: Path, posts: int, seed: int, *, newest_first: bool = True) -> None:
    """A sample chat of `posts` posts at `path`: newest page and post first, as `twarc2 search` writes X's pages
    (the order an import meets in the field: its keys arrive descending, which costs the indexes more than the
    generator's own oldest-first order), or oldest first with `newest_first=False`."""
    from assistant.samples.chat import write_chat, write_newest_first

    if not newest_first:
        with path.open("wb") as fp:
            write_chat(fp, posts, seed)
        return
    tidy = path.with_name(f"{path.name}.oldest-first")
    try:
        with tidy.open("wb") as fp:
            write_chat(fp, posts, seed)
        with tidy.open("rb") as source, path.open("wb") as target:
            write_newest_first(source, target)
    finally:
        tidy.unlink(missing_ok=True)
