"""The demo's own-chat digest: people answer the chat the worker just posted as a thread, and its digest reads
the questions by the ids the outbox recorded (no text matching), each shown with its answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
from sqlmodel import Session, select

from assistant.jobs.digests import DigestJobs
from assistant.models.chats import ChatOccurrence
from assistant.models.digests import Digest, DigestJob
from assistant.render.wording import counted
from assistant.services.digests import make as digest_make
from assistant.services.store.write import upsert_batch
from assistant.standins.x import XStandIn, XUser
from assistant.worker import Worker
from integrations.x.parse import escape, parse_page

if TYPE_CHECKING:
    from assistant.demo.context import DemoContext

PEOPLE = (
    XUser("1500000000000000101", "amira_teaches", "Amira", "x-user-token-amira"),
    XUser("1500000000000000102", "bryn_fe", "Bryn", "x-user-token-bryn"),
    XUser("1500000000000000103", "cerys_lecturer", "Cerys", "x-user-token-cerys"),
)


@dataclass
class DemoClock:
    """The time the local fake X stamps on new posts: the worker's moment, not the real one."""

    at: datetime

    def now(self) -> datetime:
        return self.at


def _say(x: XStandIn, http: httpx.Client, who: XUser, text: str, reply_to: str | None = None) -> str:
    body = {"text": text, **({"reply": {"in_reply_to_tweet_id": reply_to}} if reply_to else {})}
    response = http.post(f"{x.base_url}/2/tweets", json=body, headers={"Authorization": f"Bearer {who.token}"})
    response.raise_for_status()
    return str(response.json()["data"]["id"])


def answer_the_chat(x: XStandIn, http: httpx.Client, clock: DemoClock, start: datetime, host: XUser) -> None:
    """Participants answer the threaded questions as people do: A-tags (one naming two questions), untagged
    replies under a question and under an answer, a greeting under the intro; the host follows up in a thread."""
    posts = x.created()
    intro = posts[0]["id"]
    questions = [p["id"] for p in posts[1:] if p["text"].startswith("Q")]
    amira, bryn, cerys = PEOPLE

    def at(minute: int, who: XUser, text: str, reply_to: str | None = None) -> str:
        clock.at = start + timedelta(minutes=minute, seconds=30)
        return _say(x, http, who, text, reply_to)

    at(1, cerys, "Hi all, Cerys from Cardiff", intro)
    at(6, amira, "A1 more confidence in maths #ukfechat")
    answer = at(7, bryn, "Attendance is up since September", questions[0])
    follow_up = at(8, host, "Thanks Bryn, what helped most?", answer)
    at(9, bryn, "The breakfast club, honestly", follow_up)
    at(21, cerys, "A2 & A3 mentoring; and ask us about workload #ukfechat")
    at(32, amira, "How they would fix funding", questions[2])
    at(46, bryn, "A4 the part on apprenticeships <3 & the map -> more please #ukfechat")


def store_as_collected(ctx: DemoContext, x: XStandIn) -> int:
    """Every post on the local fake X, read as X delivers it (text escaped), into the store."""
    page = {
        "data": [{**p, "text": escape(p["text"])} for p in x.created()],
        "includes": {"users": [{"id": u.id, "name": u.name, "username": u.username} for u in x.users]},
    }
    batch = parse_page(page)
    with ctx.engine.begin() as connection:
        upsert_batch(connection, batch, captured_at=datetime.now(UTC))
    return len(batch.posts)


def digest_own_chat(ctx: DemoContext, x: XStandIn, http: httpx.Client, clock: DemoClock, occurrence_id: int) -> None:
    """Answer the chat, store its posts, let the worker make the digest it requested, and show each question."""
    with Session(ctx.engine) as session:
        occurrence = session.get(ChatOccurrence, occurrence_id)
        job = session.exec(select(DigestJob).where(DigestJob.chat_occurrence_id == occurrence_id)).one()
        assert occurrence is not None and job.id is not None
        start, end, job_id = occurrence.start_at, occurrence.end_at, job.id
    answer_the_chat(x, http, clock, start, x.users[0])
    stored = store_as_collected(ctx, x)
    ctx.console.print(f"People answered on the local fake X; {stored} posts stored as the collector would store them")
    deps = ctx.clients()
    worker = Worker(ctx.engine, [DigestJobs(deps)], now=lambda: end + timedelta(minutes=16))
    for _ in range(5):
        worker.tick()
    with Session(ctx.engine) as session:
        digest = session.exec(select(Digest).where(Digest.job_id == job_id)).one()
        result = digest_make.remake(session, digest)
    figures = digest.figures
    lines = [
        f"Moderators: {', '.join('@' + h for h in figures['moderators']['handles'])} "
        f"({figures['moderators']['source']}); questions {figures['questions_from']} by the outbox, not matched by text"
    ]
    for question, summary in zip(result.assignment.questions, figures["questions"], strict=True):
        lines.append(
            f"Q{question.number} (post {summary['post_id']}): {counted(summary['answers'], 'answer')} from "
            f"{counted(summary['answerers'], 'person')}, {counted(summary['moderator_replies'], 'moderator reply')}"
        )
        lines.extend(f"  A @{p.author_handle}: {' '.join(p.text.split())}" for p in question.answers)
        lines.extend(f"  moderator @{p.author_handle}: {p.text}" for p in question.moderator_replies)
    intro = figures["intro"] or {}
    lines.append(f"Intro replies: {intro.get('replies', 0)}; open conversation: {figures['open_conversation']}")
    ctx.show(f"Digest of the chat the worker posted (#{digest.hashtag})", text="\n".join(lines))
    ctx.notes.append(f"own chat digest: {counted(figures['volume']['posts'], 'post')}, digest {digest.id}")
