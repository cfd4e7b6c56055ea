"""`/outreach map ...`, the "Request digital mapping" shortcut, the request modal and the queue card's buttons."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from assistant.db import session_scope
from assistant.models.base import require_id, utcnow
from assistant.models.mapping import CrawlState, MappingRequest
from assistant.render.mrkdwn import escape
from assistant.services.mapping import crawl, report
from assistant.services.mapping import estimate as measuring
from assistant.services.mapping import requests as service
from assistant.services.team import audit
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.blocks import mapping as blocks
from assistant.slack.blocks import mapping_forms
from assistant.slack.context import Services
from assistant.slack.listeners.commands import CommandContext, Handler
from assistant.slack.parse import ParseError, parse_date, parse_id
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)


USAGE = "Usage: `/outreach map` (new request) · `map list` · `map show ID` · `map cancel ID`"
CHANGE_TEXT = {
    "claim": "claimed by <@{actor}>; they will be in touch.",
    "decline": "declined by <@{actor}>: {reason}",
    "start": "mapping has started (<@{actor}> approved the crawl).",
    "deliver": "delivered: the summary and files are below and in the card's thread.",
    "cancel": "cancelled by <@{actor}>.",
}


def register(app: App, services: Services) -> Mapping[str, Handler]:
    """Register the mapping shortcut, modals and buttons; return the `map` subcommand."""

    def is_comms(client: WebClient, team_id: str, user_id: str) -> bool:
        return services.roles.is_comms(client, team_id=team_id, user_id=user_id)

    def workspace_of(session: Session, team_id: str) -> int:
        """The workspace row of the Slack team (made on first contact): the key every request is stored under."""
        return require_id(ensure_workspace(session, slack_team_id=team_id, timezone=services.settings.default_timezone))

    def comms_channel(session: Session, team_id: str) -> str | None:
        workspace = ensure_workspace(session, slack_team_id=team_id, timezone=services.settings.default_timezone)
        return workspace.comms_channel_id or services.settings.slack_comms_channel

    # Announcing a change: card in place, DM to the requester -------------------------------------

    def announce(client: WebClient, request: MappingRequest, change: str) -> None:
        if request.card_channel and request.card_ts:
            try:
                client.chat_update(
                    channel=request.card_channel,
                    ts=request.card_ts,
                    text=f"Mapping request #{request.id}: {request.status}",
                    blocks=blocks.card(request),
                )
            except SlackApiError as exc:
                log.warning("mapping %s: card update failed: %s", request.id, exc.response.get("error"))
        try:
            client.chat_postMessage(
                channel=request.requester_id,
                text=f"Your mapping request #{request.id}: {request.status}",
                blocks=blocks.status_dm(request, change),
            )
        except SlackApiError as exc:
            log.warning("mapping %s: DM failed: %s", request.id, exc.response.get("error"))

    def apply(client: WebClient, body: dict[str, Any], action: str, request_id: int, reason: str = "") -> str | None:
        """Make the change; returns the refusal text, or None when done."""
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        comms = is_comms(client, team_id, user_id)
        try:
            with session_scope(services.engine) as session:
                request = service.get(session, request_id, workspace_id=workspace_of(session, team_id))
                service.transition(session, request, action, actor=user_id, is_comms=comms, reason=reason)
        except service.RequestError as exc:
            return str(exc)
        change = CHANGE_TEXT[action].format(actor=user_id, reason=escape(reason))
        announce(client, request, change)
        return None

    def refuse(client: WebClient, body: dict[str, Any], text: str) -> None:
        channel = (body.get("channel") or {}).get("id") or body["user"]["id"]
        client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text)

    def request_id_of(body: dict[str, Any]) -> int:
        return parse_id(body["actions"][0]["value"], "request")

    # The form ---------------------------------------------------------------------------------------

    def open_form(client: WebClient, trigger_id: str) -> None:
        client.views_open(trigger_id=trigger_id, view=mapping_forms.request_modal())

    @app.global_shortcut(blocks.SHORTCUT_REQUEST)
    def on_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_form(client, body["trigger_id"])

    @app.view(blocks.VIEW_REQUEST)
    def on_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        values = mapping_forms.form_values(body["view"]["state"]["values"])
        try:
            deadline = parse_date(values["deadline"], "deadline") if values["deadline"] else None
        except ParseError as exc:
            ack(response_action="errors", errors={"deadline": f"{str(exc).capitalize()}."})
            return
        data = service.RequestInput(
            title=values["title"],
            decision=values["decision"],
            keywords=tuple(k.strip() for k in values["keywords"].split(",") if k.strip()),
            hashtags=tuple(mapping_forms.split(values["hashtags"])),
            seeds=tuple(mapping_forms.split(values["seeds"])),
            region=values["region"],
            language=values["language"],
            deadline=deadline,
            watchers=tuple(values["watchers"]),
            timezone=services.settings.default_timezone,
        )
        errors = service.validate(data)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with session_scope(services.engine) as session:
            request = service.create(
                session, workspace_id=workspace_of(session, team_id), requester_id=user_id, data=data
            )
            channel = comms_channel(session, team_id)
        if channel:
            posted = client.chat_postMessage(
                channel=channel, text=f"Mapping request #{request.id}", blocks=blocks.card(request)
            )
            with session_scope(services.engine) as session:
                stored = session.get(MappingRequest, request.id)
                assert stored is not None
                stored.card_channel, stored.card_ts = posted["channel"], posted["ts"]
                request = stored
        note = "" if channel else " (no comms channel is set: ask an admin to run `/outreach settings`)"
        client.chat_postMessage(
            channel=user_id,
            text=f"Mapping request #{request.id} sent",
            blocks=blocks.status_dm(request, f"sent to the comms team{note}."),
        )
        for watcher in data.watchers:
            client.chat_postMessage(
                channel=watcher, text=f"<@{user_id}> asked for a digital map: {escape(request.title)} (#{request.id})"
            )

    # Card buttons -----------------------------------------------------------------------------------

    @app.action(blocks.CLAIM)
    def on_claim(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        refusal = apply(client, body, "claim", request_id_of(body))
        if refusal:
            refuse(client, body, refusal)

    @app.action(blocks.CANCEL)
    def on_cancel(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        refusal = apply(client, body, "cancel", request_id_of(body))
        if refusal:
            refuse(client, body, refusal)

    @app.action(blocks.DELIVER)
    def on_deliver(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        refusal = apply(client, body, "deliver", request_id_of(body))
        if refusal:
            refuse(client, body, refusal)

    def comms_modal(ack: Ack, body: dict[str, Any], client: WebClient, view: dict[str, Any]) -> None:
        ack()
        if not is_comms(client, body["team"]["id"], body["user"]["id"]):
            refuse(client, body, "Only the comms team can do that with mapping requests.")
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(blocks.DECLINE)
    def on_decline(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view = mapping_forms.reason_modal(
            blocks.VIEW_DECLINE, request_id_of(body), title="Decline request", label="Why? (the requester sees this)"
        )
        comms_modal(ack, body, client, view)

    @app.action(blocks.ASK)
    def on_ask(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view = mapping_forms.reason_modal(blocks.VIEW_ASK, request_id_of(body), title="Ask a question", label="Your question")
        comms_modal(ack, body, client, view)

    @app.action(blocks.START)
    def on_start(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        if not is_comms(client, team_id, user_id):
            refuse(client, body, "Only the comms team can start a mapping.")
            return
        with Session(services.engine) as session:
            try:
                request = service.get(session, request_id_of(body), workspace_id=workspace_of(session, team_id))
                view = start_view(session, request)
            except (service.RequestError, crawl.MappingInputError) as exc:
                refuse(client, body, str(exc))
                return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def start_view(session: Session, request: MappingRequest) -> dict[str, Any]:
        prices = services.settings.x_prices()
        figures = measuring.start_figures(session, request, prices, utcnow().date())
        return mapping_forms.start_modal(
            request,
            figures.estimates,
            steps=figures.steps,
            measured=figures.measured,
            budget=figures.budget_lines(),
        )

    @app.action(blocks.MEASURE)
    def on_measure(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Run the two measuring steps (their cost was on the button's modal), then show the measured estimates."""
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        if not is_comms(client, team_id, user_id):
            refuse(client, body, "Only the comms team can measure a mapping.")
            return
        request_id = request_id_of(body)
        with Session(services.engine) as session:
            try:
                service.get(session, request_id, workspace_id=workspace_of(session, team_id))  # this workspace's, before X is paid for
            except service.RequestError as exc:
                refuse(client, body, str(exc))
                return
        if services.settings.x_bearer_token is None:
            refuse(client, body, "Measuring needs X_BEARER_TOKEN; the rough guess stands.")
            return
        try:
            measured = measuring.measure(services.engine, request_id, services.clients.x(services.clients.http()))
        except (IntegrationError, crawl.MappingInputError) as exc:
            refuse(client, body, f"Measuring on X failed: {exc}")
            return
        with Session(services.engine) as session:
            request = service.get(session, request_id, workspace_id=workspace_of(session, team_id))
            measuring.save(session, request, measured)
            session.commit()
            view = start_view(session, request)
        client.views_update(view_id=body["view"]["id"], hash=body["view"].get("hash"), view=view)

    @app.action(blocks.RERUN)
    def on_rerun(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        with Session(services.engine) as session:
            try:
                request = service.get(
                    session, request_id_of(body), workspace_id=workspace_of(session, body["team"]["id"])
                )
            except service.RequestError as exc:
                ack()
                refuse(client, body, str(exc))
                return
        if request.crawl_state != CrawlState.done:
            ack()
            refuse(client, body, "The map isn't made yet: communities can be re-run once the analysis is done.")
            return
        comms_modal(ack, body, client, mapping_forms.rerun_modal(request))

    @app.view(blocks.VIEW_RERUN)
    def on_rerun_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        resolution, number, errors = mapping_forms.rerun_values(body["view"]["state"]["values"])
        if errors:
            ack(response_action="errors", errors=errors)
            return
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        if not is_comms(client, team_id, user_id):
            ack(response_action="errors", errors={"resolution": "Only the comms team can re-run communities."})
            return
        request_id = parse_id(body["view"]["private_metadata"], "request")
        with Session(services.engine) as session:
            try:
                service.get(
                    session, request_id, workspace_id=workspace_of(session, team_id)
                )  # the request is this workspace's
            except service.RequestError as exc:
                ack(response_action="errors", errors={"resolution": str(exc)})
                return
        ack()
        made = report.make_report(services.engine, request_id, resolution=resolution, wanted=number)
        with session_scope(services.engine) as session:
            request = service.get(session, request_id)
            audit.log(
                session, "mapping.communities_rerun", request, actor=user_id, resolution=resolution, number=number
            )
        post_rerun(client, request, made, user_id)

    def post_rerun(client: WebClient, request: MappingRequest, made: report.Report, user_id: str) -> None:
        """The new summary and picture in the card's thread (stored data only: no X call)."""
        if not (request.card_channel and request.card_ts):
            return
        count = len(made.analysis.communities)
        text = f"Digital map (communities re-run by <@{user_id}>: {count}): {request.title}"
        channel, thread = request.card_channel, request.card_ts
        summary = blocks.delivery(request, made.analysis, made.slots)
        try:
            client.chat_postMessage(channel=channel, thread_ts=thread, text=text, blocks=summary)
            with Session(services.engine) as session:
                png = report.artefact(session, require_id(request), "png")
            if png:
                client.files_upload_v2(
                    channel=channel,
                    thread_ts=thread,
                    file=png,
                    filename=f"mapping-{request.id}.png",
                    title=f"{request.title} (communities)",
                )
        except SlackApiError as exc:
            log.warning("mapping %s: re-run summary failed: %s", request.id, exc.response.get("error"))

    @app.view(blocks.VIEW_DECLINE)
    def on_decline_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        reason = body["view"]["state"]["values"]["text"]["text"].get("value") or ""
        request_id = parse_id(body["view"]["private_metadata"], "request")
        refusal = apply(client, body, "decline", request_id, reason=reason) if reason.strip() else "Say why."
        if refusal:
            ack(response_action="errors", errors={"text": refusal})
            return
        ack()

    @app.view(blocks.VIEW_ASK)
    def on_ask_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        question = body["view"]["state"]["values"]["text"]["text"].get("value") or ""
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        if not question.strip():
            ack(response_action="errors", errors={"text": "Write the question."})
            return
        if not is_comms(client, team_id, user_id):
            ack(response_action="errors", errors={"text": "Only the comms team can ask about mapping requests."})
            return
        with Session(services.engine) as session:
            try:
                request = service.get(
                    session,
                    parse_id(body["view"]["private_metadata"], "request"),
                    workspace_id=workspace_of(session, body["team"]["id"]),
                )
            except service.RequestError as exc:
                ack(response_action="errors", errors={"text": str(exc)})
                return
        ack()
        text = f"<@{request.requester_id}>, a question from <@{user_id}> about *{escape(request.title)}*:\n>{escape(question)}"
        if request.card_channel and request.card_ts:
            client.chat_postMessage(channel=request.card_channel, thread_ts=request.card_ts, text=text)
        client.chat_postMessage(
            channel=request.requester_id, text=text + "\n_Reply in the request's thread in the comms channel, or here._"
        )
        with session_scope(services.engine) as session:
            audit.log(session, "mapping.asked", request, actor=user_id)

    @app.view(blocks.VIEW_START)
    def on_start_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
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
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with Session(services.engine) as session:
            try:
                request = service.get(session, request_id, workspace_id=workspace_of(session, team_id))
            except service.RequestError as exc:
                ack(response_action="errors", errors={"budget_money": str(exc)})
                return
            figures = measuring.start_figures(session, request, services.settings.x_prices(), utcnow().date())
        chosen = next((e for e in figures.estimates if e.strategy == strategy), None)
        if chosen is None or strategy not in figures.checks:
            ack(response_action="errors", errors={"strategy": "Choose one of the strategies offered."})
            return
        over = figures.checks[strategy]
        if over.crosses and not services.roles.is_admin(client, team_id=team_id, user_id=user_id):
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
        refusal = apply(client, body, "start", request_id)
        if refusal:
            refuse(client, body, refusal)
            return
        with session_scope(services.engine) as session:
            request = service.get(session, request_id)
            request.budget_money, request.budget_calls = money, calls
            crawl.approve(session, request, strategy=strategy, by=body["user"]["id"], now=utcnow())
            measuring.promise(session, request, strategy, services.settings.x_prices())
            if over.crosses:
                audit.log(
                    session,
                    "budget.crossed_approved",
                    request,
                    actor=user_id,
                    estimate=chosen.cost,
                    month_to_date=over.spent,
                    budget=over.budget,
                )

    # /outreach map ... ----------------------------------------------------------------------------------

    def handle_map(ctx: CommandContext) -> None:
        words = ctx.parsed.words()
        action = words[0].lower() if words else "new"
        if action == "new":
            ctx.ack()
            open_form(ctx.client, ctx.trigger_id)
            return
        if action == "list":
            comms = is_comms(ctx.client, ctx.team_id, ctx.user_id)
            today = utcnow().date()
            with Session(services.engine) as session:
                if comms:
                    rows = service.queue(session, workspace_id=workspace_of(session, ctx.team_id), today=today)
                    title = "Mapping queue (overdue first, then by status and age)"
                else:
                    rows = service.mine(session, workspace_id=workspace_of(session, ctx.team_id), user_id=ctx.user_id)
                    title = "Your mapping requests"
                lines = [blocks.request_line(r, today=today, overdue=service.is_overdue(r, today)) for r in rows]
            ctx.ack(text=title, blocks=blocks.request_list(title, lines))
            return
        if action in ("show", "cancel"):
            try:
                request_id = parse_id(words[1] if len(words) > 1 else "", "request")
            except ParseError as exc:
                ctx.error(f"`map {action}` needs the request's number, e.g. `/outreach map {action} 12` ({exc}).")
                return
            if action == "show":
                with Session(services.engine) as session:
                    try:
                        request = service.get(session, request_id, workspace_id=workspace_of(session, ctx.team_id))
                    except service.RequestError as exc:
                        ctx.error(str(exc))
                        return
                ctx.ack(text=f"Mapping request #{request_id}", blocks=blocks.show(request))
                return
            body = {"team": {"id": ctx.team_id}, "user": {"id": ctx.user_id}}
            refusal = apply(ctx.client, body, "cancel", request_id)
            ctx.ack(text=refusal or f"Mapping request #{request_id} is cancelled.")
            return
        ctx.error(f"I don't know `map {escape(action)}`. {USAGE}")

    return {"map": handle_map}
