"""Mapping work for the worker: crawl slices (rescheduled at a rate-limit reset), analysis, and delivery to Slack."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.clients import Clients
from assistant.db import session_scope
from assistant.models.base import require_id
from assistant.models.mapping import CrawlState, MappingRequest, MappingStatus
from assistant.services.mapping import archive_import, crawl, report
from assistant.slack.blocks import mapping as blocks
from assistant.worker import DueJob
from integrations.errors import AuthError
from integrations.x.client import XClient

log = logging.getLogger(__name__)
CALLS_PER_SLICE = 50  # a slice ends after this many calls so other work gets a turn
PROGRESS_EVERY = 2.0  # seconds: the most often the progress message is updated during a crawl

XFactory = Callable[[], XClient]
Clock = Callable[[], float]


class Throttle:
    """Lets an update through at most once per `every` seconds of `clock` (a forced one resets the window)."""

    def __init__(self, every: float, clock: Clock) -> None:
        self.every = every
        self.clock = clock
        self.last: float | None = None

    def ready(self, *, force: bool = False) -> bool:
        at = self.clock()
        if not force and self.last is not None and at - self.last < self.every:
            return False
        self.last = at
        return True


class MappingJobs:
    """The worker's due-work source for mappings; `x_client`, `deps` and the progress clock are injectable."""

    __name__ = "mapping_jobs"

    def __init__(
        self,
        deps: Clients,
        *,
        x_client: XFactory | None = None,
        clock: Clock = time.monotonic,
        progress_every: float = PROGRESS_EVERY,
    ) -> None:
        self.deps = deps
        self._x_client = x_client
        self.clock = clock
        self.progress_every = progress_every

    def x_client(self, engine: Engine, request_id: int) -> XClient:
        """The crawl's client, billed to the request in the shared ledger."""
        if self._x_client is not None:
            client = self._x_client()
        else:
            deps = self.deps
            client = deps.x(deps.http())
        client.meter = crawl.request_meter(engine, request_id, client.meter)
        return client

    def slack(self, workspace_id: int, engine: Engine) -> WebClient:
        """The WebClient of the request's workspace (its installation's bot token, else SLACK_BOT_TOKEN)."""
        with Session(engine) as session:
            return self.deps.slack_for_workspace(session, workspace_id)

    def __call__(self, engine: Engine, now: datetime) -> Iterable[DueJob]:
        with Session(engine) as session:
            due = list(
                session.exec(
                    select(MappingRequest).where(
                        col(MappingRequest.crawl_state).in_([CrawlState.running, CrawlState.analysing]),
                        col(MappingRequest.next_run_at) <= now,
                    )
                )
            )
            deliveries = list(
                session.exec(
                    select(MappingRequest).where(
                        MappingRequest.status == MappingStatus.delivered,
                        MappingRequest.delivery_sent == False,  # noqa: E712 - SQL comparison
                        MappingRequest.crawl_state == CrawlState.done,
                    )
                )
            )
        for request in due:
            rid = require_id(request)
            if request.crawl_state == CrawlState.running:
                yield DueJob(f"mapping:{rid}:crawl:{request.run_number}", partial(self.crawl, engine, rid))
            else:
                yield DueJob(f"mapping:{rid}:analyse:{request.run_number}", partial(self.analyse, engine, rid))
        for request in deliveries:
            rid = require_id(request)
            yield DueJob(f"mapping:{rid}:deliver", partial(self.deliver, engine, rid))

    # Crawl --------------------------------------------------------------------------------------

    def crawl(self, engine: Engine, request_id: int) -> dict[str, Any]:
        with Session(engine) as session:
            request = session.get(MappingRequest, request_id)
            assert request is not None
            source = request.source
        if source.startswith("archive:"):
            kept = archive_import.import_archive(engine, request_id, Path(source.removeprefix("archive:")))
            self.progress(engine, request_id, 1, 1, f"{kept} posts from the archive")
            return {"archive_posts": kept}
        if self._x_client is None and self.deps.settings.x_bearer_token is None:
            result = crawl._fail(
                engine,
                request_id,
                "No X token: set X_BEARER_TOKEN, or map from an archive with `outreach map run ID --archive FILE`.",
            )
            self.progress(engine, request_id, 0, 0, result.message)
            return {"status": result.status}
        steps: list[tuple[int, int]] = []
        throttle = Throttle(self.progress_every, self.clock)

        def on_page(done: int, planned: int, _calls: int, _money: float) -> None:
            """After every page's checkpoint: update the progress message unless it was updated just now."""
            steps.append((done, planned))
            if throttle.ready():
                self.progress(engine, request_id, done, planned, "")

        result = crawl.run_crawl(
            engine, request_id, self.x_client(engine, request_id), progress=on_page, max_calls=CALLS_PER_SLICE
        )
        if result.status == "paused":
            with session_scope(engine) as session:
                stored = session.get(MappingRequest, request_id)
                assert stored is not None
                stored.run_number += 1
        done, planned = steps[-1] if steps else (0, 0)
        note = {
            "waiting": f"Waiting for the X rate limit until {result.until:%H:%M} UTC." if result.until else "",
            "stopped": result.message,
            "failed": result.message,
            "done": "Crawl finished; analysing.",
        }.get(result.status, "")
        if throttle.ready(force=bool(note)):  # an outcome to tell is always shown; a bare count waits its turn
            self.progress(engine, request_id, done, planned, note)
        return {"status": result.status}

    def progress(self, engine: Engine, request_id: int, done: int, planned: int, note: str) -> None:
        """Post the progress message in the card's thread once, then update it in place."""
        with Session(engine) as session:
            request = session.get(MappingRequest, request_id)
            assert request is not None
        if not request.card_channel or not request.card_ts:
            return
        shown = blocks.progress(request, done, planned, note)
        try:
            client = self.slack(request.workspace_id, engine)
            if request.progress_ts:
                client.chat_update(
                    channel=request.card_channel, ts=request.progress_ts, text="Mapping progress", blocks=shown
                )
                return
            posted = client.chat_postMessage(
                channel=request.card_channel, thread_ts=request.card_ts, text="Mapping progress", blocks=shown
            )
        except SlackApiError as exc:
            log.warning("mapping %s: progress message failed: %s", request_id, exc.response.get("error"))
            return
        except AuthError as exc:  # the app is not installed in that workspace: the crawl goes on without progress
            log.warning("mapping %s: no progress message: %s", request_id, exc)
            return
        with session_scope(engine) as session:
            stored = session.get(MappingRequest, request_id)
            assert stored is not None
            stored.progress_ts = posted["ts"]

    # Analysis and delivery ----------------------------------------------------------------------

    def analyse(self, engine: Engine, request_id: int) -> dict[str, Any]:
        made = report.make_report(engine, request_id)
        with Session(engine) as session:
            request = session.get(MappingRequest, request_id)
            assert request is not None
        self.progress(engine, request_id, 1, 1, "The map is made: review it and press Deliver on the card.")
        if request.card_channel and request.card_ts:
            self.slack(request.workspace_id, engine).chat_update(
                channel=request.card_channel,
                ts=request.card_ts,
                text=f"Mapping request #{request_id}",
                blocks=blocks.card(request),
            )
        return {"accounts": made.analysis.overall["accounts"], "slots": len(made.slots)}

    def deliver(self, engine: Engine, request_id: int) -> dict[str, Any]:
        with Session(engine) as session:
            request = session.get(MappingRequest, request_id)
            stored = report.stored_report(session, request_id)
            png = report.artefact(session, request_id, "png")
            html = report.artefact(session, request_id, "html")
            csv = report.artefact(session, request_id, "csv")
        assert request is not None and stored is not None
        client = self.slack(request.workspace_id, engine)
        summary = blocks.delivery(request, stored.analysis, stored.slots)
        text = f"Digital map: {request.title}"
        client.chat_postMessage(channel=request.requester_id, text=text, blocks=summary)
        self.upload_picture_to_requester(client, request, png)
        if request.card_channel and request.card_ts:
            client.chat_postMessage(channel=request.card_channel, thread_ts=request.card_ts, text=text, blocks=summary)
            uploads = [
                {"file": content, "filename": f"mapping-{request_id}.{kind}", "title": f"{request.title} ({kind})"}
                for kind, content in (("png", png), ("html", html), ("csv", csv))
                if content
            ]
            client.files_upload_v2(
                file_uploads=uploads,
                channel=request.card_channel,
                thread_ts=request.card_ts,
                initial_comment="The map and its files",
            )
        with session_scope(engine) as session:
            row = session.get(MappingRequest, request_id)
            assert row is not None
            row.delivery_sent = True
        return {"delivered": True}

    def upload_picture_to_requester(self, client: WebClient, request: MappingRequest, png: bytes | None) -> None:
        """Upload the network picture to the requester's DM (files need a conversation id, not a user id)."""
        if not png:
            return
        opened = client.conversations_open(users=request.requester_id)
        client.files_upload_v2(
            file=png,
            filename=f"mapping-{request.id}.png",
            title=f"{request.title} (network picture)",
            channel=opened["channel"]["id"],
            initial_comment="The network picture of your map",
        )
