"""A synthetic policy area on X: partner organisations, the communities around them, who follows whom, and posts.

Deterministic for a seed. Accounts are X API v2 user objects, follows are id lists, posts are X API v2
post objects (with a weekly #ukfechat chat, Thursdays 21:00 Europe/London, from assistant.samples.chat).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from assistant.samples.chat import generate_chat

ID_BASE = 2_000_000_000
THEMES = (
    ("further education", ("college", "lecturer", "apprenticeships", "skills", "FE"), "ukfechat"),
    ("school leadership", ("headteacher", "school", "leadership", "governors", "trust"), "ukedchat"),
    ("edtech", ("edtech", "digital", "learning", "technology", "AI"), "edtech"),
    ("wellbeing", ("wellbeing", "mental", "health", "pastoral", "SEND"), "mentalhealth"),
)
ORG_NAMES = ("College", "Trust", "Council", "Network", "Association", "Foundation")


@dataclass(slots=True)
class World:
    """Users by id, who each follows, posts in time order, and the partner (seed) handles."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    following: dict[str, list[str]] = field(default_factory=dict)
    posts: list[dict[str, Any]] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)

    def by_username(self, name: str) -> dict[str, Any] | None:
        lowered = name.lower()
        for user in self.users.values():
            if user["username"].lower() == lowered:
                return user
        return None


def synthetic_world(
    seed: int = 1, *, accounts: int = 240, partners: int = 12, follows_each: int = 30, chat_weeks: int = 6
) -> World:
    """A world of `accounts` accounts in four themed communities, `partners` of them partner organisations."""
    rng = random.Random(seed)
    world = World()
    per_theme: dict[int, list[str]] = {t: [] for t in range(len(THEMES))}
    for number in range(accounts):
        theme = number % len(THEMES)
        name, words, tag = THEMES[theme]
        uid = str(ID_BASE + number)
        is_org = number < partners or rng.random() < 0.15
        if is_org:
            display = f"{rng.choice(('North', 'South', 'City', 'Valley', 'Coast'))} {words[0].title()} {rng.choice(ORG_NAMES)}"
            bio = f"Official account of our {words[0]} {rng.choice(ORG_NAMES).lower()}. We support {name}. #{tag}"
        else:
            display = f"{rng.choice(('Sam', 'Priya', 'Gareth', 'Siân', 'Tom', 'Aisha'))} {rng.choice(('Jones', 'Patel', 'Evans', 'Khan'))}"
            bio = f"{words[1].title()} interested in {words[2]} and {words[3]}. Views my own. #{tag}"
        handle = f"{'org' if is_org else 'user'}{number}_{words[0][:6]}".replace(" ", "")[:15]
        world.users[uid] = {
            "id": uid,
            "username": handle,
            "name": display,
            "description": bio,
            "location": rng.choice(("Cardiff", "Leeds", "London", "Glasgow", "")),
            "verified": is_org and rng.random() < 0.3,
            "protected": False,
            "created_at": "2015-06-01T10:00:00.000Z",
            "public_metrics": {
                "followers_count": int(rng.paretovariate(1.3) * (400 if is_org else 60)),
                "following_count": follows_each,
                "tweet_count": rng.randrange(100, 20000),
                "listed_count": rng.randrange(0, 50),
            },
        }
        per_theme[theme].append(uid)
    ids = list(world.users)
    for uid in ids:
        theme = (int(uid) - ID_BASE) % len(THEMES)
        own = per_theme[theme]
        chosen: dict[str, None] = {}
        while len(chosen) < min(follows_each, len(ids) - 1):
            pool = own if rng.random() < 0.8 else ids
            # preferential: low numbers (the partners and early accounts) are followed more
            target = pool[min(int(len(pool) * rng.random() ** 2.5), len(pool) - 1)]
            if target != uid:
                chosen[target] = None
        world.following[uid] = list(chosen)
    world.seeds = [world.users[str(ID_BASE + i)]["username"] for i in range(partners)]
    _add_posts(world, rng, chat_weeks)
    return world


def _add_posts(world: World, rng: random.Random, chat_weeks: int) -> None:
    ids = list(world.users)
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    for number in range(len(ids) * 2):
        author = rng.choice(ids)
        theme = (int(author) - ID_BASE) % len(THEMES)
        _name, words, tag = THEMES[theme]
        other = world.users[rng.choice(world.following[author])]
        text = f"Great to see {words[2]} and {words[3]} on the agenda @{other['username']} #{tag}"
        url = f"https://www.example.org/{words[0].replace(' ', '-')}/{number % 7}"
        at = start + timedelta(minutes=rng.randrange(60 * 24 * 42))
        world.posts.append(
            {
                "id": str(3_000_000_000 + number),
                "author_id": author,
                "text": f"{text} {url}",
                "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "conversation_id": str(3_000_000_000 + number),
                "lang": "en",
                "entities": {
                    "hashtags": [{"start": 0, "end": 0, "tag": tag}],
                    "mentions": [{"start": 0, "end": 0, "username": other["username"], "id": other["id"]}],
                    "urls": [{"start": 0, "end": 0, "url": url, "expanded_url": url}],
                },
                "public_metrics": {
                    "retweet_count": 0,
                    "reply_count": 0,
                    "like_count": rng.randrange(10),
                    "quote_count": 0,
                },
            }
        )
    if chat_weeks:
        chat_start = datetime(2026, 10, 1, 21, 0)  # a Thursday, local time
        for page in generate_chat(40, 5, hashtag="ukfechat", weeks=chat_weeks, start=chat_start):
            world.posts.extend(page["data"])
            for user in page["includes"]["users"]:
                world.users.setdefault(user["id"], user)
                world.following.setdefault(user["id"], [])
    world.posts.sort(key=lambda p: p["created_at"])
