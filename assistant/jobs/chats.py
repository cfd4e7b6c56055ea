"""What chats need now: reminders, each post at its minute (or its hand-over), missed-item prompts and the digest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from twitter_text import extract_urls

from assistant.config import Settings
from assistant.crypto import TokenCipher
from assistant.models import OutboxItem, OutboxState
from assistant.models.base import utcnow
from assistant.models.chats import ChatOccurrence, ChatPost, ChatSeries, ChatStatus, PostStatus
from assistant.models.credentials import Credential
from assistant.models.workspaces import Workspace
from assistant.services import chats as service
from assistant.services.credentials import get_valid_access_token
from assistant.services.yammer_crosspost import crosspost_group, crosspost_text, post_to_group
from assistant.slack.blocks import chats as blocks
from assistant.worker import DueJob
from integrations.errors import AuthError
from integrations.mastodon.post import post_status
from integrations.x.client import XClient, XRequest
from integrations.x.cost import Prices
from integrations.x.oauth import TokenSet, XOAuth

log = logging.getLogger(__name__)

DEFAULT_REMINDERS = (24 * 60, 15)  # minutes before the start; a team overrides with settings["chat_reminder_minutes"]
GRACE = timedelta(minutes=2)  # later than this after its minute, an item is "missed" and the moderator is asked
DIGEST_AFTER = timedelta(minutes=15)
LOOKBACK = timedelta(days=2)
DONE = (PostStatus.posted.value, PostStatus.manual_posted.value, PostStatus.skipped.value)

DigestRequester = Callable[..., Any]


def post_key(occurrence_id: int, item: str, platform: str = "x") -> str:
    """The outbox key of one post: `chat:{occurrence}:question:{n}` (`:mastodon` etc. when cross-posted)."""
    return f"chat:{occurrence_id}:{item}" + ("" if platform == "x" else f":{platform}")


def crosspost_key(occurrence_id: int) -> str:
    """The outbox key of the chat's intro cross-posted to the team's Yammer group."""
    return f"chat:{occurrence_id}:yammer-crosspost"


@dataclass
class ChatRunner:
    """The due-work source of chats, with its outside clients injected (Slack, an httpx client for X)."""

    settings: Settings
    slack: WebClient
    http: httpx.Client
    request_digest: DigestRequester | None = None
    grace: timedelta = GRACE
    after_post: Callable[[str], None] = field(default=lambda _key: None)  # a test hook between "posted" and "recorded"
    mastodon_http: httpx.Client | None = None  # defaults to `http`
    yammer_http: httpx.Client | None = None  # defaults to `http`

    def __call__(self, engine: Engine, now: datetime) -> list[DueJob]:
        jobs: list[DueJob] = []
        with Session(engine) as session:
            horizon = now + timedelta(minutes=max(DEFAULT_REMINDERS) + 1)
            rows = session.exec(
                select(ChatOccurrence, ChatSeries)
                .join(ChatSeries, col(ChatSeries.id) == ChatOccurrence.series_id)
                .where(
                    ChatOccurrence.status == ChatStatus.scheduled.value,
                    ChatSeries.status == ChatStatus.scheduled.value,
                    col(ChatOccurrence.start_at) <= horizon,
                    col(ChatOccurrence.end_at) >= now - LOOKBACK,
                )
                .order_by(col(ChatOccurrence.start_at))
            ).all()
            for occurrence, series in rows:
                jobs.extend(self._jobs_for(session, engine, series, occurrence, now))
        return jobs

    # what is due

    def _jobs_for(
        self, session: Session, engine: Engine, series: ChatSeries, occurrence: ChatOccurrence, now: datetime
    ) -> Iterable[DueJob]:
        occ_id = occurrence.id or 0
        moderators = [m.slack_user_id for m in service.moderators_of(session, series.id or 0)]
        lead = next(
            (m.slack_user_id for m in service.moderators_of(session, series.id or 0) if m.lead), series.created_by
        )
        sheet = service.run_sheet(session, series, occurrence=occurrence, prices=Prices.from_settings(self.settings))
        reminder = self._reminder_due(session, series, occurrence.start_at, now)
        if reminder is not None:
            label = _lead_label(reminder)
            reminder_blocks = blocks.reminder_blocks(sheet, label)
            text = f"Reminder: #{series.hashtag} starts in {label}"
            for target in [*moderators, series.channel_id]:
                yield DueJob(
                    f"chat:{occ_id}:reminder:{reminder}m:{target}", self._slack_post(target, text, reminder_blocks)
                )
        if now < occurrence.start_at:
            return
        states = _outbox_states(engine, f"chat:{occ_id}:")
        posts = {
            (p.item, p.platform): p for p in session.exec(select(ChatPost).where(ChatPost.occurrence_id == occ_id))
        }
        crosspost = self._yammer_crosspost(session, engine, series, occurrence, sheet.items, now)
        if crosspost is not None:
            yield crosspost
        for item in sheet.items:
            due = item.due(occurrence.start_at)
            if now < due:
                continue
            for platform in series.platforms:
                key = post_key(occ_id, item.item, platform)
                row = posts.get((item.item, platform))
                if row is not None and row.status in DONE:
                    continue
                if not item.approved:
                    if key not in states and now < occurrence.end_at:
                        text = f"{item.label} of #{series.hashtag} was not posted: it is not approved."
                        for user in moderators:
                            yield DueJob(
                                f"{key}:unapproved:{user}",
                                self._slack_post(user, text, blocks.unapproved_blocks(item, series)),
                            )
                    continue
                state, error = states.get(key, (None, None))
                if state == OutboxState.done.value:
                    self._record_from_outbox(engine, occ_id, item.item, platform, key)
                    continue
                if state == OutboxState.dead.value and now < occurrence.end_at:
                    value = f"{occ_id}|{item.item}|{platform}"
                    text = f"{item.label} of #{series.hashtag} could not be posted ({error}); post it by hand."
                    yield DueJob(
                        f"{key}:failed",
                        self._slack_post(lead, text, blocks.failed_blocks(item, error or "", value, platform)),
                    )
                    continue
                asked = row is not None and row.status == PostStatus.post_now.value
                if state is None and not asked and now - due > self.grace:
                    if now < occurrence.end_at:
                        value = f"{occ_id}|{item.item}|{platform}"
                        text = f"{item.label} of #{series.hashtag} was missed: post now or skip?"
                        yield DueJob(
                            f"{key}:missed",
                            self._slack_post(lead, text, blocks.missed_blocks(item, due, series.timezone, value)),
                        )
                    continue
                mastodon_token = self._mastodon_token(session, series) if platform == "mastodon" else None
                if mastodon_token and not series.manual:
                    post = self._mastodon_post(engine, occ_id, item, key, mastodon_token)
                    yield DueJob(key, post, post)  # reconcile: the same Idempotency-Key returns the first status
                elif series.manual or platform != "x":
                    value = f"{occ_id}|{item.item}|{platform}"
                    text = f"Post this now: {item.text}"
                    yield DueJob(
                        key,
                        self._slack_post(
                            lead, text, blocks.handover_blocks(item, due, series.timezone, value, platform)
                        ),
                    )
                else:
                    yield DueJob(
                        key,
                        self._x_post(engine, series, occ_id, item, key),
                        self._x_reconcile(engine, series, occ_id, item),
                    )
        if now >= occurrence.end_at + DIGEST_AFTER:
            yield DueJob(f"chat:{occ_id}:digest-requested", self._digest(engine, series, occurrence, sheet))

    def _yammer_crosspost(
        self,
        session: Session,
        engine: Engine,
        series: ChatSeries,
        occurrence: ChatOccurrence,
        items: Sequence[service.SheetItem],
        now: datetime,
    ) -> DueJob | None:
        """The intro, once, in the team's Yammer group (key `chat:{occurrence}:yammer-crosspost`) when it cross-posts."""
        intro = next((item for item in items if item.item == "intro"), None)
        if intro is None or not intro.approved or not intro.due(occurrence.start_at) <= now < occurrence.end_at:
            return None
        group = crosspost_group(session.get(Workspace, series.workspace_id), "announcements")
        if group is None:
            return None
        text = crosspost_text(intro.text)
        return DueJob(crosspost_key(occurrence.id or 0), self._yammer_post(engine, series.workspace_id, group, text))

    def _reminder_due(self, session: Session, series: ChatSeries, start: datetime, now: datetime) -> int | None:
        workspace = session.get(Workspace, series.workspace_id)
        configured = (workspace.settings or {}).get("chat_reminder_minutes") if workspace else None
        leads = sorted({int(m) for m in (configured or DEFAULT_REMINDERS)}, reverse=True)
        for index, minutes in enumerate(leads):
            following = leads[index + 1] if index + 1 < len(leads) else 0
            if start - timedelta(minutes=minutes) <= now < start - timedelta(minutes=following):
                return minutes
        return None

    # side effects (each runs inside perform_once)

    def _slack_post(self, target: str, text: str, message_blocks: list[dict[str, Any]]) -> Callable[[], dict[str, Any]]:
        def action() -> dict[str, Any]:
            channel = target
            if target.startswith(("U", "W")):
                channel = self.slack.conversations_open(users=target)["channel"]["id"]
            answer = self.slack.chat_postMessage(channel=channel, text=text, blocks=message_blocks)
            return {"channel": answer["channel"], "ts": answer["ts"]}

        return action

    def _client(self, session: Session, series: ChatSeries, now: datetime) -> tuple[XClient, Credential]:
        credential = session.get(Credential, series.host_credential_id) if series.host_credential_id else None
        if credential is None:
            raise AuthError(f"the host account of #{series.hashtag} is no longer connected", service="X")
        cipher = TokenCipher.from_settings(self.settings)
        token = get_valid_access_token(session, cipher, credential, _Refresher(self.http, self.settings), now)
        return XClient(self.http, self.settings, user_token=token), credential

    def _yammer_post(self, engine: Engine, workspace_id: int, group_id: str, text: str) -> Callable[[], dict[str, Any]]:
        def action() -> dict[str, Any]:
            with Session(engine) as session:
                return post_to_group(
                    session,
                    self.settings,
                    self.yammer_http or self.http,
                    workspace_id=workspace_id,
                    group_id=group_id,
                    text=text,
                )

        return action

    def _x_post(
        self, engine: Engine, series: ChatSeries, occ_id: int, item: service.SheetItem, key: str
    ) -> Callable[[], dict[str, Any]]:
        def action() -> dict[str, Any]:
            with Session(engine) as session:
                client, credential = self._client(session, series, utcnow())
                reply_to = None if item.item == "intro" else _posted_id(session, occ_id, "intro")
                handle = credential.handle or _handle(client)
            page = client.create_post(item.text, reply_to=reply_to)
            post_id = str(page.data["id"])
            result = {"post_id": post_id, "url": f"https://x.com/{handle}/status/{post_id}", "text": item.text}
            self.after_post(key)
            _record(engine, occ_id, item.item, "x", result)
            return result

        return action

    def _x_reconcile(
        self, engine: Engine, series: ChatSeries, occ_id: int, item: service.SheetItem
    ) -> Callable[[], dict[str, Any] | None]:
        """After a crash mid-call: look for the post among the host's recent posts before posting again."""

        def reconcile() -> dict[str, Any] | None:
            with Session(engine) as session:
                client, credential = self._client(session, series, utcnow())
                handle = credential.handle or _handle(client)
            for page in client.search_recent(f"from:{handle} #{series.hashtag}", max_pages=1, max_results=100):
                for post in page.data or []:
                    if _same_text(str(post.get("text", "")), item.text):
                        result = {
                            "post_id": str(post["id"]),
                            "url": f"https://x.com/{handle}/status/{post['id']}",
                            "text": item.text,
                            "reconciled": True,
                        }
                        _record(engine, occ_id, item.item, "x", result)
                        return result
            return None

        return reconcile

    def _mastodon_token(self, session: Session, series: ChatSeries) -> str | None:
        """The team's Mastodon account token (a Credential), else MASTODON_ACCESS_TOKEN; None: hand over."""
        credential = session.exec(
            select(Credential).where(Credential.workspace_id == series.workspace_id, Credential.platform == "mastodon")
        ).first()
        if credential is not None:
            return TokenCipher.from_settings(self.settings).decrypt(credential.access_token_encrypted)
        token = self.settings.mastodon_access_token
        return token.get_secret_value() if token is not None else None

    def _mastodon_post(
        self, engine: Engine, occ_id: int, item: service.SheetItem, key: str, token: str
    ) -> Callable[[], dict[str, Any]]:
        def action() -> dict[str, Any]:
            with Session(engine) as session:
                reply_to = None if item.item == "intro" else _posted_id(session, occ_id, "intro", "mastodon")
            posted = post_status(
                self.mastodon_http or self.http,
                base_url=self.settings.mastodon_base_url,
                access_token=token,
                text=item.text,
                idempotency_key=key,
                in_reply_to_id=reply_to,
            )
            result = {"post_id": posted.id, "url": posted.url, "text": item.text}
            _record(engine, occ_id, item.item, "mastodon", result)
            return result

        return action

    def _record_from_outbox(self, engine: Engine, occ_id: int, item: str, platform: str, key: str) -> None:
        with Session(engine) as session:
            row = session.exec(select(OutboxItem).where(OutboxItem.key == key)).first()
            result = row.result if row else None
        if result and result.get("post_id") and "ts" not in result:
            _record(engine, occ_id, item, platform, result)

    def _digest(
        self, engine: Engine, series: ChatSeries, occurrence: ChatOccurrence, sheet: service.RunSheet
    ) -> Callable[[], dict[str, Any]]:
        def action() -> dict[str, Any]:
            request = self.request_digest or _default_requester()
            with Session(engine) as session:
                posted = {
                    p.item: p for p in session.exec(select(ChatPost).where(ChatPost.occurrence_id == occurrence.id))
                }
                questions = []
                for item in sheet.items:
                    if item.item.startswith("question:"):
                        row = posted.get(item.item)
                        at = (
                            row.recorded_at
                            if row is not None and row.status != PostStatus.skipped.value
                            else item.due(occurrence.start_at)
                        )
                        questions.append((int(item.item.split(":")[1]), at, item.text))
                credential = session.get(Credential, series.host_credential_id) if series.host_credential_id else None
                job = request(
                    session,
                    workspace_id=series.workspace_id,
                    hashtag=series.hashtag,
                    start=occurrence.start_at,
                    end=occurrence.end_at,
                    channel_id=series.channel_id,
                    chat_occurrence_id=occurrence.id,
                    questions=questions,
                    host_handle=credential.handle if credential else None,
                    platforms=series.platforms,
                    due_at=occurrence.end_at + DIGEST_AFTER,
                )
                session.commit()
                return {"digest_job_id": getattr(job, "id", None)}

        return action


@dataclass
class _Refresher:
    """Builds the X OAuth client only when a token must be refreshed (X_CLIENT_ID is needed just then)."""

    http: httpx.Client
    settings: Settings

    def refresh(self, refresh_token: str) -> TokenSet:
        return XOAuth(self.http, self.settings, redirect_uri="").refresh(refresh_token)


def _default_requester() -> DigestRequester:
    from assistant.services.digests import request_digest

    return request_digest


def _lead_label(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days > 1 else ''}" if days > 1 else "24 hours"
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' if minutes > 60 else ''}"
    return f"{minutes} minutes"


def _same_text(found: str, expected: str) -> bool:
    """The same post text, whitespace aside and links ignored (X shows every link as a t.co address)."""

    def plain(text: str) -> str:
        for url in extract_urls(text):
            text = text.replace(url, " ")
        return " ".join(text.split())

    return plain(found) == plain(expected)


def _handle(client: XClient) -> str:
    page = client.send(XRequest("GET", "/2/users/me", "/2/users/me", auth="user", resource="users"))
    return str((page.data or {}).get("username", ""))


def _posted_id(session: Session, occ_id: int, item: str, platform: str = "x") -> str | None:
    row = session.exec(
        select(ChatPost).where(ChatPost.occurrence_id == occ_id, ChatPost.item == item, ChatPost.platform == platform)
    ).first()
    return row.post_id if row is not None and row.status == PostStatus.posted.value else None


def _record(engine: Engine, occ_id: int, item: str, platform: str, result: dict[str, Any]) -> None:
    with Session(engine) as session:
        service.record_post(
            session,
            occ_id,
            item,
            platform,
            PostStatus.posted,
            text=str(result.get("text", "")),
            url=result.get("url"),
            post_id=result.get("post_id"),
        )


def _outbox_states(engine: Engine, prefix: str) -> dict[str, tuple[str, str | None]]:
    table = OutboxItem.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(table.c.key, table.c.state, table.c.last_error).where(
                table.c.key.startswith(prefix, autoescape=True)
            )
        )
        return {row.key: (row.state, row.last_error) for row in rows}


_RUNNERS: dict[str, ChatRunner | None] = {}


def chat_jobs(engine: Engine, now: datetime) -> Sequence[DueJob]:
    """The registered source: builds its runner from Settings once per database (Slack bot token, X over httpx).

    Without SLACK_BOT_TOKEN (multi-workspace installs keep tokens per team) chats are not run; logged once.
    """
    key = engine.url.render_as_string(hide_password=True)
    if key not in _RUNNERS:
        from assistant.config import load_settings

        settings = load_settings()
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        if token is None:
            log.warning("chats are not run: SLACK_BOT_TOKEN is not set")
        client = WebClient(token=token, base_url=settings.slack_api_url)
        _RUNNERS[key] = ChatRunner(settings, client, httpx.Client(timeout=30)) if token else None
    runner = _RUNNERS[key]
    return runner(engine, now) if runner is not None else []
