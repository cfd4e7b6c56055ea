"""Find what Slack would make live in a payload: mentions and links in mrkdwn text and a message's top-level text.

plain_text objects are shown as typed (https://docs.slack.dev/reference/block-kit/composition-objects/text-object),
so only mrkdwn and the top-level `text` (which Slack formats as mrkdwn in notifications) are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

# The same hostile strings everywhere: each names something that must never come out live.
HOSTILE = (
    "<!channel> <!here> <@U0HOSTILE> <#C0HOSTILE> <https://evil.example|click> & "
    "\u202eRTL\u202c مرحبا 👩🏽‍💻 <!subteam^S0HOSTILE>"
)
HOSTILE_URL = "https://linkedin.com/in/jo>x <!channel> <https://evil.example|click"
_TOKEN = re.compile(r"<([^<>]*)>")
_BAD = ("!channel", "!here", "!everyone", "HOSTILE", "evil.example")


def mrkdwn_texts(value: Any) -> Iterator[str]:
    """Every mrkdwn string inside blocks or a view (text objects of type mrkdwn)."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for child in value.values():
            yield from mrkdwn_texts(child)
    elif isinstance(value, list):
        for child in value:
            yield from mrkdwn_texts(child)


def live_tokens(payload: dict[str, Any]) -> list[str]:
    """The `<...>` tokens Slack would act on that carry something hostile, in blocks, a view or `text`."""
    texts = list(mrkdwn_texts(payload.get("blocks") or []))
    texts += list(mrkdwn_texts(payload.get("view") or {}))
    if isinstance(payload.get("text"), str):
        texts.append(payload["text"])
    return [f"<{token}>" for text in texts for token in _TOKEN.findall(text) if _hostile(token)]


def _hostile(token: str) -> bool:
    """A link is hostile when it leads to the hostile host (its label is shown as text: `<` and `>` cannot be
    in it); any other token (mention, channel, broadcast) when it names something hostile."""
    target = token.partition("|")[0]
    if target.startswith(("http://", "https://", "mailto:")):
        return "evil.example" in (urlsplit(target).hostname or "")
    return any(bad in token for bad in _BAD)
