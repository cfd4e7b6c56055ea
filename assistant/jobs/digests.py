"""The digest worker source: collect a due chat's posts, make its digest, post it and its files, each step once.

Each DigestJob goes through five outbox steps, keyed `digest:{job}:{step}`, in one worker pass (the source
chains; a step that waits or fails leaves the rest to a later pass): budget (its X cost measured; a digest
that would cross the team's monthly budget is held for an admin, see jobs/digest_budget.py) → collect (sources → store) → make (figures → `digest` row) → post (the Block Kit message) → files
(the chart, and the HTML archive when the app has no public link). A rate limit during collection
leaves the step waiting until the reset (the outbox retries it) and tells the channel, once, that
the digest is late. A step that gives up (an auth error, or any other error once the outbox's
retries are spent) is told to the channel once too (`digest:{job}:failed`), with the command that
makes the digest by hand, and the job ends as failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.clients import Clients
from assistant.config import Settings
from assistant.db import session_scope
from assistant.jobs import digest_budget
from assistant.jobs.digest_process import DigestProcess, DigestProcessDied
from assistant.jobs.digest_steps import file_uploads, store_digest, stored_digest
from assistant.models import OutboxItem, OutboxState
from assistant.models.base import require_id, utcnow
from assistant.models.codecs import digest_crosspost_key, digest_prefix, digest_step_key, digest_step_of
from assistant.models.digests import Digest, DigestJob, DigestJobState
from assistant.models.platforms import Platform
from assistant.models.workspaces import Workspace
from assistant.render.wording import counted
from assistant.services.costs import budget as cost_budget
from assistant.services.costs import figures as cost_figures
from assistant.services.costs.ledger import x_meter
from assistant.services.digests import collect as digest_collect
from assistant.services.digests import estimate as digest_estimate
from assistant.services.digests import records as service
from assistant.services.yammer.crosspost import crosspost_group, crosspost_text, post_to_group
from assistant.slack.blocks import digests as blocks
from assistant.worker import DueJob, perform_once
from integrations.errors import RateLimited

log = logging.getLogger(__name__)

STEPS = ("budget", "collect", "make", "post", "files")


def archive_links(settings: Settings, token: str) -> dict[str, str | None]:
    """Web links of a digest (HTTP mode with a public URL), else none: the archive is then uploaded."""
    base = None if settings.socket_mode else settings.archive_url(token)
    if base is None:
        return {"archive_url": None, "csv_url": None, "json_url": None}
    return {"archive_url": base, "csv_url": f"{base}.csv", "json_url": f"{base}.json"}


def digest_summary(digest: Digest) -> str:
    """The headline figures of a digest in one line (the Slack message's fallback text)."""
    return f"Digest of #{digest.hashtag}: {counted(digest.posts, 'post')} from {counted(digest.participants, 'person')}"


class DigestJobs:
    """The due-work source of digests (register an instance in assistant.jobs.SOURCES).

    It chains: the worker asks again as soon as a step is done, so one pass takes a job from collect to files.
    """

    chains = True

    def __init__(self, deps: Clients, *, process: DigestProcess | None = None) -> None:
        self._deps = deps
        self._process = process  # where the make and files steps' CPU-heavy parts run (None: this thread)

    def __call__(self, engine: Engine, now: datetime) -> list[DueJob]:
        with session_scope(engine) as session:
            due = [require_id(job) for job in service.due_jobs(session, now)]
        found: list[DueJob] = []
        for job_id in due:
            crosspost = self._yammer_crosspost(engine, job_id)
            if crosspost is not None:
                found.append(crosspost)
            step = self._next_step(engine, job_id)
            if step is None:
                continue
            if step == "failed":
                found.append(DueJob(digest_step_key(job_id, "failed"), self._tell_failed(engine, job_id)))
                continue
            found.append(
                DueJob(
                    digest_step_key(job_id, step),
                    self._action(engine, job_id, step, now),
                    self._reconcile(engine, job_id, step),
                )
            )
        return found

    def _yammer_crosspost(self, engine: Engine, job_id: int) -> DueJob | None:
        """The posted digest, once, in the team's Yammer group (key `digest:{digest}:yammer-crosspost`)."""
        with Session(engine) as session:
            job = session.get(DigestJob, job_id)
            if job is None or job.digest_id is None:
                return None
            posted = session.exec(select(OutboxItem).where(OutboxItem.key == digest_step_key(job_id, "post"))).first()
            if posted is None or posted.state != OutboxState.done:
                return None
            group = crosspost_group(session.get(Workspace, job.workspace_id), "digests")
            if group is None:
                return None
            digest_id, workspace_id = job.digest_id, job.workspace_id

        def action() -> dict[str, Any]:
            deps = self._deps
            with Session(engine) as session:
                digest = session.get(Digest, digest_id)
                assert digest is not None
                text = crosspost_text(digest_summary(digest), archive_links(deps.settings, digest.token)["archive_url"])
                with deps.http() as http:
                    return post_to_group(
                        session, deps.settings, http, workspace_id=workspace_id, group_id=group, text=text
                    )

        return DueJob(digest_crosspost_key(digest_id), action)

    def _next_step(self, engine: Engine, job_id: int) -> str | None:
        """The next step to run; "failed" when a step gave up and the channel is still to be told."""
        with Session(engine) as session:
            rows = {
                row.key: row
                for row in session.exec(select(OutboxItem).where(OutboxItem.key.startswith(digest_prefix(job_id))))
            }
        for step in STEPS:
            row = rows.get(digest_step_key(job_id, step))
            if row is not None and row.state == OutboxState.dead:
                notice = rows.get(digest_step_key(job_id, "failed"))
                if notice is None or notice.state in (OutboxState.pending, OutboxState.failed):
                    return "failed"  # the notice goes out first (retried like any step), then the job ends
                self._finish(engine, job_id, DigestJobState.failed, error=f"step {step} gave up: {row.last_error}")
                return None
            if row is None or row.state != OutboxState.done:
                return step
        self._finish(engine, job_id, DigestJobState.done)
        return None

    def _tell_failed(self, engine: Engine, job_id: int) -> Callable[[], dict[str, Any]]:
        """Tell the chat's channel, once (key `digest:{job}:failed`), that its digest could not be made and
        how to make it by hand; then the job ends as failed."""

        def action() -> dict[str, Any]:
            with Session(engine) as session:
                job = session.get(DigestJob, job_id)
                assert job is not None
                dead = [
                    row
                    for row in session.exec(select(OutboxItem).where(OutboxItem.key.startswith(digest_prefix(job_id))))
                    if row.state == OutboxState.dead and row.key in {digest_step_key(job_id, s) for s in STEPS}
                ]
                snapshot = job.model_copy()
            step = digest_step_of(dead[0].key) if dead else "a step"
            reason = f"the {step} step failed ({dead[0].last_error if dead else 'unknown error'})"
            text = blocks.failure_notice(
                snapshot.hashtag, snapshot.start, snapshot.end, self._zone(engine, snapshot.workspace_id), reason
            )
            client = self._slack(engine, self._deps, snapshot.workspace_id)
            response = client.chat_postMessage(channel=snapshot.channel_id, text=text)
            self._finish(engine, job_id, DigestJobState.failed, error=reason)
            return {"ts": response.get("ts")}

        return action

    def _finish(self, engine: Engine, job_id: int, state: DigestJobState, *, error: str | None = None) -> None:
        with session_scope(engine) as session:
            job = session.get(DigestJob, job_id)
            if job is not None and job.state != state:
                job.state, job.last_error, job.updated_at = state, error, utcnow()
                session.add(job)

    def _reconcile(self, engine: Engine, job_id: int, step: str) -> Callable[[], dict[str, Any] | None] | None:
        if step in ("budget", "collect"):
            return lambda: None  # measuring and collecting again is safe (upserts, the ledger bills once a day)
        if step == "make":
            return lambda: stored_digest(engine, job_id)
        return None  # a message or upload may have gone out: a person decides

    def _action(self, engine: Engine, job_id: int, step: str, now: datetime) -> Callable[[], dict[str, Any]]:
        def action() -> dict[str, Any]:
            deps = self._deps
            if step == "budget":
                return self._budget(engine, deps, job_id, now)
            if step == "collect":
                return self._collect(engine, deps, job_id, now)
            if step == "make":
                return self._make(engine, deps, job_id, now)
            if step == "post":
                return self._post(engine, deps, job_id)
            return self._files(engine, deps, job_id)

        return action

    # -- steps ------------------------------------------------------------------------------------------------

    def _budget(self, engine: Engine, deps: Clients, job_id: int, now: datetime) -> dict[str, Any]:
        try:
            return digest_budget.check(engine, deps, job_id, now)
        except RateLimited as exc:
            with Session(engine) as session:
                job = session.get(DigestJob, job_id)
                assert job is not None
                snapshot = job.model_copy()
            self._tell_late(engine, deps, snapshot, exc.reset_at)
            raise

    def _collect(self, engine: Engine, deps: Clients, job_id: int, now: datetime) -> dict[str, Any]:
        with session_scope(engine) as session:
            job = session.get(DigestJob, job_id)
            assert job is not None
            job.state, job.attempts, job.updated_at = DigestJobState.collecting, job.attempts + 1, utcnow()
            session.add(job)
            snapshot = job.model_copy()
        self._progress(engine, deps, snapshot, "collecting the posts…")
        settings = deps.settings
        with deps.http() as http:
            x = None
            if settings.x_bearer_token and Platform.x in snapshot.platforms:
                meter = x_meter(
                    engine,
                    settings.x_prices(),
                    workspace_id=snapshot.workspace_id,
                    job_kind="digest",
                    job_id=job_id,
                )
                x = deps.x(http, meter=meter)
            mastodon = deps.mastodon(http) if Platform.mastodon in snapshot.platforms else None
            bluesky = (
                deps.bluesky(http)
                if Platform.bluesky in snapshot.platforms and settings.bluesky_handle and settings.bluesky_app_password
                else None
            )
            try:
                if x is not None:
                    promised = digest_budget.stored(engine, job_id) or digest_estimate.measure(
                        engine,
                        x,
                        hashtag=snapshot.hashtag,
                        start=snapshot.start,
                        end=snapshot.end,
                        now=now,
                        workspace_id=snapshot.workspace_id,
                        job_id=job_id,
                    )
                    with Session(engine) as session:
                        month = cost_budget.check(
                            session, workspace_id=snapshot.workspace_id, estimate=promised.dollars, today=now.date()
                        )
                    step = f"collecting about {promised.posts:,} posts from X ({month.describe()})…"
                    self._progress(engine, deps, snapshot, step)
                collected = digest_collect.collect(
                    engine,
                    hashtag=snapshot.hashtag,
                    start=snapshot.start,
                    end=snapshot.end,
                    platforms=snapshot.platforms,
                    x=x,
                    mastodon=mastodon,
                    bluesky=bluesky,
                    now=now,
                )
            except RateLimited as exc:
                self._tell_late(engine, deps, snapshot, exc.reset_at)
                raise
        with Session(engine) as session:
            against = cost_figures.compared(session, job_kind="digest", job_id=job_id)
        return {
            "posts": collected.total,
            "by_source": collected.by_source,
            "via_conversation": collected.via_conversation,
            **({"x_cost": against.describe()} if against is not None else {}),
        }

    def _tell_late(self, engine: Engine, deps: Clients, job: DigestJob, reset_at: datetime) -> None:
        zone = self._zone(engine, job.workspace_id)

        def notify() -> dict[str, Any]:
            text = blocks.late_notice(job.hashtag, reset_at + timedelta(seconds=1), zone)
            response = self._slack(engine, deps, job.workspace_id).chat_postMessage(channel=job.channel_id, text=text)
            return {"ts": response.get("ts")}

        outcome = perform_once(engine, digest_step_key(require_id(job), "late"), notify)
        if outcome.done:
            with session_scope(engine) as session:
                row = session.get(DigestJob, job.id)
                if row is not None:
                    row.late_notified = True
                    session.add(row)

    def _make(self, engine: Engine, deps: Clients, job_id: int, now: datetime) -> dict[str, Any]:
        if self._process is None:
            result = store_digest(engine, job_id, now)
        else:
            try:
                ran = self._process.run(store_digest, job_id, now)
            except DigestProcessDied:
                found = stored_digest(engine, job_id)
                if found is None:
                    raise  # failed like any step: the outbox retries it
                log.warning("digest job %s was stored before its process ended; the make step is done", job_id)
                result = found
            else:
                result = {**ran.value, "process": ran.process, "rss_mb": ran.rss_mb, "peak_rss_mb": ran.peak_rss_mb}
        with Session(engine) as session:
            job = session.get(DigestJob, job_id)
            assert job is not None
            snapshot = job.model_copy()
        self._progress(engine, deps, snapshot, "writing the digest…")
        return result

    def _post(self, engine: Engine, deps: Clients, job_id: int) -> dict[str, Any]:
        with Session(engine) as session:
            job = session.get(DigestJob, job_id)
            digest = session.get(Digest, job.digest_id) if job and job.digest_id else None
            assert job is not None and digest is not None
            links = archive_links(deps.settings, digest.token)
            message = blocks.digest_message(digest.figures, digest_id=digest.id, **links)
            text = digest_summary(digest)
            client = deps.slack_for_workspace(session, job.workspace_id)
            if job.progress_ts:
                response = client.chat_update(channel=job.channel_id, ts=job.progress_ts, text=text, blocks=message)
            else:
                response = client.chat_postMessage(channel=job.channel_id, text=text, blocks=message)
            return {"ts": response.get("ts"), "channel": response.get("channel")}

    def _files(self, engine: Engine, deps: Clients, job_id: int) -> dict[str, Any]:
        with Session(engine) as session:
            job = session.get(DigestJob, job_id)
            digest = session.get(Digest, job.digest_id) if job and job.digest_id else None
            assert job is not None and digest is not None
            posted = session.exec(select(OutboxItem).where(OutboxItem.key == digest_step_key(job_id, "post"))).one()
            thread_ts = (posted.result or {}).get("ts")
            with_archive = archive_links(deps.settings, digest.token)["archive_url"] is None
        if self._process is None:
            uploads = file_uploads(engine, job_id, with_archive)
        else:
            uploads = self._process.run(file_uploads, job_id, with_archive).value
        if not uploads:
            return {"files": 0}
        client = self._slack(engine, deps, job.workspace_id)
        client.files_upload_v2(file_uploads=uploads, channel=job.channel_id, thread_ts=thread_ts)
        return {"files": len(uploads)}

    # -- helpers ----------------------------------------------------------------------------------------------

    def _progress(self, engine: Engine, deps: Clients, job: DigestJob, step: str) -> None:
        if not job.progress_ts:
            return
        try:
            self._slack(engine, deps, job.workspace_id).chat_update(
                channel=job.channel_id,
                ts=job.progress_ts,
                text=f"Digest: {step}",
                blocks=blocks.progress(job.hashtag, step),
            )
        except Exception:  # progress is best effort; the digest itself is what matters
            log.warning("could not update the progress message of digest job %s", job.id)

    @staticmethod
    def _slack(engine: Engine, deps: Clients, workspace_id: int) -> WebClient:
        """The Slack client of the job's workspace (its own bot token in a multi-workspace install)."""
        with Session(engine) as session:
            return deps.slack_for_workspace(session, workspace_id)

    @staticmethod
    def _zone(engine: Engine, workspace_id: int) -> str:
        with Session(engine) as session:
            workspace = session.get(Workspace, workspace_id)
            return workspace.timezone if workspace else "UTC"
