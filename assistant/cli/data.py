"""Data commands: import archives, fetch from X / Mastodon / Bluesky, export twarc2 or CSV, write a sample chat."""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import httpx
import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy.engine import Connection, Engine

from assistant.bulk import gc_paused
from assistant.cli.app import app, clients_for, console, engine_for, fail, settings_or_exit
from assistant.cli.runtime import ensure_schema as _ensure_schema_current
from assistant.config import Settings
from assistant.render.csv_cells import safe_cell
from assistant.services.store import (
    POST_COLUMNS,
    AccountMemo,
    RowEncoder,
    Rows,
    UpsertResult,
    iter_post_authors,
    iter_posts,
    upsert_batch,
    upsert_rows,
)
from assistant.services.twarc_import import (
    RowChunk,
    parallel_available,
    parallel_pays,
    read_twarc2_rows,
    read_twarc2_rows_parallel,
)
from integrations.archives import FORMATS, ArchiveFormat, UnknownFormat, detect_format, read_archive
from integrations.errors import IntegrationError
from integrations.normalized import Batch, NormalizedPost

COMMIT_EVERY_POSTS = 10_000  # one transaction per this many posts: fast, and a crash loses little
FLUSH_POSTS = 2_000  # posts gathered from consecutive lines before one upsert
FLUSH_ROWS = 5_000  # the same for prebuilt rows (the twarc2 fast path)
SQLITE_CACHE_KIB = 32_768  # SQLite page cache of the writing connection (the default is 2 MB)
MEMO_ACCOUNTS = 20_000  # accounts whose last write is remembered, to skip identical repeats (about 5 MB)
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

    def line(self, where: str, skipped: str | None, problems: list[str], has_data: bool) -> None:
        """Count one archive line: skipped (nothing to import, or only problems), and its problems noted."""
        self.lines += 1
        if skipped:
            self.lines_skipped += 1
            self.note(where, skipped)
        elif problems and not has_data:
            self.lines_skipped += 1
        for problem in problems:
            self.note(where, problem)

    def note(self, where: str, reason: str) -> None:
        self.problems += 1
        if len(self.shown) < SHOWN_PROBLEMS:
            self.shown.append(f"{where}: {reason}")


class _Writer:
    """Gathers batches (or prebuilt store rows) and upserts them in chunks, committing every COMMIT_EVERY_POSTS.

    Batches that carry their own capture time are upserted apart from batches captured at another time.
    """

    def __init__(self, engine: Engine, tally: _Tally, *, keep_raw: bool, captured_at: datetime | None) -> None:
        self.engine = engine
        self.tally = tally
        self.keep_raw = keep_raw
        self.captured_at = captured_at
        self.encoder = RowEncoder(engine.dialect.name)
        self.pending = Batch()
        self.pending_rows = Rows()
        self.memo = AccountMemo(max_entries=MEMO_ACCOUNTS)
        self.connection: Connection | None = None
        self.since_commit = 0
        self.analyzed_at = 2_500

    def add(self, batch: Batch) -> None:
        pending = self.pending
        if batch.captured_at != pending.captured_at:
            if pending.posts or pending.accounts or pending.edges:
                self.flush()
            self.pending.captured_at = batch.captured_at
        self.pending.posts.extend(batch.posts)
        self.pending.accounts.extend(batch.accounts)
        self.pending.edges.extend(batch.edges)
        if len(self.pending.posts) >= FLUSH_POSTS or len(self.pending.accounts) >= FLUSH_POSTS:
            self.flush()

    def add_rows(self, rows: Rows) -> None:
        """Store rows built with `self.encoder` and this writer's keep_raw (see assistant.services.twarc_import).

        The reader hands account rows on in windows of many pages (a chat's regulars come on every page),
        so they are written with the next flush of posts.
        """
        self.pending_rows.extend(rows)
        if len(self.pending_rows.posts) >= FLUSH_ROWS:
            self.flush()

    def _connect(self) -> Connection:
        if self.connection is None:
            self.connection = self.engine.connect()
            if self.connection.dialect.name == "sqlite":  # a bulk load's index pages stay in memory
                self.connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        return self.connection

    def flush(self, *, commit: bool = False) -> None:
        """Write what is pending, and commit when asked or when COMMIT_EVERY_POSTS were written since the last."""
        pending, self.pending = self.pending, Batch()
        if pending.posts or pending.accounts or pending.edges:
            self.tally.result += upsert_batch(
                self._connect(), pending, keep_raw=self.keep_raw, captured_at=self.captured_at, memo=self.memo
            )
            self.since_commit += len(pending.posts) + len(pending.accounts)
        rows, self.pending_rows = self.pending_rows, Rows()
        if rows.posts or rows.accounts or rows.edges:
            self.tally.result += upsert_rows(self._connect(), rows, keep_raw=self.keep_raw, memo=self.memo)
            self.since_commit += len(rows.posts) + len(rows.accounts)
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
    parallel: bool | None = typer.Option(
        None,
        "--parallel/--no-parallel",
        help="Read twarc2 files in a second process while this one writes; by default for files of 16 MB or more"
        " while a CPU is idle.",
        show_default=False,
    ),
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
        with gc_paused(), _progress() as progress:
            task = progress.add_task("importing", total=total_bytes or None)
            done_before = 0
            for path, fmt in zip(files, formats, strict=True):
                progress.update(task, description=f"importing {path.name}")
                if fmt == "twarc2":  # the fast path: X pages straight to store rows
                    for rows_chunk in _twarc2_rows(path, writer, keep_raw=keep_raw, parallel=parallel):
                        rows = rows_chunk.rows
                        where = f"{path.name}:{rows_chunk.line_number}"
                        tally.line(where, rows_chunk.skipped, rows_chunk.problems, rows_chunk.has_data)
                        writer.add_rows(rows)
                        progress.update(task, completed=done_before + rows_chunk.bytes_read)
                else:
                    for chunk in read_archive(path, fmt):
                        batch = chunk.batch
                        where = f"{path.name}:{chunk.line_number}"
                        tally.line(where, chunk.skipped, batch.problems, bool(batch.posts or batch.accounts))
                        writer.add(batch)
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


def _twarc2_rows(path: Path, writer: _Writer, *, keep_raw: bool, parallel: bool | None) -> Iterator[RowChunk]:
    """A twarc2 file as store rows, read in this process, or in a second one while this one writes.

    `parallel` None decides by the file's size and whether a CPU is idle (`parallel_pays`): on a busy
    machine the second process only takes turns with the writer and costs the pickling of every row. Both
    ways store the same rows.
    """
    if parallel is None:
        parallel = parallel_pays(path.stat().st_size)
    if parallel and parallel_available():
        return read_twarc2_rows_parallel(path, writer.encoder.dialect, keep_raw=keep_raw)
    return read_twarc2_rows(path, writer.encoder, keep_raw=keep_raw)


class _ImportProgress(Progress):
    """The import's progress bar, redrawn from the import loop (at most 10 times a second), not a thread.

    No thread runs beside an import, so its reader can fork a worker process safely.
    """

    def __init__(self, *columns: Any, **kwargs: Any) -> None:
        super().__init__(*columns, auto_refresh=False, **kwargs)
        self._drawn_at = 0.0

    def update(self, task_id: TaskID, **kwargs: Any) -> None:
        super().update(task_id, **kwargs)
        now = time.monotonic()
        if now - self._drawn_at >= 0.1:
            self._drawn_at = now
            self.refresh()


def _progress() -> Progress:
    return _ImportProgress(
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
    context: typer.Context,
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
        with clients_for(context, settings).http() as http, _fetch_progress(limit) as progress:
            task = progress.add_task(f"fetching from {source}", total=limit)
            fetched = 0
            try:
                for batch in _batches(source, query, settings, http, engine, start=start, end=end, limit=limit):
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
    if source == "mastodon":
        console.print(
            f"Mastodon: the posts {settings.mastodon_base_url} knows of (that instance's view of the hashtag, "
            "not the whole fediverse)",
            highlight=False,
        )
    if note:
        fail(f"{note} (what was fetched before this is stored)")


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
    engine: Engine,
    *,
    start: datetime | None,
    end: datetime | None,
    limit: int | None,
) -> Iterator[Batch]:
    if source == "x":
        from assistant.services.costs.ledger import x_meter
        from integrations.x.client import XClient

        meter = x_meter(engine, settings.x_prices(), workspace_id=None, job_kind="cli", job_id="fetch")
        client = XClient(http, settings.x_config(), meter=meter)
        page_size = max(10, min(100, limit or 100))
        try:
            for page in client.search_recent(query, max_results=page_size, start_time=start, end_time=end):
                yield page.batch()
        finally:
            cost, calls = client.meter.cost, client.meter.calls
            console.print(f"X cost of this fetch: ${cost:,.2f} ({calls} calls)", highlight=False)
    elif source == "mastodon":
        from integrations.mastodon.client import MastodonClient

        mastodon = MastodonClient.from_config(settings.mastodon_config(), http)
        for timeline_page in mastodon.hashtag_timeline(query, since=start, until=end):
            yield timeline_page.batch
    else:
        from integrations.bluesky.client import BlueskyClient

        bluesky = BlueskyClient.from_config(settings.bluesky_config(), http)
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
