"""Block Kit for `/outreach settings`: the admins' modal with channels, weekly slot, targets, languages, cross-posting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.render.mrkdwn import escape
from assistant.slack.blocks.common import Block, context, modal, number_value

SETTINGS_VIEW = "settings_submit"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class SettingsForm:
    comms_usergroup_id: str | None
    comms_channel_id: str | None
    digest_channel_id: str | None
    weekday: int
    hour: int
    timezone: str
    yammer_crosspost: bool
    yammer_group_id: str | None
    post_langs: tuple[str, ...]
    targets: list[tuple[int, str, int]]  # (account id, handle, posts a day)
    x_monthly_budget: float | None = None


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _input(block_id: str, label: str, element: Block, *, optional: bool = True, hint: str = "") -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": "value"},
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _channel(initial: str | None) -> Block:
    element: Block = {"type": "conversations_select", "filter": {"include": ["public", "private"]}}
    if initial:
        element["initial_conversation"] = initial
    return element


def _text(initial: str | None) -> Block:
    element: Block = {"type": "plain_text_input"}
    if initial:
        element["initial_value"] = initial
    return element


def settings_modal(form: SettingsForm) -> dict[str, Any]:
    hours = [_option(f"{hour:02d}:00", str(hour)) for hour in range(24)]
    days = [_option(day, str(index)) for index, day in enumerate(WEEKDAYS)]
    crosspost = _option("Cross-post to Yammer", "on")
    checkbox: Block = {"type": "checkboxes", "options": [crosspost]}
    if form.yammer_crosspost:
        checkbox["initial_options"] = [crosspost]
    blocks: list[Block] = [
        _input("comms_usergroup_id", "Comms user group id", _text(form.comms_usergroup_id), hint="e.g. S0123ABCD"),
        _input("comms_channel_id", "Comms channel", _channel(form.comms_channel_id)),
        _input("digest_channel_id", "Weekly digest channel", _channel(form.digest_channel_id)),
        _input(
            "weekly_weekday",
            "Weekly digest day",
            {"type": "static_select", "options": days, "initial_option": days[form.weekday]},
            optional=False,
        ),
        _input(
            "weekly_hour",
            "Weekly digest hour",
            {"type": "static_select", "options": hours, "initial_option": hours[form.hour]},
            optional=False,
        ),
        _input("timezone", "Time zone", _text(form.timezone), optional=False, hint="IANA name, e.g. Europe/London"),
        _input("yammer_crosspost", "Yammer", checkbox),
        _input("yammer_group_id", "Yammer group id for the cross-post", _text(form.yammer_group_id)),
        _input(
            "post_langs",
            "Languages of the chats' Bluesky posts",
            _text(", ".join(form.post_langs)),
            hint="Up to 3 language tags, comma-separated, e.g. en, cy",
        ),
        _input(
            "x_monthly_budget",
            "Monthly X budget (US$)",
            _text(number_value(form.x_monthly_budget) if form.x_monthly_budget is not None else ""),
            hint="Paid jobs that would cross it wait for an admin; watches pause at it. Blank: no budget.",
        ),
    ]
    for account_id, handle, target in form.targets[:20]:
        blocks.append(
            _input(f"target:{account_id}", f"Posts a day: {handle}"[:150], _text(str(target)), optional=False)
        )
    if not form.targets:
        blocks.append(context("Posting targets appear here once accounts are connected (default: one post a day)."))
    return modal(SETTINGS_VIEW, "Team settings", blocks, submit="Save")


def read_values(state: dict[str, Any]) -> dict[str, Any]:
    """The submitted values by block id, as plain strings/bools."""
    values: dict[str, Any] = {}
    for block_id, fields in state.get("values", {}).items():
        field = fields.get("value") or {}
        kind = field.get("type")
        if kind == "conversations_select":
            values[block_id] = field.get("selected_conversation")
        elif kind == "static_select":
            values[block_id] = (field.get("selected_option") or {}).get("value")
        elif kind == "checkboxes":
            values[block_id] = bool(field.get("selected_options"))
        else:
            values[block_id] = (field.get("value") or "").strip()
    return values


def saved_text(changed: list[str]) -> str:
    if not changed:
        return "Settings saved: nothing changed."
    return "Settings saved: " + ", ".join(escape(name) for name in changed) + " changed."
