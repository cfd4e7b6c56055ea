"""Waking the worker as soon as new work is stored: PostgreSQL NOTIFY across processes, an event in this one."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "outreach_work"
"""The PostgreSQL notification channel the workers LISTEN on."""

_loops: weakref.WeakSet[Wakeup] = weakref.WeakSet()  # the worker loops running in this process
_loops_lock = threading.Lock()


class Wakeup:
    """What a worker loop waits on between passes: its interval, or new work announced, whichever is first."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds; True when woken early. The next wait waits afresh."""
        woken = self._event.wait(timeout)
        self._event.clear()
        return woken

    def is_set(self) -> bool:
        return self._event.is_set()

    def subscribe(self) -> None:
        """Be woken by `announce` in this process."""
        with _loops_lock:
            _loops.add(self)

    def unsubscribe(self) -> None:
        with _loops_lock:
            _loops.discard(self)


def announce(session: Session) -> None:
    """Wake the workers once this session's transaction commits: new work was stored.

    On PostgreSQL a NOTIFY, which the database delivers at commit to every worker listening (in any process);
    in this process the worker loops are woken after the commit as well (SQLite has no NOTIFY). A rolled-back
    transaction wakes nobody on PostgreSQL; in-process loops woken for nothing find nothing due.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"NOTIFY {CHANNEL}"))
    sa.event.listen(session, "after_commit", _wake_local, once=True)


def _wake_local(_session: Session) -> None:
    with _loops_lock:
        loops = list(_loops)
    for loop in loops:
        loop.set()


def listen(
    engine: Engine, wake: Callable[[], None], stopping: threading.Event, *, poll: float = 1.0
) -> threading.Thread:
    """A thread that LISTENs on PostgreSQL and calls `wake` for each notification, until `stopping` is set.

    It wakes once as it (re)connects, for anything announced while it was not listening; a lost connection
    is retried every few seconds (the worker's own interval still runs meanwhile).
    """
    import psycopg

    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def run() -> None:
        while not stopping.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    wake()
                    while not stopping.is_set():
                        for _notice in connection.notifies(timeout=poll):
                            wake()
            except psycopg.Error as exc:
                log.warning("worker wake-up: LISTEN connection lost (%s); retrying", type(exc).__name__)
                stopping.wait(5.0)

    thread = threading.Thread(target=run, name="outreach-worker-listen", daemon=True)
    thread.start()
    return thread
