"""`outreach map run|report|communities|estimate`: run a mapping's crawl with a progress bar, write its files."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlmodel import Session

from assistant.cli.app import app, clients_for, console, engine_for, fail, settings_or_exit
from assistant.cli.runtime import ensure_schema
from assistant.config import Settings
from assistant.models.base import utcnow
from assistant.models.mapping import CrawlState, MappingRequest
from assistant.services.mapping import archive_import, crawl, report
from assistant.services.mapping import estimate as measuring

map_app = typer.Typer(
    help="Digital mapping: run a request's crawl and analysis, write its report files.", no_args_is_help=True
)
app.add_typer(map_app, name="map")


def _request(settings: Settings, request_id: int) -> MappingRequest:
    with Session(engine_for(settings)) as session:
        request = session.get(MappingRequest, request_id)
    if request is None:
        fail(f"there is no mapping request {request_id}; `/outreach map list` in Slack shows them")
    return request


@map_app.command("estimate")
def estimate(
    context: typer.Context,
    request_id: int = typer.Argument(..., help="The request's number"),
    measure: bool = typer.Option(False, "--measure", help="Run the cheap measuring steps (their cost is shown)"),
    follows: bool = typer.Option(
        False, "--follows", help="Also sample the seeds' follow lists: the follows strategy's own step (cost shown)"
    ),
) -> None:
    """What each strategy would cost: the measuring steps' own cost first, then (with --measure) the estimates."""
    settings = settings_or_exit()
    ensure_schema(settings)
    engine = engine_for(settings)
    prices = settings.x_prices()
    request = _request(settings, request_id)
    try:
        steps = measuring.measure_steps(request, prices)
    except crawl.MappingInputError as exc:
        fail(str(exc))
    for step in steps:
        console.print(f"Step: {step.describe()}", highlight=False)
    follow_step = measuring.follow_step(request, prices)
    if follow_step is not None:
        console.print(f"Step for the follows strategy only (--follows): {follow_step.describe()}", highlight=False)
    if measure or follows:
        if settings.x_bearer_token is None:
            fail("no X token: set X_BEARER_TOKEN to measure on X")
        clients = clients_for(context, settings, engine)
        runs = [measuring.measure] if measure else []
        for step_run in [*runs, measuring.measure_follows] if follows else runs:
            try:
                with clients.http() as http:
                    found = step_run(engine, request_id, clients.x(http))
            except crawl.MappingInputError as exc:
                fail(f"{exc} (`outreach map estimate ID --measure --follows` runs both)")
            with Session(engine) as session:
                stored = session.get(MappingRequest, request_id)
                assert stored is not None
                measuring.save(session, stored, found)
                session.commit()
    with Session(engine) as session:
        measured = measuring.load(session, request_id)
        paid = measuring.measuring_spend(session, request_id).dollars
    if measured is None:
        console.print("Not measured yet: `outreach map estimate ID --measure` runs the steps above.")
        return
    console.print(f"Measured: {measuring.describe(measured)}", highlight=False)
    for item in measuring.strategies(measured, prices, paid=paid):
        console.print(item.describe(), highlight=False)


@map_app.command("run")
def run(
    context: typer.Context,
    request_id: int = typer.Argument(..., help="The request's number"),
    archive: Path | None = typer.Option(
        None, "--archive", help="Map from this archive (twarc2/rtweet/Mastodon/Bluesky JSONL) instead of X"
    ),
    strategy: str | None = typer.Option(None, "--strategy", help="interactions or follows (approves the estimate)"),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait out X rate-limit windows here (a shell, not Slack)"),
) -> None:
    """Crawl (or import) and analyse one request, with a progress bar; resumes where a previous run stopped."""
    settings = settings_or_exit()
    ensure_schema(settings)
    engine = engine_for(settings)
    request = _request(settings, request_id)
    if archive is not None:
        if not archive.exists():
            fail(f"{archive}: no such file")
        kept = archive_import.import_archive(engine, request_id, archive)
        console.print(f"{kept} posts from {archive.name} match the request")
    else:
        if settings.x_bearer_token is None:
            fail("no X token: set X_BEARER_TOKEN, or map from an archive with --archive FILE")
        if request.crawl_state == CrawlState.none:
            if strategy is None:
                fail(
                    "the crawl is not approved yet: give --strategy interactions|follows (see `outreach map estimate ID`)"
                )
            with Session(engine) as session:
                stored = session.get(MappingRequest, request_id)
                assert stored is not None
                try:
                    crawl.approve(session, stored, strategy=strategy, by="cli", now=utcnow())
                except crawl.MappingInputError as exc:
                    fail(str(exc))
                measuring.promise(session, stored, strategy, settings.x_prices())
                session.commit()
        clients = clients_for(context, settings, engine)
        with (
            clients.http() as http,
            Progress(
                TextColumn("[bold]crawl[/]"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} steps · {task.fields[spend]}"),
                TimeElapsedColumn(),
                console=console,
            ) as bar,
        ):
            client = clients.x(http)
            client.meter = crawl.request_meter(engine, request_id, client.meter)
            task = bar.add_task("crawl", total=1, spend="")

            def show(done: int, planned: int, calls: int, money: float) -> None:
                bar.update(task, completed=done, total=max(planned, 1), spend=f"{calls} calls, ${money:,.2f}")

            while True:
                result = crawl.run_crawl(engine, request_id, client, progress=show)
                if result.status != "waiting" or not wait:
                    break
                seconds = crawl.waiting_minutes(result, utcnow()) * 60
                bar.update(task, spend=f"waiting {seconds:.0f}s for the X rate limit")
                time.sleep(seconds + 1)
        if result.status == "failed":
            fail(result.message)
        if result.status == "waiting":
            console.print(result.message)
            return
        if result.message:
            console.print(result.message)
    made = report.make_report(engine, request_id)
    with Session(engine) as session:
        against = measuring.compared(session, request_id)
    if against is not None and against.label != "measured":
        console.print(against.describe(), highlight=False)
    figures = made.analysis.overall
    console.print(
        f"Mapped {figures['accounts']} accounts, {figures['unique_edges']} links, {len(made.analysis.communities)} communities, "
        f"{len(made.slots)} recurring chat(s). Files: `outreach map report {request_id} --format html|csv|graphml|gexf|png`"
    )


@map_app.command("communities")
def communities(
    request_id: int = typer.Argument(..., help="The request's number"),
    resolution: float | None = typer.Option(
        None, "--resolution", help="Leiden resolution (higher: more, smaller communities)"
    ),
    number: int | None = typer.Option(None, "--number", help="About this many communities"),
) -> None:
    """Re-run the community step (no crawling) and remake the files."""
    settings = settings_or_exit()
    ensure_schema(settings)
    if resolution is None and number is None:
        fail("give --resolution or --number")
    if (resolution is not None and resolution <= 0) or (number is not None and number < 1):
        fail("--resolution must be above 0 and --number at least 1")
    _request(settings, request_id)
    made = report.make_report(engine_for(settings), request_id, resolution=resolution, wanted=number)
    for c in made.analysis.communities[:10]:
        console.print(f"{c.size:>6}  {c.label}")


@map_app.command("report")
def write_report(
    request_id: int = typer.Argument(..., help="The request's number"),
    format: str = typer.Option("html", "--format", help="html, csv, graphml, gexf or png"),  # noqa: A002 - the CLI word
    out: Path | None = typer.Option(None, "--out", help="File to write (default mapping-ID.FORMAT)"),
) -> None:
    """Write one of the mapping's files."""
    if format not in report.FORMATS:
        fail(f"--format must be one of {', '.join(report.FORMATS)}")
    settings = settings_or_exit()
    ensure_schema(settings)
    _request(settings, request_id)
    with Session(engine_for(settings)) as session:
        content = report.artefact(session, request_id, format)
    if content is None:
        fail(f"mapping {request_id} has no report yet; run `outreach map run {request_id}` first")
    target = out or Path(f"mapping-{request_id}.{format}")
    target.write_bytes(content)
    console.print(f"wrote {target} ({len(content):,} bytes)")
