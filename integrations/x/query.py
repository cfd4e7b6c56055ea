"""Build X search query strings (hashtags, keywords, accounts, conversations) with validation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Recent search allows 512 characters on the self-serve tiers; the spec's hard maximum is 4096.
DEFAULT_MAX_LENGTH = 512
_USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_HASHTAG = re.compile(r"^\w+$")
_POST_ID = re.compile(r"^[0-9]{1,19}$")


class QueryError(ValueError):
    """The query cannot be built or is too long; the message says which part."""


def _username(raw: str) -> str:
    name = raw.strip().lstrip("@")
    if not _USERNAME.match(name):
        raise QueryError(f"{raw!r} is not an X username (1-15 letters, digits or _)")
    return name


def _hashtag(raw: str) -> str:
    tag = raw.strip().lstrip("#")
    if not _HASHTAG.match(tag):
        raise QueryError(f"{raw!r} is not a hashtag (letters, digits or _ after #)")
    return f"#{tag}"


def _keyword(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise QueryError("empty keyword")
    if any(ch.isspace() for ch in text) or any(ch in text for ch in '()":'):
        return '"' + text.replace('"', "") + '"'
    return text


def _group(terms: list[str]) -> str:
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A search: any of the hashtags/keywords, optionally narrowed by accounts, conversation and language."""

    hashtags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    from_users: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    conversation_id: str | None = None
    lang: str | None = None
    exclude_reposts: bool = False
    exclude_replies: bool = False

    def build(self, *, max_length: int = DEFAULT_MAX_LENGTH) -> str:
        clauses: list[str] = []
        terms = [_hashtag(tag) for tag in self.hashtags] + [_keyword(word) for word in self.keywords]
        if terms:
            clauses.append(_group(terms))
        if self.from_users:
            clauses.append(_group([f"from:{_username(name)}" for name in self.from_users]))
        if self.mentions:
            clauses.append(_group([f"@{_username(name)}" for name in self.mentions]))
        if self.conversation_id is not None:
            if not _POST_ID.match(self.conversation_id):
                raise QueryError(f"{self.conversation_id!r} is not a post id")
            clauses.append(f"conversation_id:{self.conversation_id}")
        if not clauses:
            raise QueryError("a search needs a hashtag, keyword, account or conversation")
        if self.lang is not None:
            if not re.match(r"^[a-z]{2,3}$", self.lang):
                raise QueryError(f"{self.lang!r} is not a language code such as en")
            clauses.append(f"lang:{self.lang}")
        if self.exclude_reposts:
            clauses.append("-is:retweet")
        if self.exclude_replies:
            clauses.append("-is:reply")
        query = " ".join(clauses)
        if len(query) > max_length:
            raise QueryError(f"the query is {len(query)} characters; X accepts at most {max_length}")
        return query


def hashtag_query(tags: Iterable[str], *, exclude_reposts: bool = False) -> str:
    """Posts with any of `tags` (the usual hashtag-chat search)."""
    return SearchQuery(hashtags=tuple(tags), exclude_reposts=exclude_reposts).build()


def conversation_query(conversation_id: str) -> str:
    """Every reply in a conversation, so digests catch answers that drop the hashtag."""
    return SearchQuery(conversation_id=conversation_id).build()
