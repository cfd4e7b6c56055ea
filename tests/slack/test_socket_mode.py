"""`outreach serve` in Socket Mode, end to end: envelopes in Slack's shapes acked by envelope_id, the work done,
a reconnect on `disconnect`, and the digest archive uploaded as a file (there is no public URL in this mode)."""

from __future__ import annotations

import io
import os
import signal
import socket as socket_module
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlmodel import Session, select

from assistant import migrate
from assistant.db import create_db_engine
from assistant.models import Contact
from assistant.samples.chat_files import write_chat
from assistant.services.store.write import upsert_batch
from assistant.slack.blocks import ids
from assistant.slack.blocks.contacts import ADD_VIEW
from assistant.standins import slack_requests as requests
from assistant.standins.slack import SlackStandIn
from assistant.standins.socket_mode import Ack, SocketModeStandIn
from integrations.archives import read_archive

ROOT = Path(__file__).resolve().parents[2]
BOT = "xoxb-socket-mode-0001"
APP_TOKEN = "xapp-1-A0APP00001-0001-socketmode"
SLACK_ACK_SECONDS = 3.0  # Slack's contract: an envelope not acked within 3 s fails for the user


@dataclass
class Running:
    slack: SlackStandIn
    socket: SocketModeStandIn
    database_url: str
    process: subprocess.Popen[bytes]
    port: int  # $PORT, where Socket Mode serves /healthz only

    def envelope(self, kind: str, payload: dict[str, object], *, response_payload: bool = False) -> Ack:
        """Send one envelope and wait, as Slack does, at most 3 s for its ack."""
        envelope_id = self.socket.send(kind, payload, accepts_response_payload=response_payload)
        return self.socket.wait_ack(envelope_id, timeout=SLACK_ACK_SECONDS)


def _store_sample_chat(database_url: str, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    write_chat(buffer, 120, 5)
    path = tmp_path / "chat.jsonl"
    path.write_bytes(buffer.getvalue())
    engine = create_db_engine(database_url)
    try:
        with engine.begin() as connection:
            for chunk in read_archive(path):
                upsert_batch(connection, chunk.batch)
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket_module.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[Running]:
    database_url = f"sqlite:///{tmp_path / 'socket.db'}"
    migrate.upgrade(database_url)
    _store_sample_chat(database_url, tmp_path)
    with SlackStandIn(valid_token=BOT) as slack, SocketModeStandIn() as socket:
        slack.socket_mode = socket
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PUBLIC_URL", "DATABASE_URL"))}
        env.update(
            PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
            DATABASE_URL=database_url,
            SLACK_BOT_TOKEN=BOT,
            SLACK_APP_TOKEN=APP_TOKEN,
            SLACK_API_URL=slack.base_url,
            SLACK_COMMS_USERGROUP="S0COMMS001",
            ENCRYPTION_KEY=Fernet.generate_key().decode(),
            WORKER_INTERVAL_SECONDS="0.2",
            PORT=str(_free_port()),
        )
        with (tmp_path / "serve.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", "from assistant.cli import main; main()", "serve"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        try:
            socket.wait_connections(1, timeout=90)
            yield Running(slack, socket, database_url, process, int(env["PORT"]))
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        assert process.returncode == 0, (tmp_path / "serve.log").read_text()[-3000:]


def test_serve_acks_every_envelope_does_the_work_and_reconnects_on_disconnect(serving: Running) -> None:
    slack, socket = serving.slack, serving.socket
    assert [call.token for call in slack.calls_to("apps.connections.open")] == [APP_TOKEN]

    # a slash command: the answer rides on the ack, as Socket Mode allows for slash commands
    ack = serving.envelope("slash_commands", requests.slash_command("help"), response_payload=True)
    assert ack.payload is not None and ack.payload["text"] == "Outreach Assistant commands"

    # a block action: acked, then answered through its response_url
    serving.envelope(
        "interactive",
        requests.block_actions(
            {
                "action_id": ids.HELP_SHOW_SUBCOMMAND,
                "type": "static_select",
                "selected_option": {"value": "chat", "text": {"type": "plain_text", "text": "chat"}},
            },
            response_url=slack.response_url("help"),
        ),
    )
    assert "/outreach chat" in str(slack.wait_for("response/help")[0].args)

    # a view submission: the contact is saved and its card shown privately
    values = {
        "name": {"value": {"type": "plain_text_input", "value": "Jo Smith"}},
        "email": {"value": {"type": "plain_text_input", "value": "jo@example.org"}},
        "visibility": {"value": {"type": "static_select", "selected_option": {"value": "team"}}},
        "consent_basis": {"value": {"type": "static_select", "selected_option": {"value": "unknown"}}},
    }
    submission = requests.view_submission(ADD_VIEW, values, private_metadata='{"channel": "C0GENERAL1"}')
    serving.envelope("interactive", submission, response_payload=True)
    slack.wait_for("chat.postEphemeral")
    engine = create_db_engine(serving.database_url)
    try:
        with Session(engine) as session:
            assert [c.name for c in session.exec(select(Contact))] == ["Jo Smith"]
    finally:
        engine.dispose()

    # an event: app_home_opened publishes the Home tab
    serving.envelope("events_api", requests.app_home_opened("U0STAFF001", event_id="Ev0SOCKET01"))
    assert slack.wait_for("views.publish")[0].args["user_id"] == "U0STAFF001"

    # Slack asks for a refresh: a new link is opened and envelopes arrive on the new connection
    socket.disconnect("refresh_requested")
    socket.wait_moved()
    assert len(slack.calls_to("apps.connections.open")) == 2
    ack = serving.envelope("slash_commands", requests.slash_command("help"), response_payload=True)
    assert ack.payload is not None and ack.payload["text"] == "Outreach Assistant commands"


def test_socket_mode_serves_healthz_and_nothing_else_on_port(serving: Running) -> None:
    base = f"http://127.0.0.1:{serving.port}"
    reading: dict[str, Any] = {}
    for _ in range(100):  # the health server starts beside the socket connection, the worker ticks every 0.2 s
        try:
            health = httpx.get(f"{base}/healthz", timeout=5)
        except httpx.TransportError:
            time.sleep(0.1)
            continue
        reading = health.json()
        if reading["worker"]["alive"]:
            break
        time.sleep(0.1)
    assert health.status_code == 200, reading
    assert reading["database"] == "ok" and reading["schema"]["current"] == reading["schema"]["head"]
    assert reading["worker"]["alive"] == 1
    # Slack's HTTP endpoints are not there: in this mode every Slack request comes over the socket
    refused = httpx.post(f"{base}/slack/events", content=b"{}", timeout=5)
    assert refused.status_code == 404


def test_the_digest_archive_is_uploaded_as_a_file_in_socket_mode(serving: Running) -> None:
    slack = serving.slack
    command = requests.slash_command(
        'digest #edchat --from "2026-03-05 21:00" --to "2026-03-05 22:00"',
        user_id="U0COMMS001",
        channel_id="C0COMMS001",
        response_url=slack.response_url("r1"),
    )
    serving.envelope("slash_commands", command, response_payload=True)
    slack.wait_for("files.completeUploadExternal", timeout=120)  # the in-process worker makes and sends it
    uploaded = {entry["filename"]: entry for entry in slack.files.values()}
    archive = [name for name in uploaded if name.endswith(".html")]
    assert archive == ["edchat-archive.html"], sorted(uploaded)
    assert uploaded[archive[0]]["channel"] == "C0COMMS001"
    assert "/archive/" not in str([call.args for call in slack.calls_to("chat.update")])  # no link to a web archive
