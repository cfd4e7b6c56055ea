"""Block Kit for hashtag chats: the scheduling modal, run sheet, list, sign-off, reminders and hand-over messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.models.chats import ChatSeries
from assistant.models.platforms import CROSS_POST_NETWORKS
from assistant.render.mrkdwn import escape
from assistant.services.chats.form import MANUAL_HOST, OUTSIDE_MODERATOR, ChatInput, ChatInputError
from assistant.slack.blocks.chat_inputs import (
    HOST_SEARCH,
    MANUAL_HOST_OPTION,
    QUESTIONS_BLOCK,
    VALUE,
    host_menu,
    option,
    plain_text,
    question_inputs,
    questions_from_state,
)
from assistant.slack.blocks.common import Block, section

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


def form_errors(error: ChatInputError) -> dict[str, str]:
    """The form's problems by block id (unknown fields under the hashtag); a co-moderator outside the workspace
    mentioned by `<@…>`."""
    errors = {FIELD_BLOCKS.get(name, FIELD_BLOCKS["hashtag"]): text for name, text in error.errors.items()}
    if error.outsider is not None:
        errors[FIELD_BLOCKS["moderators"]] = f"<@{error.outsider}> {OUTSIDE_MODERATOR}"
    return errors


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


# Reading the modals back --------------------------------------------------------------------------


def state_value(values: dict[str, Any], field: str) -> Any:
    """The value of one modal input, whatever its element type (the questions joined from every part)."""
    if field == "questions":
        return questions_from_state(values)
    block = values.get(FIELD_BLOCKS.get(field, LINK_BLOCK if field == "link" else field)) or {}
    element = block.get(VALUE) or block.get(HOST_SEARCH) or {}
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


def read_chat_form(values: dict[str, Any]) -> ChatInput:
    """The schedule modal's state as a ChatInput for the service."""

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
