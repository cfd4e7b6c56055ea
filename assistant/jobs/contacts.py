"""Due work for contacts: read new replies to open Yammer shout-outs and post each into its Slack thread once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.clients import Clients
from assistant.config import Settings
from assistant.models.base import require_id
from assistant.models.codecs import shoutout_reply_key
from assistant.models.contacts import YammerShoutout
from assistant.models.workspaces import Workspace
from assistant.services.contacts.fields import find_details
from assistant.services.yammer.shoutouts import POLL_EVERY, ShoutoutError, due_shoutouts, yammer_client
from assistant.slack.blocks import contacts as blocks
from assistant.worker import DueJob
from integrations.errors import AuthError, IntegrationError, RateLimited
from integrations.yammer.models import YammerMessage, YammerUser

log = logging.getLogger(__name__)


class ShoutoutReplies:
    """The due source: for each open shout-out due a look, one job per reply not yet posted to Slack."""

    __name__ = "shoutout_replies"

    def __init__(self, deps: Clients) -> None:
        self.deps = deps

    def __call__(self, engine: Engine, now: datetime) -> list[DueJob]:
        with Session(engine, expire_on_commit=False) as session:
            due = due_shoutouts(session, now)
            if not due:
                session.commit()
                return []
            deps = self.deps
            jobs: list[DueJob] = []
            with deps.http() as http:
                for shoutout in due:
                    workspace = session.get(Workspace, shoutout.workspace_id)
                    team = workspace.slack_team_id if workspace is not None else None
                    # resolved when the reply is posted, so a workspace without an install fails in the outbox
                    slack = partial(deps.slack_for, team)
                    jobs.extend(_replies(session, deps.settings, http, slack, shoutout, now))
                    session.add(shoutout)
            session.commit()
        return jobs


def _replies(
    session: Session,
    settings: Settings,
    http: httpx.Client,
    slack: Callable[[], WebClient],
    shoutout: YammerShoutout,
    now: datetime,
) -> list[DueJob]:
    shoutout.next_poll_at = now + POLL_EVERY
    try:
        yammer = yammer_client(session, settings, http, workspace_id=shoutout.workspace_id)
        replies: list[tuple[YammerMessage, YammerUser | None]] = []
        for page in yammer.iter_thread(shoutout.thread_id):
            replies.extend((m, page.users.get(m.sender_id)) for m in page.messages if m.id != shoutout.thread_id)
    except RateLimited as exc:
        shoutout.next_poll_at = max(exc.reset_at, now + POLL_EVERY)
        return []
    except (AuthError, ShoutoutError) as exc:
        log.warning("shout-out %s: cannot read Yammer thread %s: %s", shoutout.id, shoutout.thread_id, exc)
        shoutout.next_poll_at = now + timedelta(hours=1)
        return []
    except IntegrationError as exc:
        log.warning("shout-out %s: Yammer failed: %s", shoutout.id, exc)
        return []
    replies.sort(key=lambda pair: int(pair[0].id))
    return [
        DueJob(
            key=shoutout_reply_key(require_id(shoutout), message.id),
            action=_post_reply(
                slack, require_id(shoutout), shoutout.slack_channel_id, shoutout.slack_ts, message, sender
            ),
        )
        for message, sender in replies
    ]


def _post_reply(
    slack: Callable[[], WebClient],
    shoutout_id: int,
    channel: str,
    thread_ts: str,
    message: YammerMessage,
    sender: YammerUser | None,
) -> Callable[[], dict[str, Any]]:
    """Post one reply into the shout-out's thread with the bot token of the shout-out's workspace."""

    def action() -> dict[str, Any]:
        found = find_details(message.body)
        card = blocks.yammer_reply(
            shoutout_id=shoutout_id,
            sender=sender.full_name if sender else f"Yammer user {message.sender_id}",
            body=message.body,
            web_url=message.web_url,
            found=found,
            message_id=message.id,
        )
        response = slack().chat_postMessage(channel=channel, thread_ts=thread_ts, text=card.text, blocks=card.blocks)
        return {"ts": response.get("ts"), "channel": channel}

    return action
