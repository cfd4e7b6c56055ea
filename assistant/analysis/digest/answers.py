"""Questions and answers: which posts ask the questions, which answer them, and what else was said.

The rules (also in the digest JSON schema):
- A question is the first `Q<n>` post by a moderator: an original, a reply (under the intro or the previous
  question) or a quote. For a chat this app posted, the question posts are the ones it recorded, by id.
- An answer is a participant's (not a moderator's) non-repost post with an answer tag ("A1", "A1 & A2",
  see text.answer_numbers), answering each question it names; or an untagged reply, answering the question
  that is its nearest question ancestor through reply parents.
- A moderator's reply in a question's thread is a moderator reply of that question, never an answer.
  A participant's untagged reply under the intro (with no question above it) is an intro reply.
- Everything else but reposts is open conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

from assistant.analysis.digest.moderators import Moderators
from assistant.analysis.digest.select import keys_of
from assistant.analysis.digest.text import answer_numbers, question_number
from integrations.normalized import NormalizedPost

Key = tuple[str, str]  # (platform, id)
INTRO = 0  # the anchor number of the intro in `_anchors`


@dataclass(slots=True)
class Question:
    """A chat question with the post that asked it (when found) and the posts answering it."""

    number: int
    text: str
    at: datetime | None
    post: NormalizedPost | None = None
    answers: list[NormalizedPost] = field(default_factory=list)
    thread_replies: int = 0  # untagged replies in its thread among the answers
    moderator_replies: list[NormalizedPost] = field(default_factory=list)

    @property
    def answerers(self) -> int:
        return len({(p.platform, p.author_id) for p in self.answers})


@dataclass(slots=True)
class Assignment:
    """Questions with their answers, the intro and its replies, and the posts answering none (open
    conversation, reposts left out)."""

    questions: list[Question]
    question_post_ids: set[str]
    open_conversation: list[NormalizedPost]
    moderators: Moderators = field(default_factory=Moderators)
    recorded: bool = False  # the question posts are the ones the app recorded posting
    intro: NormalizedPost | None = None
    intro_replies: list[NormalizedPost] = field(default_factory=list)


def _key(post: NormalizedPost) -> Key:
    return (post.platform, post.id)


def find_question_posts(
    posts: Sequence[NormalizedPost], moderator: Collection[Any], author: Callable[[NormalizedPost], Any]
) -> dict[int, NormalizedPost]:
    """The first non-repost "Q<n>..." post per number by a moderator (`author(post)` in `moderator`)."""
    found: dict[int, NormalizedPost] = {}
    for post in posts:
        if post.kind == "repost" or author(post) not in moderator:
            continue
        number = question_number(post.text)
        if number is not None and number not in found:
            found[number] = post
    return found


def _find_intro(
    by_key: Mapping[Any, NormalizedPost],
    key: Callable[[NormalizedPost], Any],
    parent: Callable[[NormalizedPost], Any],
    posts: Sequence[NormalizedPost],
    asked: Mapping[int, NormalizedPost],
    is_moderator: Callable[[NormalizedPost], bool],
) -> NormalizedPost | None:
    """The intro: the top moderator post above the first question when it is a reply, else the moderator's
    first original before it (not a question)."""
    if not asked:
        return None
    question_keys = {key(p) for p in asked.values()}
    first = asked[min(asked)]
    top: NormalizedPost | None = None
    above = by_key.get(parent(first)) if first.reply_to_post_id is not None else None
    seen: set[Any] = set()
    while above is not None and key(above) not in seen:
        seen.add(key(above))
        if is_moderator(above) and key(above) not in question_keys:
            top = above
        above = by_key.get(parent(above)) if above.reply_to_post_id is not None else None
    if top is not None:
        return top
    return next(
        (
            p
            for p in posts
            if p.created_at <= first.created_at
            and p.kind == "original"
            and is_moderator(p)
            and key(p) not in question_keys
        ),
        None,
    )


def _anchors(
    posts: Sequence[NormalizedPost],
    keys: Sequence[Any],
    parents: Sequence[Any],
    by_key: Mapping[Any, NormalizedPost],
    seeds: Mapping[Any, int],
    key: Callable[[NormalizedPost], Any],
    parent: Callable[[NormalizedPost], Any],
) -> list[int | None]:
    """Each post's nearest anchor up its reply chain (a question's number, or INTRO), None for none, in the
    order of `posts` (`keys` and `parents`: their keys and their reply parents' keys).

    `below[k]` is what a reply to post k finds: k's own number when k is an anchor (`seeds`), else k's own
    nearest anchor. In time order a parent comes first, so one lookup settles nearly every reply; a reply met
    before its parent is walked up its chain."""
    below: dict[Any, int | None] = {}

    def walk(post: NormalizedPost) -> int | None:  # the rare reply met before its parent
        chain: list[Any] = []
        current: NormalizedPost | None = post
        found: int | None = None
        while current is not None and key(current) not in chain:
            here = key(current)
            if here in below:
                found = below[here]
                break
            if here in seeds:
                found = seeds[here]
                break
            chain.append(here)
            up = parent(current) if current.reply_to_post_id is not None and current.kind != "repost" else None
            current = by_key.get(up) if up is not None else None
        for walked in chain:
            below.setdefault(walked, found)
        return found

    anchors: list[int | None] = []
    for post, here, up in zip(posts, keys, parents, strict=True):
        if post.reply_to_post_id is not None and post.kind != "repost":
            found = below[up] if up in below else walk(by_key[up]) if up in by_key else None
        else:
            found = None
        anchors.append(found)
        below[here] = seeds.get(here, found)
    return anchors


def assign(
    posts: Sequence[NormalizedPost],
    *,
    scheduled: Sequence[tuple[int, datetime, str]] = (),
    moderators: Moderators | None = None,
    handles: Mapping[str, str] | None = None,
    recorded: Mapping[int, Collection[Key]] | None = None,
    recorded_intro: Collection[Key] = (),
) -> Assignment:
    """Sort a chat's posts (in time order) under the questions they answer (see the module's rules).

    `handles`: author id -> handle; `recorded`: the question posts the app recorded, by number."""
    moderators = moderators or Moderators()
    handles = handles if handles is not None else {p.author_id: p.author_handle for p in posts if p.author_handle}
    moderator_ids = moderators.author_ids(handles)
    single = len({p.platform for p in posts}) <= 1
    key, parent = keys_of(posts)
    author: Callable[[NormalizedPost], Any] = attrgetter("author_id") if single else attrgetter("platform", "author_id")
    moderator = moderator_ids if single else {author(p) for p in posts if p.author_id in moderator_ids}

    def is_moderator(post: NormalizedPost) -> bool:
        return author(post) in moderator

    def as_key(pair: Key) -> Any:
        return pair[1] if single else pair

    keys = list(map(key, posts))
    by_key = dict(zip(keys, posts, strict=True))
    if recorded is not None:
        number_of = {as_key(pair): number for number, pairs in recorded.items() for pair in pairs}
        asked: dict[int, NormalizedPost] = {}
        for post in posts:
            number = number_of.get(key(post))
            if number is not None and number not in asked:
                asked[number] = post
        seeds = {k: n for k, n in number_of.items() if k in by_key}
    else:
        asked = find_question_posts(posts, moderator, author)
        seeds = {key(p): n for n, p in asked.items()}
    questions: dict[int, Question] = {n: Question(n, text, at) for n, at, text in scheduled}
    for number, asked_post in sorted(asked.items()):
        question = questions.setdefault(number, Question(number, asked_post.text, asked_post.created_at))
        question.post = asked_post
    intro = next((by_key[as_key(k)] for k in recorded_intro if as_key(k) in by_key), None)
    if intro is None and not recorded_intro:
        intro = _find_intro(by_key, key, parent, posts, asked, is_moderator)
    if intro is not None:
        seeds.setdefault(key(intro), INTRO)
    anchors = _anchors(posts, keys, list(map(parent, posts)), by_key, seeds, key, parent)
    open_conversation: list[NormalizedPost] = []
    intro_replies: list[NormalizedPost] = []
    intro_key = key(intro) if intro is not None else None
    skip = {k for k in seeds if k != intro_key}  # the question posts
    for post, here, anchor, who in zip(posts, keys, anchors, map(author, posts), strict=True):
        if post.kind == "repost" or here in skip:
            continue
        if who in moderator:
            if anchor and anchor in questions:
                questions[anchor].moderator_replies.append(post)
            else:
                open_conversation.append(post)
            continue
        tagged = answer_numbers(post.text)
        named = [n for n in tagged if n in questions] if tagged else tagged
        if named:
            for number in named:
                questions[number].answers.append(post)
        elif anchor and anchor in questions:
            questions[anchor].answers.append(post)
            questions[anchor].thread_replies += 1
        elif anchor == INTRO and here != intro_key:
            intro_replies.append(post)
        else:
            open_conversation.append(post)
    return Assignment(
        questions=sorted(questions.values(), key=lambda q: q.number),
        question_post_ids={p.id for p in asked.values()},
        open_conversation=open_conversation,
        moderators=moderators,
        recorded=recorded is not None,
        intro=intro,
        intro_replies=intro_replies,
    )
