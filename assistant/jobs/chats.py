"""What chats need now: reminders, each post at its minute (or its hand-over), missed-item prompts and the digest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import httpx
import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from twitter_text import extract_urls

from assistant.clients import Clients
from assistant.config import Settings
from assistant.crypto import TokenCipher
from assistant.models import OutboxItem, OutboxState
from assistant.models.accounts import ConnectedAccount
from assistant.models.base import require_id, utcnow
from assistant.models.chats import ChatOccurrence, ChatPost, ChatSeries, ChatStatus, PostStatus
from assistant.models.credentials import Credential
from assistant.models.workspaces import Workspace
from assistant.services.accounts.credentials import get_valid_access_token
from assistant.services.chats.posts import record_post
from assistant.services.chats.repo import moderators_of
from assistant.services.chats.signoff import RunSheet, SheetItem, run_sheet
from assistant.services.chats.texts import cancellation_reply
from assistant.services.costs.ledger import x_meter
from assistant.services.team import settings as team_settings
from assistant.services.yammer.crosspost import crosspost_group, crosspost_text, post_to_group
from assistant.slack.blocks import chats as blocks
from assistant.worker import DueJob
from integrations.bluesky import post as bluesky
from integrations.bluesky.client import BlueskyClient, xrpc_url
from integrations.errors import AuthError
from integrations.mastodon.post import post_status
from integrations.x.client import XClient, XRequest
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


def cancel_key(occurrence_id: int, platform: str = "x") -> str:
    """The outbox key of the public note that a sitting already under way is cancelled."""
    return post_key(occurrence_id, "cancelled", platform)


def crosspost_key(occurrence_id: int) -> str:
    """The outbox key of the chat's intro cross-posted to the team's Yammer group."""
    return f"chat:{occurrence_id}:yammer-crosspost"


class MastodonLogin(NamedTuple):
    """Where and as whom a chat is cross-posted to Mastodon: the account's own instance and its token."""

    base_url: str
    token: str


class BlueskyLogin(NamedTuple):
    """Where and as whom a chat is cross-posted to Bluesky: handle, app password and the XRPC base of its PDS."""

    handle: str
    password: str
    base_url: str


@dataclass
class ChatRunner:
    """The due-work source of chats, with its outside clients injected (Slack, an httpx client for X).

    Slack messages go out with the workspace's own bot token when `slack_for` (team id → WebClient) is given,
    as in a multi-workspace install; `slack` is the single-workspace client.
    """

    settings: Settings
    slack: WebClient | None
    http: httpx.Client
    request_digest: DigestRequester | None = None
    grace: timedelta = GRACE
    after_post: Callable[[str], None] = field(default=lambda _key: None)  # a test hook between "posted" and "recorded"
    mastodon_http: httpx.Client | None = None  # defaults to `http`
    yammer_http: httpx.Client | None = None  # defaults to `http`
    bluesky_http: httpx.Client | None = None  # defaults to `http`
    slack_for: Callable[[str], WebClient] | None = None
    _bluesky: dict[BlueskyLogin, BlueskyClient] = field(default_factory=dict, repr=False)

    __name__ = "chat_jobs"

    @classmethod
    def from_clients(cls, clients: Clients, **options: Any) -> ChatRunner:
        """The runner over the app's clients: each workspace's messages go out with its own bot token."""
        return cls(clients.settings, None, clients.http(), slack_for=clients.slack_for, **options)

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
            cancelled = session.exec(
                select(ChatOccurrence, ChatSeries)
                .join(ChatSeries, col(ChatSeries.id) == ChatOccurrence.series_id)
                .where(
                    ChatOccurrence.status == ChatStatus.cancelled.value,
                    col(ChatOccurrence.start_at) <= now,
                    col(ChatOccurrence.end_at) > now,
                )
            ).all()
            for occurrence, series in cancelled:
                jobs.extend(self._cancellation_jobs(session, engine, series, occurrence))
        return jobs

    # what is due

    def _jobs_for(
        self, session: Session, engine: Engine, series: ChatSeries, occurrence: ChatOccurrence, now: datetime
    ) -> Iterable[DueJob]:
        occ_id = require_id(occurrence)
        team = _team_of(session, series)
        moderators = [m.slack_user_id for m in moderators_of(session, require_id(series))]
        lead = next((m.slack_user_id for m in moderators_of(session, require_id(series)) if m.lead), series.created_by)
        sheet = run_sheet(session, series, occurrence=occurrence, prices=self.settings.x_prices())
        reminder = self._reminder_due(session, series, occurrence.start_at, now)
        if reminder is not None:
            label = _lead_label(reminder)
            reminder_blocks = blocks.reminder_blocks(sheet, label)
            text = f"Reminder: #{series.hashtag} starts in {label}"
            for target in [*moderators, series.channel_id]:
                yield DueJob(
                    f"chat:{occ_id}:reminder:{reminder}m:{target}",
                    self._slack_post(team, target, text, reminder_blocks),
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
                                self._slack_post(team, user, text, blocks.unapproved_blocks(item, series)),
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
                        self._slack_post(team, lead, text, blocks.failed_blocks(item, error or "", value, platform)),
                    )
                    continue
                asked = row is not None and row.status == PostStatus.post_now.value
                if state is None and not asked and now - due > self.grace:
                    if now < occurrence.end_at:
                        value = f"{occ_id}|{item.item}|{platform}"
                        text = f"{item.label} of #{series.hashtag} was missed: post now or skip?"
                        yield DueJob(
                            f"{key}:missed",
                            self._slack_post(team, lead, text, blocks.missed_blocks(item, due, series.timezone, value)),
                        )
                    continue
                mastodon_login = self._mastodon_login(session, series) if platform == "mastodon" else None
                bluesky_login = self._bluesky_login(session, series) if platform == "bluesky" else None
                if mastodon_login and not series.manual:
                    post = self._mastodon_post(engine, occ_id, item.item, item.text, key, mastodon_login)
                    yield DueJob(key, post, post)  # reconcile: the same Idempotency-Key returns the first status
                elif bluesky_login and not series.manual:
                    rkey = bluesky.tid_for(key, due)
                    yield DueJob(
                        key,
                        self._bluesky_post(engine, series, occ_id, item.item, item.text, key, rkey, bluesky_login),
                        self._bluesky_reconcile(engine, occ_id, item.item, item.text, rkey, bluesky_login),
                    )
                elif series.manual or platform != "x":
                    value = f"{occ_id}|{item.item}|{platform}"
                    text = f"Post this now: {item.text}"
                    yield DueJob(
                        key,
                        self._slack_post(
                            team, lead, text, blocks.handover_blocks(item, due, series.timezone, value, platform)
                        ),
                    )
                else:
                    yield DueJob(
                        key,
                        self._x_post(engine, series, occ_id, item, key),
                        self._x_reconcile(engine, series, occ_id, item, occurrence.start_at),
                    )
        if now >= occurrence.end_at + DIGEST_AFTER:
            yield DueJob(f"chat:{occ_id}:digest-requested", self._digest(engine, series, occurrence, sheet))

    def _yammer_crosspost(
        self,
        session: Session,
        engine: Engine,
        series: ChatSeries,
        occurrence: ChatOccurrence,
        items: Sequence[SheetItem],
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
        return DueJob(
            crosspost_key(require_id(occurrence)), self._yammer_post(engine, series.workspace_id, group, text)
        )

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

    def _slack_client(self, team: str) -> WebClient:
        if self.slack_for is not None:
            return self.slack_for(team)
        if self.slack is None:
            raise AuthError(f"no Slack client for team {team}", service="Slack")
        return self.slack

    def _slack_post(
        self, team: str, target: str, text: str, message_blocks: list[dict[str, Any]]
    ) -> Callable[[], dict[str, Any]]:
        def action() -> dict[str, Any]:
            slack = self._slack_client(team)
            channel = target
            if target.startswith(("U", "W")):
                channel = slack.conversations_open(users=target)["channel"]["id"]
            answer = slack.chat_postMessage(channel=channel, text=text, blocks=message_blocks)
            return {"channel": answer["channel"], "ts": answer["ts"]}

        return action

    def _client(self, session: Session, series: ChatSeries, now: datetime) -> tuple[XClient, Credential]:
        credential = session.get(Credential, series.host_credential_id) if series.host_credential_id else None
        if credential is None:
            raise AuthError(f"the host account of #{series.hashtag} is no longer connected", service="X")
        cipher = TokenCipher.from_settings(self.settings)
        token = get_valid_access_token(session, cipher, credential, _Refresher(self.http, self.settings), now)
        meter = x_meter(
            session.get_bind(),  # type: ignore[arg-type]
            self.settings.x_prices(),
            workspace_id=series.workspace_id,
            job_kind="chat",
            job_id=series.id or "",
        )
        return XClient(self.http, self.settings.x_config(), user_token=token, meter=meter), credential

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
        self, engine: Engine, series: ChatSeries, occ_id: int, item: SheetItem, key: str
    ) -> Callable[[], dict[str, Any]]:
        def action() -> dict[str, Any]:
            with Session(engine) as session:
                client, credential = self._client(session, series, utcnow())
                reply_to = None if item.item == "intro" else _posted_id(session, occ_id, "intro")
                handle = credential.handle or _handle(client)
            try:
                page = client.create_post(item.text, reply_to=reply_to)
            except AuthError as exc:
                if exc.status == 403 and "duplicate content" in str(exc):
                    raise AuthError(duplicate_message(series, item, handle), service="X", status=403) from exc
                raise
            post_id = str(page.data["id"])
            result = {"post_id": post_id, "url": f"https://x.com/{handle}/status/{post_id}", "text": item.text}
            self.after_post(key)
            _record(engine, occ_id, item.item, "x", result)
            return result

        return action

    def _x_reconcile(
        self, engine: Engine, series: ChatSeries, occ_id: int, item: SheetItem, since: datetime
    ) -> Callable[[], dict[str, Any] | None]:
        """After a crash mid-call: look for the post among the host's posts since the sitting began (not last week's
        identical question) before posting again."""

        def reconcile() -> dict[str, Any] | None:
            with Session(engine) as session:
                client, credential = self._client(session, series, utcnow())
                handle = credential.handle or _handle(client)
            query = f"from:{handle} #{series.hashtag}"
            start = since - timedelta(minutes=5)
            for page in client.search_recent(query, max_pages=1, max_results=100, start_time=start):
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

    def _mastodon_login(self, session: Session, series: ChatSeries) -> MastodonLogin | None:
        """The team's Mastodon account (a Credential) on its own instance, else MASTODON_ACCESS_TOKEN on
        MASTODON_BASE_URL; None: hand over."""
        credential = _team_credential(session, series, "mastodon")
        if credential is not None:
            token = TokenCipher.from_settings(self.settings).decrypt(credential.access_token_encrypted)
            instance = _instance_of(session, credential)
            return MastodonLogin(instance or self.settings.mastodon_base_url, token)
        token_setting = self.settings.mastodon_access_token
        if token_setting is None:
            return None
        return MastodonLogin(self.settings.mastodon_base_url, token_setting.get_secret_value())

    def _mastodon_post(
        self, engine: Engine, occ_id: int, item: str, text: str, key: str, login: MastodonLogin
    ) -> Callable[[], dict[str, Any]]:
        def action() -> dict[str, Any]:
            with Session(engine) as session:
                reply_to = None if item == "intro" else _posted_id(session, occ_id, "intro", "mastodon")
            posted = post_status(
                self.mastodon_http or self.http,
                base_url=login.base_url,
                access_token=login.token,
                text=text,
                idempotency_key=key,
                in_reply_to_id=reply_to,
            )
            result = {"post_id": posted.id, "url": posted.url, "text": text}
            self.after_post(key)
            _record(engine, occ_id, item, "mastodon", result)
            return result

        return action

    def _bluesky_login(self, session: Session, series: ChatSeries) -> BlueskyLogin | None:
        """The team's Bluesky account (handle, app password, its own PDS), else BLUESKY_HANDLE/_APP_PASSWORD on
        BLUESKY_API_URL; None: hand over."""
        credential = _team_credential(session, series, "bluesky")
        if credential is not None:
            password = TokenCipher.from_settings(self.settings).decrypt(credential.access_token_encrypted)
            pds = _instance_of(session, credential) or self.settings.bluesky_api_url
            return BlueskyLogin(credential.handle.lstrip("@"), password, xrpc_url(pds))
        if self.settings.bluesky_handle and self.settings.bluesky_app_password is not None:
            password = self.settings.bluesky_app_password.get_secret_value()
            return BlueskyLogin(self.settings.bluesky_handle.lstrip("@"), password, self.settings.bluesky_api_url)
        return None

    def _bluesky_client(self, login: BlueskyLogin) -> BlueskyClient:
        """One client (so one session, refreshed as needed) per account: createSession is rate limited."""
        if login not in self._bluesky:
            self._bluesky[login] = BlueskyClient(
                self.bluesky_http or self.http,
                handle=login.handle,
                app_password=login.password,
                base_url=login.base_url,
            )
        return self._bluesky[login]

    def _bluesky_post(
        self,
        engine: Engine,
        series: ChatSeries,
        occ_id: int,
        item: str,
        text: str,
        key: str,
        rkey: str,
        login: BlueskyLogin,
    ) -> Callable[[], dict[str, Any]]:
        """createRecord under the intro (root and parent), with the record key the reconcile step looks for."""

        def action() -> dict[str, Any]:
            client = self._bluesky_client(login)
            with Session(engine) as session:
                intro = None if item == "intro" else _bluesky_ref(session, occ_id, "intro")
                workspace = session.get(Workspace, series.workspace_id)
            ref = bluesky.create_post(
                client,
                text,
                rkey=rkey,
                created_at=utcnow(),
                langs=team_settings.post_langs(workspace),
                reply_root=intro,
                reply_parent=intro,
            )
            result = _bluesky_result(login[0], ref, text)
            self.after_post(key)
            _record(engine, occ_id, item, "bluesky", result)
            return result

        return action

    def _bluesky_reconcile(
        self, engine: Engine, occ_id: int, item: str, text: str, rkey: str, login: BlueskyLogin
    ) -> Callable[[], dict[str, Any] | None]:
        """After a crash mid-call: the post, if made, sits under its record key; getRecord finds it."""

        def reconcile() -> dict[str, Any] | None:
            client = self._bluesky_client(login)
            session = client.session or client.create_session()
            ref = bluesky.get_post(client, session.did, rkey)
            if ref is None:
                return None
            result = {**_bluesky_result(login[0], ref, text), "reconciled": True}
            _record(engine, occ_id, item, "bluesky", result)
            return result

        return reconcile

    # a sitting cancelled while under way

    def _cancellation_jobs(
        self, session: Session, engine: Engine, series: ChatSeries, occurrence: ChatOccurrence
    ) -> Iterable[DueJob]:
        """The intro is public already: a short reply under it says the chat is off (guests mentioned), once."""
        occ_id = require_id(occurrence)
        if series.manual:
            return
        for platform in series.platforms:
            if _posted_id(session, occ_id, "intro", platform) is None:
                continue
            text = cancellation_reply(series, occurrence, platform)
            key = cancel_key(occ_id, platform)
            if platform == "x":
                note = SheetItem("cancelled", "Cancellation", 0, text, 0.0, False, True)
                yield DueJob(
                    key,
                    self._x_post(engine, series, occ_id, note, key),
                    self._x_reconcile(engine, series, occ_id, note, occurrence.start_at),
                )
            elif platform == "mastodon" and (mastodon_login := self._mastodon_login(session, series)):
                post = self._mastodon_post(engine, occ_id, "cancelled", text, key, mastodon_login)
                yield DueJob(key, post, post)
            elif platform == "bluesky" and (login := self._bluesky_login(session, series)):
                rkey = bluesky.tid_for(key, occurrence.start_at)
                yield DueJob(
                    key,
                    self._bluesky_post(engine, series, occ_id, "cancelled", text, key, rkey, login),
                    self._bluesky_reconcile(engine, occ_id, "cancelled", text, rkey, login),
                )

    def _record_from_outbox(self, engine: Engine, occ_id: int, item: str, platform: str, key: str) -> None:
        with Session(engine) as session:
            row = session.exec(select(OutboxItem).where(OutboxItem.key == key)).first()
            result = row.result if row else None
        if result and result.get("post_id") and "ts" not in result:
            _record(engine, occ_id, item, platform, result)

    def _digest(
        self, engine: Engine, series: ChatSeries, occurrence: ChatOccurrence, sheet: RunSheet
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
        return XOAuth(self.http, self.settings.x_config(), redirect_uri="").refresh(refresh_token)


def _default_requester() -> DigestRequester:
    from assistant.services.digests.records import request_digest

    return request_digest


def duplicate_message(series: ChatSeries, item: SheetItem, handle: str) -> str:
    """X refuses a post identical to one the account made before: a weekly chat repeating a question hits this."""
    return (
        f"X refuses {item.label} because @{handle.lstrip('@')} already posted exactly this text "
        "(X allows no duplicate posts: a weekly chat repeating a question hits this; so does a retry after "
        "an answer that was lost, so check the chat's thread first). "
        f"Change a word for the next sittings with `/outreach chat questions {series.id}`, "
        "and post this one by hand with a small change"
    )


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


def _team_credential(session: Session, series: ChatSeries, platform: str) -> Credential | None:
    """The chat's workspace's connected account on `platform` (its stored token or app password)."""
    return session.exec(
        select(Credential).where(Credential.workspace_id == series.workspace_id, Credential.platform == platform)
    ).first()


def _instance_of(session: Session, credential: Credential) -> str | None:
    """The instance (Mastodon) or PDS (Bluesky) of the connected account holding `credential`, when recorded."""
    account = session.exec(select(ConnectedAccount).where(ConnectedAccount.credential_id == credential.id)).first()
    return account.instance_url if account is not None and account.instance_url else None


def _team_of(session: Session, series: ChatSeries) -> str:
    workspace = session.get(Workspace, series.workspace_id)
    return workspace.slack_team_id if workspace is not None else ""


def _bluesky_result(handle: str, ref: bluesky.StrongRef, text: str) -> dict[str, Any]:
    return {"post_id": ref.rkey, "uri": ref.uri, "cid": ref.cid, "url": bluesky.web_url(handle, ref), "text": text}


def _bluesky_ref(session: Session, occ_id: int, item: str) -> bluesky.StrongRef | None:
    """The uri and cid of a posted Bluesky item, as recorded (so a thread continues after a restart)."""
    row = session.exec(
        select(ChatPost).where(ChatPost.occurrence_id == occ_id, ChatPost.item == item, ChatPost.platform == "bluesky")
    ).first()
    if row is None or row.status != PostStatus.posted.value:
        return None
    detail = row.detail or {}
    return bluesky.StrongRef(detail["uri"], detail["cid"]) if detail.get("uri") and detail.get("cid") else None


def _posted_id(session: Session, occ_id: int, item: str, platform: str = "x") -> str | None:
    row = session.exec(
        select(ChatPost).where(ChatPost.occurrence_id == occ_id, ChatPost.item == item, ChatPost.platform == platform)
    ).first()
    return row.post_id if row is not None and row.status == PostStatus.posted.value else None


def _record(engine: Engine, occ_id: int, item: str, platform: str, result: dict[str, Any]) -> None:
    with Session(engine) as session:
        record_post(
            session,
            occ_id,
            item,
            platform,
            PostStatus.posted,
            text=str(result.get("text", "")),
            url=result.get("url"),
            post_id=result.get("post_id"),
            detail={"uri": result["uri"], "cid": result["cid"]} if result.get("cid") else None,
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
