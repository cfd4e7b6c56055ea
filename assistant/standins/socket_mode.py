"""A local stand-in for Slack's Socket Mode end: WebSocket links handed out by apps.connections.open, envelopes
sent in Slack's shapes (hello, slash_commands, interactive, events_api, disconnect), acks recorded by envelope_id."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Self

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from assistant.standins.server import Running
from assistant.standins.slack_workspace import APP_ID


@dataclass
class Ack:
    """What the app sent back for one envelope, and when (monotonic seconds) it was sent and answered."""

    envelope_id: str
    payload: dict[str, Any] | None
    sent_at: float
    acked_at: float = field(default_factory=time.monotonic)


class SocketModeStandIn(Running):
    """Serves ws://127.0.0.1:PORT/link/?ticket=…; each new connection gets `hello`, envelopes go to the newest one.

    Attach it to the Slack stand-in (`slack.socket_mode = this`) so apps.connections.open hands out its links.
    """

    def __init__(self) -> None:
        self.tickets: list[str] = []  # every link handed out, in order
        self.connections: list[ServerConnection] = []
        self.closed: list[ServerConnection] = []  # those the app (or the stand-in) closed
        self.acks: dict[str, Ack] = {}
        self.other_messages: list[dict[str, Any]] = []
        self._sent: dict[str, float] = {}
        self._server: Server | None = None
        self._changed = threading.Condition()

    # lifecycle

    def start(self) -> Self:
        self._server = serve(self._serve, "127.0.0.1", 0)
        threading.Thread(target=self._server.serve_forever, name="socket-mode-standin", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    def open_url(self) -> str:
        """A fresh single-use link, as apps.connections.open returns (wss:// on Slack, ws:// here)."""
        assert self._server is not None, "stand-in not started"
        port = self._server.socket.getsockname()[1]
        ticket = uuid.uuid4().hex
        with self._changed:
            self.tickets.append(ticket)
        return f"ws://127.0.0.1:{port}/link/?ticket={ticket}&app_id={APP_ID}"

    # the connection

    def _serve(self, connection: ServerConnection) -> None:
        ticket = (connection.request.path.split("ticket=", 1) + [""])[1].split("&")[0] if connection.request else ""
        with self._changed:
            if ticket not in self.tickets:
                connection.close(code=1008, reason="invalid ticket")  # Slack refuses a link it did not issue
                return
            self.tickets.remove(ticket)  # single use
            self.connections.append(connection)
            self._changed.notify_all()
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "applink-standin", "build_number": 1, "approximate_connection_time": 18060},
                    "connection_info": {"app_id": APP_ID},
                }
            )
        )
        try:
            for raw in connection:
                message = json.loads(raw)
                with self._changed:
                    envelope_id = message.get("envelope_id")
                    if envelope_id in self._sent:
                        self.acks[envelope_id] = Ack(envelope_id, message.get("payload"), self._sent[envelope_id])
                    else:
                        self.other_messages.append(message)
                    self._changed.notify_all()
        except ConnectionClosed:
            pass
        with self._changed:
            self.closed.append(connection)
            self._changed.notify_all()

    def _current(self) -> ServerConnection:
        with self._changed:
            assert self.connections, "no Socket Mode connection"
            return self.connections[-1]

    def send(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = False) -> str:
        """Send one envelope of `kind` (slash_commands, interactive, events_api); returns its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        with self._changed:
            self._sent[envelope_id] = time.monotonic()
        self._current().send(json.dumps(envelope))
        return envelope_id

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to move to a new connection, as Slack does every few hours; the old one closes after."""
        old = self._current()
        old.send(json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-standin"}}))

    # waiting

    def wait_connections(self, count: int, timeout: float = 60.0) -> None:
        self._wait(lambda: len(self.connections) >= count, timeout, f"{count} connection(s)")

    def wait_moved(self, timeout: float = 60.0) -> None:
        """After `disconnect`: the app opened a new connection and closed the old one, as Slack expects."""
        old = self._current()
        self._wait(lambda: self.connections[-1] is not old and old in self.closed, timeout, "the move to a new link")

    def wait_ack(self, envelope_id: str, timeout: float = 30.0) -> Ack:
        self._wait(lambda: envelope_id in self.acks, timeout, f"the ack of {envelope_id}")
        return self.acks[envelope_id]

    def _wait(self, done: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"waited {timeout:g}s for {what}")
                self._changed.wait(remaining)
