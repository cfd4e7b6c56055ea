"""Parse `/outreach` command text and Slack payloads into typed values."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from assistant.models.base import FIRST_YEAR, LAST_YEAR
from assistant.render.mrkdwn import escape

ArgKind = Literal["word", "text", "hashtag", "handle", "user", "channel", "usergroup", "url"]

# Slack clients send typographic quotes when smart punctuation is on.
QUOTES = {'"': '"', "“": "”", "„": "“", "'": "'", "‘": "’"}
_SLACK_ESCAPE = re.compile(r"<(?P<body>[^>\s][^>]*)>")
_HASHTAG = re.compile(r"^#(?P<tag>\w{1,139})$", re.UNICODE)
_HANDLE = re.compile(r"^@(?P<handle>[A-Za-z0-9_.\-]{1,100}(?:@[A-Za-z0-9.\-]+)?)$")


class ParseError(ValueError):
    """The command text cannot be read; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument: its kind, its value (id, tag or text) and, for links, the label Slack showed."""

    kind: ArgKind
    value: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class CommandInput:
    """A parsed `/outreach` invocation: subcommand, positional args and --options."""

    subcommand: str
    args: list[Arg] = field(default_factory=list)
    options: dict[str, str | bool] = field(default_factory=dict)
    raw: str = ""
    repeated: dict[str, list[str]] = field(default_factory=dict)  # every value of an option given more than once

    def values(self, name: str) -> list[str]:
        """Every value given for --name (repeated, or comma-separated), in order; [] when none."""
        given = self.repeated.get(name) or ([v] if isinstance(v := self.options.get(name), str) else [])
        return [part.strip() for value in given for part in value.split(",") if part.strip()]

    def words(self) -> list[str]:
        return [arg.value for arg in self.args]


def tokenize(text: str) -> list[tuple[str, bool]]:
    """Split on whitespace, keeping quoted runs (straight or typographic) whole; (token, was_quoted)."""
    tokens: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        if char in QUOTES:
            closing = QUOTES[char]
            end = text.find(closing, i + 1)
            if end == -1 and closing != char:
                end = text.find(char, i + 1)
            if end == -1:
                raise ParseError(f"unclosed quote starting at: {text[i : i + 30]}")
            tokens.append((text[i + 1 : end], True))
            i = end + 1
            continue
        if char == "<":
            end = text.find(">", i)
            if end != -1:
                tokens.append((text[i : end + 1], False))
                i = end + 1
                continue
        start = i
        while i < n and not text[i].isspace():
            i += 1
        tokens.append((text[start:i], False))
    return tokens


def classify(token: str, quoted: bool = False) -> Arg:
    """Turn one token into an Arg, decoding Slack's <@U…>, <#C…|name>, <!subteam^S…> and <url|label>."""
    if quoted:
        return Arg("text", token)
    match = _SLACK_ESCAPE.fullmatch(token)
    if match:
        body = match.group("body")
        target, _, label = body.partition("|")
        if target.startswith("@"):
            return Arg("user", target[1:], label)
        if target.startswith("#"):
            return Arg("channel", target[1:], label)
        if target.startswith("!subteam^"):
            return Arg("usergroup", target.removeprefix("!subteam^"), label)
        if target.startswith(("http://", "https://", "mailto:")):
            return Arg("url", target, label)
        return Arg("word", body)
    hashtag = _HASHTAG.match(token)
    if hashtag:
        return Arg("hashtag", hashtag.group("tag"))
    handle = _HANDLE.match(token)
    if handle:
        return Arg("handle", handle.group("handle"))
    return Arg("word", token)


def parse_command(text: str) -> CommandInput:
    """Parse the text after `/outreach`: first word is the subcommand (default `help`)."""
    raw = (text or "").strip()
    tokens = tokenize(raw)
    if not tokens:
        return CommandInput("help", raw=raw)
    first, first_quoted = tokens[0]
    subcommand = first.lower() if not first_quoted else first
    args: list[Arg] = []
    options: dict[str, str | bool] = {}
    repeated: dict[str, list[str]] = {}
    rest = tokens[1:]
    index = 0
    while index < len(rest):
        token, quoted = rest[index]
        if not quoted and token.startswith("--") and len(token) > 2:
            name, equals, value = token[2:].partition("=")
            if equals:
                options[name.lower()] = value
                repeated.setdefault(name.lower(), []).append(value)
            elif index + 1 < len(rest) and not rest[index + 1][0].startswith("--"):
                options[name.lower()] = rest[index + 1][0]
                repeated.setdefault(name.lower(), []).append(rest[index + 1][0])
                index += 1
            else:
                options[name.lower()] = True
        else:
            args.append(classify(token, quoted))
        index += 1
    return CommandInput(subcommand, args, options, raw, repeated)


# Ids and dates carried by buttons, modals and command words ------------------------------------------------------

MAX_ID = 2**31 - 1  # record ids are PostgreSQL integers; anything larger names no row


def parse_id(value: object, what: str = "record") -> int:
    """A record id from a button value, modal metadata or command word: ASCII digits (`#12` allowed), 1..MAX_ID."""
    text = str(value if value is not None else "").strip().removeprefix("#")
    if not text or not text.isascii() or not text.isdigit():
        raise ParseError(f"“{_shown(text)}” is not a {what} number")
    number = int(text)
    if not 1 <= number <= MAX_ID:
        raise ParseError(f"there is no {what} number {_shown(text)}")
    return number


def parse_id_pair(value: object, what: str = "record") -> tuple[int, int]:
    """Two ids carried as `A:B` (a merge button's value)."""
    first, sep, second = str(value if value is not None else "").partition(":")
    if not sep:
        raise ParseError(f"“{_shown(str(value))}” is not a pair of {what} numbers")
    return parse_id(first, what), parse_id(second, what)


def parse_date(value: object, what: str = "date") -> date:
    """A calendar date written YYYY-MM-DD, within FIRST_YEAR..LAST_YEAR; impossible dates (2026-99-99) refused."""
    text = str(value if value is not None else "").strip()
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ParseError(f"the {what} “{_shown(text)}” is not a date; write it as 2026-11-19")
    check_year(day.year, what)
    return day


def check_year(year: int, what: str = "date") -> None:
    """Refuse years where date arithmetic is unsafe or the value is surely a typo."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ParseError(f"the {what} must be between {FIRST_YEAR} and {LAST_YEAR}")


def _shown(text: str) -> str:
    """Outside text as it may appear in an error: short, and safe in mrkdwn."""
    return escape(text[:30] + ("…" if len(text) > 30 else ""))


def parse_json_object(value: object, what: str = "value") -> dict[str, Any]:
    """A JSON object carried by a button value or modal metadata; anything else is refused."""
    try:
        loaded = json.loads(str(value)) if value else {}
    except ValueError:
        loaded = None
    if not isinstance(loaded, dict):
        raise ParseError(f"the {what} “{_shown(str(value))}” is not one I made")
    return loaded
