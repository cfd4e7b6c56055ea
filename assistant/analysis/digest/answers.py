"""Answers: which question each post answers, by its A<n> tag or by being a reply in the question's thread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from assistant.analysis.digest.text import answer_number, question_number
from integrations.normalized import NormalizedPost


@dataclass(slots=True)
class Question:
    """A chat question with the post that asked it (when found) and the posts answering it."""

    number: int
    text: str
    at: datetime | None
    post: NormalizedPost | None = None
    answers: list[NormalizedPost] = field(default_factory=list)
    thread_replies: int = 0

    @property
    def answerers(self) -> int:
        return len({p.author_id for p in self.answers})


@dataclass(slots=True)
class Assignment:
    """Questions with their answers, and the posts answering none (open conversation)."""

    questions: list[Question]
    question_post_ids: set[str]
    open_conversation: list[NormalizedPost]


def find_question_posts(
    posts: Sequence[NormalizedPost], *, host_ids: set[str] | None = None
) -> dict[int, NormalizedPost]:
    """The first original post "Q<n>..." per number (by the host when the host is known)."""
    found: dict[int, NormalizedPost] = {}
    for post in posts:
        if post.kind not in ("original", "quote") or (host_ids and post.author_id not in host_ids):
            continue
        number = question_number(post.text)
        if number is not None and number not in found:
            found[number] = post
    return found


def assign(
    posts: Sequence[NormalizedPost],
    *,
    scheduled: Sequence[tuple[int, datetime, str]] = (),
    host_ids: set[str] | None = None,
) -> Assignment:
    """Sort posts under the questions they answer; reposts answer nothing."""
    asked = find_question_posts(posts, host_ids=host_ids)
    questions: dict[int, Question] = {n: Question(n, text, at) for n, at, text in scheduled}
    for asked_number, asked_post in asked.items():
        question = questions.setdefault(asked_number, Question(asked_number, asked_post.text, asked_post.created_at))
        question.post = asked_post
    thread_of = {q.post.conversation_id or q.post.id: q.number for q in questions.values() if q.post is not None}
    question_ids = {q.post.id for q in questions.values() if q.post is not None}
    open_conversation: list[NormalizedPost] = []
    for post in posts:
        if post.id in question_ids:
            continue
        number = None if post.kind == "repost" else answer_number(post.text)
        if number is None and post.kind == "reply" and post.conversation_id in thread_of:
            question = questions[thread_of[post.conversation_id]]
            question.answers.append(post)
            question.thread_replies += 1
        elif number in questions:
            questions[number].answers.append(post)
        else:
            open_conversation.append(post)
    return Assignment(sorted(questions.values(), key=lambda q: q.number), question_ids, open_conversation)
