"""Starting a mapping: the Start modal with each strategy's estimate, measuring on X, and the approval."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.db import session_scope
from assistant.models.base import require_id, utcnow
from assistant.models.mapping import MappingRequest
from assistant.services.mapping import crawl
from assistant.services.mapping import estimate as measuring
from assistant.services.mapping import requests as service
from assistant.services.mapping.decisions import start_crawl
from assistant.slack.blocks import mapping_forms
from assistant.slack.context import Services, Viewer
from assistant.slack.listeners.mapping.common import apply, refuse, request_id_of
from assistant.slack.parse import parse_id
from integrations.errors import IntegrationError
from integrations.x.client import XClient


def start_view(services: Services, session: Session, request: MappingRequest) -> dict[str, Any]:
    """The Start modal: measured estimates when there are some, else the rough guess, with the month's budget."""
    figures = measuring.start_figures(session, request, services.settings.x_prices(), utcnow().date())
    return mapping_forms.start_modal(
        request,
        figures.estimates,
        steps=figures.steps,
        measured=figures.measured,
        budget=figures.budget_lines(),
        follow_step=figures.follow_step,
    )


def on_start(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The Start modal, for comms."""
    ack()
    if not context["viewer"].is_comms:
        refuse(client, body, "Only the comms team can start a mapping.")
        return
    with context["session"]() as session:
        try:
            request = service.get(session, request_id_of(body), workspace_id=require_id(context["workspace"]))
            view = start_view(context["services"], session, request)
        except (service.RequestError, crawl.MappingInputError) as exc:
            refuse(client, body, str(exc))
            return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def on_measure(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Run the measuring steps every strategy needs (their cost was on the button's modal), then show the
    measured estimates."""
    ack()
    _measure(body, client, context, measuring.measure)


def on_measure_follows(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Run the follows strategy's own step (its cost was on the button's modal), then show its measured estimate."""
    ack()
    _measure(body, client, context, measuring.measure_follows)


def _measure(
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    run: Callable[[Engine, int, XClient], measuring.Measured],
) -> None:
    services: Services = context["services"]
    if not context["viewer"].is_comms:
        refuse(client, body, "Only the comms team can measure a mapping.")
        return
    request_id = request_id_of(body)
    workspace_id = require_id(context["workspace"])
    with context["session"]() as session:
        try:
            service.get(session, request_id, workspace_id=workspace_id)  # this workspace's, before X is paid for
        except service.RequestError as exc:
            refuse(client, body, str(exc))
            return
    if services.settings.x_bearer_token is None:
        refuse(client, body, "Measuring needs X_BEARER_TOKEN; the rough guess stands.")
        return
    try:
        measured = run(services.engine, request_id, services.clients.x(services.clients.http()))
    except (IntegrationError, crawl.MappingInputError) as exc:
        refuse(client, body, f"Measuring on X failed: {exc}")
        return
    with context["session"]() as session:
        request = service.get(session, request_id, workspace_id=workspace_id)
        measuring.save(session, request, measured)
        session.commit()
        view = start_view(services, session, request)
    client.views_update(view_id=body["view"]["id"], hash=body["view"].get("hash"), view=view)


def on_start_submit(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The chosen strategy and budget: checked against the estimate and the month's budget, then the crawl starts."""
    services: Services = context["services"]
    viewer: Viewer = context["viewer"]
    values = body["view"]["state"]["values"]
    strategy = values["strategy"]["strategy"]["selected_option"]["value"]
    try:
        money = float(values["budget_money"]["budget_money"]["value"])
        calls = int(values["budget_calls"]["budget_calls"]["value"])
    except (TypeError, ValueError):
        money, calls = math.nan, 0
    if not (math.isfinite(money) and 0 <= money <= 1_000_000 and 0 <= calls <= 10_000_000):
        ack(response_action="errors", errors={"budget_money": "Give the budget as a number."})
        return
    request_id = parse_id(body["view"]["private_metadata"], "request")
    with context["session"]() as session:
        try:
            request = service.get(session, request_id, workspace_id=require_id(context["workspace"]))
        except service.RequestError as exc:
            ack(response_action="errors", errors={"budget_money": str(exc)})
            return
        figures = measuring.start_figures(session, request, services.settings.x_prices(), utcnow().date())
    chosen = next((e for e in figures.estimates if e.strategy == strategy), None)
    if chosen is None or strategy not in figures.checks:
        ack(response_action="errors", errors={"strategy": "Choose one of the strategies offered."})
        return
    if figures.needs_follow_sample(strategy):
        ack(response_action="errors", errors={"strategy": mapping_forms.follows_unmeasured(figures.follow_step)})
        return
    over = figures.checks[strategy]
    if over.crosses and not viewer.is_admin:
        ack(
            response_action="errors",
            errors={"strategy": f"{over.describe()}. An admin has to start a job that crosses the budget."},
        )
        return
    if money < chosen.cost or calls < chosen.calls:
        needs = f"This strategy needs about ${chosen.cost:,.2f} and {chosen.calls} calls"
        ack(
            response_action="errors",
            errors={"budget_money": f"{needs}; raise the budget or choose the cheaper strategy."},
        )
        return
    ack()
    refusal = apply(client, context, "start", request_id)
    if refusal:
        refuse(client, body, refusal)
        return
    with session_scope(services.engine) as session:
        start_crawl(
            session,
            request_id,
            strategy=strategy,
            money=money,
            calls=calls,
            actor=viewer.user_id,
            now=utcnow(),
            prices=services.settings.x_prices(),
            check=over,
            estimate=chosen.cost,
        )
