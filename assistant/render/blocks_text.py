"""Render Block Kit blocks as readable terminal text (for `outreach demo` and the CLI previews)."""

from __future__ import annotations

import html
import re
from typing import Any

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_MENTION = re.compile(r"<[@#]([A-Z0-9]+)(?:\|([^>]+))?>")
_BOLD = re.compile(r"(?<![\w*])\*(\S(?:[^*\n]*?\S)?)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(\S(?:[^_\n]*?\S)?)_(?![\w_])")


def mrkdwn_to_text(text: str) -> str:
    text = _LINK.sub(r"\2 (\1)", text)
    text = _MENTION.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))
    return html.unescape(text)


def _text_of(obj: dict[str, Any] | None) -> str:
    if not obj:
        return ""
    return mrkdwn_to_text(str(obj.get("text", "")))


def _element(element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[ {_text_of(element.get('text'))} ]"
    if kind in ("static_select", "overflow", "users_select", "conversations_select", "channels_select"):
        label = _text_of(element.get("placeholder")) or "choose"
        return f"[ {label} ▾ ]"
    if kind in ("mrkdwn", "plain_text"):
        return mrkdwn_to_text(str(element.get("text", "")))
    if kind == "image":
        return f"(image: {element.get('alt_text', '')})"
    return f"({kind})"


def blocks_to_text(blocks: list[dict[str, Any]], *, width: int = 60) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text_of(block.get("text"))
            lines += [title, "=" * min(width, len(title))]
        elif kind == "section":
            if block.get("text"):
                lines.append(_text_of(block.get("text")))
            for field in block.get("fields") or []:
                lines.append("  " + _text_of(field))
            if block.get("accessory"):
                lines.append("  " + _element(block["accessory"]))
        elif kind == "context":
            lines.append("  " + "  ·  ".join(_element(e) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("-" * width)
        elif kind == "actions":
            lines.append("  ".join(_element(e) for e in block.get("elements", [])))
        elif kind == "image":
            lines.append(f"(image: {block.get('alt_text', '')})")
        else:
            lines.append(f"({kind})")
    return "\n".join(lines)
