"""Small Block Kit element builders and the limits Slack enforces."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from assistant.render.mrkdwn import pack_lines, truncate

MAX_BLOCKS_MESSAGE = 50
MAX_BLOCKS_VIEW = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10

Block = dict[str, Any]


def number_value(value: float) -> str:
    """A number as a number_input's initial_value: plain digits, never an exponent ("1e+06"), cents at most."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def modal(
    callback_id: str,
    title: str,
    blocks: Sequence[Block],
    *,
    submit: str,
    close: str | None = "Cancel",
    private_metadata: str | None = None,
) -> Block:
    """A modal view: its callback id, title, submit (and close) labels, blocks and optional private metadata."""
    view: Block = {"type": "modal", "callback_id": callback_id}
    if private_metadata is not None:
        view["private_metadata"] = private_metadata
    view["title"] = {"type": "plain_text", "text": title}
    view["submit"] = {"type": "plain_text", "text": submit}
    if close is not None:
        view["close"] = {"type": "plain_text", "text": close}
    view["blocks"] = list(blocks)
    return view


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, MAX_HEADER_TEXT), "emoji": True}}


def section(mrkdwn: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": truncate(mrkdwn, MAX_SECTION_TEXT)}}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def sections(
    lines: Sequence[str],
    *,
    more: Callable[[int], str],
    head: str = "",
    chunks: int = 1,
    most: int | None = None,
    sep: str = "\n",
) -> list[Block]:
    """A list as section blocks (at most `chunks`), whole lines only; a cut ends with `more(hidden)`, which
    says exactly how many lines are hidden and where they are."""
    texts = pack_lines(lines, more=more, head=head, limit=MAX_SECTION_TEXT, chunks=chunks, most=most, sep=sep)
    return [section(text) for text in texts]


def context(*mrkdwn: str) -> Block:
    """A context line of up to 10 texts; empty ones are left out (Slack refuses an empty text)."""
    texts = [text for text in mrkdwn if text][:MAX_CONTEXT_ELEMENTS] or ["—"]
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)} for text in texts],
    }


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", *, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
    }
    if value:
        if len(value) > MAX_BUTTON_VALUE:
            raise ValueError(f"button value is {len(value)} characters; Slack allows {MAX_BUTTON_VALUE}")
        element["value"] = value
    if style:
        element["style"] = style
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block
