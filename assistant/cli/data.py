"""Data commands: import archives, fetch from X / Mastodon / Bluesky, export twarc2 or CSV, write a sample chat."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import httpx
import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.engine import Connection, Engine

from assistant.cli.app import app, console, engine_for, fail, settings_or_exit
from assistant.cli.runtime import ensure_schema as _ensure_schema_current
from assistant.config import Settings
from assistant.render.csv_cells import safe_cell
from assistant.services.store import (
    POST_COLUMNS,
    AccountMemo,
    UpsertResult,
    iter_post_authors,
    iter_posts,
    upsert_batch,
)
from integrations.archives import FORMATS, ArchiveFormat, UnknownFormat, detect_format, read_archive
from integrations.errors import IntegrationError
from integrations.normalized import Batch, NormalizedPost

COMMIT_EVERY_POSTS = 10_000  # one transaction per this many posts: fast, and a crash loses little
FLUSH_POSTS = 2_000  # posts gathered from consecutive lines before one upsert
SHOWN_PROBLEMS = 5
EXPORT_FORMATS = ("twarc2", "csv")
FETCH_SOURCES = ("x", "mastodon", "bluesky")
CSV_COLUMNS = POST_COLUMNS


def ensure_schema(settings: Settings) -> Engine:
    """The engine for the configured database, migrated to head if it is SQLite.

    PostgreSQL is never migrated implicitly: below head the command stops with "run `outreach migrate`".
    """
    _ensure_schema_current(settings)
    return engine_for(settings)


# Import ---------------------------------------------------------------------------------------


@dataclass
class _Tally:
    """What an import or fetch did, for the closing summary."""

    result: UpsertResult = field(default_factory=UpsertResult)
    lines: int = 0
    lines_skipped: int = 0
    problems: int = 0
    shown: list[str] = field(default_factory=list)

    def note(self, where: str, reason: str) -> None:
        self.problems += 1
        if len(self.shown) < SHOWN_PROBLEMS:
            self.shown.append(f"{where}: {reason}")


class _Writer:
    """Gathers batches and upserts them in chunks, committing every COMMIT_EVERY_POSTS posts."""

    def __init__(self, engine: Engine, tally: _Tally, *, keep_raw: bool, captured_at: datetime | None) -> None:
        self.engine = engine
        self.tally = tally
        self.keep_raw = keep_raw
        self.captured_at = captured_at
        self.pending = Batch()
        self.memo = AccountMemo()
        self.connection: Connection | None = None
        self.since_commit = 0
        self.analyzed_at = 2_500

    def add(self, batch: Batch) -> None:
        self.pending.posts.extend(batch.posts)
        self.pending.accounts.extend(batch.accounts)
        self.pending.edges.extend(batch.edges)
        if len(self.pending.posts) >= FLUSH_POSTS or len(self.pending.accounts) >= FLUSH_POSTS:
            self.flush()

    def flush(self, *, commit: bool = False) -> None:
        pending, self.pending = self.pending, Batch()
        if pending.posts or pending.accounts or pending.edges:
            if self.connection is None:
                self.connection = self.engine.connect()
            self.tally.result += upsert_batch(
                self.connection, pending, keep_raw=self.keep_raw, captured_at=self.captured_at, memo=self.memo
            )
            self.since_commit += len(pending.posts) + len(pending.accounts)
        if self.connection is not None and (commit or self.since_commit >= COMMIT_EVERY_POSTS):
            self.connection.commit()
            self.since_commit = 0
            self._refresh_statistics()

    def _refresh_statistics(self) -> None:
        """PostgreSQL plans lookups from table statistics; refresh them as a bulk load doubles the tables."""
        assert self.connection is not None
        written = self.tally.result.posts + self.tally.result.accounts
        if self.connection.dialect.name == "postgresql" and written >= 2 * self.analyzed_at:
            self.connection.exec_driver_sql("ANALYZE post, post_hashtag, account, follow_edge")
            self.connection.commit()
            self.analyzed_at = written

    def close(self, *, commit: bool = True) -> None:
        """Write and commit what is pending, or (after a failure) roll the open transaction back."""
        try:
            if commit:
                self.flush(commit=True)
            elif self.connection is not None:
                self.connection.rollback()
        finally:
            if self.connection is not None:
                self.connection.close()
                self.connection = None


@app.command("import")
def import_archives(
    files: list[Path] = typer.Argument(..., help="twarc2, rtweet, Bluesky or Mastodon JSONL files."),
    format: str | None = typer.Option(
        None, "--format", "-f", help=f"One of {', '.join(FORMATS)}; detected from the first lines if not given."
    ),
    keep_raw: bool = typer.Option(False, "--keep-raw", help="Also store each post's and account's source JSON."),
) -> None:
    """Import post archives into the store (re-importing the same file changes nothing)."""
    chosen = next((known for known in FORMATS if known == format), None)
    if format is not None and chosen is None:
        fail(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}", code=2)
    for path in files:
        if not path.is_file():
            fail(f"{path}: no such file", code=2)
    formats: list[ArchiveFormat] = []
    for path in files:
        if chosen is not None:
            formats.append(chosen)
            continue
        try:
            formats.append(detect_format(path))
        except UnknownFormat as exc:
            fail(f"{exc}; give --format to say which it is", code=2)
    settings = settings_or_exit()
    engine = ensure_schema(settings)
    tally = _Tally()
    writer = _Writer(engine, tally, keep_raw=keep_raw, captured_at=None)
    total_bytes = sum(path.stat().st_size for path in files)
    try:
        with _progress() as progress:
            task = progress.add_task("importing", total=total_bytes or None)
            done_before = 0
            for path, fmt in zip(files, formats, strict=True):
                progress.update(task, description=f"importing {path.name}")
                for chunk in read_archive(path, fmt):
                    tally.lines += 1
                    if chunk.skipped:
                        tally.lines_skipped += 1
                        tally.note(f"{path.name}:{chunk.line_number}", chunk.skipped)
                    elif chunk.batch.problems and not (chunk.batch.posts or chunk.batch.accounts):
                        tally.lines_skipped += 1
                    for problem in chunk.batch.problems:
                        tally.note(f"{path.name}:{chunk.line_number}", problem)
                    writer.add(chunk.batch)
                    progress.update(task, completed=done_before + chunk.bytes_read)
                writer.flush(commit=True)
                done_before += path.stat().st_size
                progress.update(task, completed=done_before)
    except BaseException:
        writer.close(commit=False)
        raise
    else:
        writer.close()
    finally:
        engine.dispose()
    _summary("Imported", tally, files=len(files))
    if tally.result.posts == 0 and tally.result.accounts == 0 and tally.problems:
        fail("nothing could be imported; see the reasons above")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _summary(title: str, tally: _Tally, *, files: int | None = None) -> None:
    result = tally.result
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("")
    table.add_column("new", justify="right")
    table.add_column("seen before", justify="right")
    table.add_row("posts", f"{result.posts_inserted:,}", f"{result.posts_updated:,}")
    table.add_row("accounts", f"{result.accounts_inserted:,}", f"{result.accounts_updated:,}")
    table.add_row("follow edges", f"{result.edges:,}", "")
    if files is not None:
        table.add_row("lines read", f"{tally.lines:,}", f"in {files} file{'s' if files != 1 else ''}")
        table.add_row("lines skipped", f"{tally.lines_skipped:,}", "")
    console.print(table)
    if tally.problems:
        console.print(f"{tally.problems:,} problem(s); the first {len(tally.shown)}:", highlight=False)
        for line in tally.shown:
            console.print(f"  {line}", markup=False, highlight=False)


# Export ---------------------------------------------------------------------------------------


@app.command("export")
def export_posts(
    output: Path = typer.Option(..., "--output", "-o", help="File to write ('-' for standard output)."),
    format: str = typer.Option("twarc2", "--format", "-f", help="twarc2 (JSONL pages) or csv."),
    hashtag: str | None = typer.Option(None, "--hashtag", help="Only posts with this hashtag ('#' optional)."),
    since: str | None = typer.Option(None, "--since", help="From this time (ISO 8601; no zone = DEFAULT_TIMEZONE)."),
    until: str | None = typer.Option(None, "--until", help="Before this time (ISO 8601; no zone = DEFAULT_TIMEZONE)."),
    platform: str | None = typer.Option(None, "--platform", help="Only x, mastodon, bluesky or yammer posts."),
) -> None:
    """Export stored posts as twarc2 JSONL or CSV (one row per post, the normalized columns)."""
    if format not in EXPORT_FORMATS:
        fail(f"unknown export format {format!r}; expected one of {', '.join(EXPORT_FORMATS)}", code=2)
    settings = settings_or_exit()
    start, end = _parse_time(since, "--since", settings), _parse_time(until, "--until", settings)
    engine = ensure_schema(settings)
    filters: dict[str, Any] = {"hashtag": hashtag, "since": start, "until": end, "platform": platform}
    count = 0
    try:
        with engine.connect() as connection, _open_output(output, binary=format == "twarc2") as fp:
            if format == "csv":
                count = _write_csv(fp, iter_posts(connection, **filters))
            else:
                from integrations.twarc import write_twarc2

                accounts = list(iter_post_authors(connection, **filters))
                posts = _counted(iter_posts(connection, **filters))
                write_twarc2(posts, accounts, fp, retrieved_at=datetime.now(UTC))
                count = posts.count
    finally:
        engine.dispose()
    where = "standard output" if str(output) == "-" else str(output)
    typer.echo(f"exported {count:,} posts to {where}", err=True)


class _counted:
    """An iterator that counts what passed through it."""

    def __init__(self, items: Iterable[NormalizedPost]) -> None:
        self._items = iter(items)
        self.count = 0

    def __iter__(self) -> Iterator[NormalizedPost]:
        return self

    def __next__(self) -> NormalizedPost:
        item = next(self._items)
        self.count += 1
        return item


def _write_csv(fp: IO[Any], posts: Iterable[NormalizedPost]) -> int:
    writer = csv.writer(fp)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for post in posts:
        m = post.metrics
        writer.writerow(
            [
                post.platform,
                post.id,
                post.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                post.author_id,
                _cell(post.author_handle),
                _cell(post.text),
                post.lang or "",
                post.kind,
                post.reply_to_post_id or "",
                post.reply_to_user_id or "",
                post.conversation_id or "",
                post.quoted_post_id or "",
                post.reposted_post_id or "",
                " ".join(post.hashtags),
                " ".join(post.mentions),
                " ".join(post.urls),
                m.likes,
                m.reposts,
                m.replies,
                m.quotes,
                "" if m.impressions is None else m.impressions,
                _cell(post.source),
                post.url,
            ]
        )
        count += 1
    return count


_cell = safe_cell


class _open_output:
    """A file to write, or standard output for '-', as a context manager that closes only what it opened."""

    def __init__(self, path: Path, *, binary: bool) -> None:
        self.path, self.binary = path, binary
        self.fp: IO[Any] | None = None

    def __enter__(self) -> IO[Any]:
        if str(self.path) == "-":
            return sys.stdout.buffer if self.binary else sys.stdout
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fp = self.path.open("wb") if self.binary else self.path.open("w", newline="", encoding="utf-8")
        except OSError as exc:
            fail(f"{self.path}: cannot write ({exc.strerror})")
        return self.fp

    def __exit__(self, *exc: object) -> None:
        if self.fp is not None:
            self.fp.close()


def _parse_time(value: str | None, option: str, settings: Settings) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{option} {value!r} is not a date or time; use ISO 8601 such as 2026-03-05 or 2026-03-05T21:00", code=2)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(settings.default_timezone))
    return parsed.astimezone(UTC)


# Fetch ----------------------------------------------------------------------------------------


@app.command("fetch")
def fetch(
    source: str = typer.Argument(..., help="x, mastodon or bluesky."),
    query: str = typer.Argument(..., help="Search query (X, Bluesky) or hashtag (Mastodon)."),
    since: str | None = typer.Option(None, "--since", help="From this time (ISO 8601; no zone = DEFAULT_TIMEZONE)."),
    until: str | None = typer.Option(None, "--until", help="Before this time (ISO 8601; no zone = DEFAULT_TIMEZONE)."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Stop after this many posts."),
    keep_raw: bool = typer.Option(False, "--keep-raw", help="Also store each post's and account's source JSON."),
) -> None:
    """Search a network and store what it returns (X needs X_BEARER_TOKEN; Bluesky a handle and app password)."""
    if source not in FETCH_SOURCES:
        fail(f"unknown source {source!r}; expected one of {', '.join(FETCH_SOURCES)}", code=2)
    settings = settings_or_exit()
    if source == "x" and settings.x_bearer_token is None:
        fail("X_BEARER_TOKEN is not set; X search needs the app's bearer token", code=2)
    if source == "bluesky" and (not settings.bluesky_handle or settings.bluesky_app_password is None):
        missing = "BLUESKY_HANDLE" if not settings.bluesky_handle else "BLUESKY_APP_PASSWORD"
        fail(f"{missing} is not set; Bluesky search needs a handle and an app password", code=2)
    start, end = _parse_time(since, "--since", settings), _parse_time(until, "--until", settings)
    engine = ensure_schema(settings)
    tally = _Tally()
    writer = _Writer(engine, tally, keep_raw=keep_raw, captured_at=datetime.now(UTC))
    note = ""
    try:
        with http_client() as http, _fetch_progress(limit) as progress:
            task = progress.add_task(f"fetching from {source}", total=limit)
            fetched = 0
            try:
                for batch in _batches(source, query, settings, http, start=start, end=end, limit=limit):
                    if limit is not None and fetched + len(batch.posts) > limit:
                        batch.posts = batch.posts[: limit - fetched]
                    fetched += len(batch.posts)
                    for problem in batch.problems:
                        tally.note(source, problem)
                    writer.add(batch)
                    progress.update(task, completed=fetched)
                    if limit is not None and fetched >= limit:
                        break
            except IntegrationError as exc:
                note = str(exc)
            except ValueError as exc:
                note = f"the request was refused before sending: {exc}"
    except BaseException:
        writer.close(commit=False)
        raise
    else:
        writer.close()
    finally:
        engine.dispose()
    _summary(f"Fetched from {source}", tally)
    if note:
        fail(f"{note} (what was fetched before this is stored)")


def http_client() -> httpx.Client:
    """The HTTP client `fetch` talks through (tests swap in one on an httpx.MockTransport)."""
    return httpx.Client(timeout=30.0, headers={"User-Agent": "outreach-assistant"})


def _fetch_progress(limit: int | None) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} posts"),
        console=console,
        transient=True,
    )


def _batches(
    source: str,
    query: str,
    settings: Settings,
    http: httpx.Client,
    *,
    start: datetime | None,
    end: datetime | None,
    limit: int | None,
) -> Iterator[Batch]:
    if source == "x":
        from integrations.x.client import XClient

        client = XClient(http, settings)
        page_size = max(10, min(100, limit or 100))
        try:
            for page in client.search_recent(query, max_results=page_size, start_time=start, end_time=end):
                yield page.batch()
        finally:
            cost, calls = client.meter.cost, client.meter.calls
            console.print(f"X cost of this fetch: ${cost:,.2f} ({calls} calls)", highlight=False)
    elif source == "mastodon":
        from integrations.mastodon.client import MastodonClient

        mastodon = MastodonClient.from_settings(settings, http)
        for timeline_page in mastodon.hashtag_timeline(query, since=start, until=end):
            yield timeline_page.batch
    else:
        from integrations.bluesky.client import BlueskyClient

        bluesky = BlueskyClient.from_settings(settings, http)
        for search_page in bluesky.search_posts(query, since=start, until=end, limit=min(100, limit or 100)):
            yield search_page.batch


# Sample chat ----------------------------------------------------------------------------------


@app.command("sample-chat")
def sample_chat(
    posts: int = typer.Option(500, "--posts", min=8, help="Posts in each weekly chat."),
    seed: int = typer.Option(1, "--seed", help="Same seed, same file (byte for byte)."),
    weeks: int = typer.Option(1, "--weeks", min=1, help="The same weekly slot this many weeks in a row."),
    hashtag: str = typer.Option("edchat", "--hashtag", help="The chat's hashtag."),
    questions: int = typer.Option(6, "--questions", min=1, help="Questions Q1..Qn the host asks."),
    start: str | None = typer.Option(None, "--start", help="First chat's start (ISO 8601; no zone = --tz)."),
    tz: str = typer.Option("Europe/London", "--tz", help="Time zone of the weekly slot."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (standard output if not given)."),
) -> None:
    """Write a realistic synthetic hashtag chat as twarc2 JSONL (for demos, tests and benchmarks)."""
    from assistant.samples.chat import write_chat

    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        fail(f"--tz {tz!r} is not a known time zone", code=2)
    first: datetime | None = None
    if start is not None:
        try:
            first = datetime.fromisoformat(start.replace("Z", "+00:00"))
        except ValueError:
            fail(f"--start {start!r} is not a date or time; use ISO 8601 such as 2026-03-05T21:00", code=2)
        if first.tzinfo is not None:
            first = first.astimezone(zone).replace(tzinfo=None)
    if posts < questions + 2:
        fail(f"--posts must be at least {questions + 2} for {questions} questions", code=2)
    options: dict[str, Any] = {"hashtag": hashtag, "questions": questions, "tz": tz, "weeks": weeks, "start": first}
    with _open_output(output or Path("-"), binary=True) as fp:
        written = write_chat(fp, posts, seed, **options)
    if output is not None:
        typer.echo(f"wrote {written:,} posts ({weeks} week{'s' if weeks != 1 else ''}) to {output}", err=True)
