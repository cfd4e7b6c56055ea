"""Posting a chat on Bluesky: createRecord under the intro with a record key derived from the outbox key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.clients import Clients
from assistant.crypto import TokenCipher
from assistant.jobs.chats.records import instance_of, posted_row, record, team_credential
from assistant.models.base import utcnow
from assistant.models.chats import ChatSeries
from assistant.models.codecs import INTRO
from assistant.models.workspaces import Workspace
from assistant.services.team import settings as team_settings
from integrations.bluesky import post as bluesky
from integrations.bluesky.client import BlueskyClient, xrpc_url


class BlueskyLogin(NamedTuple):
    """Where and as whom a chat is cross-posted to Bluesky: handle, app password and the XRPC base of its PDS."""

    handle: str
    password: str
    base_url: str


@dataclass
class BlueskyPublisher:
    """One client per account is kept in `clients` (so one session, refreshed as needed): createSession is rate
    limited."""

    deps: Clients
    http: httpx.Client
    clients: dict[BlueskyLogin, BlueskyClient]
    after_post: Callable[[str], None] = field(default=lambda _key: None)

    def login(self, session: Session, series: ChatSeries) -> BlueskyLogin | None:
        """The team's Bluesky account (handle, app password, its own PDS), else BLUESKY_HANDLE/_APP_PASSWORD on
        BLUESKY_API_URL; None: hand over."""
        settings = self.deps.settings
        credential = team_credential(session, series, "bluesky")
        if credential is not None:
            password = TokenCipher.from_settings(settings).decrypt(credential.access_token_encrypted)
            pds = instance_of(session, credential) or settings.bluesky_api_url
            return BlueskyLogin(credential.handle.lstrip("@"), password, xrpc_url(pds))
        if settings.bluesky_handle and settings.bluesky_app_password is not None:
            password = settings.bluesky_app_password.get_secret_value()
            return BlueskyLogin(settings.bluesky_handle.lstrip("@"), password, settings.bluesky_api_url)
        return None

    def client(self, login: BlueskyLogin) -> BlueskyClient:
        if login not in self.clients:
            self.clients[login] = self.deps.bluesky_as(
                self.http, handle=login.handle, app_password=login.password, base_url=login.base_url
            )
        return self.clients[login]

    def post(
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
            client = self.client(login)
            with Session(engine) as session:
                intro = None if item == INTRO else _ref(session, occ_id, INTRO)
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
            result = _result(login.handle, ref, text)
            self.after_post(key)
            record(engine, occ_id, item, "bluesky", result)
            return result

        return action

    def reconcile(
        self, engine: Engine, occ_id: int, item: str, text: str, rkey: str, login: BlueskyLogin
    ) -> Callable[[], dict[str, Any] | None]:
        """After a crash mid-call: the post, if made, sits under its record key; getRecord finds it."""

        def reconcile() -> dict[str, Any] | None:
            client = self.client(login)
            session = client.session or client.create_session()
            ref = bluesky.get_post(client, session.did, rkey)
            if ref is None:
                return None
            result = {**_result(login.handle, ref, text), "reconciled": True}
            record(engine, occ_id, item, "bluesky", result)
            return result

        return reconcile


def record_key(key: str, at: datetime) -> str:
    """The Bluesky record key of the post under outbox key `key`, due at `at` (the same on every retry)."""
    return bluesky.tid_for(key, at)


def _result(handle: str, ref: bluesky.StrongRef, text: str) -> dict[str, Any]:
    return {"post_id": ref.rkey, "uri": ref.uri, "cid": ref.cid, "url": bluesky.web_url(handle, ref), "text": text}


def _ref(session: Session, occ_id: int, item: str) -> bluesky.StrongRef | None:
    """The uri and cid of a posted Bluesky item, as recorded (so a thread continues after a restart)."""
    row = posted_row(session, occ_id, item, "bluesky")
    detail = (row.detail or {}) if row is not None else {}
    return bluesky.StrongRef(detail["uri"], detail["cid"]) if detail.get("uri") and detail.get("cid") else None
