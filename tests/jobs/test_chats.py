"""The chat worker: reminders, posting on time as a thread, missed items, hand-over, sign-off, crash recovery, digest."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.models import OutboxItem
from assistant.models.chats import ChatPost, PostStatus
from assistant.services.chats.posts import record_post
from assistant.services.chats.repo import set_questions
from assistant.services.chats.signoff import APPROVED, decide, run_sheet, sheet_hash
from assistant.services.chats.texts import closing_text, intro_text
from tests.fakes.chats import ChatWorld, chat_world, connect_mastodon

BEFORE = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)  # 21:00 in London (GMT in December)


@pytest.fixture
def world(engine: Engine) -> Iterator[ChatWorld]:
    with chat_world(engine) as w:
        yield w


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def _posts(engine: Engine) -> dict[str, ChatPost]:
    with Session(engine) as session:
        return {p.item: p for p in session.exec(select(ChatPost))}


def test_reminders_at_24h_and_15min_go_to_each_moderator_and_the_channel_with_the_run_sheet(world: ChatWorld) -> None:
    world.chat(BEFORE)
    assert world.tick(T0 - timedelta(hours=25)) == []
    world.tick(T0 - timedelta(hours=24))
    world.tick(T0 - timedelta(hours=23))  # nothing new
    first = world.slack.calls_to("chat.postMessage")
    assert sorted(c.args["channel"] for c in first) == ["C0COMMS001", "D0COMMS001", "D0STAFF001"]
    assert {c.args["users"] for c in world.slack.calls_to("conversations.open")} == {"U0STAFF001", "U0COMMS001"}
    sheet = json.dumps(first[0].args["blocks"])
    assert "starts in 24 hours" in sheet
    assert "*21:05* Q1" in sheet and "Q1 What changed this term? #ukfechat" in sheet and "*21:40* Q3" in sheet
    world.tick(T0 - timedelta(minutes=15))
    world.tick(T0 - timedelta(minutes=14))
    second = world.slack.calls_to("chat.postMessage")[3:]
    assert len(second) == 3 and "starts in 15 minutes" in json.dumps(second[0].args["blocks"])
    assert world.x.created() == []


def test_intro_questions_and_closing_are_posted_on_time_as_a_thread_and_only_once(world: ChatWorld) -> None:
    _, (occurrence,) = world.chat(BEFORE)
    for minute in (-1, 0, 0.5, 4, 5, 5.5, 20, 40, 41, 60, 61):
        world.tick(_minutes(minute))
    posts = world.x.created()
    assert [p["text"] for p in posts] == [
        intro_text("ukfechat", "Further education after the review", 3, 60, [], " (Thu 3 Dec)"),
        "Q1 What changed this term? #ukfechat",
        "Q2 Which support helped most? #ukfechat",
        "Q3 What next? #ukfechat",
        closing_text("ukfechat", " (Thu 3 Dec)"),
    ]
    intro = posts[0]["id"]
    assert all(p["referenced_tweets"] == [{"type": "replied_to", "id": intro}] for p in posts[1:])
    assert {c.token for c in world.x.calls_to("POST", "/2/tweets")} == {"x-user-token-demo"}
    recorded = _posts(world.engine)
    assert recorded["question:2"].post_id == posts[2]["id"] and recorded["question:2"].status == PostStatus.posted.value
    assert recorded["question:2"].url == f"https://x.com/demo_council/status/{posts[2]['id']}"
    with Session(world.engine) as session:
        keys = {row.key for row in session.exec(select(OutboxItem))}
    assert f"chat:{occurrence.id}:question:3" in keys and f"chat:{occurrence.id}:intro" in keys


def test_nothing_is_posted_before_its_minute(world: ChatWorld) -> None:
    world.chat(BEFORE)
    world.tick(_minutes(-0.1))
    assert world.x.created() == []
    world.tick(_minutes(0))
    world.tick(_minutes(4.9))
    assert len(world.x.created()) == 1  # the intro only


def test_a_missed_question_is_not_posted_late_the_moderator_is_asked(world: ChatWorld) -> None:
    _, (occurrence,) = world.chat(BEFORE)
    world.tick(_minutes(0))
    world.tick(_minutes(25))  # the worker was down from 21:00 to 21:25: Q1 (21:05) and Q2 (21:20) were missed
    world.tick(_minutes(25.5))
    assert len(world.x.created()) == 1
    asks = [c.args for c in world.slack.calls_to("chat.postMessage") if "was missed" in c.args["text"]]
    assert [a["channel"] for a in asks] == ["D0STAFF001", "D0STAFF001"]  # the lead moderator, once per item
    buttons = json.loads(json.dumps(asks[0]["blocks"]))[-1]["elements"]
    assert [b["action_id"] for b in buttons] == ["chat_post_now", "chat_skip"]
    assert buttons[0]["value"] == f"{occurrence.id}|question:1|x"
    with Session(world.engine) as session:
        record_post(session, occurrence.id or 0, "question:1", "x", PostStatus.post_now, by="U0STAFF001")
        record_post(session, occurrence.id or 0, "question:2", "x", PostStatus.skipped, by="U0STAFF001")
    world.tick(_minutes(26))
    world.tick(_minutes(27))
    assert world.x_texts()[1:] == ["Q1 What changed this term? #ukfechat"]
    world.tick(_minutes(40))
    assert world.x_texts()[-1] == "Q3 What next? #ukfechat"
    assert "Q2 Which support helped most? #ukfechat" not in world.x_texts()


def test_a_crash_between_posted_and_recorded_is_reconciled_without_a_second_post(world: ChatWorld) -> None:
    _, (occurrence,) = world.chat(BEFORE)
    world.tick(_minutes(0))
    key = f"chat:{occurrence.id}:question:1"
    world.crash_after_posting(key, _minutes(5))
    assert world.x_texts()[-1] == "Q1 What changed this term? #ukfechat"
    assert "question:1" not in _posts(world.engine)
    world.tick(_minutes(6), name="restarted")  # the lease of the dead worker has not expired: leave it alone
    world.tick(_minutes(11), name="restarted")  # expired: reconcile finds the post on X instead of posting again
    assert world.x_texts().count("Q1 What changed this term? #ukfechat") == 1
    assert len(world.x.calls_to("POST", "/2/tweets")) == 2
    search = world.x.calls_to("GET", "/2/tweets/search/recent")
    assert search and "from:demo_council" in search[-1].params["query"]
    assert search[-1].params["start_time"].startswith("2026-12-03T20:55:00")  # this sitting, not last week's
    recorded = _posts(world.engine)["question:1"]
    assert recorded.status == PostStatus.posted.value and recorded.post_id == world.x.created()[1]["id"]
    with Session(world.engine) as session:
        row = session.exec(select(OutboxItem).where(OutboxItem.key == key)).one()
    assert row.state == "done" and row.result and row.result["reconciled"] is True


def test_a_question_with_ampersand_and_angle_brackets_is_reconciled_from_x_escaped_text(world: ChatWorld) -> None:
    """X returns `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;`: reconcile must compare the text as published, or post twice."""
    question = "Q1 Pros & cons of T-levels <3 -> go #ukfechat"
    _, (occurrence,) = world.chat(BEFORE, questions="5 | Pros & cons of T-levels <3 -> go\n20 | What next?")
    world.tick(_minutes(0))
    key = f"chat:{occurrence.id}:question:1"
    world.crash_after_posting(key, _minutes(5))
    assert world.x_texts()[-1] == question
    world.tick(_minutes(11), name="restarted")
    found = world.x.calls_to("GET", "/2/tweets/search/recent")
    assert found  # reconcile searched X, whose answer carries the escaped text
    assert world.x_texts().count(question) == 1
    assert len(world.x.calls_to("POST", "/2/tweets")) == 2  # the intro and Q1, nothing posted again
    assert _posts(world.engine)["question:1"].post_id == world.x.created()[1]["id"]


def test_manual_mode_hands_the_exact_text_to_the_moderator_with_a_posted_button(world: ChatWorld) -> None:
    _, (occurrence,) = world.chat(BEFORE, host="manual")
    world.tick(_minutes(0))
    world.tick(_minutes(5))
    world.tick(_minutes(5.2))
    assert world.x.calls == []
    handovers = [c.args for c in world.slack.calls_to("chat.postMessage") if c.args["text"].startswith("Post this now")]
    assert [h["channel"] for h in handovers] == ["D0STAFF001", "D0STAFF001"]
    blocks = json.dumps(handovers[1]["blocks"])
    assert "Q1 What changed this term? #ukfechat" in blocks and "chat_posted" in blocks
    assert f"{occurrence.id}|question:1|x" in blocks


def test_an_unapproved_question_is_never_posted_and_the_moderators_are_told(world: ChatWorld) -> None:
    series, (occurrence,) = world.chat(BEFORE, requires_approval=True)
    with Session(world.engine) as session:
        sheet = run_sheet(session, series)
        decide(
            session,
            series,
            decision=APPROVED,
            actor="U0COMMS001",
            expected_hash=sheet_hash(sheet),
            now=BEFORE,
        )
        set_questions(
            session,
            series,
            "5 | What changed this term?\n20 | Which support helped MOST?\n40 | What next?",
            actor="U0STAFF001",
        )
    world.tick(T0 - timedelta(minutes=15))
    reminder = json.dumps(world.slack.calls_to("chat.postMessage")[0].args["blocks"])
    assert reminder.count("not approved: will not be posted") == 1  # told in time, before the chat
    for minute in (0, 5, 20, 21, 40, 60):
        world.tick(_minutes(minute))
    assert "Q2 Which support helped MOST? #ukfechat" not in world.x_texts()
    assert "Q3 What next? #ukfechat" in world.x_texts()
    told = [
        c.args["channel"]
        for c in world.slack.calls_to("chat.postMessage")
        if "not posted: it is not approved" in c.args["text"]
    ]
    assert sorted(told) == ["D0COMMS001", "D0STAFF001"]


def test_the_digest_is_requested_once_at_end_plus_15_minutes(world: ChatWorld) -> None:
    _, (occurrence,) = world.chat(BEFORE)
    for minute in (0, 5, 20, 40, 60, 74):
        world.tick(_minutes(minute))
    assert world.digests == []
    world.tick(_minutes(75))
    world.tick(_minutes(80))
    (call,) = world.digests
    assert call["chat_occurrence_id"] == occurrence.id and call["hashtag"] == "ukfechat"
    assert (call["start"], call["end"], call["due_at"]) == (T0, _minutes(60), _minutes(75))
    assert [(n, text) for n, _at, text in call["questions"]] == [
        (1, "Q1 What changed this term? #ukfechat"),
        (2, "Q2 Which support helped most? #ukfechat"),
        (3, "Q3 What next? #ukfechat"),
    ]
    assert call["host_handle"] == "demo_council" and call["channel_id"] == "C0COMMS001" and call["platforms"] == ["x"]


def test_the_digest_request_reaches_the_digest_service(engine: Engine) -> None:
    from assistant.models.digests import DigestJob

    with chat_world(engine, fake_digest=False) as world:
        _, (occurrence,) = world.chat(BEFORE)
        world.tick(_minutes(75))
        world.tick(_minutes(76))
    with Session(engine) as session:
        (job,) = session.exec(select(DigestJob)).all()
    assert job.chat_occurrence_id == occurrence.id and job.due_at == _minutes(75)


def test_a_weekly_chat_posts_at_2100_london_after_the_clocks_change(world: ChatWorld) -> None:
    world.chat(datetime(2026, 10, 10, tzinfo=UTC), start_date="2026-10-22", recurrence="weekly", count=3)
    world.tick(datetime(2026, 10, 22, 20, 0, tzinfo=UTC))  # BST: 21:00 local
    assert len(world.x.created()) == 1
    world.tick(datetime(2026, 10, 29, 20, 0, 30, tzinfo=UTC))  # GMT now: 20:00 UTC is 20:00 local, too early
    assert len(world.x.created()) == 1
    world.tick(datetime(2026, 10, 29, 21, 0, tzinfo=UTC))
    assert len(world.x.created()) == 2


@pytest.mark.postgres
def test_two_workers_on_postgresql_post_each_item_once(pg_engine: Engine) -> None:
    with chat_world(pg_engine) as world:
        world.chat(BEFORE)
        for minute in (0, 5, 20, 40, 60):
            _race(world, _minutes(minute))
        texts = world.x_texts()
        assert len(texts) == 5 and len(set(texts)) == 5
        assert len(world.x.calls_to("POST", "/2/tweets")) == 5


def test_a_post_x_refuses_is_handed_to_the_moderator(world: ChatWorld) -> None:
    _, (occurrence,) = world.chat(BEFORE)
    world.tick(_minutes(0))
    world.x.fail_next["POST /2/tweets"] = 403
    world.tick(_minutes(5))
    world.tick(_minutes(5.5))
    world.tick(_minutes(6))
    assert "Q1 What changed this term? #ukfechat" not in world.x_texts()
    (failed,) = [c.args for c in world.slack.calls_to("chat.postMessage") if "could not be posted" in c.args["text"]]
    assert failed["channel"] == "D0STAFF001"
    assert f"{occurrence.id}|question:1|x" in json.dumps(failed["blocks"])


def test_a_weekly_question_x_refuses_as_a_duplicate_is_explained_to_the_moderator(world: ChatWorld) -> None:
    series, (_first, second) = world.chat(BEFORE, recurrence="weekly", count=2)
    for minute in (0, 5):
        world.tick(_minutes(minute))
    week = timedelta(days=7)
    for later in (0, 5, 5.5, 6):
        world.tick(_minutes(later) + week)
    assert world.x_texts().count("Q1 What changed this term? #ukfechat") == 1  # X refused the repeat
    assert len(world.x.created()) == 3  # both dated intros and the first week's Q1
    (failed,) = [c.args for c in world.slack.calls_to("chat.postMessage") if "could not be posted" in c.args["text"]]
    assert failed["channel"] == "D0STAFF001"
    assert "@demo_council already posted exactly this text (X allows no duplicate posts" in failed["text"]
    assert f"/outreach chat questions {series.id}" in failed["text"] and "Check" not in failed["text"]
    assert f"{second.id}|question:1|x" in _dump(failed["blocks"])


def _race(world: ChatWorld, at: datetime) -> None:
    """Two workers tick at the same moment, started together."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            barrier.wait()
            world.tick(at, name=name)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"worker-{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_reminder_times_are_configurable_per_team(world: ChatWorld) -> None:
    from assistant.models.workspaces import Workspace

    with Session(world.engine) as session:
        workspace = session.get(Workspace, world.workspace_id)
        assert workspace is not None
        workspace.settings = {"chat_reminder_minutes": [60]}
        session.add(workspace)
        session.commit()
    world.chat(BEFORE)
    world.tick(T0 - timedelta(hours=24))
    world.tick(T0 - timedelta(minutes=61))
    assert world.slack.calls_to("chat.postMessage") == []
    world.tick(T0 - timedelta(minutes=60))
    world.tick(T0 - timedelta(minutes=15))
    sent = [c.args["text"] for c in world.slack.calls_to("chat.postMessage")]
    assert sent == ["Reminder: #ukfechat starts in 1 hour"] * 3


def test_cross_posting_to_mastodon_threads_each_post_under_an_idempotency_key(world: ChatWorld) -> None:
    statuses = connect_mastodon(world, BEFORE).statuses
    _, (occurrence,) = world.chat(BEFORE, cross_post=["mastodon"])
    for minute in (0, 0.5, 5, 20, 40, 60, 61):
        world.tick(_minutes(minute))
    assert len(world.x.created()) == 5
    keys = list(statuses)
    assert keys == [
        f"chat:{occurrence.id}:{item}:mastodon"
        for item in ("intro", "question:1", "question:2", "question:3", "closing")
    ]
    intro = statuses[keys[0]]
    assert "in_reply_to_id" not in intro and intro["visibility"] == "public"
    assert {statuses[k]["in_reply_to_id"] for k in keys[1:]} == {intro["id"]}
    assert statuses[keys[1]]["status"] == "Q1 What changed this term? #ukfechat"
    mastodon_rows = {p.item: p for p in session_posts(world.engine) if p.platform == "mastodon"}
    assert mastodon_rows["question:3"].url == f"https://mastodon.social/@council/{statuses[keys[3]]['id']}"


def session_posts(engine: Engine) -> list[ChatPost]:
    with Session(engine) as session:
        return list(session.exec(select(ChatPost)))


def test_bluesky_cross_posts_are_handed_to_the_moderator(world: ChatWorld) -> None:
    _, (occurrence,) = world.chat(BEFORE, cross_post=["bluesky"])
    world.tick(_minutes(0))
    assert len(world.x.created()) == 1
    (handover,) = [
        c.args for c in world.slack.calls_to("chat.postMessage") if c.args["text"].startswith("Post this now")
    ]
    assert handover["channel"] == "D0STAFF001" and "on Bluesky" in _dump(handover["blocks"])
    assert f"{occurrence.id}|intro|bluesky" in _dump(handover["blocks"])


def test_the_registered_source_runs_over_the_clients_built_from_settings(world: ChatWorld) -> None:
    from assistant.clients import Clients
    from assistant.jobs import sources
    from assistant.jobs.chats.runner import ChatRunner

    world.chat(BEFORE)
    settings = world.settings.model_copy(
        update={"slack_bot_token": SecretStr("xoxb-test-bot-token-0001"), "slack_api_url": world.slack.base_url}
    )
    registered = [s for s in sources(Clients.from_settings(settings, world.engine)) if isinstance(s, ChatRunner)]
    assert len(registered) == 1
    jobs = list(registered[0](world.engine, T0 - timedelta(hours=24)))
    assert sorted(job.key for job in jobs) == [
        f"chat:1:reminder:1440m:{target}" for target in ("C0COMMS001", "U0COMMS001", "U0STAFF001")
    ]
    for job in jobs:
        job.action()
    posted = world.slack.calls_to("chat.postMessage")
    assert sorted(c.args["channel"] for c in posted) == ["C0COMMS001", "D0COMMS001", "D0STAFF001"]
    assert {c.token for c in posted} == {"xoxb-test-bot-token-0001"}
    without_slack = settings.model_copy(update={"slack_bot_token": None, "slack_client_id": None})
    assert not [s for s in sources(Clients.from_settings(without_slack, world.engine)) if isinstance(s, ChatRunner)]


def test_reconcile_matches_a_post_whose_link_x_shortened() -> None:
    from assistant.jobs.chats.x import same_text as _same_text

    assert _same_text(
        "Q4 Read https://t.co/AbC123 first #ukfechat", "Q4 Read https://example.org/fe-review first #ukfechat"
    )
    assert not _same_text(
        "Q4 Read https://t.co/AbC123 later #ukfechat", "Q4 Read https://example.org/x first #ukfechat"
    )


def _yammer_world(world: ChatWorld, *, crosspost: bool) -> list[dict[str, str]]:
    """Turn the team's Yammer cross-posting on or off, connect a Yammer account and fake Yammer; returns its posts."""
    from urllib.parse import parse_qs

    import httpx

    from assistant.crypto import TokenCipher
    from assistant.models import Workspace
    from assistant.services.accounts.team_accounts import connect_account
    from integrations.x.oauth import TokenSet

    posted: list[dict[str, str]] = []

    def yammer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/messages.json"
        assert request.headers["authorization"] == "Bearer yammer-SECRET"
        posted.append({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
        return httpx.Response(201, json={"messages": [{"id": 900000001, "body": {"plain": "ok"}}]})

    world.runner.settings = world.settings.model_copy(update={"yammer_api_url": "https://yammer.test/api/v1"})
    world.runner.yammer_http = httpx.Client(transport=httpx.MockTransport(yammer))
    with Session(world.engine) as session:
        workspace = session.get(Workspace, world.workspace_id)
        assert workspace is not None
        workspace.settings = {"yammer_crosspost": crosspost, "yammer_group_id": "4242"}
        session.add(workspace)
        connect_account(
            session,
            TokenCipher.from_settings(world.settings),
            workspace_id=world.workspace_id,
            platform="yammer",
            account_id="1488374236",
            handle="Comms Team",
            tokens=TokenSet(access_token="yammer-SECRET"),
            actor="U0ADMIN001",
            now=BEFORE,
        )
        session.commit()
    return posted


def test_the_intro_is_cross_posted_to_the_yammer_group_once_when_the_team_turned_it_on(world: ChatWorld) -> None:
    posted = _yammer_world(world, crosspost=True)
    _, (occurrence,) = world.chat(BEFORE)
    for minute in (-1, 0, 0.5, 5):
        world.tick(_minutes(minute))
    intro = intro_text("ukfechat", "Further education after the review", 3, 60, [], " (Thu 3 Dec)")
    assert len(posted) == 1
    assert posted[0]["group_id"] == "4242" and posted[0]["body"] == intro
    assert world.x_texts()[0] == intro
    with Session(world.engine) as session:
        keys = {row.key for row in session.exec(select(OutboxItem))}
    assert f"chat:{occurrence.id}:yammer-crosspost" in keys


def test_a_yammer_failure_never_stops_the_x_posts(world: ChatWorld) -> None:
    import httpx

    _yammer_world(world, crosspost=True)
    world.runner.yammer_http = httpx.Client(transport=httpx.MockTransport(lambda _r: httpx.Response(500)))
    world.chat(BEFORE)
    for minute in (0, 0.5, 5):
        world.tick(_minutes(minute))
    assert len(world.x.created()) == 2  # intro and Q1


def test_nothing_goes_to_yammer_when_cross_posting_is_off(world: ChatWorld) -> None:
    posted = _yammer_world(world, crosspost=False)
    world.chat(BEFORE)
    for minute in (0, 0.5, 5):
        world.tick(_minutes(minute))
    assert posted == [] and len(world.x.created()) == 2
