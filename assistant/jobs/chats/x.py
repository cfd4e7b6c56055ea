"""Posting a chat on X from the host's account: the post (a reply under the intro), and finding it after a crash."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session
from twitter_text import extract_urls

from assistant.clients import Clients
from assistant.config import Settings
from assistant.crypto import TokenCipher
from assistant.jobs.chats.records import posted_id, record
from assistant.models.base import utcnow
from assistant.models.chats import ChatSeries
from assistant.models.codecs import INTRO
from assistant.models.credentials import Credential
from assistant.services.accounts.credentials import get_valid_access_token
from assistant.services.chats.signoff import SheetItem
from assistant.services.costs.ledger import x_meter
from integrations.errors import AuthError, DuplicatePost
from integrations.x.client import XClient
from integrations.x.oauth import TokenSet
from integrations.x.parse import unescape
from integrations.x.requests import XRequest

Action = Callable[[], dict[str, Any]]
Reconcile = Callable[[], dict[str, Any] | None]


@dataclass
class XPublisher:
    """Posts with the host account's user token (refreshed when due), billed to the chat in the cost ledger."""

    settings: Settings
    http: httpx.Client
    after_post: Callable[[str], None] = field(default=lambda _key: None)

    def client(self, session: Session, series: ChatSeries, now: datetime) -> tuple[XClient, Credential]:
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
        return Clients(self.settings).x(self.http, user_token=token, meter=meter), credential

    def post(self, engine: Engine, series: ChatSeries, occ_id: int, item: SheetItem, key: str) -> Action:
        def action() -> dict[str, Any]:
            with Session(engine) as session:
                client, credential = self.client(session, series, utcnow())
                reply_to = None if item.item == INTRO else posted_id(session, occ_id, INTRO)
                handle = credential.handle or _handle(client)
            try:
                page = client.create_post(item.text, reply_to=reply_to)
            except DuplicatePost as exc:
                raise DuplicatePost(duplicate_message(series, item, handle), service="X", status=403) from exc
            post_id = str(page.data["id"])
            result = {"post_id": post_id, "url": f"https://x.com/{handle}/status/{post_id}", "text": item.text}
            self.after_post(key)
            record(engine, occ_id, item.item, "x", result)
            return result

        return action

    def reconcile(self, engine: Engine, series: ChatSeries, occ_id: int, item: SheetItem, since: datetime) -> Reconcile:
        """After a crash mid-call: look for the post among the host's posts since the sitting began (not last week's
        identical question) before posting again."""

        def reconcile() -> dict[str, Any] | None:
            with Session(engine) as session:
                client, credential = self.client(session, series, utcnow())
                handle = credential.handle or _handle(client)
            query = f"from:{handle} #{series.hashtag}"
            start = since - timedelta(minutes=5)
            for page in client.search_recent(query, max_pages=1, max_results=100, start_time=start):
                for post in page.data or []:
                    if same_text(unescape(str(post.get("text", ""))), item.text):  # X delivers &amp; &lt; &gt;
                        result = {
                            "post_id": str(post["id"]),
                            "url": f"https://x.com/{handle}/status/{post['id']}",
                            "text": item.text,
                            "reconciled": True,
                        }
                        record(engine, occ_id, item.item, "x", result)
                        return result
            return None

        return reconcile


@dataclass
class _Refresher:
    """Builds the X OAuth client only when a token must be refreshed (X_CLIENT_ID is needed just then)."""

    http: httpx.Client
    settings: Settings

    def refresh(self, refresh_token: str) -> TokenSet:
        return Clients(self.settings).x_oauth(self.http, redirect_uri="").refresh(refresh_token)


def duplicate_message(series: ChatSeries, item: SheetItem, handle: str) -> str:
    """X refuses a post identical to one the account made before: a weekly chat repeating a question hits this."""
    return (
        f"X refuses {item.label} because @{handle.lstrip('@')} already posted exactly this text "
        "(X allows no duplicate posts: a weekly chat repeating a question hits this; so does a retry after "
        "an answer that was lost, so check the chat's thread first). "
        f"Change a word for the next sittings with `/outreach chat questions {series.id}`, "
        "and post this one by hand with a small change"
    )


def same_text(found: str, expected: str) -> bool:
    """The same post text, whitespace aside and links ignored (X shows every link as a t.co address)."""

    def plain(text: str) -> str:
        for url in extract_urls(text):
            text = text.replace(url, " ")
        return " ".join(text.split())

    return plain(found) == plain(expected)


def _handle(client: XClient) -> str:
    page = client.send(XRequest("GET", "/2/users/me", "/2/users/me", auth="user", resource="users"))
    return str((page.data or {}).get("username", ""))
