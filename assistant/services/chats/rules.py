"""The rules a chat's text must follow: hashtags, the posted text of each question, and every network's length limit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import regex
from twitter_text import extract_urls, parse_tweet

from assistant.models.platforms import Platform

DEFAULT_TEMPLATE = "Q{n} {text} #{hashtag}"
MAX_QUESTIONS = 20
MAX_HASHTAG = 100
X_LIMIT = 280
X_CLASSIC = 140
LIMITS: dict[str, int] = {Platform.x: X_LIMIT, Platform.mastodon: 500, Platform.bluesky: 300}
MASTODON_URL_LENGTH = 23
INTRO_MINUTES = 5
PLATFORM_NAMES: dict[str, str] = {Platform.x: "X", Platform.mastodon: "Mastodon", Platform.bluesky: "Bluesky"}

_TAG_CHAR = re.compile(r"^\w+$", re.UNICODE)
_LEADING_Q = re.compile(r"^\s*Q\d+\s*[:.)]?\s+", re.IGNORECASE)
_OFFSET_PREFIX = re.compile(r"^\s*(?P<minute>\d{1,3})\s*\|\s*(?P<text>.*)$")
_GRAPHEME = regex.compile(r"\X")


class RuleError(ValueError):
    """Input that breaks a chat rule; `field` names the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def clean_hashtag(raw: str | None) -> str:
    """The hashtag without its '#', or RuleError saying exactly what is wrong with it."""
    value = (raw or "").strip()
    if value.startswith("#"):
        value = value[1:]
    if not value:
        raise RuleError("hashtag", "Give the chat's hashtag, e.g. #ukfechat.")
    if any(char.isspace() for char in value):
        raise RuleError("hashtag", f"A hashtag has no spaces: try #{''.join(value.split())}.")
    if len(value) > MAX_HASHTAG:
        raise RuleError("hashtag", f"That hashtag is {len(value)} characters; keep it to {MAX_HASHTAG} or fewer.")
    if not _TAG_CHAR.match(value):
        bad = "".join(dict.fromkeys(char for char in value if not (char.isalnum() or char == "_")))
        raise RuleError("hashtag", f"A hashtag has only letters, digits and _; remove {bad!r}.")
    if value.isdigit():
        raise RuleError("hashtag", "A hashtag cannot be only digits (X would not link it); add a letter.")
    return value


def graphemes(text: str) -> int:
    """User-perceived characters (Unicode extended grapheme clusters, UAX #29): what Bluesky and Mastodon count."""
    return len(_GRAPHEME.findall(text))


def mastodon_length(text: str) -> int:
    """Mastodon's count: every URL counts 23, the rest in graphemes."""
    urls = extract_urls(text)
    rest = text
    for url in urls:
        rest = rest.replace(url, "", 1)
    return graphemes(rest) + MASTODON_URL_LENGTH * len(urls)


def length_on(platform: str, text: str) -> int:
    if platform == Platform.x:
        return int(parse_tweet(text).weightedLength)
    if platform == Platform.mastodon:
        return mastodon_length(text)
    return graphemes(text)


@dataclass(frozen=True, slots=True)
class LengthCheck:
    """One text measured on one network."""

    platform: str
    length: int
    limit: int

    @property
    def over(self) -> int:
        return max(0, self.length - self.limit)


def check_lengths(text: str, platforms: Sequence[str]) -> list[LengthCheck]:
    return [LengthCheck(p, length_on(p, text), LIMITS[p]) for p in platforms]


def too_long_message(label: str, check: LengthCheck) -> str:
    unit = "weighted characters" if check.platform == Platform.x else "characters"
    return (
        f"{label} is {check.length} {unit} on {PLATFORM_NAMES[check.platform]} (limit {check.limit}); "
        f"cut {check.over} character{'s' if check.over != 1 else ''}."
    )


def render_question(template: str, *, number: int, text: str, hashtag: str) -> str:
    """The exact text posted for Qn: the template filled in ({n}, {text}, {hashtag})."""
    try:
        return template.format(n=number, text=text.strip(), hashtag=hashtag).strip()
    except (KeyError, IndexError, ValueError) as exc:
        raise RuleError("template", f"The template can use only {{n}}, {{text}} and {{hashtag}} ({exc}).") from None


def check_template(template: str) -> str:
    template = (template or "").strip() or DEFAULT_TEMPLATE
    render_question(template, number=1, text="x", hashtag="x")
    if "{text}" not in template:
        raise RuleError("template", "The template must contain {text}, where the question goes.")
    return template


@dataclass(frozen=True, slots=True)
class QuestionDraft:
    """A question as typed: its text and the minute it goes out (None: spread evenly)."""

    text: str
    minute: int | None = None


def parse_questions(raw: str | None) -> list[QuestionDraft]:
    """One question a line; `15 | text` sets its minute; a leading `Q3` or `Q3:` is dropped (the template adds it)."""
    drafts: list[QuestionDraft] = []
    for line in (raw or "").splitlines():
        if not line.strip():
            continue
        minute: int | None = None
        match = _OFFSET_PREFIX.match(line)
        if match:
            minute, line = int(match.group("minute")), match.group("text")
        text = _LEADING_Q.sub("", line).strip()
        if text:
            drafts.append(QuestionDraft(text, minute))
    return drafts


def spread_minutes(count: int, duration: int) -> list[int]:
    """Default minutes: evenly spread after the first 5 minutes of introductions, all before the end."""
    if count == 0:
        return []
    window = max(1, duration - INTRO_MINUTES - 5)
    return [INTRO_MINUTES + (index * window) // count for index in range(count)]


@dataclass(frozen=True, slots=True)
class CheckedQuestion:
    number: int
    minute: int
    text: str
    posted: str
    lengths: tuple[LengthCheck, ...]


def check_questions(
    drafts: Sequence[QuestionDraft], *, hashtag: str, template: str, duration: int, platforms: Sequence[str]
) -> list[CheckedQuestion]:
    """Number, time and measure every question; RuleError('questions', ...) names the first problem."""
    if len(drafts) > MAX_QUESTIONS:
        raise RuleError("questions", f"{len(drafts)} questions: a chat has at most {MAX_QUESTIONS}.")
    spread = spread_minutes(len(drafts), duration)
    checked: list[CheckedQuestion] = []
    seen: dict[int, int] = {}
    for index, draft in enumerate(drafts):
        number = index + 1
        minute = spread[index] if draft.minute is None else draft.minute
        if not 1 <= minute < duration:
            raise RuleError("questions", f"Q{number} is at minute {minute}; pick a minute from 1 to {duration - 1}.")
        if minute in seen:
            raise RuleError("questions", f"Q{seen[minute]} and Q{number} are both at minute {minute}; move one.")
        seen[minute] = number
        posted = render_question(template, number=number, text=draft.text, hashtag=hashtag)
        lengths = tuple(check_lengths(posted, platforms))
        for check in lengths:
            if check.over:
                raise RuleError("questions", too_long_message(f"Q{number}", check))
        checked.append(CheckedQuestion(number, minute, draft.text, posted, lengths))
    return checked


def classic_warnings(texts: Sequence[tuple[str, str]]) -> list[str]:
    """For chats keeping the classic short style: every (label, text) above 140 weighted characters."""
    warnings = []
    for label, text in texts:
        length = length_on(Platform.x, text)
        if length > X_CLASSIC:
            warnings.append(f"{label} is {length} characters on X, above the classic {X_CLASSIC}.")
    return warnings
