"""The chat form's inputs that outgrow one Slack element: the host menu and the questions, split to Slack's limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.models.credentials import Credential
from assistant.render.mrkdwn import pack_lines
from assistant.slack.blocks.common import Block

VALUE = "value"  # every input's action_id but the host type-ahead's
QUESTIONS_BLOCK = "chat_questions"  # the first questions input; the others add _2, _3, ...
HOST_SEARCH = "chat_host_search"  # the host menu past 100 accounts, answered by the options listener
MANUAL_HOST_OPTION = ("manual", "Moderator posts by hand")
MAX_STATIC_OPTIONS = 100  # https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element
MAX_TEXT_INPUT = 3000  # https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element
MAX_QUESTION_INPUTS = 40  # 120,000 characters: far past any chat; the modal keeps room for its other inputs


def plain_text(label: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": label, "emoji": True}


def option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain_text(label[:75]), "value": value}


def host_menu(host_options: list[dict[str, Any]], initial: dict[str, Any]) -> dict[str, Any]:
    """Every account in a static menu while they fit in Slack's 100 options; past that a menu the person
    types into (an external_select answered by `host_search_options`), starting on the current host."""
    if len(host_options) <= MAX_STATIC_OPTIONS:
        return {"type": "static_select", "options": host_options, "initial_option": initial}
    return {
        "type": "external_select",
        "action_id": HOST_SEARCH,
        "min_query_length": 0,
        "placeholder": plain_text("Type part of the account's handle"),
        "initial_option": initial,
    }


def host_pairs(credentials: Sequence[Credential]) -> list[tuple[str, str]]:
    """The host menu's (value, label) pairs: the credential's id and its network and handle."""
    return [
        (
            str(c.id),
            f"{c.platform.upper() if c.platform == 'x' else c.platform.capitalize()} @{c.handle or c.account_id}",
        )
        for c in credentials
    ]


def host_search_options(hosts: Sequence[tuple[str, str]], query: str) -> list[dict[str, Any]]:
    """The host accounts whose label holds `query` (any case), those whose handle starts with it first,
    within Slack's 100 options; "by hand" is always offered."""
    wanted = query.strip().lower()
    found = [(value, label) for value, label in hosts if wanted in label.lower()]
    found.sort(key=lambda pair: (not pair[1].lower().split("@", 1)[-1].startswith(wanted.lstrip("@")), pair[1]))
    return [option(value, label) for value, label in found[: MAX_STATIC_OPTIONS - 1]] + [option(*MANUAL_HOST_OPTION)]


def question_inputs(text: str, *, hint: str, placeholder: str = "") -> list[Block]:
    """The questions, one a line, in as many text inputs as Slack's 3000 characters an input need (60 questions
    of the longest length take six); whole lines per input, read back in order by `questions_from_state`."""
    parts = pack_lines(text.splitlines(), limit=MAX_TEXT_INPUT, chunks=MAX_QUESTION_INPUTS, more=_too_many) or [""]
    inputs: list[Block] = []
    for n, part in enumerate(parts):
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": VALUE, "multiline": True}
        if part:
            element["initial_value"] = part
        if placeholder:
            element["placeholder"] = plain_text(placeholder)
        block: Block = {
            "type": "input",
            "block_id": QUESTIONS_BLOCK + (f"_{n + 1}" if n else ""),
            "label": plain_text("Questions, one a line" if n == 0 else f"Questions (part {n + 1})"),
            "element": element,
            "optional": True,
        }
        if n == len(parts) - 1:
            block["hint"] = plain_text(hint)
        inputs.append(block)
    return inputs


def _too_many(hidden: int) -> str:
    raise ValueError(f"{hidden} question lines do not fit in {MAX_QUESTION_INPUTS} inputs")


def questions_from_state(values: dict[str, Any]) -> str | None:
    """The questions typed into every part of the form, joined in order (None when the form has none)."""
    names = [n for n in values if n == QUESTIONS_BLOCK or n.startswith(QUESTIONS_BLOCK + "_")]
    if not names:
        return None
    texts = [
        str((values[name].get(VALUE) or {}).get("value") or "") for name in sorted(names, key=lambda n: (len(n), n))
    ]
    return "\n".join(text.strip("\n") for text in texts if text.strip())
