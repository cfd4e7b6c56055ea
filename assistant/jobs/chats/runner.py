"""The chats' due-work source: per sitting, the plan's intents turned into outbox jobs (Slack, X, Mastodon, Bluesky,
Yammer, the digest)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.clients import Clients
from assistant.config import Settings
from assistant.jobs.chats import plan as planning
from assistant.jobs.chats.bluesky import BlueskyLogin, BlueskyPublisher, record_key
from assistant.jobs.chats.mastodon import MastodonLogin, MastodonPublisher
from assistant.jobs.chats.records import outbox_states, posted_id, record_from_outbox
from assistant.jobs.chats.team import reminder_leads, team_of
from assistant.jobs.chats.x import XPublisher
from assistant.models.base import require_id
from assistant.models.chats import (
    ChatApproval,
    ChatOccurrence,
    ChatPost,
    ChatQuestion,
    ChatSeries,
    ChatStatus,
    PostStatus,
)
from assistant.models.codecs import (
    INTRO,
    ChatItem,
    ChatPostRef,
    chat_cancel_key,
    chat_crosspost_key,
    chat_digest_key,
    chat_prefix,
    chat_prompt_key,
    chat_reminder_key,
)
from assistant.models.credentials import Credential
from assistant.models.platforms import Platform
from assistant.models.workspaces import Workspace
from assistant.services.chats.repo import moderators_of
from assistant.services.chats.signoff import RunSheet, SheetItem, run_sheet
from assistant.services.chats.texts import cancellation_reply
from assistant.services.digests.records import request_digest as queue_digest
from assistant.services.yammer.crosspost import crosspost_group, crosspost_text, post_to_group
from assistant.slack.blocks import chat_messages
from assistant.worker import DueJob
from integrations.bluesky.client import BlueskyClient
from integrations.errors import AuthError

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=2)

DigestRequester = Callable[..., Any]
Action = Callable[[], dict[str, Any]]


@dataclass
class ChatRunner:
    """The due-work source of chats, with its outside clients injected (Slack, an httpx client for X).

    Slack messages go out with the workspace's own bot token when `slack_for` (team id → WebClient) is given,
    as in a multi-workspace install; `slack` is the single-workspace client.
    """

    settings: Settings
    slack: WebClient | None
    http: httpx.Client
    request_digest: DigestRequester | None = None  # queues the digest job; default queue_digest (services)
    grace: timedelta = planning.GRACE
    after_post: Callable[[str], None] = field(default=lambda _key: None)  # a test hook between "posted" and "recorded"
    mastodon_http: httpx.Client | None = None  # defaults to `http`
    yammer_http: httpx.Client | None = None  # defaults to `http`
    bluesky_http: httpx.Client | None = None  # defaults to `http`
    slack_for: Callable[[str], WebClient] | None = None
    clients: Clients | None = None  # builds the per-account network clients; default: the app's over `settings`
    _bluesky: dict[BlueskyLogin, BlueskyClient] = field(default_factory=dict, repr=False)
    _sheets: dict[int, tuple[tuple[Any, ...], RunSheet]] = field(default_factory=dict, repr=False)

    __name__ = "chat_jobs"

    @classmethod
    def from_clients(cls, clients: Clients, **options: Any) -> ChatRunner:
        """The runner over the app's clients: each workspace's messages go out with its own bot token."""
        return cls(clients.settings, None, clients.http(), slack_for=clients.slack_for, clients=clients, **options)

    @classmethod
    def sources(cls, clients: Clients) -> tuple[ChatRunner, ...]:
        """The registered source; none (logged once, as the worker starts) when Slack cannot be reached.

        Messages go out with each workspace's bot token from the OAuth installation store (SLACK_CLIENT_ID set),
        falling back to SLACK_BOT_TOKEN; with neither, chats are not run.
        """
        if not clients.runs_slack:
            log.warning("chats are not run: neither SLACK_BOT_TOKEN nor SLACK_CLIENT_ID (multi-workspace) is set")
            return ()
        return (cls.from_clients(clients),)

    # the networks' publishers, over the runner's clients as they are now

    def _x(self) -> XPublisher:
        return XPublisher(self.settings, self.http, self.after_post)

    def _mastodon(self) -> MastodonPublisher:
        return MastodonPublisher(self.settings, self.mastodon_http or self.http, self.after_post)

    def _bluesky_publisher(self) -> BlueskyPublisher:
        deps = self.clients or Clients(self.settings)
        return BlueskyPublisher(deps, self.bluesky_http or self.http, self._bluesky, self.after_post)

    def __call__(self, engine: Engine, now: datetime) -> list[DueJob]:
        jobs: list[DueJob] = []
        seen: set[int] = set()
        with Session(engine) as session:
            horizon = now + timedelta(minutes=max(planning.DEFAULT_REMINDERS) + 1)
            rows = session.exec(
                select(ChatOccurrence, ChatSeries)
                .join(ChatSeries, col(ChatSeries.id) == ChatOccurrence.series_id)
                .where(
                    ChatOccurrence.status == ChatStatus.scheduled,
                    ChatSeries.status == ChatStatus.scheduled,
                    col(ChatOccurrence.start_at) <= horizon,
                    col(ChatOccurrence.end_at) >= now - LOOKBACK,
                )
                .order_by(col(ChatOccurrence.start_at))
            ).all()
            for occurrence, series in rows:
                seen.add(require_id(occurrence))
                jobs.extend(self._jobs_for(session, engine, series, occurrence, now))
            cancelled = session.exec(
                select(ChatOccurrence, ChatSeries)
                .join(ChatSeries, col(ChatSeries.id) == ChatOccurrence.series_id)
                .where(
                    ChatOccurrence.status == ChatStatus.cancelled,
                    col(ChatOccurrence.start_at) <= now,
                    col(ChatOccurrence.end_at) > now,
                )
            ).all()
            for occurrence, series in cancelled:
                jobs.extend(self._cancellation_jobs(session, engine, series, occurrence))
        for gone in set(self._sheets) - seen:  # sittings out of the window keep no run sheet
            del self._sheets[gone]
        return jobs

    # what is due

    def _sheet(self, session: Session, series: ChatSeries, occurrence: ChatOccurrence) -> RunSheet:
        """The sitting's run sheet, rebuilt only when something it is made of changed since the last tick: the
        series row (its edits, questions replaced), the sitting's times, the latest sign-off and question rows, the
        prices."""
        series_id = require_id(series)
        approvals = session.exec(select(sa.func.max(ChatApproval.id)).where(ChatApproval.series_id == series_id)).one()
        questions = session.exec(
            select(sa.func.max(ChatQuestion.id), sa.func.count()).where(ChatQuestion.series_id == series_id)
        ).one()
        credential = session.get(Credential, series.host_credential_id) if series.host_credential_id else None
        version = (
            tuple(series.model_dump().items()),
            occurrence.start_at,
            occurrence.end_at,
            approvals,
            tuple(questions),
            (credential.handle, credential.account_id) if credential else None,
            self.settings.x_prices(),
        )
        cached = self._sheets.get(require_id(occurrence))
        if cached is not None and cached[0] == version:
            return replace(cached[1], series=series, occurrence=occurrence)
        sheet = run_sheet(session, series, occurrence=occurrence, prices=self.settings.x_prices())
        self._sheets[require_id(occurrence)] = (version, sheet)
        return sheet

    def _jobs_for(
        self, session: Session, engine: Engine, series: ChatSeries, occurrence: ChatOccurrence, now: datetime
    ) -> Iterable[DueJob]:
        occ_id = require_id(occurrence)
        reminders = reminder_leads(session, series)
        if now < occurrence.start_at and planning.reminder_due(reminders, occurrence.start_at, now) is None:
            return  # nothing is due before the start but a reminder
        team = team_of(session, series)
        chosen = moderators_of(session, require_id(series))
        moderators = [m.slack_user_id for m in chosen]
        lead = next((m.slack_user_id for m in chosen if m.lead), series.created_by)
        sheet = self._sheet(session, series, occurrence)
        started = now >= occurrence.start_at
        states = outbox_states(engine, chat_prefix(occ_id)) if started else {}
        posts = (
            {(p.item, p.platform): p for p in session.exec(select(ChatPost).where(ChatPost.occurrence_id == occ_id))}
            if started
            else {}
        )
        intents = planning.plan(sheet, states, posts, now, moderators=moderators, reminders=reminders, grace=self.grace)
        logins: dict[str, MastodonLogin | BlueskyLogin | None] = {}
        for intent in intents:
            yield from self._jobs_of(session, engine, intent, sheet, team, lead, logins)

    def _jobs_of(
        self,
        session: Session,
        engine: Engine,
        intent: planning.Intent,
        sheet: RunSheet,
        team: str,
        lead: str,
        logins: dict[str, MastodonLogin | BlueskyLogin | None],
    ) -> Iterable[DueJob]:
        series, occurrence = sheet.series, sheet.occurrence
        assert occurrence is not None
        occ_id, tz = require_id(occurrence), series.timezone
        match intent:
            case planning.Remind(minutes, targets):
                label = planning.lead_label(minutes)
                text = f"Reminder: #{series.hashtag} starts in {label}"
                reminder_blocks = chat_messages.reminder_blocks(sheet, label)
                for target in targets:
                    yield DueJob(
                        chat_reminder_key(occ_id, minutes, target),
                        self._slack_post(team, target, text, reminder_blocks),
                    )
            case planning.CrosspostIntro(intro):
                group = crosspost_group(session.get(Workspace, series.workspace_id), "announcements")
                if group is not None:
                    action = self._yammer_post(engine, series.workspace_id, group, crosspost_text(intro.text))
                    yield DueJob(chat_crosspost_key(occ_id), action)
            case planning.AskUnapproved(item, _platform, key, _due, users):
                text = f"{item.label} of #{series.hashtag} was not posted: it is not approved."
                for user in users:
                    card = chat_messages.unapproved_blocks(item, series)
                    yield DueJob(chat_prompt_key(key, "unapproved", user), self._slack_post(team, user, text, card))
            case planning.RecordDone(item, platform, key):
                record_from_outbox(engine, occ_id, item.item, platform, key)
            case planning.ReportFailed(item, platform, key, _due, error):
                value = ChatPostRef(occ_id, item.item, Platform(platform)).encode()
                text = f"{item.label} of #{series.hashtag} could not be posted ({error}); post it by hand."
                card = chat_messages.failed_blocks(item, error, value, platform)
                yield DueJob(chat_prompt_key(key, "failed"), self._slack_post(team, lead, text, card))
            case planning.AskMissed(item, platform, key, due):
                value = ChatPostRef(occ_id, item.item, Platform(platform)).encode()
                text = f"{item.label} of #{series.hashtag} was missed: post now or skip?"
                card = chat_messages.missed_blocks(item, due, tz, value)
                yield DueJob(chat_prompt_key(key, "missed"), self._slack_post(team, lead, text, card))
            case planning.Publish(item, platform, key, due) if platform == "x":
                yield DueJob(
                    key,
                    self._x().post(engine, series, occ_id, item, key),
                    self._x().reconcile(engine, series, occ_id, item, occurrence.start_at),
                )
            case planning.Publish(item, "mastodon", key, due) if login := self._login(
                session, series, "mastodon", logins
            ):
                assert isinstance(login, MastodonLogin)
                post = self._mastodon().post(engine, occ_id, item.item, item.text, key, login)
                yield DueJob(key, post, post)  # reconcile: the same Idempotency-Key returns the first status
            case planning.Publish(item, "bluesky", key, due) if login := self._login(
                session, series, "bluesky", logins
            ):
                assert isinstance(login, BlueskyLogin)
                rkey, publisher = record_key(key, due), self._bluesky_publisher()
                yield DueJob(
                    key,
                    publisher.post(engine, series, occ_id, item.item, item.text, key, rkey, login),
                    publisher.reconcile(engine, occ_id, item.item, item.text, rkey, login),
                )
            case planning.Publish(item, platform, key, due) | planning.HandOver(item, platform, key, due):
                value = ChatPostRef(occ_id, item.item, Platform(platform)).encode()
                card = chat_messages.handover_blocks(item, due, tz, value, platform)
                yield DueJob(key, self._slack_post(team, lead, f"Post this now: {item.text}", card))
            case planning.RequestDigest():
                yield DueJob(chat_digest_key(occ_id), self._digest(engine, series, occurrence, sheet))

    def _login(
        self,
        session: Session,
        series: ChatSeries,
        platform: str,
        logins: dict[str, MastodonLogin | BlueskyLogin | None],
    ) -> MastodonLogin | BlueskyLogin | None:
        """The team's login on Mastodon or Bluesky, looked up once per sitting and tick."""
        if platform not in logins:
            publisher = self._mastodon() if platform == "mastodon" else self._bluesky_publisher()
            logins[platform] = publisher.login(session, series)
        return logins[platform]

    # side effects (each runs inside perform_once)

    def _slack_client(self, team: str) -> WebClient:
        if self.slack_for is not None:
            return self.slack_for(team)
        if self.slack is None:
            raise AuthError(f"no Slack client for team {team}", service="Slack")
        return self.slack

    def _slack_post(self, team: str, target: str, text: str, message_blocks: list[dict[str, Any]]) -> Action:
        def action() -> dict[str, Any]:
            slack = self._slack_client(team)
            channel = target
            if target.startswith(("U", "W")):
                channel = slack.conversations_open(users=target)["channel"]["id"]
            answer = slack.chat_postMessage(channel=channel, text=text, blocks=message_blocks)
            return {"channel": answer["channel"], "ts": answer["ts"]}

        return action

    def _yammer_post(self, engine: Engine, workspace_id: int, group_id: str, text: str) -> Action:
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

    # a sitting cancelled while under way

    def _cancellation_jobs(
        self, session: Session, engine: Engine, series: ChatSeries, occurrence: ChatOccurrence
    ) -> Iterable[DueJob]:
        """The intro is public already: a short reply under it says the chat is off (guests mentioned), once."""
        occ_id = require_id(occurrence)
        if series.manual:
            return
        for platform in series.platforms:
            if posted_id(session, occ_id, INTRO, platform) is None:
                continue
            text = cancellation_reply(series, occurrence, platform)
            key = chat_cancel_key(occ_id, platform)
            if platform == "x":
                note = SheetItem("cancelled", "Cancellation", 0, text, 0.0, False, True)
                yield DueJob(
                    key,
                    self._x().post(engine, series, occ_id, note, key),
                    self._x().reconcile(engine, series, occ_id, note, occurrence.start_at),
                )
            elif platform == "mastodon" and (mastodon_login := self._mastodon().login(session, series)):
                post = self._mastodon().post(engine, occ_id, "cancelled", text, key, mastodon_login)
                yield DueJob(key, post, post)
            elif platform == "bluesky" and (login := self._bluesky_publisher().login(session, series)):
                rkey, publisher = record_key(key, occurrence.start_at), self._bluesky_publisher()
                yield DueJob(
                    key,
                    publisher.post(engine, series, occ_id, "cancelled", text, key, rkey, login),
                    publisher.reconcile(engine, occ_id, "cancelled", text, rkey, login),
                )

    def _digest(self, engine: Engine, series: ChatSeries, occurrence: ChatOccurrence, sheet: RunSheet) -> Action:
        def action() -> dict[str, Any]:
            request = self.request_digest or queue_digest
            with Session(engine) as session:
                posted = {
                    p.item: p for p in session.exec(select(ChatPost).where(ChatPost.occurrence_id == occurrence.id))
                }
                questions = []
                for item in sheet.items:
                    parsed = ChatItem.decode(item.item)
                    if parsed.kind == "question":
                        row = posted.get(item.item)
                        at = (
                            row.recorded_at
                            if row is not None and row.status != PostStatus.skipped
                            else item.due(occurrence.start_at)
                        )
                        questions.append((parsed.number, at, item.text))
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
                    moderators=series.co_moderators or (),
                    platforms=series.platforms,
                    due_at=occurrence.end_at + planning.DIGEST_AFTER,
                )
                session.commit()
                return {"digest_job_id": getattr(job, "id", None)}

        return action
