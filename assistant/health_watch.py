"""The web process's watch on the worker: a health line a minute, and the admins told once when it falls silent."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from assistant.config import Settings
from assistant.health import Health, read
from assistant.models import OutboxItem, OutboxState
from assistant.models.base import utcnow
from assistant.worker import perform_once

log = logging.getLogger(__name__)

SILENT_KEY = "health:worker-silent:"
BACK_KEY = "health:worker-back:"
_outbox = OutboxItem.__table__  # type: ignore[attr-defined]


class HealthWatch:
    """Reads health (`check`), logs its summary, and sends the silence and recovery notices through the outbox.

    The outbox key carries the last tick the silence followed, so each silence is told once, by whichever web
    process sees it first, and its recovery once; the worker plays no part in it.
    """

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        slack: Callable[[], WebClient] | None = None,
        now: Callable[[], datetime] = utcnow,
        every: float = 60.0,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.slack = slack or self._default_slack
        self.now = now
        self.every = every
        self.started = now()
        self.stopping = threading.Event()

    def check(self) -> Health:
        reading = read(
            self.engine,
            self.settings.database_url,
            now=self.now(),
            interval_seconds=self.settings.worker_interval_seconds,
        )
        (log.info if reading.ok else log.warning)("%s", reading.summary())
        if reading.database and reading.schema_ok:
            self._tell(reading)
        return reading

    def _tell(self, reading: Health) -> None:
        if reading.worker_silent:
            if reading.last_tick is None and reading.at - self.started <= reading.silent_after:
                return  # a fresh start: give a worker its first ticks before calling it silent
            since = reading.last_tick.isoformat() if reading.last_tick else "never"
            perform_once(self.engine, SILENT_KEY + since, lambda: self._send(_silent_text(reading)), now=self.now)
            return
        told = self._untold_recovery()
        if told is not None:
            perform_once(self.engine, BACK_KEY + told, lambda: self._send(_back_text(reading)), now=self.now)

    def _untold_recovery(self) -> str | None:
        """The latest silence the admins were told of and not yet told the end of (its key's suffix)."""
        c = _outbox.c
        with self.engine.connect() as connection:
            latest = connection.execute(
                sa.select(c.key)
                .where(c.key.startswith(SILENT_KEY), c.state == OutboxState.done.value)
                .order_by(c.created_at.desc())
                .limit(1)
            ).scalar()
            if latest is None:
                return None
            suffix = str(latest).removeprefix(SILENT_KEY)
            back = connection.execute(sa.select(c.key).where(c.key == BACK_KEY + suffix)).scalar()
        return None if back is not None else suffix

    def _send(self, text: str) -> dict[str, object]:
        client = self.slack()
        admins = sorted(self.settings.admin_user_ids)
        targets = admins or ([self.settings.slack_comms_channel] if self.settings.slack_comms_channel else [])
        if not targets:
            log.warning("no admin to tell (set SLACK_ADMIN_USERS): %s", text)
            return {"sent_to": []}
        for target in targets:
            client.chat_postMessage(channel=target, text=text)
        return {"sent_to": targets}

    def _default_slack(self) -> WebClient:
        token = self.settings.slack_bot_token
        return WebClient(token=token.get_secret_value() if token else None, base_url=self.settings.slack_api_url)

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.check()
            except Exception:  # the watch must outlive any one bad reading
                log.exception("health watch failed")
            self.stopping.wait(self.every)

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="outreach-health", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stopping.set()


def _silent_text(reading: Health) -> str:
    since = f"since {reading.last_tick:%Y-%m-%d %H:%M} UTC" if reading.last_tick else "since this app started"
    return (
        f":warning: The Outreach Assistant worker has not run {since}: chat questions, reminders and digests "
        f"are not going out ({reading.chats_due} chat(s) and {reading.digests_due} digest(s) due now). "
        "Check that the worker is running (on Heroku: `heroku ps`, then `heroku ps:scale worker=1`) "
        "and run `outreach doctor`. I will say when it is back."
    )


def _back_text(reading: Health) -> str:
    return (
        f":white_check_mark: The Outreach Assistant worker is running again ({reading.workers_alive} alive); "
        "work that fell due meanwhile goes out now."
    )
