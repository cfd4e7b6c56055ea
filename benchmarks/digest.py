"""Digest end to end from the database (query, analysis, Slack blocks, HTML archive, chart) against the read floor.

Run: python benchmarks/digest.py [--sizes 1000,10000,100000] [--runs 3] [--full] [--postgres]
For each size, a one-hour sample chat of that many posts is imported into a fresh SQLite database (a fresh
PostgreSQL database with --postgres, whose floor is then PostgreSQL's own read); then
each measurement runs in its own process (so peak memory is that of one digest): the *floor* only reads
the chat's posts back (hashtag window + their conversations + reposts), the *digest* does everything.
Floor and digest runs alternate, so both see the machine in the same state. Each process first warms up
as the server's digest process does as it starts (`digest_steps.warm_up`), so the figures are a running
server's, not a restart's first digest. Prints the median of the runs, peak RSS, the median of the runs'
ratios digest / floor (wall and CPU time), and µs per post (linearity), with ✓ or ✗ against the targets at
100k posts (under 5 s, under 500 MB, within 3x of the floor).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `python benchmarks/digest.py`: the root importable
HASHTAG = "edchat"


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def child(mode: str, url: str, start_iso: str) -> None:
    """One measurement in this process; prints {"seconds", "cpu_seconds", "rss_mb", "posts"} as JSON."""
    from sqlmodel import Session

    from assistant.bulk import gc_paused
    from assistant.db import configure_orm, create_db_engine
    from assistant.jobs.digest_steps import warm_up
    from assistant.render.digest_chart import timeline_png
    from assistant.render.digest_files import to_json
    from assistant.render.digest_html import archive_parts
    from assistant.services.digests.make import make_digest
    from assistant.services.digests.read import iter_chat_posts
    from assistant.slack.blocks.digests import digest_message

    engine = create_db_engine(url)
    configure_orm()  # in both modes, before the clock: serve and the worker do it as they start
    warm_up(engine)  # so does the digest process (jobs/digest_process.py): what any first digest would pay
    start = datetime.fromisoformat(start_iso)
    end = start + timedelta(hours=1, minutes=5)
    began, cpu_began = time.perf_counter(), time.process_time()
    with Session(engine) as session:
        # Both modes free what they made before the clock stops, as a job does when it ends (freeing 100k
        # posts is a tenth of reading them: counted in the floor alone, it flattered the ratio).
        if mode == "floor":  # the rows read back, no more: which of them are the chat is the digest's work
            with gc_paused():
                read = list(iter_chat_posts(session, hashtag=HASHTAG, start=start, end=end))
            posts = len(read)
            del read
        else:
            made = make_digest(
                session,
                hashtag=HASHTAG,
                start=start,
                end=end,
                timezone="Europe/London",
                host_handle=f"{HASHTAG}_host",
                save=False,
            )
            digest_message(made.result.figures, digest_id=1, archive_url="https://example.org/archive/x")
            png = timeline_png(made.result.figures)
            archive_parts(made.result, chart_png=png)  # the page as the app serves it, part by part
            to_json(made.result.figures)
            posts = made.result.figures["volume"]["posts"]
            del made, png
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu_began
    engine.dispose()
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "rss_mb": _peak_rss_mb(), "posts": posts}))


def prepare(size: int, folder: Path, *, postgres: bool = False) -> tuple[str, str]:
    """A migrated database (SQLite, or PostgreSQL) holding a one-hour chat of `size` posts; (url, start)."""
    from assistant.samples.chat import chat_start_times
    from assistant.samples.chat_files import write_chat
    from benchmarks.databases import fresh_postgres, fresh_sqlite, import_chat

    url = fresh_postgres() if postgres else fresh_sqlite(folder)
    archive = folder / f"chat-{size}.jsonl"
    with archive.open("wb") as fp:
        write_chat(fp, size, 1, newest_first=True)  # as real archives are imported
    import_chat(url, archive)
    archive.unlink()
    return url, chat_start_times()[0].isoformat()


def measure(mode: str, url: str, start: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--url", url, "--start", start],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="add a 300k-post chat")
    parser.add_argument("--postgres", action="store_true", help="store the chats in PostgreSQL, not SQLite")
    parser.add_argument("--child")
    parser.add_argument("--url")
    parser.add_argument("--start")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.start)
        return
    from benchmarks.databases import drop, postgres_unreachable
    from benchmarks.report import mark, print_table

    if args.postgres and (why := postgres_unreachable()):
        raise SystemExit(f"--postgres: PostgreSQL is unreachable ({why})")
    sizes = [int(s) for s in args.sizes.split(",")] + ([300_000] if args.full else [])
    load_before = os.getloadavg()[0]  # the machine's other work, before this script adds its own
    rows = []
    verdicts: list[str] = []
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
        for size in sizes:
            began = time.perf_counter()
            url, start = prepare(size, Path(tmp), postgres=args.postgres)
            print(f"prepared {size:,} posts in {time.perf_counter() - began:.1f}s", file=sys.stderr)
            floor: list[dict[str, float]] = []
            digest: list[dict[str, float]] = []
            try:
                for _ in range(args.runs):  # interleaved, so that both see the machine in the same state
                    floor.append(measure("floor", url, start))
                    digest.append(measure("digest", url, start))
            finally:
                drop(url)
            f_s = statistics.median(r["seconds"] for r in floor)
            d_s = statistics.median(r["seconds"] for r in digest)
            ratio = statistics.median(d["seconds"] / f["seconds"] for f, d in zip(floor, digest, strict=True))
            cpu_ratio = statistics.median(
                d["cpu_seconds"] / f["cpu_seconds"] for f, d in zip(floor, digest, strict=True)
            )
            peak = max(r["rss_mb"] for r in digest)
            if size >= 100_000:
                verdicts.append(
                    f"targets at {size:,} posts: under 5 s {mark(d_s < 5)} ({d_s:.2f} s), under 500 MB "
                    f"{mark(peak < 500)} ({peak:.0f} MB), within 3x of the floor {mark(ratio <= 3)} ({ratio:.2f}x)"
                )
            rows.append(
                [
                    f"{int(digest[0]['posts']):,}",
                    f"{f_s:.2f}",
                    f"{max(r['rss_mb'] for r in floor):.0f}",
                    f"{d_s:.2f}",
                    f"{max(r['rss_mb'] for r in digest):.0f}",
                    f"{ratio:.1f}x",
                    f"{cpu_ratio:.1f}x",
                    f"{d_s / digest[0]['posts'] * 1e6:.0f}",
                ]
            )
    header = ["posts", "floor s", "floor MB", "digest s", "digest MB", "digest/floor", "CPU ratio", "µs/post"]
    where = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"digest benchmark ({where}): median of {args.runs} runs per cell, each in its own process, floor and digest "
        "taken in turn; digest/floor and CPU ratio are medians of the runs' own ratios; MB = peak RSS"
    )
    print_table(header, rows)
    for verdict in verdicts:
        print(verdict)
    print(f"load average (1 min) before the runs: {load_before:.2f}; {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
