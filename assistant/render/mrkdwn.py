"""Escaping outside text for Slack mrkdwn so no post can ping @channel or a user, or inject links."""

from __future__ import annotations

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str | None) -> str:
    """Escape &, < and > as Slack requires; `<!channel>` and `<@U123>` then show as plain text."""
    return (text or "").translate(_ESCAPES)


def truncate(text: str, limit: int, suffix: str = "…") -> str:
    """Cut text to at most `limit` characters, marking the cut."""
    return text if len(text) <= limit else text[: max(0, limit - len(suffix))] + suffix


def code(text: str) -> str:
    """Inline code with backticks removed from the content (Slack has no escape for them)."""
    return "`" + escape(text).replace("`", "'") + "`"
