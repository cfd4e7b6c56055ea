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

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from assistant.analysis.digest.moderators import Moderators
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


def find_question_posts(posts: Sequence[NormalizedPost], moderator: Collection[Key]) -> dict[int, NormalizedPost]:
    """The first non-repost "Q<n>..." post per number by a moderator (`moderator`: (platform, author id))."""
    found: dict[int, NormalizedPost] = {}
    for post in posts:
        if post.kind == "repost" or (post.platform, post.author_id) not in moderator:
            continue
        number = question_number(post.text)
        if number is not None and number not in found:
            found[number] = post
    return found


def _recorded_posts(
    posts: Sequence[NormalizedPost], recorded: Mapping[int, Collection[Key]]
) -> tuple[dict[int, NormalizedPost], set[Key]]:
    """The recorded question posts found in the chat (the first per number) and every recorded key."""
    number_of = {key: number for number, keys in recorded.items() for key in keys}
    found: dict[int, NormalizedPost] = {}
    for post in posts:
        number = number_of.get(_key(post))
        if number is not None and number not in found:
            found[number] = post
    return found, set(number_of)


def _find_intro(
    by_key: Mapping[Key, NormalizedPost],
    posts: Sequence[NormalizedPost],
    asked: Mapping[int, NormalizedPost],
    moderator: Collection[Key],
    question_keys: Collection[Key],
) -> NormalizedPost | None:
    """The intro: the top moderator post above the first question when it is a reply, else the moderator's
    first original before it (not a question)."""
    if not asked:
        return None
    first = asked[min(asked)]
    top: NormalizedPost | None = None
    parent = first.reply_to_post_id
    seen: set[Key] = set()
    while parent is not None and (first.platform, parent) in by_key and (first.platform, parent) not in seen:
        seen.add((first.platform, parent))
        above = by_key[(first.platform, parent)]
        if (above.platform, above.author_id) in moderator and _key(above) not in question_keys:
            top = above
        parent = above.reply_to_post_id
    if top is not None:
        return top
    return next(
        (
            p
            for p in posts
            if p.created_at <= first.created_at
            and p.kind == "original"
            and (p.platform, p.author_id) in moderator
            and _key(p) not in question_keys
        ),
        None,
    )


def _anchors(
    by_key: Mapping[Key, NormalizedPost], anchor_of: dict[Key, int | None], posts: Sequence[NormalizedPost]
) -> None:
    """Fill `anchor_of` (seeded with the question posts' numbers and the intro's INTRO) with each post's
    nearest anchor up its reply chain, None for none; each post's chain walked once."""
    for post in posts:
        key = _key(post)
        if key in anchor_of:
            continue
        chain: list[Key] = []
        found: int | None = None
        current: NormalizedPost | None = post
        while current is not None:
            here = _key(current)
            if here in anchor_of and here != key:
                found = anchor_of[here]
                break
            if here in chain:  # a cycle: no anchor
                break
            chain.append(here)
            parent = current.reply_to_post_id
            current = by_key.get((current.platform, parent)) if parent is not None and current.kind != "repost" else None
        for walked in chain:
            anchor_of.setdefault(walked, found)


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
    moderator = {(p.platform, p.author_id) for p in posts if p.author_id in moderator_ids}
    by_key = {_key(p): p for p in posts}
    if recorded is not None:
        asked, question_keys = _recorded_posts(posts, recorded)
    else:
        asked = find_question_posts(posts, moderator)
        question_keys = {_key(p) for p in asked.values()}
    questions: dict[int, Question] = {n: Question(n, text, at) for n, at, text in scheduled}
    for number, asked_post in sorted(asked.items()):
        question = questions.setdefault(number, Question(number, asked_post.text, asked_post.created_at))
        question.post = asked_post
    intro = next((by_key[k] for k in recorded_intro if k in by_key), None) if recorded_intro else None
    if intro is None and not recorded_intro:
        intro = _find_intro(by_key, posts, asked, moderator, question_keys)
    anchor_of: dict[Key, int | None] = {}
    if recorded is not None:
        number_of = {key: n for n, keys in recorded.items() for key in keys}
        anchor_of.update({key: number_of[key] for key in question_keys if key in by_key})
    else:
        anchor_of.update({_key(p): n for n, p in asked.items()})
    if intro is not None:
        anchor_of.setdefault(_key(intro), INTRO)
    _anchors(by_key, anchor_of, posts)
    open_conversation: list[NormalizedPost] = []
    intro_replies: list[NormalizedPost] = []
    for post in posts:
        key = _key(post)
        if post.kind == "repost" or key in question_keys:
            continue
        anchor = anchor_of.get(key) if post.reply_to_post_id is not None else None
        if (post.platform, post.author_id) in moderator:
            if anchor and anchor in questions:
                questions[anchor].moderator_replies.append(post)
            else:
                open_conversation.append(post)
            continue
        numbers = [n for n in answer_numbers(post.text) if n in questions]
        if numbers:
            for number in numbers:
                questions[number].answers.append(post)
        elif anchor and anchor in questions:
            questions[anchor].answers.append(post)
            questions[anchor].thread_replies += 1
        elif anchor == INTRO and intro is not None and key != _key(intro):
            intro_replies.append(post)
        else:
            open_conversation.append(post)
    return Assignment(
        questions=sorted(questions.values(), key=lambda q: q.number),
        question_post_ids={k[1] for k in question_keys if k in by_key},
        open_conversation=open_conversation,
        moderators=moderators,
        recorded=recorded is not None,
        intro=intro,
        intro_replies=intro_replies,
    )
