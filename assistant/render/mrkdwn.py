"""Escaping outside text for Slack mrkdwn so no post can ping @channel or a user, or inject links."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import quote, urlsplit

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_LONGEST_ESCAPE = len("&amp;")


def escape(text: str | None) -> str:
    """Escape &, < and > as Slack requires; `<!channel>` and `<@U123>` then show as plain text."""
    return (text or "").translate(_ESCAPES)


def truncate(text: str, limit: int, suffix: str = "…") -> str:
    """Cut text to at most `limit` characters, marking the cut; never inside a `<...>` link or mention or an
    `&amp;`-style escape, so a cut mrkdwn string stays well formed (and raw text is cut the same way)."""
    if len(text) <= limit:
        return text
    cut = max(0, limit - len(suffix))
    opened = text.rfind("<", 0, cut)
    if opened > text.rfind(">", 0, cut):
        cut = opened
    amp = text.rfind("&", max(0, cut - _LONGEST_ESCAPE + 1), cut)
    if amp >= 0 and ";" not in text[amp:cut] and text.find(";", amp) - amp < _LONGEST_ESCAPE + 1:
        cut = amp
    return text[:cut] + suffix


# Characters that would end or split a `<url|label>` token, or that no URL holds as typed: percent-encoded.
_URL_SAFE = "".join(chr(c) for c in range(33, 127) if chr(c) not in '<>|"` \\^{}')


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with a host, with `<`, `>`, `|`, spaces and other characters no link may carry
    percent-encoded (existing %XX escapes kept); None for anything else (javascript:, relative, no host)."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    return quote(text, safe=_URL_SAFE + "%")


def link(url: str | None, label: str) -> str:
    """A mrkdwn link `<url|label>` with the label escaped; a URL that is not a safe http(s) one gives the
    escaped label alone, so outside text can never become a live link or mention."""
    safe = safe_url(url)
    shown = escape(label) or escape(safe or "")
    return f"<{safe}|{shown}>" if safe else shown


def mailto(email: str) -> str:
    """A mailto link for an address (validated where it was entered); its characters encoded the same way."""
    return f"<mailto:{quote(email, safe='@.+-_')}|{escape(email)}>" if email else ""


def code(text: str) -> str:
    """Inline code with backticks removed from the content (Slack has no escape for them)."""
    return "`" + escape(text).replace("`", "'") + "`"


def pack_lines(
    lines: Sequence[str],
    *,
    more: Callable[[int], str],
    head: str = "",
    limit: int = 3000,
    chunks: int = 1,
    most: int | None = None,
    hidden: int = 0,
    sep: str = "\n",
) -> list[str]:
    """`head` then whole lines (at most `most` of them), packed into at most `chunks` texts of at most `limit`
    characters each (a line is never split between texts; one longer than a text alone is cut by `truncate`).
    When lines are left over, the last text ends with `more(hidden)`: exactly how many, and where the rest is
    (`hidden` counts lines the caller left out before: 100 shown of 2,000 known)."""
    keep = 1 if head and chunks == 1 else 0
    shown = lines if most is None else lines[:most]
    packed: list[list[str]] = [[truncate(head, limit // 2)] if head else []]
    for index, line in enumerate(shown):
        line = truncate(line, limit)
        if packed[-1] and len(sep.join([*packed[-1], line])) > limit:
            if len(packed) == chunks:
                return _with_more(packed, len(lines) - index + hidden, limit, more, sep, keep=keep)
            packed.append([])
        packed[-1].append(line)
    if len(lines) > len(shown) or hidden:
        return _with_more(packed, len(lines) - len(shown) + hidden, limit, more, sep, keep=keep)
    return [sep.join(chunk) for chunk in packed if chunk]


def _with_more(
    packed: list[list[str]], hidden: int, limit: int, more: Callable[[int], str], sep: str, *, keep: int
) -> list[str]:
    """Drop lines from the end of the last text until the "and N more" line fits beside them."""
    last = packed[-1]
    while len(last) > keep and len(sep.join([*last, more(hidden)])) > limit:
        last.pop()
        hidden += 1
    last.append(truncate(more(hidden), limit - len(sep.join(last)) - len(sep)))
    return [sep.join(chunk) for chunk in packed if chunk]
