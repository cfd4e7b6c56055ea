"""The CPU-heavy parts of a digest job's steps, as module-level functions of (engine, job id, ...) that the worker
runs in its thread or, under `outreach serve`, in the digest process (jobs/digest_process.py)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.db import session_scope
from assistant.models.digests import Digest, DigestJob
from assistant.models.workspaces import Workspace
from assistant.render.digest_chart import timeline_png
from assistant.render.digest_html import archive_bytes
from assistant.services.digests import make as digest_make
from assistant.services.digests import plan as digest_plan
from assistant.services.digests import records as service

log = logging.getLogger(__name__)

WarmUp = Callable[[Engine], None]  # run once as a process that makes digests starts (a module-level function)
WARM_UP_HASHTAG = "outreachwarmup"  # no chat is stored under it in the hour below: the warm-up reads nothing
WARM_UP_START = datetime(2000, 1, 6, 21, tzinfo=UTC)


def warm_up(engine: Engine) -> None:
    """Make an empty digest (not stored), draw its chart and render its archive, so that a process's first real
    digest does not pay for what any first one does: the analysis and rendering modules' imports, each query's
    SQL compiled, the archive template compiled and the chart's fonts loaded (about a second of CPU in all,
    most of it imports). The digest process (jobs/digest_process.py) and `outreach worker` run it as they start,
    through `warm_up_logged`; it writes nothing."""
    with Session(engine) as session:
        made = digest_make.make_digest(
            session,
            hashtag=WARM_UP_HASHTAG,
            start=WARM_UP_START,
            end=WARM_UP_START + timedelta(hours=1),
            host_handle=WARM_UP_HASHTAG,
            save=False,
        )
        png = timeline_png(made.result.figures)
        archive_bytes(made.result, chart_png=png)
        session.rollback()  # nothing was written; the read transaction ends here


def warm_up_logged(engine: Engine, *, who: str, warm: WarmUp = warm_up) -> None:
    """Run the warm-up as a process that makes digests starts (`who` names it in the log: the digest process,
    the worker); one that fails is logged and the process goes on, its first digest only colder."""
    began = time.perf_counter()
    try:
        warm(engine)
    except Exception:
        log.exception("%s %s could not warm up; its first digest will be slower", who, os.getpid())
        return
    log.info("%s %s warmed up in %.1f s", who, os.getpid(), time.perf_counter() - began)


def store_digest(engine: Engine, job_id: int, now: datetime) -> dict[str, Any]:
    """The make step: read the job's chat, compute every figure and store the digest, in one transaction."""
    with session_scope(engine) as session:
        job = session.get(DigestJob, job_id)
        assert job is not None
        workspace = session.get(Workspace, job.workspace_id)
        made = digest_make.make_digest(
            session,
            hashtag=job.hashtag,
            start=job.start,
            end=job.end,
            timezone=workspace.timezone if workspace else "UTC",
            questions=service.job_questions(job),
            host_handle=job.host_handle,
            workspace_id=job.workspace_id,
            job=job,
            now=now,
            plan=digest_plan.plan_for_job(session, job),
        )
        assert made.digest is not None
        job.digest_id = made.digest.id
        session.add(job)
        return {"digest_id": made.digest.id, "posts": made.digest.posts}


def stored_digest(engine: Engine, job_id: int) -> dict[str, Any] | None:
    """The make step's result when the job's digest is already stored (a step that died after its commit)."""
    with Session(engine) as session:
        digest = session.exec(select(Digest).where(Digest.job_id == job_id)).first()
        return {"digest_id": digest.id, "posts": digest.posts} if digest else None


def file_uploads(engine: Engine, job_id: int, with_archive: bool) -> list[dict[str, Any]]:
    """The files step's uploads: the timeline chart (when there are posts), and the HTML archive when asked."""
    with Session(engine) as session:
        job = session.get(DigestJob, job_id)
        digest = session.get(Digest, job.digest_id) if job and job.digest_id else None
        assert digest is not None
        uploads: list[dict[str, Any]] = []
        png = timeline_png(digest.figures) if digest.posts else None
        if png:
            uploads.append({"content": png, "filename": f"{digest.hashtag}-timeline.png", "title": "Timeline"})
        if with_archive:
            html = archive_bytes(digest_make.remake(session, digest), chart_png=png)
            uploads.append(
                {"content": html, "filename": f"{digest.hashtag}-archive.html", "title": f"#{digest.hashtag} archive"}
            )
        return uploads
