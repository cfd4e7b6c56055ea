"""`outreach digest`: a digest of an archive file, or of the store for a hashtag and window, as JSON, CSV or HTML."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from sqlmodel import Session

from assistant.analysis.digest import ChatContext, DigestResult, build_digest
from assistant.analysis.digest.select import outside_parents, select_chat
from assistant.cli.app import app, err_console, fail, settings_or_exit
from assistant.render.digest_chart import timeline_png
from assistant.render.digest_files import to_csv, to_json
from assistant.render.digest_html import archive_parts
from assistant.render.wording import counted
from assistant.services.digests import records as service
from assistant.services.digests.plan import ChatPlan
from integrations.archives import UnknownFormat, read_archive

FORMATS = ("json", "csv", "html")


def render_result(result: DigestResult, fmt: str) -> list[bytes]:
    """The digest in one of FORMATS (HTML with its chart inline), as parts to write one after the other."""
    if fmt == "json":
        return [to_json(result.figures)]
    if fmt == "csv":
        question_of = {p.id: q.number for q in result.assignment.questions for p in q.answers}
        return [
            to_csv(
                result.posts,
                hashtag=result.figures["hashtag"],
                timezone=result.figures["window"]["timezone"],
                question_of=question_of,
            ).encode()
        ]
    png = timeline_png(result.figures) if result.posts else None
    return archive_parts(result, chart_png=png)


def _from_file(
    path: Path,
    *,
    hashtag: str,
    start: datetime | None,
    end: datetime | None,
    zone: str,
    host: str | None,
    moderators: list[str],
) -> DigestResult:
    if not path.exists():
        fail(f"no such file: {path}", code=2)
    posts = []
    known: dict[str, str] = {}  # account id -> handle, from the archive's users (for "most replied to")
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err_console, transient=True) as bar:
        task = bar.add_task(f"reading {path.name}", total=None)
        try:
            for chunk in read_archive(path):
                posts.extend(chunk.batch.posts)
                known.update((a.id, a.handle) for a in chunk.batch.accounts if a.handle)
                bar.update(task, description=f"reading {path.name}: {len(posts):,} posts")
        except (UnknownFormat, ValueError) as exc:
            fail(f"can't read {path}: {exc}", code=2)
    chat = select_chat(posts, hashtag=hashtag, start=start, end=end)
    if start is None or end is None:  # no window given: the span of the file's chat posts
        times = [p.created_at for p in chat] or [datetime.now(UTC)]
        start = min(times).replace(second=0, microsecond=0)
        end = max(times).replace(second=0, microsecond=0) + timedelta(minutes=1)
    context = ChatContext(
        hashtag=hashtag,
        start=start,
        end=end,
        timezone=zone,
        host_handle=host,
        co_moderators=moderators,
        known_handles=known,
        outside_parents=outside_parents(chat, posts),  # shown beside the replies that answer them, not counted
    )
    return build_digest(chat, context)


def _from_store(
    *, hashtag: str, start: datetime, end: datetime, zone: str, host: str | None, moderators: list[str]
) -> DigestResult:
    from assistant.cli.app import engine_for
    from assistant.cli.runtime import ensure_schema
    from assistant.services.digests.make import make_digest

    settings = settings_or_exit()
    ensure_schema(settings)
    engine = engine_for(settings)
    try:
        with Session(engine) as session:
            return make_digest(
                session,
                hashtag=hashtag,
                start=start,
                end=end,
                timezone=zone,
                host_handle=host,
                plan=ChatPlan(co_moderators=moderators, source="given"),
                save=False,
            ).result
    finally:
        engine.dispose()


@app.command("digest")
def digest(
    file: Path | None = typer.Argument(
        None,
        help="An archive (twarc2, twarc1 / X v1.1, rtweet, Bluesky or Mastodon JSONL); "
        "without it, the digest is made from the database.",
    ),
    hashtag: str = typer.Option(..., "--hashtag", help="The chat's hashtag ('#' optional)."),
    start: str | None = typer.Option(None, "--from", help="Start (2026-11-19 or 2026-11-19T21:00; no zone = --tz)."),
    end: str | None = typer.Option(None, "--to", help="End, excluded (a bare date means the end of that day)."),
    fmt: str = typer.Option("json", "--format", "-f", help="json, csv or html."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: standard output)."),
    tz: str | None = typer.Option(None, "--tz", help="IANA time zone for times shown (default DEFAULT_TIMEZONE)."),
    host: str | None = typer.Option(
        None, "--host", help="The host's handle: a moderator, and the account of the host impact figures."
    ),
    moderator: list[str] = typer.Option(  # noqa: B008 - Typer reads its options from the defaults
        [], "--moderator", help="A co-moderator's handle (repeat for each). With none given, the host is inferred."
    ),
) -> None:
    """Make a digest: figures (JSON, schema digest-3), every post (CSV) or the browsable archive (HTML).

    Questions are the moderators' Q<n> posts, answers A<n> tags or replies below a question; see the README."""
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}", code=2)
    try:
        tag = service.normalize_hashtag(hashtag)
    except ValueError as exc:
        fail(str(exc), code=2)
    zone = tz or settings_or_exit().default_timezone
    try:
        window = service.parse_window(start, end, timezone=zone, now=datetime.now(UTC)) if start else None
    except (service.WindowError, KeyError, ValueError) as exc:
        fail(str(exc), code=2)
    if file is not None:
        result = _from_file(
            file,
            hashtag=tag,
            start=window[0] if window else None,
            end=window[1] if window else None,
            zone=zone,
            host=host,
            moderators=moderator,
        )
    else:
        if window is None:
            fail("a digest from the database needs --from (and usually --to)", code=2)
        result = _from_store(hashtag=tag, start=window[0], end=window[1], zone=zone, host=host, moderators=moderator)
    parts = render_result(result, fmt)
    if output is None:
        sys.stdout.buffer.writelines(parts)
        sys.stdout.buffer.flush()
    else:
        try:
            with output.open("wb") as fp:
                fp.writelines(parts)
        except OSError as exc:
            fail(f"can't write {output}: {exc.strerror or exc}", code=2)
    volume = result.figures["volume"]
    err_console.print(
        f"#{tag}: {counted(volume['posts'], 'post')} from {counted(volume['participants'], 'person')}"
        + (f" → {output}" if output else ""),
        highlight=False,
    )
    err_console.print(moderators_line(result.figures), highlight=False)


def moderators_line(figures: dict[str, Any]) -> str:
    """Which moderators the digest used, and whether they were inferred, in one line."""
    found = figures.get("moderators") or {}
    handles = [f"@{h}" for h in found.get("handles", [])]
    if not handles:
        return "moderators: none given or found (no question posts); pass --host and --moderator"
    how = "inferred from the Q1, Q2, … posts" if found.get("inferred") else f"from the {found.get('source')}"
    return f"moderators: {', '.join(handles)} ({how})"
