"""Data commands: import archives, fetch from X / Mastodon / Bluesky, export twarc2 or CSV, write a sample chat."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

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
from sqlalchemy.engine import Engine

from assistant.cli.app import app, clients_for, console, engine_for, fail, settings_or_exit
from assistant.cli.runtime import ensure_schema as _ensure_schema_current
from assistant.config import Settings
from assistant.render.posts_csv import write_posts_csv
from assistant.services.ingest.archives import import_files
from assistant.services.ingest.sources import SOURCES, Search, fetch_into
from assistant.services.ingest.writer import Tally
from assistant.services.store.read import iter_post_authors, iter_posts
from integrations.archives import FORMATS, ArchiveFormat, UnknownFormat, detect_format
from integrations.normalized import NormalizedPost

EXPORT_FORMATS = ("twarc2", "csv")


def ensure_schema(settings: Settings) -> Engine:
    """The engine for the configured database, migrated to head if it is SQLite.

    PostgreSQL is never migrated implicitly: below head the command stops with "run `outreach migrate`".
    """
    _ensure_schema_current(settings)
    return engine_for(settings)


# Import ---------------------------------------------------------------------------------------


@app.command("import")
def import_archives(
    files: list[Path] = typer.Argument(..., help="twarc2, twarc1 (X v1.1), rtweet, Bluesky or Mastodon JSONL files."),
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
    total_bytes = sum(path.stat().st_size for path in files)
    try:
        with _progress() as progress:
            task = progress.add_task("importing", total=total_bytes or None)

            def shown(name: str, done: int) -> None:
                progress.update(task, description=f"importing {name}", completed=done)

            tally = import_files(
                engine, list(zip(files, formats, strict=True)), keep_raw=keep_raw, parallel=parallel, progress=shown
            )
    finally:
        engine.dispose()
    _summary("Imported", tally, files=len(files))
    if tally.result.posts == 0 and tally.result.accounts == 0 and tally.problems:
        fail("nothing could be imported; see the reasons above")


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


def _summary(title: str, tally: Tally, *, files: int | None = None) -> None:
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
                count = write_posts_csv(fp, iter_posts(connection, **filters))
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
    query: str = typer.Argument(
        ..., help="Search query (X, Bluesky) or hashtag (Mastodon: its timeline and the threads it started)."
    ),
    since: str | None = typer.Option(None, "--since", help="From this time (ISO 8601; no zone = DEFAULT_TIMEZONE)."),
    until: str | None = typer.Option(None, "--until", help="Before this time (ISO 8601; no zone = DEFAULT_TIMEZONE)."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Stop after this many posts."),
    keep_raw: bool = typer.Option(False, "--keep-raw", help="Also store each post's and account's source JSON."),
) -> None:
    """Search a network and store what it returns (X needs X_BEARER_TOKEN; Bluesky a handle and app password)."""
    network = SOURCES.get(source)
    if network is None:
        fail(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}", code=2)
    settings = settings_or_exit()
    missing = network.missing(settings)
    if missing:
        fail(missing, code=2)
    start, end = _parse_time(since, "--since", settings), _parse_time(until, "--until", settings)
    engine = ensure_schema(settings)
    search = Search(query, start=start, end=end, limit=limit)
    try:
        clients = clients_for(context, settings, engine)
        with clients.http() as http, _fetch_progress(limit) as progress:
            task = progress.add_task(f"fetching from {source}", total=limit)
            fetched = fetch_into(
                engine,
                network,
                search,
                clients,
                http,
                keep_raw=keep_raw,
                tell=lambda line: console.print(line, highlight=False),
                progress=lambda count: progress.update(task, completed=count),
            )
    finally:
        engine.dispose()
    _summary(f"Fetched from {source}", fetched.tally)
    if source == "mastodon":
        console.print(
            f"Mastodon: the posts {settings.mastodon_base_url} knows of (that instance's view of the hashtag, "
            "not the whole fediverse)",
            highlight=False,
        )
    if fetched.stopped:
        fail(f"{fetched.stopped} (what was fetched before this is stored)")


def _fetch_progress(limit: int | None) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} posts"),
        console=console,
        transient=True,
    )


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
    newest_first: bool = typer.Option(
        False, "--newest-first", help="Pages and their posts newest first, as `twarc2 search` writes X's."
    ),
) -> None:
    """Write a realistic synthetic hashtag chat as twarc2 JSONL (for demos, tests and benchmarks)."""
    from assistant.samples.chat_files import write_chat

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
        written = write_chat(fp, posts, seed, newest_first=newest_first, **options)
    if output is not None:
        typer.echo(f"wrote {written:,} posts ({weeks} week{'s' if weeks != 1 else ''}) to {output}", err=True)
