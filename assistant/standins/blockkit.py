"""Check messages, modals and Home tabs against Slack's published Block Kit limits, and answer as Slack does."""

from __future__ import annotations

import json
from typing import Any

from assistant.standins.blockkit_elements import ELEMENTS, INPUT_ONLY, Checker, Problem, check_element

# https://docs.slack.dev/reference/block-kit/blocks : "up to 50 blocks in each message, and 100 blocks in
# modals or Home tabs".
MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
# https://docs.slack.dev/reference/methods/chat.postMessage : text beyond 40,000 characters is refused
# (`msg_too_long`, "Message text is too long").
MAX_MESSAGE_TEXT = 40_000

SECTION_ACCESSORIES = frozenset(ELEMENTS) - INPUT_ONLY
ACTIONS_ELEMENTS = frozenset(ELEMENTS) - INPUT_ONLY - {"image"}
INPUT_ELEMENTS = frozenset(ELEMENTS) - {"button", "overflow", "image"}


def _section(c: Checker, block: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/blocks/section-block : text ≤ 3000 characters, or fields
    # (≤ 10, each ≤ 2000); one of the two is required; accessory is one element.
    if "text" not in block and "fields" not in block:
        c.fail(p, "must provide either text or fields")
    if "text" in block:
        c.text(block["text"], f"{p}/text", most=3000)
    if "fields" in block:
        for i, item in enumerate(c.items(block["fields"], f"{p}/fields", most=10, least=1)):
            c.text(item, f"{p}/fields/{i}", most=2000)
    if "accessory" in block:
        check_element(c, block["accessory"], f"{p}/accessory", allowed=SECTION_ACCESSORIES)


def _header(c: Checker, block: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/blocks/header-block : plain_text, at most 150 characters.
    if c.required(block, "text", p):
        c.text(block["text"], f"{p}/text", most=150, plain=True)


def _context(c: Checker, block: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/blocks/context-block : 1..10 image elements or text objects.
    if not c.required(block, "elements", p):
        return
    for i, element in enumerate(c.items(block["elements"], f"{p}/elements", most=10, least=1)):
        if isinstance(element, dict) and element.get("type") == "image":
            check_element(c, element, f"{p}/elements/{i}", allowed={"image"})
        else:
            c.text(element, f"{p}/elements/{i}")


def _actions(c: Checker, block: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/blocks/actions-block : 1..25 interactive elements; an
    # action_id is unique within its block (https://docs.slack.dev/reference/block-kit/block-elements/button-element).
    if not c.required(block, "elements", p):
        return
    seen: set[str] = set()
    for i, element in enumerate(c.items(block["elements"], f"{p}/elements", most=25, least=1)):
        action_id = check_element(c, element, f"{p}/elements/{i}", allowed=ACTIONS_ELEMENTS)
        if action_id is not None:
            if action_id in seen:
                c.fail(f"{p}/elements/{i}/action_id", f"action_id {action_id} is not unique within the block")
            seen.add(action_id)


def _divider(c: Checker, block: dict[str, Any], p: str) -> None:
    """https://docs.slack.dev/reference/block-kit/blocks/divider-block : no fields but type and block_id."""


def _image_block(c: Checker, block: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/blocks/image-block : alt_text ≤ 2000 (required), image_url
    # ≤ 3000 or slack_file, title plain_text ≤ 2000.
    check_element(c, {**block, "type": "image"}, p, allowed={"image"})
    if "title" in block:
        c.text(block["title"], f"{p}/title", most=2000, plain=True)


def _input(c: Checker, block: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/blocks/input-block : label plain_text ≤ 2000 and element
    # required; hint plain_text ≤ 2000; optional and dispatch_action booleans.
    if c.required(block, "label", p):
        c.text(block["label"], f"{p}/label", most=2000, plain=True)
    if "hint" in block:
        c.text(block["hint"], f"{p}/hint", most=2000, plain=True)
    for flag in ("optional", "dispatch_action"):
        if flag in block and not isinstance(block[flag], bool):
            c.fail(f"{p}/{flag}", "must provide a boolean")
    if c.required(block, "element", p):
        check_element(c, block["element"], f"{p}/element", allowed=INPUT_ELEMENTS)


def _markdown(c: Checker, block: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/blocks/markdown-block : text required, at most 12,000.
    if c.required(block, "text", p):
        c.string(block["text"], f"{p}/text", most=12_000, least=1)


def _rich_text(c: Checker, block: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/blocks/rich-text-block : elements required.
    c.required(block, "elements", p)


BLOCKS = {
    "section": _section,
    "header": _header,
    "context": _context,
    "actions": _actions,
    "divider": _divider,
    "image": _image_block,
    "input": _input,
    "markdown": _markdown,
    "rich_text": _rich_text,
}


def check_blocks(blocks: Any, *, surface: str = "message", pointer: str = "/blocks") -> list[Problem]:
    """Every problem Slack would report for `blocks` on a surface (message, modal or home)."""
    c = Checker()
    _blocks(c, blocks, surface, pointer)
    return c.problems


def _blocks(c: Checker, blocks: Any, surface: str, pointer: str) -> None:
    block_ids: set[str] = set()
    for i, value in enumerate(c.items(blocks, pointer, most=MAX_BLOCKS[surface])):
        p = f"{pointer}/{i}"
        block = c.obj(value, p)
        if block is None:
            continue
        kind = block.get("type")
        if kind not in BLOCKS:
            c.fail(f"{p}/type", f"unsupported type: {kind}")
            continue
        if "block_id" in block:
            # block_id: at most 255 characters, unique within the message or view (each block's page).
            c.string(block["block_id"], f"{p}/block_id", most=255, least=1)
            if block["block_id"] in block_ids:
                c.fail(f"{p}/block_id", f"block_id {block['block_id']} is not unique")
            block_ids.add(block["block_id"])
        BLOCKS[kind](c, block, p)


def check_view(view: Any, pointer: str = "/view") -> list[Problem]:
    """A modal (https://docs.slack.dev/reference/views/modal-views) or Home tab
    (https://docs.slack.dev/reference/views/home-tab-views) view object."""
    c = Checker()
    obj = c.obj(view, pointer)
    if obj is None:
        return c.problems
    kind = obj.get("type")
    if kind not in ("modal", "home"):
        c.fail(f"{pointer}/type", "must be one of: modal, home")
        return c.problems
    if kind == "modal":
        # title ≤ 24 (required), close and submit ≤ 24, submit required when an input block is present.
        if c.required(obj, "title", pointer):
            c.text(obj["title"], f"{pointer}/title", most=24, plain=True)
        for name in ("close", "submit"):
            if name in obj:
                c.text(obj[name], f"{pointer}/{name}", most=24, plain=True)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in obj.get("blocks") or [])
        if has_input and "submit" not in obj:
            c.fail(pointer, "missing required field: submit")
    # private_metadata ≤ 3000, callback_id ≤ 255, external_id ≤ 255 (both view pages).
    for name, most in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        if name in obj:
            c.string(obj[name], f"{pointer}/{name}", most=most)
    if c.required(obj, "blocks", pointer):
        _blocks(c, obj["blocks"], kind, f"{pointer}/blocks")
    return c.problems


# Answers, as the stand-in gives them ----------------------------------------------------------------------

MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update"}
VIEW_METHODS = {"views.open", "views.update", "views.push", "views.publish"}


def loaded(value: Any) -> Any:
    """A JSON string argument decoded (ValueError, the class, when it is not JSON); any other value as it is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return ValueError
    return value


def message_refusal(args: dict[str, Any]) -> dict[str, Any] | None:
    """Slack's answer to a chat.* call it would refuse, or None: `invalid_blocks_format` for unparsable blocks,
    `invalid_blocks` with the problems in `errors` and `response_metadata.messages`, `msg_too_long`."""
    if "blocks" in args and args["blocks"] not in (None, ""):
        blocks = loaded(args["blocks"])
        if blocks is ValueError or not isinstance(blocks, list):
            return {"ok": False, "error": "invalid_blocks_format"}
        problems = check_blocks(blocks)
        if problems:
            return {
                "ok": False,
                "error": "invalid_blocks",
                "errors": [f"{p.message} [json-pointer:{p.pointer}]" for p in problems],
                "response_metadata": {"messages": [p.slack_line() for p in problems]},
            }
    if len(str(args.get("text") or "")) > MAX_MESSAGE_TEXT:
        return {"ok": False, "error": "msg_too_long"}
    return None


def view_refusal(args: dict[str, Any]) -> dict[str, Any] | None:
    """Slack's answer to a views.* call whose view it would refuse: `invalid_arguments` with the problems
    in `response_metadata.messages` (https://docs.slack.dev/reference/methods/views.open)."""
    view = loaded(args.get("view"))
    problems = [Problem("/view", "must provide an object")] if view is ValueError else check_view(view)
    if not problems:
        return None
    return {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": [p.slack_line() for p in problems]},
    }


def refusal(method: str, args: dict[str, Any]) -> dict[str, Any] | None:
    """What Slack answers to a Web API call carrying Block Kit it would refuse; None when it would accept."""
    if method in MESSAGE_METHODS:
        return message_refusal(args)
    if method in VIEW_METHODS:
        return view_refusal(args)
    return None


def ack_problems(body: dict[str, Any]) -> list[Problem]:
    """What Slack would refuse in an ack's body: a message (text and blocks, as a response_url post) or a
    view_submission's `update` / `push` view (https://docs.slack.dev/surfaces/modals)."""
    if body.get("response_action") in ("update", "push"):
        return check_view(body.get("view"))
    problems = check_blocks(body["blocks"]) if "blocks" in body else []
    if len(str(body.get("text") or "")) > MAX_MESSAGE_TEXT:
        problems.append(Problem("/text", f"must be less than {MAX_MESSAGE_TEXT + 1} characters"))
    return problems


def response_url_refusal(body: dict[str, Any]) -> str | None:
    """A response_url post is answered like an incoming webhook: HTTP 400 with the error as plain text."""
    answer = message_refusal(body)
    return None if answer is None else str(answer["error"])
