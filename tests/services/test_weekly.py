"""The weekly digest: content from seeded data, the local slot across clock changes, posted once (two workers)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest
import sqlalchemy as sa
import time_machine
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.clients import Clients
from assistant.config import Settings
from assistant.jobs.weekly import WeeklyDigests
from assistant.models import OutboxItem, Workspace
from assistant.models.base import utcnow
from assistant.render.blocks_text import blocks_to_text
from assistant.samples.weekly import seed_weekly
from assistant.services.team.workspaces import ensure_workspace
from assistant.services.weekly.digest import weekly_data
from assistant.slack.blocks.weekly import weekly_blocks
from assistant.worker import Worker


class FakeSlack:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[dict[str, Any]] = []
        self.files: list[dict[str, Any]] = []

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:  # noqa: N802 - slack_sdk's name
        with self.lock:
            self.messages.append(kwargs)
            return {"ok": True, "ts": f"1700000000.{len(self.messages):06d}"}

    def files_upload_v2(self, **kwargs: Any) -> dict[str, Any]:
        self.files.append(kwargs)
        return {"ok": True}


def _deps(slack: FakeSlack) -> Clients:
    settings = Settings(_env_file=None)
    return Clients(settings=settings, http=lambda: cast(httpx.Client, None), slack=lambda: cast(WebClient, slack))


def _workspace(engine: Engine, **settings: Any) -> int:
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001", name="Demo Council")
        workspace.digest_channel_id = "C0GENERAL1"
        workspace.settings = settings
        session.add(workspace)
        session.commit()
        return workspace.id or 0


def test_content_from_seeded_data(engine: Engine) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    workspace_id = _workspace(engine)
    with Session(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        seed_weekly(session, workspace, now)
        data = weekly_data(session, workspace, now)
        text = blocks_to_text(weekly_blocks(data))
    assert data.accounts is not None
    week = data.accounts[0]
    assert week.followers == 5000 + 12 * 56 and week.followers_change == 84  # 7 days of +12
    assert (week.posts, week.target) == (4, 7) and "below target" in text
    assert week.mentions == 28 and week.mentions_change == 7
    assert week.best_post is not None and week.best_post.startswith("FE funding")
    assert len(week.weekly_followers) == 8
    assert "New contacts (1): Priya Shah" in text
    assert "New this week: 1 · open: 1 claimed · overdue: 1 · delivered this week: 0" in text
    assert "#ukfechat" in text and "not ready" in text  # coming chat without moderators


def test_a_missing_feature_table_only_drops_its_section(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.services.weekly.digest as weekly

    def broken(*_args: Any) -> None:
        raise sa.exc.OperationalError("SELECT contact", {}, Exception("no such table: contact"))

    monkeypatch.setattr(weekly, "SECTIONS", tuple((n, broken if n == "contacts" else s) for n, s in weekly.SECTIONS))
    _workspace(engine)
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        data = weekly.weekly_data(session, workspace, datetime(2026, 11, 23, 9, tzinfo=UTC))
    assert data.contacts is None and data.accounts is not None


@pytest.mark.parametrize(
    ("before_change", "after_change"),
    [
        # autumn: BST (UTC+1) until Sun 25 Oct 2026, then GMT
        (datetime(2026, 10, 19, 8, 0, tzinfo=UTC), datetime(2026, 10, 26, 9, 0, tzinfo=UTC)),
        # spring: GMT until Sun 28 Mar 2027, then BST
        (datetime(2027, 3, 22, 9, 0, tzinfo=UTC), datetime(2027, 3, 29, 8, 0, tzinfo=UTC)),
    ],
)
def test_posted_at_09_local_on_monday_across_the_clock_change(
    engine: Engine, before_change: datetime, after_change: datetime
) -> None:
    _workspace(engine)
    slack = FakeSlack()
    worker = Worker(engine, [WeeklyDigests(_deps(slack))], now=utcnow)
    for slot in (before_change, after_change):
        with time_machine.travel(slot - timedelta(minutes=1), tick=False):
            worker.tick()
        posted_before = len(slack.messages)
        with time_machine.travel(slot, tick=False):
            worker.tick()
        with time_machine.travel(slot + timedelta(minutes=5), tick=False):
            worker.tick()
        assert len(slack.messages) == posted_before + 1, slot
    assert len(slack.messages) == 2
    with Session(engine) as session:
        keys = sorted(item.key for item in session.exec(select(OutboxItem)).all())
    assert len(keys) == 2 and all(key.startswith("weekly:") for key in keys)
    assert {key[-3:] for key in keys} in ({"W43", "W44"}, {"W12", "W13"})


@pytest.mark.postgres
def test_two_workers_post_it_once(pg_engine: Engine) -> None:
    _workspace(pg_engine)
    slack = FakeSlack()
    now = datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC)  # Monday 09:00 GMT
    source = WeeklyDigests(_deps(slack))
    workers = [Worker(pg_engine, [source], now=lambda: now, name=f"w{i}") for i in range(2)]
    start = threading.Barrier(2)

    def run(worker: Worker) -> None:
        start.wait()
        for _ in range(3):
            worker.tick()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(slack.messages) == 1 and slack.messages[0]["channel"] == "C0GENERAL1"


def test_cross_posted_to_the_yammer_group_once_when_the_team_turned_it_on(engine: Engine) -> None:
    from urllib.parse import parse_qs

    from assistant.crypto import TokenCipher
    from assistant.services.accounts.team_accounts import connect_account
    from integrations.x.oauth import TokenSet

    key = "test-encryption-key-for-accounts-0123456789abcdef"
    posted: list[dict[str, str]] = []

    def yammer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/messages.json"
        assert request.headers["authorization"] == "Bearer yammer-SECRET"
        posted.append({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
        return httpx.Response(201, json={"messages": [{"id": 900000001, "body": {"plain": "ok"}}]})

    workspace_id = _workspace(engine, yammer_crosspost=True, yammer_group_id="4242")
    settings = Settings(_env_file=None, encryption_key=key, yammer_api_url="https://yammer.test/api/v1")
    with Session(engine) as session:
        connect_account(
            session,
            TokenCipher.from_settings(settings),
            workspace_id=workspace_id,
            platform="yammer",
            account_id="1488374236",
            handle="Comms Team",
            tokens=TokenSet(access_token="yammer-SECRET"),
            actor="U0ADMIN001",
            now=datetime(2026, 11, 1, tzinfo=UTC),
        )
    slack = FakeSlack()
    deps = Clients(
        settings=settings,
        http=lambda: httpx.Client(transport=httpx.MockTransport(yammer)),
        slack=lambda: cast(WebClient, slack),
    )
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    for minutes in (0, 5):
        Worker(engine, [WeeklyDigests(deps)], now=lambda m=minutes: now + timedelta(minutes=m)).tick()  # type: ignore[misc]
    assert len(slack.messages) == 1 and len(posted) == 1
    assert posted[0]["group_id"] == "4242" and "Weekly digest" in posted[0]["body"]


def test_a_private_contact_is_never_named_in_the_channel_digest(engine: Engine) -> None:
    from assistant.services.contacts.book import Viewer, add_contact
    from assistant.services.weekly.digest import contacts_section

    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0PRIVACY1")
        viewer = Viewer(workspace.id or 0, "U0STAFF001")
        add_contact(session, viewer, {"name": "Shared Sam", "visibility": "workspace"})
        add_contact(session, viewer, {"name": "Private Pat", "visibility": "me"})
        session.commit()
        now = utcnow()
        names = contacts_section(session, workspace, now - timedelta(days=7), now + timedelta(minutes=1))
    assert names == ["Shared Sam"]
