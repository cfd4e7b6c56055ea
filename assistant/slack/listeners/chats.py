"""`/outreach chat ...`, the chat modals and the chat buttons: thin listeners over assistant.services.chats."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from assistant.models.base import require_id, utcnow
from assistant.models.chats import ChatOccurrence, ChatSeries, ChatStatus, PostStatus
from assistant.models.codecs import BadValue, ChatItem, ChatPostRef, SheetRef
from assistant.models.platforms import CROSS_POST_NETWORKS, Platform
from assistant.models.workspaces import Workspace
from assistant.render.ics import chat_calendar
from assistant.render.mrkdwn import code, escape
from assistant.services.chats import signoff
from assistant.services.chats.clashes import clashes, upcoming
from assistant.services.chats.form import MANUAL_HOST, ChatInput, ChatInputError, host_choices, validate
from assistant.services.chats.posts import intro_is_public, post_row, record_post
from assistant.services.chats.repo import (
    can_change,
    cancel,
    create_chat,
    get_chat,
    moderators_of,
    next_occurrence,
    occurrences_of,
    questions_of,
    set_questions,
    update_chat,
)
from assistant.services.chats.signoff import APPROVED, CHANGES_REQUESTED, run_sheet, sheet_hash
from assistant.services.chats.texts import guest_notice
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.blocks import chat_inputs, chat_messages, common
from assistant.slack.blocks import chats as blocks
from assistant.slack.blocks.mapping import SCHEDULE_CHAT_ACTIONS
from assistant.slack.context import Services
from assistant.slack.listeners.commands import CommandContext, Handler
from assistant.slack.parse import ParseError, parse_date, parse_id, parse_json_object
from integrations.x.cost import Prices

log = logging.getLogger(__name__)

ONLY_MODERATORS = "Only this chat's moderators and comms members can do that."
USAGE = (
    "Usage: `/outreach chat new` · `list` · `show ID` · `edit ID` · `questions ID` · `ics ID` · "
    "`cancel ID` (next sitting) · `cancel ID --date 2026-12-03` · `cancel ID --series`"
)


def register(app: App, services: Services) -> Mapping[str, Handler]:
    """Register the chat modals and buttons; return the `chat` subcommand."""

    def workspace_id(team_id: str) -> int:
        with Session(services.engine) as session:
            workspace = ensure_workspace(session, slack_team_id=team_id, timezone=services.settings.default_timezone)
            session.commit()
            return require_id(workspace)

    def is_comms(client: WebClient, team_id: str, user_id: str) -> bool:
        return services.roles.is_comms(client, team_id=team_id, user_id=user_id)

    def prices() -> Prices:
        return services.settings.x_prices()

    # /outreach chat ...

    def handle_chat(ctx: CommandContext) -> None:
        words = ctx.parsed.words()
        action = words[0].lower() if words else "list"
        if action == "new":
            ctx.ack()
            open_chat_modal(ctx.client, ctx.trigger_id, ctx.team_id, ctx.user_id, ctx.channel_id)
            return
        if action == "list":
            with Session(services.engine) as session:
                rows = upcoming(session, workspace_id(ctx.team_id), utcnow())
                ctx.ack(text="Upcoming hashtag chats", blocks=chat_messages.list_blocks(rows))
            return
        if action not in ("show", "edit", "cancel", "ics", "questions"):
            ctx.error(f"I don't know `chat {escape(action)}`. {USAGE}")
            return
        try:
            series_id = parse_id(words[1] if len(words) > 1 else "", "chat")
        except ParseError as exc:
            ctx.error(
                f"`chat {action}` needs the chat's number, e.g. `/outreach chat {action} 12` (see `/outreach chat list`)"
                f" ({exc})."
            )
            return
        with Session(services.engine) as session:
            series = get_chat(session, workspace_id(ctx.team_id), series_id)
            if series is None:
                ctx.error(f"There is no chat {series_id} in this workspace; `/outreach chat list` shows them.")
                return
            if action in ("edit", "cancel", "questions") and not can_change(
                session, series, ctx.user_id, is_comms=is_comms(ctx.client, ctx.team_id, ctx.user_id)
            ):
                ctx.error(
                    f"You can't {action} chat {series_id}: only its creator, its moderators and comms members may."
                )
                return
            if action == "show":
                occurrence = next_occurrence(session, series_id, utcnow())
                sheet = run_sheet(session, series, occurrence=occurrence, prices=prices())
                ctx.ack(text=f"Run sheet of #{series.hashtag}", blocks=chat_messages.run_sheet_blocks(sheet))
            elif action == "edit":
                ctx.ack()
                open_chat_modal(
                    ctx.client, ctx.trigger_id, ctx.team_id, ctx.user_id, ctx.channel_id, series=series, session=session
                )
            elif action == "questions":
                ctx.ack()
                text = "\n".join(f"{q.offset_minutes} | {q.text}" for q in questions_of(session, series_id))
                ctx.client.views_open(trigger_id=ctx.trigger_id, view=blocks.questions_modal(series, text))
            elif action == "ics":
                ctx.ack(text=f"Uploading the calendar file of #{escape(series.hashtag)}…")
                upload_ics(ctx.client, session, series, ctx.channel_id, ctx.user_id)
            else:
                cancel_chat(ctx, session, series)

    def cancel_chat(ctx: CommandContext, session: Session, series: ChatSeries) -> None:
        options = ctx.parsed.options
        now = utcnow()
        occurrence_id: int | None = None
        if not options.get("series"):
            planned = [
                o
                for o in occurrences_of(session, require_id(series))
                if o.status == ChatStatus.scheduled and o.end_at > now
            ]
            wanted = options.get("date")
            if isinstance(wanted, str):
                try:
                    day = parse_date(wanted, "--date")
                except ParseError:
                    ctx.error(f"--date must look like 2026-12-03, got {code(wanted)}.")
                    return
                planned = [o for o in planned if o.start_at.astimezone(ZoneInfo(series.timezone)).date() == day]
            if not planned:
                ctx.error(
                    f"Chat {series.id} has no upcoming sitting{' on ' + escape(str(wanted)) if wanted else ''} to cancel."
                )
                return
            occurrence_id = planned[0].id
            if len(occurrences_of(session, require_id(series))) == 1:
                occurrence_id = None  # a one-off: cancelling its sitting cancels the chat
        moderators = [m.slack_user_id for m in moderators_of(session, require_id(series))]
        done = cancel(session, series, actor=ctx.user_id, now=now, occurrence_id=occurrence_id)
        when = [o.start_at for o in done]
        text = chat_messages.cancelled_text(series, when, occurrence_id is None, ctx.user_id)
        under_way = not series.manual and any(intro_is_public(session, o) for o in done)
        guests = (
            chat_messages.guest_notice_text(
                series.guests,
                guest_notice(series, when, whole=occurrence_id is None),
                public=under_way,
            )
            if series.guests
            else ""
        )
        ctx.ack(text=f"Cancelled. Everyone involved is told: {text}" + (f"\n{guests}" if guests else ""))
        notify(ctx.client, moderators, text + (f"\n{guests}" if guests else ""))
        notify(ctx.client, [series.channel_id], text)

    def notify(client: WebClient, targets: list[str], text: str) -> None:
        for target in dict.fromkeys(targets):
            try:
                channel = target
                if target.startswith(("U", "W")):
                    channel = client.conversations_open(users=target)["channel"]["id"]
                client.chat_postMessage(channel=channel, text=text)
            except SlackApiError as exc:
                log.warning("could not tell %s: %s", target, exc.response.get("error"))

    def upload_ics(client: WebClient, session: Session, series: ChatSeries, channel_id: str, user_id: str) -> None:
        data = ics_bytes(session, series)
        try:
            client.files_upload_v2(
                channel=channel_id,
                content=data,
                filename=f"chat-{series.id}-{series.hashtag}.ics",
                title=f"#{series.hashtag}: {series.title}",
            )
        except SlackApiError as exc:
            client.chat_postEphemeral(
                channel=channel_id,
                user=user_id,
                text=f"I couldn't upload the calendar file ({exc.response.get('error')}).",
            )

    def ics_bytes(session: Session, series: ChatSeries) -> bytes:
        occurrences = occurrences_of(session, require_id(series))
        sheet = run_sheet(session, series)
        return chat_calendar(series, occurrences, sheet.items, organizer_name=f"#{series.hashtag} moderators")

    def open_chat_modal(
        client: WebClient,
        trigger_id: str,
        team_id: str,
        user_id: str,
        channel_id: str,
        *,
        series: ChatSeries | None = None,
        session: Session | None = None,
        prefill: dict[str, Any] | None = None,
    ) -> None:
        tz = services.settings.default_timezone
        try:
            tz = client.users_info(user=user_id)["user"].get("tz") or tz
        except SlackApiError:
            pass
        with Session(services.engine) as own:
            hosts = host_pairs(own, workspace_id(team_id))
            values = prefill
            if series is not None:
                values = modal_values(own, series)
        view = blocks.chat_modal(
            hosts=hosts, timezone=tz, channel_id=channel_id, values=values, series_id=series.id if series else None
        )
        client.views_open(trigger_id=trigger_id, view=view)

    def modal_values(session: Session, series: ChatSeries) -> dict[str, Any]:
        options = [p for p in series.platforms if p != Platform.x]
        if series.classic_style:
            options.append("classic")
        if series.requires_approval:
            options.append("approval")
        return {
            "hashtag": series.hashtag,
            "title": series.title,
            "description": series.description,
            "start_date": series.start_date.isoformat(),
            "start_time": f"{series.start_time:%H:%M}",
            "timezone": series.timezone,
            "duration": series.duration_minutes,
            "recurrence": series.recurrence,
            "until": series.recurrence_until.isoformat() if series.recurrence_until else None,
            "count": series.recurrence_count,
            "host": str(series.host_credential_id) if series.host_credential_id else "manual",
            "moderators": [m.slack_user_id for m in moderators_of(session, require_id(series)) if not m.lead],
            "guests": " ".join(series.guests),
            "moderator_handles": " ".join(f"@{h}" for h in series.co_moderators or ()),
            "channel": series.channel_id,
            "questions": "\n".join(f"{q.offset_minutes} | {q.text}" for q in questions_of(session, require_id(series))),
            "template": series.template,
            "options": options,
        }

    def member_check(client: WebClient, team_id: str) -> Callable[[str], bool]:
        def is_member(user_id: str) -> bool:
            try:
                user = client.users_info(user=user_id)["user"]
            except SlackApiError:
                return False
            return not user.get("deleted") and user.get("team_id", team_id) == team_id and not user.get("is_bot")

        return is_member

    # The schedule / edit modal

    @app.view(blocks.CHAT_MODAL)
    def submit_chat(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        form = form_from_state(view["state"]["values"])
        series_id = parse_id(view["private_metadata"], "chat") if view.get("private_metadata") else None
        now = utcnow()
        ws = workspace_id(team_id)
        with Session(services.engine) as session:
            existing = get_chat(session, ws, series_id) if series_id else None
            if series_id and (
                existing is None
                or not can_change(session, existing, user_id, is_comms=is_comms(client, team_id, user_id))
            ):
                ack(
                    response_action="errors",
                    errors={
                        blocks.FIELD_BLOCKS[
                            "hashtag"
                        ]: "You may not edit this chat: only its creator, its moderators and comms members may."
                    },
                )
                return
            try:
                valid = validate(
                    session,
                    form,
                    workspace_id=ws,
                    now=now,
                    is_member=member_check(client, team_id),
                    check_start=existing is None,
                )
            except ChatInputError as exc:
                ack(
                    response_action="errors",
                    errors={
                        blocks.FIELD_BLOCKS.get(k, blocks.FIELD_BLOCKS["hashtag"]): v for k, v in exc.errors.items()
                    },
                )
                return
            ack()
            warnings = valid.warnings + clashes(session, valid, workspace_id=ws, exclude_series=series_id)
            if existing is None:
                series = create_chat(session, valid, workspace_id=ws, actor=user_id, now=now)
            else:
                series = update_chat(session, existing, valid, actor=user_id, now=now)
            occurrence = next_occurrence(session, require_id(series), now)
            sheet = run_sheet(session, series, occurrence=occurrence, prices=prices())
            verb = "Scheduled" if existing is None else "Updated"
            client.chat_postMessage(
                channel=user_id,
                text=f"{verb} #{series.hashtag} (chat {series.id})",
                blocks=chat_messages.run_sheet_blocks(sheet, title=f"{verb}: #{series.hashtag}", warnings=warnings),
            )
            if series.requires_approval and sheet.unapproved:
                request_approval(client, session, series, team_id, user_id)

    def request_approval(client: WebClient, session: Session, series: ChatSeries, team_id: str, user_id: str) -> None:
        workspace = session.get(Workspace, series.workspace_id)
        channel = (
            (workspace.comms_channel_id if workspace else None)
            or services.settings.slack_comms_channel
            or series.channel_id
        )
        sheet = run_sheet(session, series, prices=prices())
        client.chat_postMessage(
            channel=channel,
            text=f"Sign-off needed for #{series.hashtag}",
            blocks=chat_messages.approval_blocks(sheet, sheet_hash(sheet), user_id),
        )

    @app.view(blocks.QUESTIONS_MODAL)
    def submit_questions(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        raw = state_value(view["state"]["values"], "questions") or ""
        with Session(services.engine) as session:
            series = get_chat(session, workspace_id(team_id), parse_id(view.get("private_metadata"), "chat"))
            if series is None or not can_change(
                session, series, user_id, is_comms=is_comms(client, team_id, user_id)
            ):
                ack(
                    response_action="errors",
                    errors={blocks.FIELD_BLOCKS["questions"]: "You may not change this chat's questions."},
                )
                return
            try:
                set_questions(session, series, str(raw), actor=user_id)
            except ChatInputError as exc:
                ack(response_action="errors", errors={blocks.FIELD_BLOCKS["questions"]: exc.errors["questions"]})
                return
            ack()
            sheet = run_sheet(
                session,
                series,
                occurrence=next_occurrence(session, require_id(series), utcnow()),
                prices=prices(),
            )
            client.chat_postMessage(
                channel=user_id,
                text=f"Questions of #{series.hashtag} saved",
                blocks=chat_messages.run_sheet_blocks(sheet, title=f"Questions saved: #{series.hashtag}"),
            )
            if series.requires_approval and sheet.unapproved:
                request_approval(client, session, series, team_id, user_id)

    # Sign-off

    def decide(decision: str, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        try:
            ref: SheetRef | None = SheetRef.decode(str(body["actions"][0].get("value", "")))
        except BadValue:
            ref = None
        if not is_comms(client, team_id, user_id):
            respond(
                text="Only comms members can sign off chat questions.",
                replace_original=False,
                response_type="ephemeral",
            )
            return
        with Session(services.engine) as session:
            series = get_chat(session, workspace_id(team_id), ref.series_id) if ref else None
            if series is None:
                respond(text="That chat no longer exists.", replace_original=False)
                return
            try:
                sheet = signoff.decide(
                    session,
                    series,
                    decision=decision,
                    actor=user_id,
                    expected_hash=ref.sheet_hash if ref else "",
                    now=utcnow(),
                )
            except ValueError as exc:
                respond(text=str(exc), replace_original=False, response_type="ephemeral")
                return
            verdict = "approved" if decision == APPROVED else "asked for changes to"
            respond(
                replace_original=True,
                text=f"<@{user_id}> {verdict} the run sheet of #{series.hashtag}",
                blocks=[
                    *chat_messages.run_sheet_blocks(sheet)[:48],
                    common.context(f"<@{user_id}> {verdict} this run sheet."),
                ],
            )
            notify(
                client,
                [series.created_by],
                f"<@{user_id}> {verdict} the questions of #{escape(series.hashtag)} (chat {series.id}).",
            )

    @app.action(blocks.APPROVE)
    def approve(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        decide(APPROVED, ack, body, respond, client)

    @app.action(blocks.REQUEST_CHANGES)
    def request_changes(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        decide(CHANGES_REQUESTED, ack, body, respond, client)

    # Hand-over, missed questions

    def item_target(session: Session, value: str, team_id: str) -> tuple[ChatSeries, ChatOccurrence, str, str] | None:
        parse_id(value.partition("|")[0], "chat")  # a crafted value gets a specific answer (slack/errors.py)
        try:
            ref = ChatPostRef.decode(value)
        except BadValue:
            return None
        occurrence = session.get(ChatOccurrence, ref.occurrence_id)
        if occurrence is None:
            return None
        series = get_chat(session, workspace_id(team_id), occurrence.series_id)
        return (series, occurrence, ref.item, ref.platform) if series else None

    @app.action(blocks.POSTED)
    def posted(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        value = str(body["actions"][0].get("value", ""))
        with Session(services.engine) as session:
            target = item_target(session, value, team_id)
            if target is None:
                respond(text="That chat no longer exists.", replace_original=False, response_type="ephemeral")
                return
            if not can_change(session, target[0], user_id, is_comms=is_comms(client, team_id, user_id)):
                respond(text=ONLY_MODERATORS, replace_original=False, response_type="ephemeral")
                return
            sheet = run_sheet(session, target[0])
            text = next((i.text for i in sheet.items if i.item == target[2]), "")
        client.views_open(trigger_id=body["trigger_id"], view=blocks.posted_modal(value, text))

    @app.view(blocks.POSTED_MODAL)
    def record_posted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        link = str(state_value(view["state"]["values"], "link") or "").strip()
        if not link.startswith(("https://", "http://")):
            ack(response_action="errors", errors={blocks.LINK_BLOCK: "Paste the post's link, starting with https://"})
            return
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with Session(services.engine) as session:
            target = item_target(session, view.get("private_metadata", ""), team_id)
            if target is None:
                ack(response_action="errors", errors={blocks.LINK_BLOCK: "That chat no longer exists."})
                return
            series, occurrence, item, platform = target
            if not can_change(session, series, user_id, is_comms=is_comms(client, team_id, user_id)):
                ack(response_action="errors", errors={blocks.LINK_BLOCK: ONLY_MODERATORS})
                return
            ack()
            sheet = run_sheet(session, series)
            text = next((i.text for i in sheet.items if i.item == item), "")
            record_post(
                session,
                require_id(occurrence),
                item,
                platform,
                PostStatus.manual_posted,
                text=text,
                url=link,
                by=user_id,
                post_id=link.rstrip("/").rsplit("/", 1)[-1],
            )

    def missed_choice(status: PostStatus, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with Session(services.engine) as session:
            target = item_target(session, str(body["actions"][0].get("value", "")), team_id)
            if target is None:
                respond(text="That chat no longer exists.", replace_original=False)
                return
            series, occurrence, item, platform = target
            if not can_change(session, series, user_id, is_comms=is_comms(client, team_id, user_id)):
                respond(text=ONLY_MODERATORS, replace_original=False)
                return
            existing = post_row(session, require_id(occurrence), item, platform)
            if existing is not None and existing.status in (
                PostStatus.posted,
                PostStatus.manual_posted,
                PostStatus.skipped,
            ):
                respond(text=f"Already {existing.status.replace('_', ' ')}.", replace_original=False)
                return
            record_post(session, require_id(occurrence), item, platform, status, by=user_id)
            label = "will be posted within a few seconds" if status is PostStatus.post_now else "skipped"
            respond(replace_original=True, text=f"{ChatItem.decode(item).short} {label} (<@{user_id}>).")

    @app.action(blocks.POST_NOW)
    def post_now(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        missed_choice(PostStatus.post_now, ack, body, respond, client)

    @app.action(blocks.SKIP)
    def skip(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        missed_choice(PostStatus.skipped, ack, body, respond, client)

    def host_pairs(session: Session, workspace: int) -> list[tuple[str, str]]:
        return [
            (
                str(c.id),
                f"{c.platform.upper() if c.platform == 'x' else c.platform.capitalize()} @{c.handle or c.account_id}",
            )
            for c in host_choices(session, workspace)
        ]

    @app.options(chat_inputs.HOST_SEARCH)
    def search_hosts(ack: Ack, body: dict[str, Any]) -> None:
        """The host menu of a team with more accounts than one Slack menu holds: filtered as the person types."""
        with Session(services.engine) as session:
            hosts = host_pairs(session, workspace_id(body["team"]["id"]))
        ack(options=chat_inputs.host_search_options(hosts, str(body.get("value") or "")))

    @app.action(SCHEDULE_CHAT_ACTIONS)
    def schedule_from_mapping(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        """A mapping delivery's "Schedule a chat on #tag": the schedule modal with that hashtag filled in."""
        ack()
        hashtag = str(parse_json_object(action.get("value"), "button value").get("hashtag") or "")
        channel_id = (body.get("channel") or {}).get("id", "")
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        prefill = {"hashtag": hashtag} if hashtag else None
        open_chat_modal(client, body["trigger_id"], team_id, user_id, channel_id, prefill=prefill)

    return {"chat": handle_chat}


def state_value(values: dict[str, Any], field: str) -> Any:
    """The value of one modal input, whatever its element type (the questions joined from every part)."""
    if field == "questions":
        return chat_inputs.questions_from_state(values)
    block = values.get(blocks.FIELD_BLOCKS.get(field, blocks.LINK_BLOCK if field == "link" else field)) or {}
    element = block.get(blocks.VALUE) or block.get(chat_inputs.HOST_SEARCH) or {}
    for key in ("value", "selected_date", "selected_time", "selected_conversation", "selected_channel"):
        if key in element:
            return element[key]
    if "selected_option" in element:
        return (element["selected_option"] or {}).get("value")
    if "selected_users" in element:
        return list(element["selected_users"] or [])
    if "selected_options" in element:
        return [o["value"] for o in element["selected_options"] or []]
    return None


def form_from_state(values: dict[str, Any]) -> ChatInput:
    """The modal's state as a ChatInput for the service."""

    def get(field: str) -> Any:
        return state_value(values, field)

    options = get("options") or []
    return ChatInput(
        hashtag=get("hashtag"),
        title=get("title"),
        start_date=get("start_date"),
        start_time=get("start_time"),
        timezone=get("timezone"),
        duration=get("duration"),
        description=get("description") or "",
        recurrence=get("recurrence") or "none",
        until=get("until"),
        count=get("count"),
        host=get("host") or MANUAL_HOST,
        moderators=get("moderators") or [],
        guests=get("guests") or "",
        moderator_handles=get("moderator_handles") or "",
        channel_id=get("channel"),
        questions=get("questions") or "",
        template=get("template") or "",
        cross_post=[o for o in options if o in CROSS_POST_NETWORKS],
        classic_style="classic" in options,
        requires_approval="approval" in options,
    )
