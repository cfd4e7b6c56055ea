"""Time to digest: a signed `/outreach digest` through `outreach serve` and its worker to the digest in the channel.

Run: python benchmarks/time_to_digest.py [--sizes 10000,100000] [--runs 3] [--postgres] [--interval 5]

For each size a one-hour sample chat is stored in a fresh database (SQLite, or PostgreSQL with --postgres).
`outreach serve` runs over HTTP with its in-process worker (WORKER_INTERVAL_SECONDS = --interval), its Slack
Web API pointed at the local stand-in. Each run sends a freshly signed `/outreach digest #edchat --from --to`
and stops the clock when the stand-in receives the digest message (the progress message updated into
"Digest of #edchat"). The reference, measured in the same run, is the digest's own compute time: a process
that only makes the same digest from the same database (benchmarks/digest.py's digest mode: query, analysis,
blocks, chart, archive). Target: request to message under 3x the compute time plus 1 s. Prints the median of
the runs, where the time went (ack, wait for the worker, each outbox step, from the outbox rows), the
server's peak RSS, and ✓ / ✗.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from assistant.standins import slack_requests as requests
from assistant.standins.slack import SlackStandIn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the root importable

from benchmarks.ack import SECRET, flat_headers
from benchmarks.digest import measure, prepare
from benchmarks.report import mark
from benchmarks.serving import outreach_serve, report_sizes, server_arguments

USER, CHANNEL, HASHTAG = "U0COMMS001", "C0COMMS001", "edchat"
STEPS = ("collect", "make", "post", "files")


def request_digest(port: int, slack: SlackStandIn, start_local: str, end_local: str) -> float:
    """Send the signed command; the monotonic time it was sent (the ack is checked, not waited on further)."""
    text = f'digest #{HASHTAG} --from "{start_local}" --to "{end_local}"'
    signed = requests.signed_command(
        text, SECRET, user_id=USER, channel_id=CHANNEL, response_url=slack.response_url("r1")
    )
    sent = time.monotonic()
    response = httpx.post(
        f"http://127.0.0.1:{port}/slack/events", content=signed.body, headers=flat_headers(signed), timeout=30
    )
    if response.status_code != 200:
        raise RuntimeError(f"the command was refused: {response.status_code} {response.text[:200]}")
    return sent


def wait_for_digest(slack: SlackStandIn, seen: int, timeout: float) -> float:
    """The monotonic time the stand-in received the next digest message (an update or a post)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            call
            for method in ("chat.update", "chat.postMessage")
            for call in slack.calls_to(method)
            if str(call.args.get("text", "")).startswith(f"Digest of #{HASHTAG}")
        ]
        if len(found) > seen:
            return min(call.at for call in found[seen:])
        if time.monotonic() > deadline:
            raise RuntimeError(f"no digest message within {timeout:.0f} s")
        try:
            slack.wait_for("chat.update", count=len(slack.calls_to("chat.update")) + 1, timeout=0.5)
        except AssertionError:
            pass


def step_times(url: str, timeout: float = 120.0) -> dict[str, float]:
    """Seconds from the job's creation to the start of its first step, and each step's own time (last job).

    Waits for the last step (the files go up after the message) to be done."""
    deadline = time.monotonic() + timeout
    while (found := _step_times(url)) is None:
        if time.monotonic() > deadline:
            raise RuntimeError("the digest job's steps did not all finish")
        time.sleep(0.2)
    return found


def _step_times(url: str) -> dict[str, float] | None:
    import sqlalchemy as sa

    from assistant.db import create_db_engine

    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            job_id, created = connection.execute(
                sa.text("SELECT id, created_at FROM digest_job ORDER BY id DESC LIMIT 1")
            ).one()
            rows = {
                key.rsplit(":", 1)[-1]: (made, done)
                for key, made, done in connection.execute(
                    sa.text("SELECT key, created_at, completed_at FROM outbox WHERE key LIKE :k"),
                    {"k": f"digest:{job_id}:%"},
                )
            }
    finally:
        engine.dispose()
    if any(rows.get(step, (None, None))[1] is None for step in STEPS):
        return None
    times = {"wait": _seconds(rows["collect"][0], created)}
    for step in STEPS:
        made, done = rows[step]
        times[step] = _seconds(done, made)
    return times


def _seconds(later: Any, earlier: Any) -> float:
    if isinstance(later, str):  # SQLite returns the stored text
        from datetime import datetime

        later, earlier = datetime.fromisoformat(later), datetime.fromisoformat(earlier)
    delta: timedelta = later.replace(tzinfo=None) - earlier.replace(tzinfo=None)
    return delta.total_seconds()


def run_size(size: int, args: argparse.Namespace, folder: Path) -> tuple[list[str], list[str]]:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from benchmarks.databases import drop

    url, start_iso = prepare(size, folder, postgres=args.postgres)
    start = datetime.fromisoformat(start_iso).astimezone(UTC)
    zone = ZoneInfo("Europe/London")
    start_local = start.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    end_local = (start + timedelta(hours=1, minutes=5)).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    try:
        compute = [measure("digest", url, start_iso)["seconds"] for _ in range(args.runs)]
        with SlackStandIn() as slack, outreach_serve(slack.base_url, url, folder, interval=args.interval) as served:
            totals: list[float] = []
            parts: list[dict[str, float]] = []
            for run in range(args.runs):
                sent = request_digest(served.port, slack, start_local, end_local)
                try:
                    arrived = wait_for_digest(slack, run, timeout=max(120.0, 30 * statistics.median(compute)))
                except RuntimeError:
                    raise RuntimeError(served.last_lines()) from None
                totals.append(arrived - sent)
                parts.append(step_times(url))  # waits for the files step, so runs do not overlap
            rss = served.peak_rss_mb()
    finally:
        drop(url)
    total, made = statistics.median(totals), statistics.median(compute)
    target = 3 * made + 1
    where = {name: statistics.median(p[name] for p in parts) for name in ("wait", *STEPS)}
    row = [
        f"{size:,}",
        f"{total:.2f}",
        f"{made:.2f}",
        f"{total / made:.1f}x",
        f"{target:.2f}",
        mark(total < target),
        f"{where['wait']:.2f}",
        *(f"{where[step]:.2f}" for step in STEPS),
        f"{rss:.0f}",
    ]
    runs = ", ".join(f"{t:.2f}" for t in totals)
    return row, [
        f"{size:,} posts: request → digest message {runs} s; compute {', '.join(f'{c:.2f}' for c in compute)} s"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    server_arguments(parser, sizes="10000,100000")
    args = parser.parse_args()
    header = ["posts", "to digest s", "compute s", "ratio", "target s", "", "wait s", *(f"{s} s" for s in STEPS)]
    header.append("server RSS MB")
    where = "PostgreSQL" if args.postgres else "SQLite"
    title = (
        f"time to digest ({where}, worker interval {args.interval:g} s): median of {args.runs} runs; target: "
        "under 3x the digest's compute time + 1 s; wait = job stored → its collect step began; steps from the "
        "outbox rows"
    )
    report_sizes(args, run_size, title, header)


if __name__ == "__main__":
    main()
