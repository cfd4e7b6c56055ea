"""`/outreach digest`: checks, ack at once, a progress message the worker replaces with the digest; downloads."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from sqlmodel import Session, select

from assistant.clients import Clients
from assistant.jobs.digests import DigestJobs
from assistant.models import Digest, DigestJob
from assistant.samples.chat_files import write_chat
from assistant.services.store.write import upsert_batch
from assistant.standins.slack_requests import block_actions
from assistant.worker import Worker
from integrations.archives import read_archive
from tests.fakes.slack import BOT_TOKEN, SlackHarness, ack_json


def _import_sample(app: SlackHarness, tmp_path: Any) -> int:
    """Store a 120-post sample chat; returns how many of its posts fall before 22:00 (the window's end)."""
    buffer = io.BytesIO()
    write_chat(buffer, 120, 5)
    path = tmp_path / "chat.jsonl"
    path.write_bytes(buffer.getvalue())
    with app.services.engine.begin() as connection:
        for chunk in read_archive(path):
            upsert_batch(connection, chunk.batch)
    raw = [p for line in buffer.getvalue().splitlines() for p in json.loads(line)["data"]]
    return sum(1 for p in raw if p["created_at"] < "2026-03-05T22:00")


def _blocks(args: dict[str, Any]) -> list[dict[str, Any]]:
    raw = args["blocks"]
    loaded: list[dict[str, Any]] = json.loads(raw) if isinstance(raw, str) else raw
    return loaded


def test_digest_command_queues_the_job_and_the_worker_replaces_the_progress_message(
    app: SlackHarness, tmp_path: Any
) -> None:
    in_window = _import_sample(app, tmp_path)
    response = app.command(
        'digest #edchat --from "2026-03-05 21:00" --to "2026-03-05 22:00" --host @edchat_host'
        " --moderator @cohost --moderator @third_mod",
        user_id="U0COMMS001",
        channel_id="C0COMMS001",
    )
    assert response.status_code == 200 and not response.text.strip() or ack_json(response) == {}
    progress = app.slack.wait_for("chat.postMessage")[0]
    assert "will replace the progress message" in app.slack.wait_for("response/r1")[0].args["text"]
    assert "queued" in json.dumps(_blocks(progress.args))
    with Session(app.services.engine) as session:
        job = session.exec(select(DigestJob)).one()
        assert job.requested_by == "U0COMMS001" and job.progress_ts
        assert (job.host_handle, job.moderators) == ("edchat_host", ["cohost", "third_mod"])
        assert job.start == datetime(2026, 3, 5, 21, 0, tzinfo=UTC)  # London is on GMT in March

    deps = Clients(
        settings=app.settings,
        http=lambda: httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500))),
        slack=lambda: WebClient(token=BOT_TOKEN, base_url=app.slack.base_url),
    )
    worker = Worker(app.services.engine, [DigestJobs(deps)], now=lambda: datetime.now(UTC) + timedelta(minutes=1))
    for _ in range(5):
        worker.tick()
    updates = app.slack.calls_to("chat.update")
    final = _blocks(updates[-1].args)
    assert updates[-1].args["ts"] == job.progress_ts
    assert final[0]["text"]["text"] == "Digest of #edchat"
    assert "Moderators: @edchat_host, @cohost, @third_mod (as given)." in json.dumps(final)
    assert len(app.slack.calls_to("chat.postMessage")) == 1  # the progress message became the digest

    with Session(app.services.engine) as session:
        digest = session.exec(select(Digest)).one()
        assert digest.posts == in_window == 116
    uploads_before = len(app.slack.calls_to("files.completeUploadExternal"))  # the digest's own files
    app.action(
        block_actions(
            {"action_id": "digest_download_json", "value": f"json:{digest.id}"},
            user_id="U0COMMS001",
            channel_id="C0COMMS001",
        )
    )
    app.slack.wait_for("files.completeUploadExternal", uploads_before + 1)
    assert any(f["filename"] == "edchat-digest.json" for f in app.slack.files.values())


def test_staff_cannot_make_digests_on_demand(app: SlackHarness) -> None:
    response = app.command("digest #edchat --from 2026-03-05", user_id="U0STAFF001")
    assert "Only the comms team" in ack_json(response)["text"]


def test_bad_input_gets_a_specific_error(app: SlackHarness) -> None:
    for text, message in [
        ("digest --from 2026-03-05", "Name one hashtag"),
        ("digest #edchat", "say when the digest starts"),
        ("digest #edchat --from yesterday", "can't read the time"),
        ("digest #edchat --from 2026-03-05 --to 2026-03-04", "--to must be after --from"),
        ("digest #edchat --from 2026-03-05 --moderator <@U0COMMS001>", "is not a public handle"),
        ("digest #edchat --from 2026-03-05 --host @a --host @b", "Name one host"),
    ]:
        answer = ack_json(app.command(text, user_id="U0COMMS001"))
        assert message in answer["text"], text
    with Session(app.services.engine) as session:
        assert session.exec(select(DigestJob)).all() == []


def test_a_failing_progress_message_does_not_drop_the_request(app: SlackHarness) -> None:
    app.slack.fail_status["chat.postMessage"] = [500]
    response = app.command("digest #edchat --from 2026-03-05", user_id="U0COMMS001", channel_id="C0COMMS001")
    assert response.status_code == 200
    told = app.slack.wait_for("response/r1")[0].args["text"]
    assert told.startswith("Queued: the digest of #edchat will be posted in this channel when it is ready")
    with Session(app.services.engine) as session:
        job = session.exec(select(DigestJob)).one()
    assert (job.hashtag, job.requested_by, job.progress_ts) == ("edchat", "U0COMMS001", None)


@pytest.mark.parametrize(
    ("window", "answer"),
    [
        ("--from 9999-12-31", "must be between 1900 and 2999"),
        ("--from 0001-01-01", "must be between 1900 and 2999"),
        ("--from 2026-02-30", "can't read the time"),
    ],
)
def test_dates_at_the_edges_of_the_calendar_get_a_specific_answer(app: SlackHarness, window: str, answer: str) -> None:
    assert answer in ack_json(app.command(f"digest #edchat {window}", user_id="U0COMMS001"))["text"]
    with Session(app.services.engine) as session:
        assert session.exec(select(DigestJob)).all() == []


@pytest.mark.parametrize("owner", ["another workspace", "the CLI"])
def test_a_download_button_for_a_digest_not_of_this_workspace_sends_nothing(app: SlackHarness, owner: str) -> None:
    from assistant.services.digests.records import save_digest
    from assistant.services.team.workspaces import ensure_workspace

    with Session(app.services.engine) as session:
        other = ensure_workspace(session, slack_team_id="T0OTHER001") if owner == "another workspace" else None
        digest = save_digest(
            session,
            figures={"volume": {"posts": 0}},
            hashtag="secret",
            start=datetime(2026, 3, 5, tzinfo=UTC),
            end=datetime(2026, 3, 6, tzinfo=UTC),
            workspace_id=other.id if other else None,
        )
        session.commit()
        digest_id = digest.id
    app.action(
        block_actions(
            {"action_id": "digest_download_json", "value": f"json:{digest_id}"},
            user_id="U0COMMS001",
            channel_id="C0COMMS001",
        )
    )
    told = app.slack.wait_for("chat.postEphemeral")[0].args
    assert (told["user"], told["text"]) == ("U0COMMS001", "That digest no longer exists.")
    assert app.slack.calls_to("files.completeUploadExternal") == []
