"""A synthetic hashtag chat as twarc2 JSONL pages: deterministic for a seed, constant memory at any size.

One chat (or the same weekly slot `weeks` weeks in a row): the host welcomes people, then posts
Q1..Qn on schedule (the first after 5 minutes of introductions, then every 8-10 minutes);
participants introduce themselves and answer in every form people use ("A1 ...", "A1: ...",
"a1) ...", "@host A2 ..."), reply in threads without the hashtag (same conversation_id), quote
and repost (RT) questions and answers, share links (some over and over), mention each other,
add co-hashtags and emoji, and write in English, Spanish, French and Welsh. Each page holds
~100 posts in the classic X API v2 shape with their authors and mentioned users under
`includes.users`, in time order (`chat_files` writes them to files, oldest first or in the order of real
archives: newest first).
Participants are a returning core plus newcomers each week.

Nothing is kept per post except a window of recent posts to reply to, so 1M posts take the
same memory as 1k; user profiles are derived from (seed, user number) when needed.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from assistant.samples.chat_vocabulary import (
    CO_HASHTAGS,
    DOMAINS,
    EMOJI,
    POPULAR_LINKS,
    QUESTIONS,
    SOURCES,
    TEXT,
    TOPICS,
    lang_of,
    profile,
)
from assistant.samples.x_wire import USER_ID_BASE, entities, post_object, snowflake, tco, twarc_page, user_id

DEFAULT_START = datetime(2026, 3, 5, 21, 0)  # a Thursday, 21:00 local time
DEFAULT_TZ = "Europe/London"
PAGE_SIZE = 100
INTRO_MINUTES = 5


@dataclass(slots=True)
class _Recent:
    id: str
    author: int
    handle: str
    conversation_id: str
    text: str
    hashtag: bool


@dataclass(slots=True)
class _Week:
    number: int
    start: datetime  # aware UTC
    question_times: list[datetime]
    end: datetime


def chat_start_times(start: datetime | None = None, *, weeks: int = 1, tz: str = DEFAULT_TZ) -> list[datetime]:
    """The UTC start of each weekly chat: the same local weekday and time `weeks` weeks in a row."""
    zone = ZoneInfo(tz)
    local = (start or DEFAULT_START).replace(tzinfo=zone) if (start or DEFAULT_START).tzinfo is None else start
    assert local is not None
    local = local.astimezone(zone)
    wall = local.replace(tzinfo=None)
    return [(wall + timedelta(weeks=w)).replace(tzinfo=zone).astimezone(UTC) for w in range(weeks)]


def generate_chat(
    posts: int,
    seed: int,
    *,
    hashtag: str = "edchat",
    start: datetime | None = None,
    questions: int = 6,
    tz: str = DEFAULT_TZ,
    weeks: int = 1,
    page_size: int = PAGE_SIZE,
) -> Iterator[dict[str, Any]]:
    """Yield twarc2 pages holding `posts` posts per weekly chat (so `posts * weeks` in all), oldest first.

    `start` is the first chat's start (naive = local time in `tz`; default Thursday 5 March 2026,
    21:00); each later week repeats the same local slot. The same arguments give the same pages.
    """
    if posts < questions + 2:
        raise ValueError(f"a chat with {questions} questions needs at least {questions + 2} posts")
    if questions < 1 or weeks < 1 or page_size < 1:
        raise ValueError("questions, weeks and page_size must be at least 1")
    generator = _ChatGenerator(seed=seed, hashtag=hashtag.lstrip("#"), questions=questions, page_size=page_size)
    for number, chat_start in enumerate(chat_start_times(start, weeks=weeks, tz=tz)):
        yield from generator.week(number, chat_start, posts)
    yield from generator.flush()


class _ChatGenerator:
    def __init__(self, *, seed: int, hashtag: str, questions: int, page_size: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.hashtag = hashtag
        self.questions = questions
        self.page_size = page_size
        self.sequence = 0
        self.page: list[dict[str, Any]] = []
        self.page_users: dict[int, dict[str, Any]] = {}
        self.recent: deque[_Recent] = deque(maxlen=200)
        self.question_posts: list[_Recent] = []
        self.pages = 0

    # People -----------------------------------------------------------------------------

    def user(self, number: int) -> dict[str, Any]:
        return profile(self.seed, self.hashtag, number)

    def lang_of(self, number: int) -> str:
        return lang_of(self.seed, number)

    def handle_of(self, number: int) -> str:
        return str(self.user(number)["username"])

    # Weeks ------------------------------------------------------------------------------

    def week(self, number: int, start: datetime, posts: int) -> Iterator[dict[str, Any]]:
        rng = self.rng
        times = [start + timedelta(minutes=INTRO_MINUTES)]
        for _ in range(self.questions - 1):
            times.append(times[-1] + timedelta(minutes=rng.uniform(8, 10)))
        end = times[-1] + timedelta(minutes=10)
        week = _Week(number, start, [t.replace(microsecond=0) for t in times], end)
        self.question_posts = []
        self.recent.clear()

        participants = max(12, posts // 6)
        core = max(8, int(participants * 0.6))
        newcomers = participants - core
        newcomer_base = 2 + core + number * max(newcomers, 1)

        host_events: list[tuple[datetime, str, int]] = [(start, "welcome", 0)]
        host_events += [(t, "question", i + 1) for i, t in enumerate(week.question_times)]
        host_events.append((end - timedelta(seconds=30), "closing", 0))
        others = posts - len(host_events)

        weights = self._minute_weights(week)
        total_weight = sum(weights)
        host_index = 0
        minute = 0
        cumulative = weights[0]
        for i in range(others):
            # time of the i-th participant post: the inverse of the cumulative per-minute activity
            target = (i + rng.uniform(0.05, 0.95)) / others * total_weight
            while cumulative < target and minute < len(weights) - 1:
                minute += 1
                cumulative += weights[minute]
            within = 1 - (cumulative - target) / weights[minute]
            at = start + timedelta(minutes=minute + within)
            while host_index < len(host_events) and host_events[host_index][0] <= at:
                yield from self._emit(self._host_post(week, *host_events[host_index]))
                host_index += 1
            if rng.random() < 0.72:
                author = 2 + min(int(core * rng.random() ** 2.2), core - 1)
            elif newcomers > 0:
                author = newcomer_base + rng.randrange(newcomers)
            else:
                author = 1
            if rng.random() < 0.03:
                author = 1  # the co-moderator
            yield from self._emit(self._participant_post(week, at, author))
        while host_index < len(host_events):
            yield from self._emit(self._host_post(week, *host_events[host_index]))
            host_index += 1

    def _minute_weights(self, week: _Week) -> list[float]:
        minutes = int((week.end - week.start).total_seconds() // 60) + 1
        weights = []
        for m in range(minutes):
            at = week.start + timedelta(minutes=m)
            if at < week.question_times[0]:
                weights.append(1.0)
                continue
            since = min((at - q).total_seconds() / 60 for q in week.question_times if q <= at)
            weights.append(0.6 + 2.4 * 0.75**since)
        return weights

    # Posts ------------------------------------------------------------------------------

    def _host_post(self, week: _Week, at: datetime, what: str, number: int) -> dict[str, Any]:
        rng = self.rng
        tag = f"#{self.hashtag}"
        topic = TOPICS[(week.number + self.seed) % len(TOPICS)]
        if what == "welcome":
            text = (
                f"Welcome to {tag}! Tonight we're talking about {topic}. "
                f"Introduce yourself: name, role and where you're joining from {EMOJI[0]}"
            )
        elif what == "question":
            question = QUESTIONS[(number - 1 + week.number * 3 + self.seed) % len(QUESTIONS)]
            text = f"Q{number}: {question} {tag}"
        else:
            text = f"That's a wrap! Thank you all for a brilliant {tag}. Same time next week {EMOJI[5]}"
        post = self._post(at, 0, text, lang="en", hashtag=True)
        self._entities(post)
        post["public_metrics"] = {
            "retweet_count": rng.randrange(3, 25),
            "reply_count": rng.randrange(5, 40),
            "like_count": rng.randrange(10, 80),
            "quote_count": rng.randrange(0, 6),
        }
        if what == "question":
            self.question_posts.append(self._recent(post, 0, hashtag=True))
        return post

    def _participant_post(self, week: _Week, at: datetime, author: int) -> dict[str, Any]:
        rng = self.rng
        lang = self.lang_of(author)
        texts = TEXT[lang]
        current = sum(1 for q in week.question_times if q <= at)
        roll = rng.random()
        tag = f"#{self.hashtag}"

        if roll < 0.14 and self.recent:
            # a repost of a recent hashtag post
            candidates = [r for r in list(self.recent)[-40:] if r.hashtag and r.author != author]
            if candidates:
                original = rng.choice(candidates)
                text = f"RT @{original.handle}: {original.text}"
                if len(text) > 140:
                    text = text[:139] + "…"
                post = self._post(at, author, text, lang=lang, hashtag=False)
                post["referenced_tweets"] = [{"type": "retweeted", "id": original.id}]
                post["public_metrics"] = {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0}
                self._entities(post, mentions=[original.author])
                return post

        if roll < 0.36 and self.recent:
            # a thread reply: no hashtag, same conversation
            parent = rng.choice(list(self.recent)[-60:])
            if parent.author != author:
                text = f"@{parent.handle} {rng.choice(texts['reply'])} {self._emoji()}".rstrip()
                post = self._post(at, author, text, lang=lang, hashtag=False, conversation_id=parent.conversation_id)
                post["in_reply_to_user_id"] = user_id(parent.author)
                post["referenced_tweets"] = [{"type": "replied_to", "id": parent.id}]
                self._entities(post, mentions=[parent.author])
                return post

        if current == 0 or roll > 0.93:
            # introductions before Q1, chatter later
            kind = "hello" if current == 0 else "chatter"
            person = self.user(author)
            text = rng.choice(texts[kind]).format(
                role=person["description"].split(".")[0], place=person["location"] or "home"
            )
            text = f"{text} {tag} {self._emoji()}"
            if rng.random() < 0.15:
                text += f" #{rng.choice(CO_HASHTAGS)}"
            post = self._post(at, author, text, lang=lang, hashtag=True)
            self._entities(post)
            return post

        number = current if rng.random() < 0.85 or current == 1 else current - 1
        body = rng.choice(texts["answer"])
        form = rng.random()
        mentions: list[int] = []
        if form < 0.40:
            text = f"A{number} {body}"
        elif form < 0.65:
            text = f"A{number}: {body}"
        elif form < 0.80:
            text = f"a{number}) {body}"
        else:
            text = f"@{self.handle_of(0)} A{number} {body}"
            mentions.append(0)
        if rng.random() < 0.12:
            other = 2 + rng.randrange(max(1, author))
            if other != author:
                text += f" cc @{self.handle_of(other)}"
                mentions.append(other)
        urls: list[str] = []
        if rng.random() < 0.18:
            urls.append(rng.choice(POPULAR_LINKS) if rng.random() < 0.5 else self._one_off_link())
            text += f" {tco(urls[-1])}"
        text += f" {tag}"
        if rng.random() < 0.12:
            text += f" #{rng.choice(CO_HASHTAGS)}"
        if rng.random() < 0.35:
            text += f" {self._emoji()}"
        quoted = None
        if rng.random() < 0.06 and len(self.question_posts) >= number:
            quoted = self.question_posts[number - 1]
            urls.append(f"https://twitter.com/{quoted.handle}/status/{quoted.id}")
            text += f" {tco(urls[-1])}"
        post = self._post(at, author, text, lang=lang, hashtag=True)
        if quoted is not None:
            post["referenced_tweets"] = [{"type": "quoted", "id": quoted.id}]
        self._entities(post, mentions=mentions, urls=urls)
        return post

    def _post(
        self, at: datetime, author: int, text: str, *, lang: str, hashtag: bool, conversation_id: str | None = None
    ) -> dict[str, Any]:
        rng = self.rng
        self.sequence += 1
        metrics = {
            "retweet_count": int(rng.expovariate(1.2)),
            "reply_count": int(rng.expovariate(1.5)),
            "like_count": int(rng.expovariate(0.4)),
            "quote_count": int(rng.random() < 0.05),
        }
        post = post_object(
            snowflake(at, self.sequence),
            at,
            author,
            text,
            lang=lang,
            source=SOURCES[author % len(SOURCES)],
            conversation_id=conversation_id,
            metrics=metrics,
        )
        self._add_user(author)
        return post

    def _entities(
        self, post: dict[str, Any], *, mentions: list[int] | None = None, urls: list[str] | None = None
    ) -> None:
        people = [(number, self.handle_of(number)) for number in mentions or ()]
        found, mentioned = entities(post["text"], people, urls or ())
        for number in mentioned:
            self._add_user(number)
        if found:
            post["entities"] = found

    def _one_off_link(self) -> str:
        rng = self.rng
        return f"https://{rng.choice(DOMAINS)}/{rng.choice(('blog', 'post', 'a', 'resources'))}/{rng.randrange(10**6)}"

    def _emoji(self) -> str:
        return self.rng.choice(EMOJI)

    def _recent(self, post: dict[str, Any], author: int, *, hashtag: bool) -> _Recent:
        return _Recent(post["id"], author, self.handle_of(author), post["conversation_id"], post["text"], hashtag)

    def _add_user(self, number: int) -> None:
        if number not in self.page_users:
            self.page_users[number] = self.user(number)

    # Pages ------------------------------------------------------------------------------

    def _emit(self, post: dict[str, Any]) -> Iterator[dict[str, Any]]:
        author = int(post["author_id"]) - USER_ID_BASE
        has_tag = f"#{self.hashtag}".lower() in post["text"].lower() and not post["text"].startswith("RT @")
        self.recent.append(self._recent(post, author, hashtag=has_tag))
        self.page.append(post)
        if len(self.page) >= self.page_size:
            yield from self.flush()

    def flush(self) -> Iterator[dict[str, Any]]:
        if not self.page:
            return
        data, users = self.page, list(self.page_users.values())
        self.page, self.page_users = [], {}
        self.pages += 1
        yield twarc_page(data, users, hashtag=self.hashtag, token=f"synthetic{self.seed}p{self.pages}")
