"""Block Kit for hashtag chats: the scheduling modal, run sheet, list, sign-off, reminders and hand-over messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from assistant.models.base import require_id
from assistant.models.chats import ChatSeries
from assistant.models.codecs import SheetRef
from assistant.render.mrkdwn import escape
from assistant.services.chats.clashes import Upcoming
from assistant.services.chats.signoff import RunSheet, SheetItem
from assistant.slack.blocks.chat_inputs import (
    MANUAL_HOST_OPTION,
    QUESTIONS_BLOCK,
    VALUE,
    host_menu,
    option,
    plain_text,
    question_inputs,
)
from assistant.slack.blocks.common import Block, actions, button, context, header, section

# Callback ids of modals
CHAT_MODAL = "chat_modal"
QUESTIONS_MODAL = "chat_questions_modal"
POSTED_MODAL = "chat_posted_modal"
VIEW_CALLBACKS = (CHAT_MODAL, QUESTIONS_MODAL, POSTED_MODAL)

# Action ids of buttons
APPROVE = "chat_approve"
REQUEST_CHANGES = "chat_request_changes"
POSTED = "chat_posted"
POST_NOW = "chat_post_now"
SKIP = "chat_skip"
ACTIONS = (APPROVE, REQUEST_CHANGES, POSTED, POST_NOW, SKIP)

# Block ids of the modal inputs, by the service's field names; every input's action_id is VALUE.
FIELD_BLOCKS = {
    "hashtag": "chat_hashtag",
    "title": "chat_title",
    "description": "chat_description",
    "start_date": "chat_start_date",
    "start_time": "chat_start_time",
    "timezone": "chat_timezone",
    "duration": "chat_duration",
    "recurrence": "chat_recurrence",
    "until": "chat_until",
    "count": "chat_count",
    "host": "chat_host",
    "moderators": "chat_moderators",
    "guests": "chat_guests",
    "moderator_handles": "chat_moderator_handles",
    "channel": "chat_channel",
    "questions": QUESTIONS_BLOCK,
    "template": "chat_template",
    "options": "chat_options",
}
LINK_BLOCK = "chat_post_link"
RECURRENCES = (
    ("none", "Does not repeat"),
    ("weekly", "Weekly"),
    ("fortnightly", "Every two weeks"),
    ("monthly", "Monthly, same weekday (e.g. 2nd Thursday)"),
)
OPTIONS = (
    ("mastodon", "Cross-post on Mastodon (500 characters)"),
    ("bluesky", "Cross-post on Bluesky (300 characters)"),
    ("classic", "Classic short style: warn above 140 characters"),
    ("approval", "Questions need sign-off before they are posted"),
)


def _input(field: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = "") -> Block:
    block: Block = {
        "type": "input",
        "block_id": FIELD_BLOCKS[field],
        "label": plain_text(label),
        "element": {"action_id": VALUE, **element},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain_text(hint)
    return block


def _plain(
    initial: str = "", *, multiline: bool = False, placeholder: str = "", max_length: int | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = plain_text(placeholder)
    if max_length:
        element["max_length"] = max_length
    return element


def chat_modal(
    *,
    hosts: Sequence[tuple[str, str]],
    timezone: str,
    channel_id: str,
    values: dict[str, Any] | None = None,
    series_id: int | None = None,
) -> dict[str, Any]:
    """The schedule (or edit) modal; `hosts` are (value, label) of the team's accounts, 'manual' added last."""
    v = values or {}
    host_options = [option(value, label) for value, label in hosts] + [option(*MANUAL_HOST_OPTION)]
    host_initial = next(
        (o for o in host_options if o["value"] == str(v.get("host", host_options[0]["value"]))), host_options[0]
    )
    recurrence_options = [option(value, label) for value, label in RECURRENCES]
    recurrence_initial = next(o for o in recurrence_options if o["value"] == v.get("recurrence", "none"))
    option_boxes = [option(value, label) for value, label in OPTIONS]
    chosen = [o for o in option_boxes if o["value"] in v.get("options", ())]
    date_element: dict[str, Any] = {"type": "datepicker"}
    if v.get("start_date"):
        date_element["initial_date"] = v["start_date"]
    time_element: dict[str, Any] = {"type": "timepicker"}
    if v.get("start_time"):
        time_element["initial_time"] = v["start_time"]
    until_element: dict[str, Any] = {"type": "datepicker"}
    if v.get("until"):
        until_element["initial_date"] = v["until"]
    moderators: dict[str, Any] = {"type": "multi_users_select"}
    if v.get("moderators"):
        moderators["initial_users"] = list(v["moderators"])
    options_element: dict[str, Any] = {"type": "checkboxes", "options": option_boxes}
    if chosen:
        options_element["initial_options"] = chosen
    blocks = [
        _input("hashtag", "Hashtag", _plain(v.get("hashtag", ""), placeholder="#ukfechat", max_length=101)),
        _input(
            "title", "Title", _plain(v.get("title", ""), placeholder="Thursday chat with our guest", max_length=200)
        ),
        _input("description", "Description", _plain(v.get("description", ""), multiline=True), optional=True),
        _input("start_date", "Start date", date_element),
        _input("start_time", "Start time", time_element),
        _input(
            "timezone",
            "Time zone (IANA name)",
            _plain(v.get("timezone", timezone), max_length=64),
            hint="Times are planned in this zone, e.g. Europe/London.",
        ),
        _input(
            "duration",
            "Duration (minutes)",
            {
                "type": "number_input",
                "is_decimal_allowed": False,
                "min_value": "10",
                "max_value": "1440",
                "initial_value": str(v.get("duration", 60)),
            },
        ),
        _input(
            "recurrence",
            "Repeats",
            {"type": "static_select", "options": recurrence_options, "initial_option": recurrence_initial},
        ),
        _input("until", "Repeat until", until_element, optional=True),
        _input(
            "count",
            "…or this many times",
            {
                "type": "number_input",
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": "500",
                **({"initial_value": str(v["count"])} if v.get("count") else {}),
            },
            optional=True,
        ),
        _input("host", "Host account", host_menu(host_options, host_initial)),
        _input("moderators", "Co-moderators", moderators, optional=True),
        _input(
            "moderator_handles",
            "Co-moderators' public handles (the digest reads their questions and replies)",
            _plain(v.get("moderator_handles", ""), placeholder="@cohost @name@mastodon.social"),
            optional=True,
        ),
        _input(
            "guests",
            "Guests (public handles)",
            _plain(v.get("guests", ""), placeholder="@guest @name@mastodon.social"),
            optional=True,
        ),
        _input(
            "channel",
            "Channel for reminders and the digest",
            {
                "type": "conversations_select",
                "initial_conversation": v.get("channel", channel_id),
                "filter": {"include": ["public", "private"], "exclude_bot_users": True},
            },
        ),
        *question_inputs(
            v.get("questions", ""),
            placeholder="15 | What got you into teaching?",
            hint="Start a line with a minute and | to time it (15 | ...); otherwise they are spread after 5 minutes of introductions.",
        ),
        _input(
            "template",
            "Question template",
            _plain(v.get("template", "Q{n} {text} #{hashtag}"), max_length=300),
            optional=True,
        ),
        _input("options", "Options", options_element, optional=True),
    ]
    return {
        "type": "modal",
        "callback_id": CHAT_MODAL,
        "private_metadata": str(series_id or ""),
        "title": plain_text("Edit hashtag chat" if series_id else "Schedule a hashtag chat"),
        "submit": plain_text("Save" if series_id else "Schedule"),
        "close": plain_text("Cancel"),
        "blocks": blocks,
    }


def questions_modal(series: ChatSeries, questions_text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": QUESTIONS_MODAL,
        "private_metadata": str(series.id),
        "title": plain_text("Chat questions"),
        "submit": plain_text("Save"),
        "close": plain_text("Cancel"),
        "blocks": [
            section(f"*#{escape(series.hashtag)}*: {escape(series.title)}. Template `{escape(series.template)}`."),
            *question_inputs(questions_text, hint="Start a line with a minute and | to time it (15 | ...)."),
        ],
    }


def posted_modal(value: str, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": POSTED_MODAL,
        "private_metadata": value,
        "title": plain_text("Record the post"),
        "submit": plain_text("Record"),
        "close": plain_text("Cancel"),
        "blocks": [
            section(f"You posted:\n>{escape(text)}"),
            {
                "type": "input",
                "block_id": LINK_BLOCK,
                "label": plain_text("Link to the post"),
                "element": {"type": "url_text_input", "action_id": VALUE},
            },
        ],
    }


def _when(sheet: RunSheet, item: SheetItem) -> str:
    local = sheet.local(item)
    return f"{local:%H:%M}" if local else f"+{item.minute} min"


def sheet_lines(sheet: RunSheet) -> list[str]:
    lines = []
    for item in sheet.items:
        flag = "" if item.approved else "  :warning: *not approved: will not be posted*"
        cost = f"${item.cost:.3f}" + (" (link)" if item.link else "")
        lines.append(f"*{_when(sheet, item)}* {item.label} · {cost}{flag}\n>{escape(item.text)}")
    return lines


def run_sheet_blocks(sheet: RunSheet, *, title: str | None = None, warnings: Sequence[str] = ()) -> list[Block]:
    """Every post with its local time, exact text and X cost; a link makes a post far dearer on X."""
    series = sheet.series
    when = ""
    if sheet.occurrence is not None:
        local = sheet.occurrence.start_at.astimezone(ZoneInfo(series.timezone))
        when = f"{local:%a %d %b %Y %H:%M} {series.timezone} · "
    blocks: list[Block] = [
        header(title or f"#{series.hashtag}: {series.title}"),
        context(
            f"Chat {series.id} · {when}{series.duration_minutes} min · host {escape(sheet.host)} · "
            f"{', '.join(series.platforms)}"
        ),
    ]
    lines = sheet_lines(sheet)
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 2 for x in chunk) + len(line) > 2800:
            blocks.append(section("\n\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n\n".join(chunk)))
    cost = (
        "no API cost (posted by hand)"
        if series.manual
        else f"${sheet.total_cost:.3f} on X for {len(sheet.items)} posts"
    )
    blocks.append(context(f"Cost: {cost}; a post with a link costs far more than one without. {sheet.digest}".strip()))
    for warning in warnings:
        blocks.append(section(f":warning: {escape(warning)}"))
    return blocks[:50]


def approval_blocks(sheet: RunSheet, sheet_hash: str, requested_by: str) -> list[Block]:
    value = SheetRef(require_id(sheet.series), sheet_hash).encode()
    return [
        *run_sheet_blocks(sheet, title=f"Sign-off needed: #{sheet.series.hashtag}")[:47],
        context(f"Requested by <@{requested_by}>. Any comms member may approve (account owners are not tracked yet)."),
        actions(
            button("Approve", APPROVE, value, style="primary"),
            button("Request changes", REQUEST_CHANGES, value, style="danger"),
        ),
    ]


def list_blocks(rows: Sequence[Upcoming]) -> list[Block]:
    if not rows:
        return [section("No chats are scheduled. Start one with `/outreach chat new`.")]
    blocks: list[Block] = [header("Upcoming hashtag chats")]
    for row in rows[:45]:
        s = row.series
        local = row.occurrence.start_at.astimezone(ZoneInfo(s.timezone))
        ready = [
            f"{':white_check_mark:' if row.questions else ':x:'} {row.questions} question(s)",
            f"{':white_check_mark:' if row.host_connected else ':x:'} host {'by hand' if s.manual else 'connected' if row.host_connected else 'not connected'}",
        ]
        if s.requires_approval:
            ready.append(
                f"{':white_check_mark:' if row.approved else ':hourglass:'} {'approved' if row.approved else 'awaiting sign-off'}"
            )
        blocks.append(
            section(
                f"*{s.id}* · *#{escape(s.hashtag)}* {escape(s.title)}\n{local:%a %d %b %H:%M} {s.timezone} · "
                f"{s.recurrence} · " + " · ".join(ready)
            )
        )
    return blocks


def reminder_blocks(sheet: RunSheet, lead: str) -> list[Block]:
    return run_sheet_blocks(sheet, title=f"Reminder: #{sheet.series.hashtag} starts in {lead}")


def handover_blocks(item: SheetItem, due: datetime, tz: str, value: str, platform: str) -> list[Block]:
    where = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}.get(platform, platform)
    return [
        section(f"*Post this now on {where}* ({item.label}, {due.astimezone(ZoneInfo(tz)):%H:%M}):"),
        section(f"```{escape(item.text)}```"),
        actions(button("Posted", POSTED, value, style="primary")),
    ]


def failed_blocks(item: SheetItem, error: str, value: str, platform: str) -> list[Block]:
    where = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}.get(platform, platform)
    return [
        section(
            f":x: *{item.label}* could not be posted on {where}: {escape(error)}\nPost it by hand, then record it:"
        ),
        section(f"```{escape(item.text)}```"),
        actions(button("Posted", POSTED, value, style="primary")),
    ]


def missed_blocks(item: SheetItem, due: datetime, tz: str, value: str) -> list[Block]:
    return [
        section(
            f":warning: *{item.label}* was due at {due.astimezone(ZoneInfo(tz)):%H:%M} but the assistant was not running, "
            f"so it was not posted. Post it now, or skip it?\n>{escape(item.text)}"
        ),
        actions(button("Post now", POST_NOW, value, style="primary"), button("Skip", SKIP, value)),
    ]


def unapproved_blocks(item: SheetItem, series: ChatSeries) -> list[Block]:
    return [
        section(
            f":no_entry: *{item.label}* of #{escape(series.hashtag)} was *not posted*: it has not been approved. "
            f"Ask a comms member to approve the run sheet (`/outreach chat show {series.id}`)."
        )
    ]


def guest_notice_text(guests: Sequence[str], notice: str, *, public: bool) -> str:
    """For the moderators: the guests are outside the workspace, so here is the exact message to send each."""
    public_note = " A short public note also goes out under the chat's intro, mentioning them." if public else ""
    return (
        f"The guests ({escape(', '.join(guests))}) are not told by the app.{public_note} "
        f"Send each of them this message:\n>{escape(notice)}"
    )


def cancelled_text(series: ChatSeries, when: Sequence[datetime], whole: bool, actor: str) -> str:
    tz = ZoneInfo(series.timezone)
    if whole:
        return f"<@{actor}> cancelled the chat series #{escape(series.hashtag)} “{escape(series.title)}”."
    dates = ", ".join(f"{w.astimezone(tz):%a %d %b %H:%M}" for w in when)
    return f"<@{actor}> cancelled #{escape(series.hashtag)} “{escape(series.title)}” on {dates}."
