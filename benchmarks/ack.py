"""Time to ack: signed `/outreach help` from N concurrent clients against `outreach serve` and a bare Bolt app.

Run: python benchmarks/ack.py [--seconds 20] [--clients 50] [--busy-posts 100000]
Prints requests/s, p50 / p99 / max time to the ack, errors and the server's peak memory, for both; then the
same load on `outreach serve` with its in-process worker busy making digests of a --busy-posts chat the
whole time (0 skips it), with how much of the load window the worker spent making them. Targets: p99 under
100 ms and no errors (also under load), throughput within 2x of the bare app; each printed with ✓ or ✗.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from assistant.standins import slack_requests as requests
from assistant.standins.slack import SlackStandIn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/ack.py`: the root importable

from benchmarks.report import mark, print_table

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    peak_rss_mb: float

    @property
    def p99(self) -> float:
        lat = sorted(self.latencies_ms) or [0.0]
        return lat[min(len(lat) - 1, int(len(lat) * 0.99))]

    def row(self) -> list[str]:
        lat = sorted(self.latencies_ms) or [0.0]
        p99 = self.p99
        return [
            self.name,
            f"{self.requests / self.seconds:,.0f}",
            f"{statistics.median(lat):.1f}",
            f"{p99:.1f}",
            f"{lat[-1]:.1f}",
            str(self.errors),
            f"{self.peak_rss_mb:.0f}",
        ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def load(port: int, clients: int, seconds: float, *, expect_blocks: bool) -> tuple[int, int, list[float]]:
    """`clients` threads, each on one keep-alive connection, sending freshly signed commands until time is up."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            signed = requests.signed_command("help", SECRET)
            headers = flat_headers(signed)  # made before the clock starts
            start = time.perf_counter()
            try:
                connection.request("POST", "/slack/events", body=signed.body, headers=headers)
                response = connection.getresponse()
                body = response.read()
                ok = response.status == 200 and (not expect_blocks or b'"blocks"' in body)
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine.append((time.perf_counter() - start) * 1000)
            failed += 0 if ok else 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), errors, latencies


def flat_headers(signed: requests.SignedRequest) -> dict[str, str]:
    """A signed request's headers with one string each (as http.client and httpx take them)."""
    return {name: value if isinstance(value, str) else ", ".join(value) for name, value in signed.headers.items()}


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.post(url, content=b"", timeout=1).status_code in (400, 401, 404):
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def measure(
    name: str,
    command: list[str],
    env: dict[str, str],
    port: int,
    clients: int,
    seconds: float,
    *,
    expect_blocks: bool,
    before_load: Callable[[], None] | None = None,
) -> Result:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        wait_healthy(url, process)
        load(port, clients, 2.0, expect_blocks=expect_blocks)  # warm-up
        if before_load is not None:
            before_load()
        done, errors, latencies = load(port, clients, seconds, expect_blocks=expect_blocks)
        return Result(name, done, errors, seconds, latencies, peak_rss_mb(process.pid))
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument(
        "--busy-posts", type=int, default=100_000, help="chat size the worker digests during the load case (0: skip)"
    )
    args = parser.parse_args()
    with SlackStandIn() as slack, tempfile.TemporaryDirectory() as tmp:
        base_env = {
            **os.environ,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": slack.base_url,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "LOG_LEVEL": "WARNING",
            "THREADS": str(args.threads),
        }
        for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID"):
            base_env.pop(name, None)
        results = []
        port = free_port()
        ours = [
            sys.executable,
            "-c",
            "from assistant.cli import main; main()",
            "serve",
            "--no-worker",
            "--host",
            "127.0.0.1",
            "--threads",
            str(args.threads),
        ]
        results.append(
            measure(
                "outreach serve",
                ours,
                {**base_env, "PORT": str(port)},
                port,
                args.clients,
                args.seconds,
                expect_blocks=True,
            )
        )
        port = free_port()
        bare = [sys.executable, str(ROOT / "benchmarks" / "bare_app.py")]
        results.append(
            measure(
                "bare Bolt app (floor)",
                bare,
                {**base_env, "PORT": str(port)},
                port,
                args.clients,
                args.seconds,
                expect_blocks=False,
            )
        )
        busy = None
        if args.busy_posts:
            busy = measure_busy(args, slack, base_env, Path(tmp))
            results.append(busy[0])
    header = ["server", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "peak RSS MB"]
    print(
        f"/outreach help, {args.clients} concurrent clients, {args.seconds:.0f} s each, waitress threads={args.threads}"
    )
    print_table(header, [r.row() for r in results])
    ratio = (results[1].requests / results[1].seconds) / max(1e-9, results[0].requests / results[0].seconds)
    print(f"throughput ratio bare/ours: {ratio:.2f}x (target: within 2x) {mark(ratio <= 2)}")
    for result in (results[0], *([busy[0]] if busy else [])):
        print(
            f"{result.name}: p99 {result.p99:.1f} ms (target under 100 ms) {mark(result.p99 < 100)}, "
            f"{result.errors} errors {mark(result.errors == 0)}"
        )
    if busy:
        print(busy[1])


def measure_busy(
    args: argparse.Namespace, slack: SlackStandIn, base_env: dict[str, str], folder: Path
) -> tuple[Result, str]:
    """The help load while the in-process worker makes digests of a stored chat, one after another."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from benchmarks.databases import drop
    from benchmarks.digest import prepare

    url, start_iso = prepare(args.busy_posts, folder)
    zone = ZoneInfo("Europe/London")
    start = datetime.fromisoformat(start_iso).astimezone(UTC)
    window = [(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M") for moment in (start, start + timedelta(minutes=65))]
    port = free_port()
    env = {
        **base_env,
        "DATABASE_URL": url,
        "PORT": str(port),
        "SLACK_COMMS_USERGROUP": "S0COMMS001",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DEFAULT_TIMEZONE": "Europe/London",
    }
    command = [sys.executable, "-c", "from assistant.cli import main; main()", "serve", "--host", "127.0.0.1"]
    command += ["--threads", str(args.threads)]
    clock: dict[str, float] = {}

    def queue_digests() -> None:
        # More digests than the load window can hold, so that the worker is busy from start to end.
        for _ in range(max(3, int(args.seconds))):
            signed = requests.signed_command(
                f'digest #edchat --from "{window[0]}" --to "{window[1]}"',
                SECRET,
                user_id="U0COMMS001",
                channel_id="C0COMMS001",
                response_url=slack.response_url("r1"),
            )
            events = f"http://127.0.0.1:{port}/slack/events"
            if httpx.post(events, content=signed.body, headers=flat_headers(signed)).status_code != 200:
                raise RuntimeError("the digest command was refused")
        clock["load_from"] = time.time()

    try:
        result = measure(
            f"outreach serve + worker making {args.busy_posts:,}-post digests",
            command,
            env,
            port,
            args.clients,
            args.seconds,
            expect_blocks=True,
            before_load=queue_digests,
        )
        busy = busy_seconds(url, clock["load_from"], clock["load_from"] + args.seconds)
        child = digest_process_memory(url)
    finally:
        drop(url)
    note = f"under load: the worker was running digest steps for {busy:.1f} of the {args.seconds:.0f} s of the load"
    if child is not None:
        note += f"; digests made in a child process: peak RSS {child[0]:.0f} MB, {child[1]:.0f} MB after its last"
    return result, note


def digest_process_memory(url: str) -> tuple[float, float] | None:
    """The digest child's highest peak RSS and its RSS after its last job, in MB, from the make steps' outbox
    results (None: no child made them)."""
    import sqlalchemy as sa

    from assistant.db import create_db_engine
    from assistant.models import OutboxItem

    outbox = OutboxItem.__table__  # type: ignore[attr-defined]
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            query = sa.select(outbox.c.result).where(outbox.c.key.like("digest:%:make")).order_by(outbox.c.completed_at)
            made = [r for r in connection.execute(query).scalars() if isinstance(r, dict) and "peak_rss_mb" in r]
    finally:
        engine.dispose()
    return (max(float(r["peak_rss_mb"]) for r in made), float(made[-1]["rss_mb"])) if made else None


def busy_seconds(url: str, start: float, end: float) -> float:
    """Seconds of [start, end] (epoch) covered by the steps of digest jobs (one after another), from the outbox."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from assistant.db import create_db_engine

    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            spans = connection.execute(
                sa.text("SELECT created_at, completed_at FROM outbox WHERE key LIKE :pattern"),
                {"pattern": "digest:%"},
            ).all()
    finally:
        engine.dispose()

    def epoch(value: object) -> float:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        assert isinstance(moment, datetime)
        return moment.replace(tzinfo=UTC).timestamp() if moment.tzinfo is None else moment.timestamp()

    covered = 0.0
    for made, done in spans:
        low, high = max(start, epoch(made)), min(end, epoch(done) if done is not None else end)
        covered += max(0.0, high - low)
    return covered


if __name__ == "__main__":
    main()
