"""End-of-chat digest: a scheduled chat ends, and `outreach serve`'s worker posts its digest in the channel.

Run: python benchmarks/end_of_chat.py [--sizes 1000,10000] [--runs 3] [--postgres] [--interval 5] [--lead 15]

For each size, `outreach serve` runs over HTTP with its in-process worker (WORKER_INTERVAL_SECONDS = --interval),
its Slack Web API pointed at the Slack stand-in and its X API at the X stand-in, on a fresh database (SQLite, or
PostgreSQL with --postgres) holding a workspace and the X account that hosts the chats. Each run schedules a
one-hour chat (through the chat form's own validation and storage, its questions, host and channel) whose
digest falls due `--lead` seconds later, plus a part of one worker interval drawn at random (the same each time),
so that the due time falls anywhere between two of the worker's passes: the chat ended DIGEST_AFTER (15 minutes)
before that. The X stand-in serves the chat's posts (a sample chat of the size, at the chat's time, paged as
X's recent search pages them). Nothing else is done: the worker notices the chat is over (the chat source asks for its digest), collects the posts
from X, makes the digest and posts it. The clock runs from the digest's scheduled time (the chat's end plus 15
minutes) to the digest message arriving in the Slack stand-in. Target (issue 20): within 60 s of the scheduled
time plus the collection (the collect step's own time, read from the outbox; the budget step before it, X's
free count of the posts, is shown apart and not allowed for). Prints, per size, the median of the runs: due →
message, due → the chat's digest request (how soon the worker noticed), each step's time, the target and ✓ / ✗;
then every run's figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from assistant.standins.slack import SlackStandIn
from assistant.standins.x import XStandIn, XUser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/end_of_chat.py`: the root importable

from benchmarks.report import mark
from benchmarks.serving import outreach_serve, report_sizes, server_arguments

APP_BEARER = "bench-x-app-bearer"
CHANNEL, MODERATOR, TIMEZONE = "C0COMMS001", "U0COMMS001", "Europe/London"
ALLOWED = 60.0  # seconds after the scheduled time, on top of the collection
STEPS = ("budget", "collect", "make", "post")  # the digest's steps up to its message (budget: X's count, issue 21)
QUESTIONS = "\n".join(
    f"{minute} | {text}"
    for minute, text in (
        (5, "What changed for your learners this term?"),
        (14, "Which support helped you most?"),
        (23, "What would you tell a new teacher?"),
        (32, "How do you share what works?"),
        (41, "What should policy makers ask next?"),
        (50, "What will you try next week?"),
    )
)


@dataclass
class World:
    """The database, the team's workspace in it, and the key its X tokens are encrypted with."""

    url: str
    key: str
    workspace_id: int


def prepare(folder: Path, *, postgres: bool) -> World:
    """A fresh, migrated database with the team's workspace."""
    from sqlmodel import Session

    from assistant.db import create_db_engine
    from assistant.services.team.workspaces import ensure_workspace
    from assistant.standins.slack_workspace import TEAM_ID
    from benchmarks.databases import fresh_postgres, fresh_sqlite

    url = fresh_postgres() if postgres else fresh_sqlite(folder)
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            workspace = ensure_workspace(session, slack_team_id=TEAM_ID)
            session.commit()
            return World(url, Fernet.generate_key().decode(), workspace.id or 0)
    finally:
        engine.dispose()


def schedule_chat(world: World, host: XUser, hashtag: str, due: datetime) -> tuple[int, datetime]:
    """A one-hour chat hosted by `host`, made a day before through the form's validation, whose digest is due
    at `due`.

    The sample chat's host has the hashtag in its handle, so each run's chat connects its host account again
    under that handle. The form takes minutes; the sitting is stored with its times to the second, so that the
    digest falls due exactly when the run wants it. Returns the sitting's id and its start."""
    from zoneinfo import ZoneInfo

    from sqlmodel import Session

    from assistant.config import Settings
    from assistant.crypto import TokenCipher
    from assistant.db import create_db_engine
    from assistant.jobs.chats.plan import DIGEST_AFTER
    from assistant.services.accounts.credentials import save_credential
    from assistant.services.chats.form import ChatInput, validate
    from assistant.services.chats.repo import create_chat, occurrences_of
    from assistant.services.chats.schedule import Slot
    from integrations.x.oauth import TokenSet

    settings = Settings(_env_file=None, database_url=world.url, encryption_key=world.key)
    end = due - DIGEST_AFTER
    start = end - timedelta(hours=1)
    local = start.astimezone(ZoneInfo(TIMEZONE))
    made = start - timedelta(days=1)
    engine = create_db_engine(world.url)
    with Session(engine) as session:
        credential = save_credential(
            session,
            TokenCipher.from_settings(settings),
            platform="x",
            account_id=host.id,
            tokens=TokenSet(access_token=host.token),
            now=made,
            workspace_id=world.workspace_id,
            handle=f"{hashtag}_host",
        )
    form = ChatInput(
        hashtag=hashtag,
        title=f"#{hashtag} end-of-chat benchmark",
        start_date=f"{local:%Y-%m-%d}",
        start_time=f"{local:%H:%M}",
        timezone=TIMEZONE,
        duration=60,
        recurrence="none",
        channel_id=CHANNEL,
        host=str(credential.id),
        moderators=[MODERATOR],
        questions=QUESTIONS,
    )
    try:
        with Session(engine) as session:
            valid = validate(session, form, workspace_id=world.workspace_id, now=made)
            # the sitting is stored with its times to the second from the start: stored at the form's minute
            # first, the worker could find its digest due before the run wants it and make it with no posts
            valid.slots = [Slot(start, end)]
            series = create_chat(session, valid, workspace_id=world.workspace_id, actor=MODERATOR, now=made)
            (occurrence,) = occurrences_of(session, series.id or 0)
            assert (occurrence.start_at, occurrence.end_at) == (start, end)
            return occurrence.id or 0, start
    finally:
        engine.dispose()


def serve_chat(x: XStandIn, size: int, seed: int, hashtag: str, start: datetime) -> int:
    """A sample chat of `size` posts at the chat's time, published on the X stand-in; the posts published."""
    from assistant.samples.chat import generate_chat
    from integrations.x.parse import unescape

    posts: list[dict[str, Any]] = []
    users: dict[str, XUser] = {}
    for page in generate_chat(size, seed, hashtag=hashtag, start=start):
        posts.extend({**post, "text": unescape(post["text"])} for post in page["data"])  # kept as typed
        for user in (page.get("includes") or {}).get("users") or ():
            users.setdefault(user["id"], XUser(user["id"], user["username"], user.get("name", ""), f"t-{user['id']}"))
    x.publish(posts, users.values())
    return len(posts)


def wait_for_digest(slack: SlackStandIn, hashtag: str, timeout: float) -> tuple[float, str]:
    """The monotonic time the stand-in received the chat's digest message, and its text."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [
            (call.at, str(call.args["text"]))
            for method in ("chat.postMessage", "chat.update")
            for call in slack.calls_to(method)
            if str(call.args.get("text", "")).startswith(f"Digest of #{hashtag}:")
        ]
        if found:
            return min(found)
        time.sleep(0.05)
    raise RuntimeError(f"no digest of #{hashtag} within {timeout:.0f} s")


def worker_times(url: str, occurrence_id: int, due: datetime, timeout: float = 120.0) -> dict[str, float]:
    """From the outbox: due → the chat's digest request, and each digest step's own time (waits for the post)."""
    import sqlalchemy as sa

    from assistant.db import create_db_engine
    from assistant.models.codecs import chat_digest_key, digest_step_key

    engine = create_db_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as connection:
                requested = connection.execute(
                    sa.text("SELECT created_at FROM outbox WHERE key = :k"), {"k": chat_digest_key(occurrence_id)}
                ).scalar()
                job: int | None = connection.execute(
                    sa.text("SELECT id FROM digest_job WHERE chat_occurrence_id = :o"), {"o": occurrence_id}
                ).scalar()
                rows: dict[str, tuple[Any, Any]] = {}
                for step in STEPS if job is not None else ():
                    row = connection.execute(
                        sa.text("SELECT created_at, completed_at FROM outbox WHERE key = :k"),
                        {"k": digest_step_key(job or 0, step)},
                    ).first()
                    if row is not None and row[1] is not None:
                        rows[step] = (row[0], row[1])
            if requested is not None and len(rows) == len(STEPS):  # the post step done: the digest is out
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the digest of sitting {occurrence_id} did not finish its steps")
            time.sleep(0.2)
    finally:
        engine.dispose()
    times = {"noticed": (_utc(requested) - due).total_seconds()}
    for step, (made, done) in rows.items():
        times[step] = (_utc(done) - _utc(made)).total_seconds()
    return times


def _utc(value: Any) -> datetime:
    """A stored time as aware UTC (SQLite returns its text, PostgreSQL an aware datetime)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def run_size(size: int, args: argparse.Namespace, folder: Path) -> tuple[list[str], list[str]]:
    from assistant.samples.x_wire import user_id
    from benchmarks.databases import drop

    host = XUser(user_id(0), "edchat_host", "#edchat chat", "x-user-token-host")  # the sample chat's host
    notes: list[str] = []
    with SlackStandIn() as slack, XStandIn(users=[host], app_token=APP_BEARER) as x:
        world = prepare(folder, postgres=args.postgres)
        extra = {"X_API_URL": x.base_url, "X_BEARER_TOKEN": APP_BEARER, "ENCRYPTION_KEY": world.key}
        results: list[dict[str, float]] = []
        try:
            with outreach_serve(slack.base_url, world.url, folder, interval=args.interval, extra=extra) as served:
                for run in range(args.runs):
                    hashtag = f"edchat{run + 1}"  # the store keeps earlier runs' chats: each run its own hashtag
                    # A run begins just after the worker's pass that posted the last digest: a lead that is a
                    # multiple of the interval would fall due just as a pass begins. A random part of one
                    # interval (the same every time) puts the due time anywhere between two passes.
                    lead = args.lead + random.Random(size + run).uniform(0, args.interval)
                    due = datetime.now(UTC) + timedelta(seconds=lead)
                    due_clock = time.monotonic() + (due - datetime.now(UTC)).total_seconds()
                    occurrence_id, start = schedule_chat(world, host, hashtag, due)
                    served_posts = serve_chat(x, size, run + 1, hashtag, start)
                    if datetime.now(UTC) >= due:
                        raise RuntimeError(f"setting the chat up took longer than --lead {args.lead:g} s; raise it")
                    try:
                        arrived, text = wait_for_digest(slack, hashtag, timeout=args.lead + 600)
                    except RuntimeError:
                        raise RuntimeError(served.last_lines()) from None
                    times = worker_times(world.url, occurrence_id, due)
                    times["late"] = arrived - due_clock
                    results.append(times)
                    notes.append(
                        f"{size:,} posts, run {run + 1} ({served_posts:,} posts served; “{text}”): due → message "
                        f"{times['late']:.2f} s, noticed {times['noticed']:.2f} s, "
                        + ", ".join(f"{step} {times[step]:.2f} s" for step in STEPS)
                    )
                rss = served.peak_rss_mb()
        finally:
            drop(world.url)
    median = {name: statistics.median(r[name] for r in results) for name in ("late", "noticed", *STEPS)}
    met = all(r["late"] <= ALLOWED + r["collect"] for r in results)
    row = [
        f"{size:,}",
        f"{median['late']:.2f}",
        f"{median['noticed']:.2f}",
        *(f"{median[step]:.2f}" for step in STEPS),
        f"{ALLOWED + median['collect']:.2f}",
        mark(met),
        f"{rss:.0f}",
    ]
    return row, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    server_arguments(parser, sizes="1000,10000")
    parser.add_argument("--lead", type=float, default=15.0, help="seconds from scheduling a chat to its digest due")
    args = parser.parse_args()
    where = "PostgreSQL" if args.postgres else "SQLite"
    title = (
        f"end-of-chat digest ({where}, worker interval {args.interval:g} s): median of {args.runs} runs; due = the "
        f"chat's end + 15 min; target: the digest message within {ALLOWED:.0f} s of due plus the collection; "
        "noticed = due → the chat's digest request; steps from the outbox rows"
    )
    header = ["posts", "due → message s", "noticed s", *(f"{step} s" for step in STEPS), "target s", "", "RSS MB"]
    report_sizes(args, run_size, title, header)


if __name__ == "__main__":
    main()
