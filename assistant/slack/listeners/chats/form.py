"""The chat schedule / edit modal and the questions modal: opened, searched, submitted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.models.base import require_id, utcnow
from assistant.models.chats import ChatSeries
from assistant.models.workspaces import Workspace
from assistant.services.chats.editing import current_sheet, form_values, save_chat
from assistant.services.chats.form import ChatInputError, host_choices, validate
from assistant.services.chats.repo import can_change, get_chat, set_questions
from assistant.slack.blocks import chat_inputs, chat_messages
from assistant.slack.blocks import chats as blocks
from assistant.slack.context import Services, Viewer
from assistant.slack.listeners.chats.notices import request_sign_off
from assistant.slack.parse import parse_id, parse_json_object

NOT_YOURS = "You may not edit this chat: only its creator, its moderators and comms members may."


def open_chat_modal(
    client: WebClient,
    services: Services,
    workspace: Workspace,
    trigger_id: str,
    user_id: str,
    channel_id: str,
    *,
    series: ChatSeries | None = None,
    prefill: dict[str, Any] | None = None,
) -> None:
    """The schedule modal (empty, prefilled, or with `series` to edit), in the person's own time zone."""
    tz = services.settings.default_timezone
    try:
        tz = client.users_info(user=user_id)["user"].get("tz") or tz
    except SlackApiError:
        pass
    with services.session() as session:
        hosts = chat_inputs.host_pairs(host_choices(session, require_id(workspace)))
        values = form_values(session, series) if series is not None else prefill
    view = blocks.chat_modal(
        hosts=hosts, timezone=tz, channel_id=channel_id, values=values, series_id=series.id if series else None
    )
    client.views_open(trigger_id=trigger_id, view=view)


def member_check(client: WebClient, team_id: str) -> Callable[[str], bool]:
    """Whether a Slack user may moderate: a live, human member of this team."""

    def is_member(user_id: str) -> bool:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError:
            return False
        return not user.get("deleted") and user.get("team_id", team_id) == team_id and not user.get("is_bot")

    return is_member


def on_submit(ack: Ack, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The schedule modal: a new chat, or changes by its creator, moderators or comms; each field checked."""
    viewer: Viewer = context["viewer"]
    services: Services = context["services"]
    workspace: Workspace = context["workspace"]
    form = blocks.read_chat_form(view["state"]["values"])
    series_id = parse_id(view["private_metadata"], "chat") if view.get("private_metadata") else None
    now = utcnow()
    ws = require_id(workspace)
    with context["session"]() as session:
        existing = get_chat(session, ws, series_id) if series_id else None
        if series_id and (
            existing is None or not can_change(session, existing, viewer.user_id, is_comms=viewer.is_comms)
        ):
            ack(response_action="errors", errors={blocks.FIELD_BLOCKS["hashtag"]: NOT_YOURS})
            return
        try:
            valid = validate(
                session,
                form,
                workspace_id=ws,
                now=now,
                is_member=member_check(client, viewer.team_id),
                check_start=existing is None,
            )
        except ChatInputError as exc:
            ack(response_action="errors", errors=blocks.form_errors(exc))
            return
        ack()
        saved = save_chat(
            session,
            valid,
            workspace_id=ws,
            existing=existing,
            actor=viewer.user_id,
            now=now,
            prices=services.settings.x_prices(),
        )
        series = saved.series
        client.chat_postMessage(
            channel=viewer.user_id,
            text=chat_messages.saved_text(series, created=saved.created),
            blocks=chat_messages.run_sheet_blocks(
                saved.sheet, title=chat_messages.saved_title(series, created=saved.created), warnings=saved.warnings
            ),
        )
        if saved.needs_sign_off:
            request_sign_off(client, services, workspace, session, series, viewer.user_id)


def on_questions(ack: Ack, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The questions modal: saved when the person may change the chat; the new run sheet sent back."""
    viewer: Viewer = context["viewer"]
    services: Services = context["services"]
    workspace: Workspace = context["workspace"]
    raw = blocks.state_value(view["state"]["values"], "questions") or ""
    with context["session"]() as session:
        series = get_chat(session, require_id(workspace), parse_id(view.get("private_metadata"), "chat"))
        if series is None or not can_change(session, series, viewer.user_id, is_comms=viewer.is_comms):
            ack(
                response_action="errors",
                errors={blocks.FIELD_BLOCKS["questions"]: "You may not change this chat's questions."},
            )
            return
        try:
            set_questions(session, series, str(raw), actor=viewer.user_id)
        except ChatInputError as exc:
            ack(response_action="errors", errors={blocks.FIELD_BLOCKS["questions"]: exc.errors["questions"]})
            return
        ack()
        sheet = current_sheet(session, series, now=utcnow(), prices=services.settings.x_prices())
        client.chat_postMessage(
            channel=viewer.user_id,
            text=f"Questions of #{series.hashtag} saved",
            blocks=chat_messages.run_sheet_blocks(sheet, title=f"Questions saved: #{series.hashtag}"),
        )
        if series.requires_approval and sheet.unapproved:
            request_sign_off(client, services, workspace, session, series, viewer.user_id)


def search_hosts(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The host menu of a team with more accounts than one Slack menu holds: filtered as the person types."""
    with context["session"]() as session:
        hosts = chat_inputs.host_pairs(host_choices(session, require_id(context["workspace"])))
    ack(options=chat_inputs.host_search_options(hosts, str(body.get("value") or "")))


def schedule_from_mapping(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A mapping delivery's "Schedule a chat on #tag": the schedule modal with that hashtag filled in."""
    ack()
    hashtag = str(parse_json_object(action.get("value"), "button value").get("hashtag") or "")
    channel_id = (body.get("channel") or {}).get("id", "")
    prefill = {"hashtag": hashtag} if hashtag else None
    open_chat_modal(
        client,
        context["services"],
        context["workspace"],
        body["trigger_id"],
        context["viewer"].user_id,
        channel_id,
        prefill=prefill,
    )
