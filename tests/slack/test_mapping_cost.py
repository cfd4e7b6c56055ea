"""Cost in Slack: the admins' monthly X budget in settings; the Start modal's measuring steps, the Measure button,
the month's figures; a mapping that would cross the budget waits for an admin."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.models.audit import AuditEntry
from assistant.models.costs import CostEntry
from assistant.models.mapping import CrawlState, MappingRequest
from assistant.models.workspaces import Workspace
from assistant.samples.network import synthetic_world
from assistant.slack.blocks import mapping as blocks
from assistant.slack.blocks import settings as settings_blocks
from assistant.standins import slack_requests as requests
from assistant.standins.x_graph import FakeXGraph
from tests.fakes.slack import SIGNING_SECRET, SlackHarness, ack_json, harness, view_arg
from tests.slack.test_mapping import _eventually, _form, _press, _submit

COMMS, ADMIN = "U0COMMS001", "U0ADMIN001"


@pytest.fixture
def app(engine: Engine, sqlite_url: str) -> Iterator[SlackHarness]:
    with harness(engine, sqlite_url, slack_comms_channel="C0COMMS001", x_bearer_token="fake-x") as h:
        yield h


def _settings(app: SlackHarness, budget: str) -> dict[str, Any]:
    values = {"x_monthly_budget": {"value": {"type": "plain_text_input", "value": budget}}}
    payload = requests.view_submission(settings_blocks.SETTINGS_VIEW, values, user_id=ADMIN)
    return ack_json(app.post(requests.signed_payload(payload, SIGNING_SECRET)))


def test_admins_set_the_monthly_budget_and_a_bad_one_is_refused_on_its_field(app: SlackHarness) -> None:
    app.command("settings", user_id=ADMIN)
    modal = view_arg(app.slack.wait_for("views.open")[-1].args)
    assert "x_monthly_budget" in {b.get("block_id") for b in modal["blocks"]}
    refused = _settings(app, "lots")
    assert refused["response_action"] == "errors" and "US dollars" in refused["errors"]["x_monthly_budget"]
    assert _settings(app, "$1,250.5") == {"text": ""}
    with Session(app.services.engine) as session:
        assert session.exec(select(Workspace)).one().settings["x_monthly_budget"] == 1250.5


def test_measure_then_a_start_that_crosses_the_budget_waits_for_an_admin(app: SlackHarness) -> None:
    world = synthetic_world(8, accounts=400, partners=5, chat_weeks=3)  # more #ukfechat posts than the samples read
    fake = FakeXGraph(world)
    app.use_networks(fake.transport)
    rid, _, modal = _opened_start(app, " ".join(f"@{s}" for s in world.seeds[:3]))
    assert "look up 3 seed account(s): 1 call, $0.03" in modal and "no items billed" in modal
    assert blocks.MEASURE in modal and "Rough guess, not measured" in modal and not fake.calls
    assert "Month to date $0.00" in modal and "no monthly X budget set" in modal

    press = requests.block_actions(
        {"action_id": blocks.MEASURE, "value": rid, "type": "button"},
        user_id=COMMS,
        view={"id": "V0START01", "hash": "1.a", "callback_id": blocks.VIEW_START},
    )
    assert app.action(press).status_code == 200
    update = app.slack.wait_for("views.update")[-1].args
    measured = json.dumps(update["view"] if isinstance(update["view"], dict) else json.loads(update["view"]))
    assert update["view_id"] == "V0START01" and "Estimate from X" in measured and blocks.MEASURE not in measured
    assert [c.endpoint for c in fake.calls] == [
        "GET /2/users/by",
        "GET /2/tweets/counts/recent",
        *["GET /2/tweets/search/recent"] * 2,  # the sample pages
    ]  # no follow list: that is the follows strategy's own step, with its own button and price
    assert blocks.MEASURE_FOLLOWS in measured and "follow-list entries of 3 seed(s)" in measured
    with Session(app.services.engine) as session:
        billed = session.exec(select(CostEntry).where(CostEntry.job_kind == "estimate")).all()
    spent = round(sum(row.dollars for row in billed), 2)
    tagged = [p for p in world.posts if "ukfechat" in {h["tag"] for h in p.get("entities", {}).get("hashtags", [])}]
    assert sum(row.posts_read for row in billed) == min(200, len(tagged))  # the sample pages (read again free today)
    assert sum(row.users_read for row in billed) >= 3 and spent <= 0.03 + 3.00  # within what the steps said
    limit = f"{spent + 0.02:.2f}"  # the month's spend is the steps'; the crawl would cross this

    assert _settings(app, limit) == {"text": ""}
    values = {
        "strategy": {"strategy": {"type": "radio_buttons", "selected_option": {"value": "interactions"}}},
        "budget_money": {"budget_money": {"type": "number_input", "value": "50"}},
        "budget_calls": {"budget_calls": {"type": "number_input", "value": "500"}},
    }
    waits = ack_json(_submit(app, blocks.VIEW_START, values, user_id=COMMS, meta=rid))
    assert waits["response_action"] == "errors" and "An admin has to start" in waits["errors"]["strategy"]
    assert (
        f"${spent:.2f}" in waits["errors"]["strategy"]
        and f"of the ${limit} monthly budget" in waits["errors"]["strategy"]
    )
    with Session(app.services.engine) as session:
        assert session.get(MappingRequest, int(rid)).crawl_state == CrawlState.none.value  # type: ignore[union-attr]
    assert _submit(app, blocks.VIEW_START, values, user_id=ADMIN, meta=rid).status_code == 200
    started = _eventually(lambda r: r.crawl_state == CrawlState.running.value, app)
    assert started.strategy == "interactions"
    with Session(app.services.engine) as session:
        said_yes = session.exec(select(AuditEntry).where(AuditEntry.action == "budget.crossed_approved")).one()
    assert said_yes.actor == ADMIN and said_yes.detail["budget"] == float(limit)


def _opened_start(app: SlackHarness, seeds: str) -> tuple[str, str, str]:
    """A request on #ukfechat claimed and its Start modal opened: (its id, the modal's id, the modal's JSON)."""
    assert _submit(app, blocks.VIEW_REQUEST, _form(title="FE", seeds=seeds, hashtags="#ukfechat")).status_code == 200
    app.slack.wait_for("chat.postMessage", 2)
    with Session(app.services.engine) as session:
        rid = str(session.exec(select(MappingRequest)).one().id)
    _press(app, blocks.CLAIM, rid, user_id=COMMS)
    _eventually(lambda r: r.claimed_by == COMMS, app)
    _press(app, blocks.START, rid, user_id=COMMS)
    modal = json.dumps(view_arg(app.slack.wait_for("views.open")[-1].args))
    view_id = next(v for v, view in app.slack.views.items() if view["callback_id"] == blocks.VIEW_START)
    return rid, view_id, modal


def _press_in_modal(app: SlackHarness, action_id: str, rid: str, view_id: str) -> str:
    press = requests.block_actions(
        {"action_id": action_id, "value": rid, "type": "button"},
        user_id=COMMS,
        view={"id": view_id, "hash": "1.a", "callback_id": blocks.VIEW_START},
    )
    before = len(app.slack.calls_to("views.update"))
    assert app.action(press).status_code == 200
    update = app.slack.wait_for("views.update", before + 1)[-1].args
    return json.dumps(update["view"] if isinstance(update["view"], dict) else json.loads(update["view"]))


def test_the_follow_lists_are_sampled_only_when_the_follows_strategy_is_wanted(app: SlackHarness) -> None:
    world = synthetic_world(8, accounts=80, partners=5, chat_weeks=3)
    fake = FakeXGraph(world)
    app.use_networks(fake.transport)
    rid, view_id, _ = _opened_start(app, " ".join(f"@{s}" for s in world.seeds[:3]))
    measured = _press_in_modal(app, blocks.MEASURE, rid, view_id)
    assert not fake.calls_to("GET /2/users/{id}/following") and blocks.MEASURE_FOLLOWS in measured
    assert "follows: about" in measured and "up to $" in measured  # an upper bound until its step runs
    values = {
        "strategy": {"strategy": {"type": "radio_buttons", "selected_option": {"value": "follows"}}},
        "budget_money": {"budget_money": {"type": "number_input", "value": "50"}},
        "budget_calls": {"budget_calls": {"type": "number_input", "value": "500"}},
    }
    refused = ack_json(_submit(app, blocks.VIEW_START, values, user_id=COMMS, meta=rid))
    assert (
        refused["response_action"] == "errors"
        and "Sample the seeds' follow lists first" in refused["errors"]["strategy"]
    )

    sampled = _press_in_modal(app, blocks.MEASURE_FOLLOWS, rid, view_id)
    assert len(fake.calls_to("GET /2/users/{id}/following")) == 3  # one sample page of each seed's list
    assert blocks.MEASURE_FOLLOWS not in sampled and "follows: about" in sampled and "for the whole job" in sampled
    assert _submit(app, blocks.VIEW_START, values, user_id=COMMS, meta=rid).status_code == 200
    assert _eventually(lambda r: r.crawl_state == CrawlState.running.value, app).strategy == "follows"
