"""Runtime commands: serve the Slack app, run the worker, migrate the database, run the offline demo."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from sqlmodel import Session

from assistant import migrate as migrations
from assistant.cli.app import app, console, engine_for, fail, settings_or_exit
from assistant.clients import Clients
from assistant.config import ConfigError, Settings
from assistant.db import configure_orm
from assistant.jobs import sources
from assistant.jobs.digest_process import DigestProcess
from assistant.jobs.digest_steps import warm_up_logged
from assistant.logs import configure_logging
from assistant.worker import Worker

log = logging.getLogger(__name__)

SERVE_SWITCH_INTERVAL = 0.0005  # seconds; Python's default is 0.005


def ensure_schema(settings: Settings) -> None:
    """SQLite files are migrated in place; PostgreSQL must already be at head (`outreach migrate`)."""
    engine = engine_for(settings)
    try:
        if settings.is_sqlite:
            migrations.upgrade(settings.database_url)
            return
        current = migrations.current_revision(engine)
        head = migrations.head_revision(settings.database_url)
        if current != head:
            fail(
                f"the database schema is at revision {current or 'none'} but this release needs {head}; "
                "run `outreach migrate` (on Heroku the release phase does it)",
                code=3,
            )
    finally:
        engine.dispose()


@contextmanager
def store_session(settings: Settings) -> Iterator[Session]:
    """A session on the configured database once its schema is current (`ensure_schema`); the engine disposed after."""
    ensure_schema(settings)
    engine = engine_for(settings)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


@app.command()
def migrate() -> None:
    """Upgrade the database to the newest schema."""
    settings = settings_or_exit()
    configure_logging(settings)
    migrations.upgrade(settings.database_url)
    engine = engine_for(settings)
    console.print(f"database at revision {migrations.current_revision(engine)}")
    engine.dispose()


@app.command()
def serve(
    worker: bool = typer.Option(True, help="Run the worker loop in this process too."),
    host: str = typer.Option("0.0.0.0", help="Address to listen on in HTTP mode."),
    threads: int = typer.Option(16, help="HTTP worker threads."),
    digest_process: bool = typer.Option(
        True, help="Make digests in a child process, so they never slow the acks (off: in the worker's thread)."
    ),
) -> None:
    """Serve the Slack app: HTTP on $PORT, or Socket Mode when SLACK_APP_TOKEN is set."""
    from assistant.archive_web import archive_routes
    from assistant.health_watch import HealthWatch
    from assistant.slack.app import create_app
    from assistant.slack.context import Services
    from assistant.web import create_wsgi_app, health_app, health_reader, serve_http
    from assistant.x_callback import x_callback_routes

    settings = settings_or_exit()
    configure_logging(settings)
    try:
        settings.require_for_serve()
    except ConfigError as exc:
        fail(str(exc), code=2)
    ensure_schema(settings)
    engine = engine_for(settings)
    child = DigestProcess.for_engine(settings, engine) if worker and digest_process else None
    if child is not None:
        # started first: its imports and warm-up (about a second) run beside the rest of the server's start,
        # not when the first digest is due
        child.start()
    try:
        configure_orm()
        clients = Clients.from_settings(settings, engine)
        services = Services.build(settings, engine, clients)
        try:
            bolt = create_app(settings, services)
        except ConfigError as exc:
            fail(str(exc), code=2)
    except BaseException:  # the server does not start: neither does its digest process stay
        if child is not None:
            child.close()
        raise
    loop = (
        Worker(engine, sources(clients, digest_process=child), interval=settings.worker_interval_seconds)
        if worker
        else None
    )
    if loop is not None:
        # The worker's CPU-bound steps (a digest) hold the GIL for a whole switch interval at a time, and an
        # ack needs it several times: a shorter interval keeps the acks quick while a digest is made.
        sys.setswitchinterval(SERVE_SWITCH_INTERVAL)
        loop.start_in_thread()
    watch = HealthWatch(engine, settings, slack=clients.slack_client)
    watch.start_in_thread()

    def shutdown(*_args: object) -> None:
        if loop is not None:
            loop.stop()
        watch.stop()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            assert settings.slack_app_token is not None
            # No Slack traffic over HTTP in this mode, but a platform's health probe still asks $PORT for /healthz
            health = health_app(health_reader(engine, settings.database_url, settings.worker_interval_seconds))
            threading.Thread(
                target=serve_http,
                args=(health,),
                kwargs={"host": host, "port": settings.port, "threads": 2},
                daemon=True,
            ).start()
            console.print(f"Socket Mode: connecting to Slack (health on :{settings.port}/healthz)")
            SocketModeHandler(bolt, settings.slack_app_token.get_secret_value()).start()
        else:
            serve_http(
                create_wsgi_app(
                    bolt,
                    engine,
                    {**x_callback_routes(engine, clients), **archive_routes(engine)},
                    health=health_reader(engine, settings.database_url, settings.worker_interval_seconds),
                ),
                host=host,
                port=settings.port,
                threads=threads,
            )
    except KeyboardInterrupt:
        pass
    finally:
        if loop is not None:
            loop.stop()
        if child is not None:
            child.close()
        watch.stop()
        engine.dispose()


@app.command("worker")
def run_worker() -> None:
    """Run the worker loop alone (production: its own process; several may run on PostgreSQL)."""
    settings = settings_or_exit()
    configure_logging(settings)
    ensure_schema(settings)
    engine = engine_for(settings)
    configure_orm()
    warm_up_logged(engine, who="worker")  # its digests run in this process: the first one pays no compiling
    loop = Worker(engine, sources(Clients.from_settings(settings, engine)), interval=settings.worker_interval_seconds)
    loop.install_signal_handlers()
    loop.run()
    engine.dispose()


@app.command()
def demo(
    database: Path = typer.Option(Path("outreach-demo.db"), help="SQLite file for the demo (recreated)."),
    output: Path = typer.Option(Path("demo-output"), help="Folder for the files the demo writes."),
) -> None:
    """Run the product offline on bundled sample data against local stand-ins; print what users see."""
    from assistant.demo.run import run_demo

    run_demo(database=database, output=output, console=console)
