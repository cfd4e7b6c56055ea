"""Posting a chat on Mastodon: as the team's connected account on its own instance, or the app's configured one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings
from assistant.crypto import TokenCipher
from assistant.jobs.chats.records import instance_of, posted_id, record, team_credential
from assistant.models.chats import ChatSeries
from assistant.models.codecs import INTRO
from assistant.models.platforms import Platform
from integrations.mastodon.post import post_status


class MastodonLogin(NamedTuple):
    """Where and as whom a chat is cross-posted to Mastodon: the account's own instance and its token."""

    base_url: str
    token: str


@dataclass
class MastodonPublisher:
    settings: Settings
    http: httpx.Client
    after_post: Callable[[str], None] = field(default=lambda _key: None)

    def login(self, session: Session, series: ChatSeries) -> MastodonLogin | None:
        """The team's Mastodon account (a Credential) on its own instance, else MASTODON_ACCESS_TOKEN on
        MASTODON_BASE_URL; None: hand over."""
        credential = team_credential(session, series, "mastodon")
        if credential is not None:
            token = TokenCipher.from_settings(self.settings).decrypt(credential.access_token_encrypted)
            instance = instance_of(session, credential)
            return MastodonLogin(instance or self.settings.mastodon_base_url, token)
        token_setting = self.settings.mastodon_access_token
        if token_setting is None:
            return None
        return MastodonLogin(self.settings.mastodon_base_url, token_setting.get_secret_value())

    def post(
        self, engine: Engine, occ_id: int, item: str, text: str, key: str, login: MastodonLogin
    ) -> Callable[[], dict[str, Any]]:
        """Under the intro; the outbox key is the Idempotency-Key, so a retry returns the first status."""

        def action() -> dict[str, Any]:
            with Session(engine) as session:
                reply_to = None if item == INTRO else posted_id(session, occ_id, INTRO, Platform.mastodon)
            posted = post_status(
                self.http,
                base_url=login.base_url,
                access_token=login.token,
                text=text,
                idempotency_key=key,
                in_reply_to_id=reply_to,
            )
            result = {"post_id": posted.id, "url": posted.url, "text": text}
            self.after_post(key)
            record(engine, occ_id, item, "mastodon", result)
            return result

        return action
