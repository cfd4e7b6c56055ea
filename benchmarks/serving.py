"""`outreach serve` as the benchmarks run it: over HTTP on a free port with its in-process worker, Slack at a stand-in."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.ack import SECRET, TOKEN, free_port, peak_rss_mb, wait_healthy
from benchmarks.report import print_table

UNSET = ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "X_BEARER_TOKEN")  # HTTP mode, one workspace, no X unless given


@dataclass
class Served:
    """The running server: its process, port and log."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def last_lines(self, count: int = 30) -> str:
        tail = self.log.read_text(errors="replace").splitlines()[-count:]
        return "\n".join(["the server's last lines:", *tail])

    def peak_rss_mb(self) -> float:
        return peak_rss_mb(self.process.pid)


@contextmanager
def outreach_serve(
    slack_url: str, database_url: str, folder: Path, *, interval: float, extra: Mapping[str, str] | None = None
) -> Iterator[Served]:
    """`outreach serve` on 127.0.0.1, healthy when entered, stopped on the way out; `extra` adds settings."""
    port = free_port()
    env = {name: value for name, value in os.environ.items() if name not in UNSET}
    env.update(
        {
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": slack_url,
            "SLACK_COMMS_USERGROUP": "S0COMMS001",
            "DATABASE_URL": database_url,
            "PORT": str(port),
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "DEFAULT_TIMEZONE": "Europe/London",
            "WORKER_INTERVAL_SECONDS": str(interval),
            "LOG_LEVEL": "WARNING",
            **(extra or {}),
        }
    )
    command = [sys.executable, "-c", "from assistant.cli import main; main()", "serve", "--host", "127.0.0.1"]
    log = folder / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            wait_healthy(f"http://127.0.0.1:{port}/slack/events", process)
            yield Served(process, port, log)
        finally:
            process.terminate()
            process.wait(timeout=30)


def server_arguments(parser: argparse.ArgumentParser, *, sizes: str) -> None:
    """The options every benchmark through `outreach serve` takes."""
    parser.add_argument("--sizes", default=sizes, help=f"posts in each chat, comma-separated (default {sizes})")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL, not SQLite")
    parser.add_argument("--interval", type=float, default=5.0, help="the worker's interval (WORKER_INTERVAL_SECONDS)")


RunSize = Callable[[int, argparse.Namespace, Path], tuple[list[str], list[str]]]
"""One size's table row and notes."""


def report_sizes(args: argparse.Namespace, run_size: RunSize, title: str, header: Sequence[str]) -> None:
    """Run each size in a temporary folder, then print the title, the table, the notes and the machine's load."""
    load_before = os.getloadavg()[0]
    rows: list[list[str]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp:
        for size in (int(part) for part in args.sizes.split(",") if part.strip()):
            row, size_notes = run_size(size, args, Path(tmp))
            rows.append(row)
            notes.extend(size_notes)
    print(title)
    print_table(header, rows)
    for note in notes:
        print(note)
    print(f"load average (1 min) before the runs: {load_before:.2f}; {os.cpu_count()} CPUs")
