"""The demo's digest step: import a two-week sample chat, let the worker make week 2's digest, show and save it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr
from sqlmodel import Session, select

from assistant.clients import Clients, new_http
from assistant.jobs.digests import DigestJobs
from assistant.models.base import require_id
from assistant.models.digests import Digest
from assistant.render.digest_chart import timeline_png
from assistant.render.digest_files import to_json
from assistant.render.digest_html import archive_bytes
from assistant.samples.chat import chat_start_times
from assistant.samples.chat_files import write_chat
from assistant.samples.network import World
from assistant.services.costs import figures as cost_figures
from assistant.services.costs.ledger import x_meter
from assistant.services.digests import collect as digest_collect
from assistant.services.digests import estimate as digest_estimate
from assistant.services.digests import make as digest_make
from assistant.services.digests import records as service
from assistant.services.store.write import upsert_batch
from assistant.services.team.workspaces import ensure_workspace
from assistant.standins.slack import TEAM_ID, TEAM_NAME
from assistant.standins.x_graph import FakeClock, FakeXGraph
from assistant.worker import Worker
from integrations.archives import read_archive

if TYPE_CHECKING:
    from assistant.demo.context import DemoContext

HASHTAG = "ukfechat"
CHANNEL = "C0COMMS001"


def step_digest(ctx: DemoContext) -> None:
    sample = ctx.output / f"sample-{HASHTAG}.jsonl"
    with sample.open("wb") as fp:
        write_chat(fp, 400, 21, weeks=2, hashtag=HASHTAG)
    with ctx.engine.begin() as connection:
        for chunk in read_archive(sample):
            upsert_batch(connection, chunk.batch)
    week1, week2 = chat_start_times(weeks=2)
    with Session(ctx.engine) as session:
        workspace = ensure_workspace(session, slack_team_id=TEAM_ID, name=TEAM_NAME)
        session.commit()
        # last week's digest, so this week's figures have something to compare with
        digest_make.make_digest(
            session,
            hashtag=HASHTAG,
            start=week1,
            end=week1 + timedelta(hours=1),
            timezone=workspace.timezone,
            host_handle=f"{HASHTAG}_host",
            workspace_id=workspace.id,
        )
        job = service.request_digest(
            session,
            workspace_id=require_id(workspace),
            hashtag=HASHTAG,
            start=week2,
            end=week2 + timedelta(hours=1),
            channel_id=CHANNEL,
            chat_occurrence_id=None,
            host_handle=f"{HASHTAG}_host",
            due_at=week2 + timedelta(minutes=75),
        )
        session.commit()
        job_id = job.id
        workspace_id = require_id(workspace)
    ctx.console.print(
        f"Imported {sample.name} (two weekly #{HASHTAG} chats); digest job {job_id} due at chat end + 15 min"
    )

    deps = ctx.clients()
    before = len(ctx.slack.calls_to("chat.postMessage"))
    worker = Worker(ctx.engine, [DigestJobs(deps)], now=lambda: week2 + timedelta(minutes=76))
    for _ in range(len(("collect", "make", "post", "files")) + 1):
        worker.tick()
    channel, blocks = ctx.posted_since(before)
    ctx.show(f"Digest of #{HASHTAG} posted to #{channel} (once, outbox keys digest:{job_id}:…)", blocks)

    with Session(ctx.engine) as session:
        digest = session.exec(select(Digest).where(Digest.job_id == job_id)).one()
        result = digest_make.remake(session, digest)
    chart = timeline_png(digest.figures)
    files = {
        f"digest-{HASHTAG}.html": archive_bytes(result, chart_png=chart),
        f"digest-{HASHTAG}.json": to_json(digest.figures),
        f"digest-{HASHTAG}-timeline.png": chart,
    }
    for name, content in files.items():
        (ctx.output / name).write_bytes(content)
        ctx.notes.append(f"digest file: {ctx.output / name}")
    ctx.console.print(f"Digest archive, JSON and chart written to {ctx.output}/ ({', '.join(files)})")
    _collect_from_x(ctx, sample, week2, workspace_id)


def _collect_from_x(ctx: DemoContext, sample: Path, week2: datetime, workspace_id: int) -> None:
    """The same chat collected from X (the local stand-in serving the sample): X's count first, then the bill."""
    world = World()
    for line in sample.read_bytes().splitlines():
        page = json.loads(line)
        world.posts.extend(page.get("data") or [])
        world.users.update({u["id"]: u for u in (page.get("includes") or {}).get("users") or []})
    world.posts.sort(key=lambda post: str(post["created_at"]))
    clock = FakeClock(week2 + timedelta(minutes=76))
    fake = FakeXGraph(world, clock=clock.now)
    settings = ctx.settings.model_copy(update={"x_bearer_token": SecretStr("demo-x-token")})
    job_id = 9_000 + workspace_id  # a collection of its own in the ledger, beside the digest job above
    meter = x_meter(
        ctx.engine, settings.x_prices(), workspace_id=workspace_id, job_kind="digest", job_id=job_id, clock=clock.now
    )
    client = Clients(settings).x(new_http(fake.transport), meter=meter, clock=clock.now)
    start, end = week2, week2 + timedelta(hours=1)
    promised = digest_estimate.measure(
        ctx.engine,
        client,
        hashtag=HASHTAG,
        start=start,
        end=end,
        now=clock.now(),
        workspace_id=workspace_id,
        job_id=job_id,
    )
    collected = digest_collect.collect(
        ctx.engine, hashtag=f"#{HASHTAG}", start=start, end=end, platforms=["x"], x=client, now=clock.now()
    )
    with Session(ctx.engine) as session:
        against = cost_figures.compared(session, job_kind="digest", job_id=job_id)
    assert against is not None
    ctx.show(
        f"#{HASHTAG} week 2 from X: {promised.posts} posts counted first, {collected.total} read",
        text=against.describe(),
    )
