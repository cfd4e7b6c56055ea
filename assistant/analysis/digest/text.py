"""Text patterns of chats: answer tags (A1, a1), A1a, after @mentions), question tags, tokens, stop words."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

# Leading @mentions (and the commas or dots people put between them), then A<n> with an optional
# sub-letter, ended by ':', '.', ')', '-', ',', a blank or the end of the text.
# A mention must end in a separator, and the tag must start a word: "@AishaGarcia2 Love this" is no "A2".
ANSWER_TAG = re.compile(r"^\s*(?:\.?@\w+[\s,:]+)*(?<![\w@])A(\d{1,3})[a-z]?(?=[\s:.),\-]|$)", re.IGNORECASE)
QUESTION_TAG = re.compile(r"^\s*(?:\.?@\w+[\s,:]+)*(?<![\w@])Q(\d{1,3})[a-z]?(?=[\s:.),\-]|$)", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def answer_number(text: str) -> int | None:
    """The question number a post answers by its tag ("A1", "a1)", "@host A2:", "A1a"), or None."""
    match = ANSWER_TAG.match(text)
    return int(match.group(1)) if match else None


def question_number(text: str) -> int | None:
    """The number of a question post ("Q1: ..."), or None."""
    match = QUESTION_TAG.match(text)
    return int(match.group(1)) if match else None


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
