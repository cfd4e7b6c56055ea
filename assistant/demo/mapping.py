"""The demo's mapping step: a request through the form, the queue card, a crawl of the local fake X, the report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from slack_bolt import BoltRequest
from sqlmodel import Session, select

from assistant.clients import Clients, new_http
from assistant.db import session_scope
from assistant.models.base import utcnow
from assistant.models.mapping import MappingRequest
from assistant.samples.network import synthetic_world
from assistant.services.mapping import crawl, report
from assistant.services.mapping import estimate as measuring
from assistant.services.mapping import requests as requests_service
from assistant.slack.blocks import mapping as blocks
from assistant.slack.blocks import mapping_forms
from assistant.standins import slack_requests as requests
from assistant.standins.x_graph import FakeClock, FakeXGraph
from integrations.x.client import XClient

if TYPE_CHECKING:
    from assistant.demo.context import DemoContext


def _form() -> dict[str, Any]:
    values = {
        "title": "Further education skills in Wales",
        "decision": "Which partners to invite to the FE skills consultation",
        "keywords": "apprenticeships",
        "hashtags": "#ukfechat",
        "seeds": "",
        "region": "Wales",
        "language": "en, cy",
    }
    return {
        name: {name: {"type": "plain_text_input", "value": values.get(name)}}
        for name in blocks.FIELDS
        if name not in ("deadline", "watchers")
    } | {
        "deadline": {"deadline": {"type": "datepicker", "selected_date": None}},
        "watchers": {"watchers": {"type": "multi_users_select", "selected_users": []}},
    }


def step_mapping(ctx: DemoContext) -> None:
    from assistant.demo.context import DEMO_SIGNING_SECRET

    world = synthetic_world(11, accounts=300, partners=12, chat_weeks=6)
    form = _form()
    form["seeds"]["seeds"]["value"] = " ".join(f"@{s}" for s in world.seeds[:8]) + " @no_such_partner"
    payload = requests.view_submission(blocks.VIEW_REQUEST, form, user_id="U0STAFF001")
    signed = requests.signed_payload(payload, DEMO_SIGNING_SECRET)
    ctx.bolt.dispatch(BoltRequest(body=signed.body, headers=signed.headers))
    ctx.slack.wait_for("chat.postMessage", 1)
    with Session(ctx.engine) as session:
        request = session.exec(select(MappingRequest).order_by(MappingRequest.id.desc())).first()  # type: ignore[union-attr]
    assert request is not None and request.id is not None
    rid = request.id
    ctx.show(f"Mapping request #{rid}: the card in the comms channel", blocks.card(request))

    clock = FakeClock()
    fake = FakeXGraph(world, clock=clock.now)
    settings = ctx.settings.model_copy(update={"x_bearer_token": SecretStr("demo-x-token")})
    prices = ctx.settings.x_prices()

    def x_client() -> XClient:
        return Clients(settings).x(new_http(fake.transport), clock=clock.now, sleep=clock.sleep)

    with session_scope(ctx.engine) as session:
        request = requests_service.get(session, rid)
        requests_service.transition(session, request, "claim", actor="U0COMMS001", is_comms=True)
        requests_service.transition(session, request, "start", actor="U0COMMS001", is_comms=True)
        before = measuring.start_figures(session, request, prices, clock.now().date())
    ctx.show(
        "Start mapping: the measuring steps, each with its own cost, before any call to X",
        mapping_forms.start_modal(request, before.estimates, steps=before.steps, budget=before.budget_lines())[
            "blocks"
        ][:2],
    )
    measured = measuring.measure(ctx.engine, rid, x_client())
    with session_scope(ctx.engine) as session:
        measuring.save(session, requests_service.get(session, rid), measured)
    measured = measuring.measure_follows(ctx.engine, rid, x_client())  # the follows strategy's own step
    with session_scope(ctx.engine) as session:
        request = requests_service.get(session, rid)
        measuring.save(session, request, measured)
        figures = measuring.start_figures(session, request, prices, clock.now().date())
        crawl.approve(session, request, strategy="follows", by="U0COMMS001", now=utcnow())
        measuring.promise(session, request, "follows", prices)
    ctx.show(
        "Measured on X: the estimate the comms member approves (follows)",
        mapping_forms.start_modal(
            request, figures.estimates, steps=figures.steps, measured=figures.measured, budget=figures.budget_lines()
        )["blocks"][:3],
    )

    client = x_client()
    client.meter = crawl.request_meter(ctx.engine, rid, client.meter)
    waits = 0
    while True:
        result = crawl.run_crawl(ctx.engine, rid, client, now=clock.now)
        if result.status != "waiting" or result.until is None:
            break
        waits += 1
        clock.set(result.until)  # the worker would come back at the reset
    made = report.make_report(ctx.engine, rid)
    with session_scope(ctx.engine) as session:
        request = requests_service.get(session, rid)
        requests_service.transition(session, request, "deliver", actor="U0COMMS001", is_comms=True)
        folder = ctx.output / "mapping"
        folder.mkdir(parents=True, exist_ok=True)
        for kind in report.FORMATS:
            content = report.artefact(session, rid, kind)
            if content:
                (folder / f"mapping-{rid}.{kind}").write_bytes(content)
    ctx.show(
        f"Crawl of the local fake X: {len(fake.calls)} calls, {waits} rate-limit window(s) waited out by the worker",
        text=f"{request.calls_made} calls · ${request.money_spent:,.2f} · notes: " + " ".join(request.problems),
    )
    with Session(ctx.engine) as session:
        against = measuring.compared(session, rid)
    if against is not None:
        ctx.show(
            "Estimate against actual (measuring steps and crawl, as the shared ledger billed them)",
            text=against.describe(),
        )
    ctx.show(
        "The delivery (DM to the requester and the card's thread)", blocks.delivery(request, made.analysis, made.slots)
    )
    ctx.notes.append(f"mapping report, picture, CSV, GraphML and GEXF in {folder}/")
