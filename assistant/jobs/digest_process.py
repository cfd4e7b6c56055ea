"""The CPU-heavy steps of a digest in a child process, so they never hold the web process's GIL.

`outreach serve` runs the worker in a thread beside the web threads; making a 100k-post digest is ~2.5 s of
Python that would hold the GIL the acks need. `DigestProcess` keeps one child (started with 'spawn', so nothing
of the web process is inherited but what is passed: Settings, the database URL) warm and waiting, at a lower
CPU priority; the worker thread sends it a step (a module-level function, see jobs/digest_steps.py) and a job
id and waits on the pipe, the GIL released. The child runs the step in its own transactions on its own engine
and answers with its value. A child whose memory grew past `recycle_mb` after a step exits, and a fresh one
is started at once to wait for the next.

The outbox row stays the parent's: claimed before the child is asked, and completed or failed after it answers.
A child that dies mid-step (killed, out of memory) raises DigestProcessDied, which fails the step as any
exception would, so the outbox retries it.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Final

from sqlalchemy.engine import Engine

from assistant.config import Settings
from assistant.db import configure_orm, create_db_engine, shareable
from assistant.jobs.digest_steps import WarmUp, warm_up, warm_up_logged
from assistant.logs import configure_logging
from assistant.worker import LEASE

log = logging.getLogger(__name__)

RECYCLE_MB = 300.0  # a child still this big after a step (and a trim) exits; the next step gets a fresh one
NICENESS = 10  # the child yields the CPUs to the web process (acks) whenever both want them
START_METHOD: Final = "spawn"  # a clean interpreter: no web threads, locks or open connections copied from the server

Step = Callable[..., Any]  # step(engine, job_id, *args), a module-level function: the child imports it by name


class DigestProcessDied(RuntimeError):
    """The child running a digest step ended (or stopped answering) before it said how the step went."""


@dataclass(frozen=True, slots=True)
class Ran:
    """What a step returned in the child, and the child's pid and resident memory (now and at its peak) in MB."""

    value: Any
    process: int
    rss_mb: float
    peak_rss_mb: float


@dataclass
class _Child:
    process: BaseProcess
    connection: Connection


class DigestProcess:
    """One warm child process that runs digest steps for the worker, one at a time (see the module's note)."""

    def __init__(
        self,
        settings: Settings,
        database_url: str,
        *,
        recycle_mb: float = RECYCLE_MB,
        timeout: float = LEASE.total_seconds(),
        warm: WarmUp | None = warm_up,
    ) -> None:
        self._settings = settings
        self._url = database_url
        self._warm = warm
        self._recycle_mb = recycle_mb
        self._timeout = timeout
        self._lock = threading.Lock()
        self._child: _Child | None = None
        self._closed = False

    @classmethod
    def for_engine(cls, settings: Settings, engine: Engine, **options: Any) -> DigestProcess | None:
        """A DigestProcess on the engine's database, or None when a child cannot open it (in-memory SQLite)."""
        if not shareable(engine):
            return None
        return cls(settings, engine.url.render_as_string(hide_password=False), **options)

    def start(self) -> None:
        """Start the child now, so the first step finds it ready (its imports take a few seconds of CPU)."""
        with self._lock:
            if self._child is None and not self._closed:
                self._child = self._spawn()

    def run(self, step: Step, job_id: int, *args: Any) -> Ran:
        """`step(engine, job_id, *args)` in the child; what it returned, with the child's pid and memory.

        Raises what the step raised (or a RuntimeError naming it when it does not pickle), and DigestProcessDied
        when the child ended or timed out without an answer.
        """
        name = f"{step.__name__} for digest job {job_id}"
        with self._lock:
            if self._closed:
                raise DigestProcessDied(f"{name}: the digest process is closed (the server is stopping)")
            child = self._child = self._child or self._spawn()
            try:
                status, payload, recycle = self._ask(child, name, (step, job_id, *args))
            except DigestProcessDied:
                self._end(child)
                self._child = None if self._closed else self._spawn()  # warms up while the step waits to retry
                raise
            if recycle:  # the child exits by itself; a fresh one warms up for the next step
                self._end(child)
                self._child = None if self._closed else self._spawn()
        if status == "error":
            assert isinstance(payload, BaseException)
            raise payload
        assert isinstance(payload, Ran)
        log.info(
            "%s ran in process %s (%.0f MB resident, %.0f MB at its peak)",
            name,
            payload.process,
            payload.rss_mb,
            payload.peak_rss_mb,
        )
        return payload

    def close(self, *, wait: float = 10.0) -> None:
        """Stop the child: an idle one at once; one running a step gets `wait` seconds to finish, then is stopped
        (its transaction rolls back, and the step fails to be retried, as after a crash)."""
        self._closed = True
        idle = self._lock.acquire(timeout=wait)
        try:
            child, self._child = self._child, None
            if child is None:
                return
            if not idle:
                child.process.terminate()  # the worker's thread reads the end of the pipe and fails the step
                return
            try:
                child.connection.send(None)
            except OSError:
                pass
            self._end(child, wait=1.0)  # one still starting up is not waited for
        finally:
            if idle:
                self._lock.release()

    def _spawn(self) -> _Child:
        context = multiprocessing.get_context(START_METHOD)
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_serve,
            args=(theirs, self._settings, self._url, self._recycle_mb, self._warm),
            name="outreach-digest",
            daemon=True,
        )
        process.start()
        theirs.close()  # the child holds its end: when it dies, our end reads EOF
        return _Child(process, ours)

    def _ask(self, child: _Child, name: str, request: tuple[Any, ...]) -> tuple[str, object, bool]:
        pid = child.process.pid
        try:
            child.connection.send(request)
            if not child.connection.poll(self._timeout):
                child.process.terminate()
                message = f"{name}: digest process {pid} gave no answer in {self._timeout:.0f} s"
                log.error("%s; it was stopped and the step will be retried", message)
                raise DigestProcessDied(message)
            reply: tuple[str, object, bool] = child.connection.recv()
            return reply
        except (EOFError, OSError) as exc:
            child.process.join(timeout=10)
            message = f"{name}: digest process {pid} ended (exit code {child.process.exitcode}, {type(exc).__name__})"
            log.error("%s; the step will be retried", message)
            raise DigestProcessDied(message) from None

    @staticmethod
    def _end(child: _Child, *, wait: float = 10.0) -> None:
        child.process.join(timeout=wait)
        if child.process.is_alive():
            child.process.terminate()
            child.process.join(timeout=5)
        child.connection.close()


def _serve(connection: Connection, settings: Settings, url: str, recycle_mb: float, warm: WarmUp | None) -> None:
    """The child: set up once, then run each step sent until told to stop, the parent is gone, or memory grew."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is the server's to handle; it closes us
    os.nice(NICENESS)
    configure_logging(settings)
    engine = create_db_engine(url)
    configure_orm()
    try:
        with engine.connect():
            pass  # connect ahead: the first step does not pay for it
        if warm is not None:
            warm_up_logged(engine, who="digest process", warm=warm)
        while True:
            try:
                request = connection.recv()
            except EOFError:
                return  # the server is gone
            if request is None:
                return
            step, job_id, *args = request
            try:
                value = step(engine, job_id, *args)
            except Exception as exc:
                log.exception("%s for digest job %s failed in process %s", step.__name__, job_id, os.getpid())
                reply: tuple[str, object, bool] = ("error", _portable(exc), _rss_mb("VmRSS") > recycle_mb)
            else:
                _release_memory()
                rss = _rss_mb("VmRSS")
                reply = ("ok", Ran(value, os.getpid(), round(rss, 1), round(_rss_mb("VmHWM"), 1)), rss > recycle_mb)
            connection.send(reply)
            if reply[2]:
                return
    finally:
        engine.dispose()


def _release_memory() -> None:
    """Collect the step's garbage and hand the freed heap back to the OS (glibc's malloc_trim), so the waiting
    child's resident memory falls back between digests instead of creeping up with each one."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _portable(exc: Exception) -> Exception:
    """The exception itself when it survives pickling, else a RuntimeError saying what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _rss_mb(field: str) -> float:
    """This process's current (VmRSS) or peak (VmHWM) resident memory in MB, from /proc (0 where there is none)."""
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
