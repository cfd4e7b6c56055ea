"""Text patterns of chats: answer tags (A1, a1), A1a, after @mentions), question tags, tokens, stop words."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

# Leading @mentions (and the commas or dots people put between them, as in ".@host A1"), then A<n> with an
# optional dot ("A.1") and sub-letter ("A1a"), ended by a separator (":", ".", ")", "-", ",", "/", "&", ";",
# "!", a blank) or the end of the text. A mention must end in a separator, and the tag must start a word:
# "@AishaGarcia2 Love this" is no "A2". A tag may name more questions: "A1 & A2", "A2/A3", "A1, A2", "A1 and A3".
_LEAD = r"^\s*(?:\.?@\w+[\s,:.]+)*\.?\s*"
_END = r"(?=[\s:.),;!/&\-]|$)"
ANSWER_TAG = re.compile(_LEAD + r"(?<![\w@])A\.?(\d{1,3})[a-z]?" + _END, re.IGNORECASE)
QUESTION_TAG = re.compile(_LEAD + r"(?<![\w@])Q\.?(\d{1,3})[a-z]?" + _END, re.IGNORECASE)
_MORE_ANSWERS = re.compile(
    r"\s*(?:[&/+]\s*A?|(?:,|and)\s*A)\.?(\d{1,3})[a-z]?" + _END, re.IGNORECASE
)  # "A1, 2 things": one
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_MORE_STARTS = frozenset("&/+,aA")  # what a second question's tag starts with ("& A2", "/A3", ", A2", "and A3")
MAX_NUMBER = 100  # "A2026" is a year, not an answer: question numbers stay below this


def answer_numbers(text: str) -> tuple[int, ...]:
    """The question numbers a post answers by its tag ("A1", "a1)", "A.1", "@host A2:", ".@host A1a",
    "A1 & A2", "A2/A3", "A1, A2"), each once in the order named; () when it carries no answer tag."""
    match = ANSWER_TAG.match(text)
    if match is None:
        return ()
    first, at = int(match.group(1)), match.end()
    if text[at : at + 8].lstrip()[:1] not in _MORE_STARTS:  # one question named: nearly every answer
        return (first,) if 0 < first < MAX_NUMBER else ()
    numbers = [first]
    while (more := _MORE_ANSWERS.match(text, at)) is not None:
        numbers.append(int(more.group(1)))
        at = more.end()
    return tuple(n for n in dict.fromkeys(numbers) if 0 < n < MAX_NUMBER)


def answer_number(text: str) -> int | None:
    """The first question number a post answers by its tag (see `answer_numbers`), or None."""
    numbers = answer_numbers(text)
    return numbers[0] if numbers else None


def question_number(text: str) -> int | None:
    """The number of a question post ("Q1: ...", "Q.2", "@cohost Q3"), or None."""
    match = QUESTION_TAG.match(text)
    number = int(match.group(1)) if match else None
    return number if number is not None and 0 < number < MAX_NUMBER else None


@cache
def stop_words(lang: str | None) -> frozenset[str]:
    """Stop words of a language (with English, which chats mix in); every known language when unknown."""
    lists = _lists()
    if lang and lang in lists:
        return lists[lang] | lists["en"]
    return frozenset().union(*lists.values())


@cache
def _lists() -> dict[str, frozenset[str]]:
    raw = resources.files("assistant").joinpath("data/stopwords.json").read_text(encoding="utf-8")
    return {lang: frozenset(words) for lang, words in json.loads(raw).items()}


# Links, @mentions, #hashtags and answer/question tags: r"https?://\S+|[@#]\w+|\b[aq]\d+[a-z]?\b" (any case),
# written so that every match starts with one of a few characters: the regex engine then skips ahead to
# those instead of trying three alternatives at every position (2x faster on 100k posts, same matches).
_NOT_WORDS = re.compile(r"[@#hHaAqQ](?:(?<=[@#])\w+|(?<=[hH])(?i:ttps?://)\S+|(?<=[aAqQ])(?<!\w.)(?i:\d+[a-z]?)\b)")


JOINER = " x "  # between posts tokenised together: a one-letter word, dropped like any, so no pair spans two posts


def tokens(text: str) -> list[str]:
    """Lower-case words of a post, without links, @mentions, #hashtags and answer/question tags."""
    words = WORD.findall(_NOT_WORDS.sub(" ", text).lower())
    return [w.replace("’", "'") for w in words] if "’" in text else words
