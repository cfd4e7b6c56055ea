"""Small hand-made chats, one per shape a real hashtag chat takes, with their true figures worked out by hand.

Each chat is a list of `P` (one post each), written out as a twarc2 page (X's v2 wire format: text escaped as X
escapes it, `includes.users`, `referenced_tweets`), a Mastodon status list or Bluesky postViews. The figures
each shape must give are in `Shape.expected`, counted by hand from the posts listed beside them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HASHTAG = "edchat"
START = datetime(2026, 3, 12, 21, 0, tzinfo=UTC)  # a Thursday, 21:00 UTC
END = START + timedelta(hours=1)

# handle -> account id: the host, a co-moderator, participants and an outsider
PEOPLE = {
    "hosty": "100",
    "cohost": "101",
    "ann": "201",
    "bob": "202",
    "cy": "203",
    "dee": "204",
    "eve": "205",
    "out": "300",
    "fay": "301",
    "gus": "302",
    "hal": "303",
}


@dataclass(frozen=True)
class P:
    """One post: its id, author handle, text as published, minute after START and what it refers to."""

    id: str
    by: str
    text: str
    minute: float
    reply: str | None = None
    quote: str | None = None
    repost: str | None = None
    urls: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class Q:
    """A question's true figures: its post, answers (posts), answerers, untagged thread replies, moderator
    replies."""

    post_id: str | None
    answers: int
    answerers: int
    thread_replies: int
    moderator_replies: int


@dataclass(frozen=True)
class Expected:
    posts: int
    participants: int
    reposts: int
    questions: dict[int, Q]
    open_conversation: int
    intro: str | None = None
    intro_replies: int = 0
    moderators: tuple[str, ...] = ("hosty",)


@dataclass(frozen=True)
class Shape:
    name: str
    posts: list[P]
    expected: Expected
    co_moderators: tuple[str, ...] = ()  # given to every path (none: the file path infers the host)
    plan: dict[int, str] = field(default_factory=dict)  # question number -> its post id, for the app's own chat
    intro_id: str | None = None

    def question_ids(self) -> dict[int, str]:
        return {n: q.post_id for n, q in self.expected.questions.items() if q.post_id}


SHAPES: list[Shape] = [
    # 1. standalone questions; a reply under the intro; a greeting
    Shape(
        "standalone",
        [
            P("1001", "hosty", "Welcome to #edchat! Questions at :05 and :10.", 0),
            P("1002", "ann", "Hi from Leeds", 1, reply="1001"),
            P("1003", "dee", "Hello all #edchat", 2),
            P("1004", "hosty", "Q1: What made you teach? #edchat", 5),
            P("1005", "ann", "A1: my own teachers #edchat", 6),
            P("1006", "bob", "Curiosity, mostly", 7, reply="1004"),
            P("1007", "hosty", "Q2: What keeps you teaching? #edchat", 10),
            P("1008", "cy", "A2 the students #edchat", 11),
        ],
        Expected(
            posts=8,
            participants=5,
            reposts=0,
            questions={1: Q("1004", 2, 2, 1, 0), 2: Q("1007", 1, 1, 0, 0)},
            open_conversation=2,  # the intro, dee's hello
            intro="1001",
            intro_replies=1,
        ),
    ),
    # 2. questions as replies under the intro (this app's own shape)
    Shape(
        "threaded under the intro",
        [
            P("2001", "hosty", "Welcome to #edchat, tonight on feedback", 0),
            P("2002", "dee", "Hi all, Dee from Hull", 1, reply="2001"),
            P("2003", "hosty", "Q1 How do you give feedback? #edchat", 5, reply="2001"),
            P("2004", "ann", "Out loud, in class", 6, reply="2003"),
            P("2005", "bob", "Same here, it's quicker", 7, reply="2004"),
            P("2006", "hosty", "Q2 And marking? #edchat", 10, reply="2001"),
            P("2007", "cy", "Less of it, better", 11, reply="2006"),
            P("2008", "ann", "A2 whole-class codes #edchat", 12),
        ],
        Expected(
            posts=8,
            participants=5,
            reposts=0,
            questions={1: Q("2003", 2, 2, 2, 0), 2: Q("2006", 2, 2, 1, 0)},
            open_conversation=1,  # the intro
            intro="2001",
            intro_replies=1,
        ),
    ),
    # 3. each question replying to the previous one
    Shape(
        "chain",
        [
            P("3001", "hosty", "Welcome to #edchat", 0),
            P("3002", "hosty", "Q1 Best book this term? #edchat", 5, reply="3001"),
            P("3003", "ann", "Wonder, again", 6, reply="3002"),
            P("3004", "hosty", "Q2 Best podcast? #edchat", 10, reply="3002"),
            P("3005", "bob", "Teaching in practice", 11, reply="3004"),
            P("3006", "hosty", "Q3 Best conference? #edchat", 15, reply="3004"),
            P("3007", "cy", "The regional one", 16, reply="3006"),
            P("3008", "ann", "Agreed, cheaper too", 17, reply="3007"),
        ],
        Expected(
            posts=8,
            participants=4,
            reposts=0,
            questions={1: Q("3002", 1, 1, 1, 0), 2: Q("3004", 1, 1, 1, 0), 3: Q("3006", 2, 2, 2, 0)},
            open_conversation=1,
            intro="3001",
        ),
        plan={1: "3002", 2: "3004", 3: "3006"},
    ),
    # 4. a co-moderator asks Q2 (as a quote of the intro) and Q3; moderators reply in threads
    Shape(
        "co-moderator",
        [
            P("4001", "hosty", "Welcome to #edchat with @cohost", 0),
            P("4002", "hosty", "Q1 What is assessment for? #edchat", 5),
            P("4003", "ann", "A1 learning #edchat", 6),
            P("4004", "cohost", "Thanks all, keep going", 7, reply="4002"),
            P("4005", "cohost", "Q2 Who is it for? #edchat", 10, quote="4001"),
            P("4006", "bob", "A2 the pupils #edchat", 11),
            P("4007", "cohost", "Q3 How often? #edchat", 15, reply="4001"),
            P("4008", "cy", "Weekly at most", 16, reply="4007"),
            P("4009", "hosty", "Great point", 17, reply="4008"),
        ],
        Expected(
            posts=9,
            participants=5,
            reposts=0,
            questions={1: Q("4002", 1, 1, 0, 1), 2: Q("4005", 1, 1, 0, 0), 3: Q("4007", 1, 1, 1, 1)},
            open_conversation=1,
            intro="4001",
            moderators=("hosty", "cohost"),
        ),
        co_moderators=("cohost",),
    ),
    # 5. every answer-tag form, untagged thread replies, and two posts that only look tagged
    Shape(
        "answer tags",
        [
            P("5001", "hosty", "Q1 Favourite tool? #edchat", 5),
            P("5002", "hosty", "Q2 Least favourite? #edchat", 10),
            P("5003", "hosty", "Q3 One wish? #edchat", 15),
            P("5010", "ann", "A1 paper #edchat", 6),
            P("5011", "bob", "A1: whiteboard #edchat", 6.1),
            P("5012", "cy", "A1) the timer #edchat", 6.2),
            P("5013", "dee", "a1. quizzes #edchat", 6.3),
            P("5014", "ann", "A1a and pens #edchat", 6.4),
            P("5015", "bob", "A.1 chalk #edchat", 6.5),
            P("5016", "cy", "A1 - sticky notes #edchat", 6.6),
            P("5017", "dee", ".@hosty A1 my voice #edchat", 6.7),
            P("5018", "ann", "@hosty @cohost A2 the photocopier #edchat", 11),
            P("5019", "bob", "The printer, every time", 11.5, reply="5002"),
            P("5020", "cy", "Smaller classes", 16, reply="5003"),
            P("5021", "dee", "@AishaGarcia2 love this #edchat", 17),
            P("5022", "eve", "A2026 was a big year #edchat", 18),
        ],
        Expected(
            posts=16,
            participants=6,
            reposts=0,
            questions={1: Q("5001", 8, 4, 0, 0), 2: Q("5002", 2, 2, 1, 0), 3: Q("5003", 1, 1, 1, 0)},
            open_conversation=2,
        ),
    ),
    # 6. reposts of the intro, of a question (its RT text cut before the hashtag) and of an answer
    Shape(
        "reposts",
        [
            P("6001", "hosty", "Welcome to #edchat", 0),
            P("6002", "hosty", "Q1 What did you learn this week? #edchat", 5, reply="6001"),
            P("6003", "ann", "A1 patience #edchat", 6),
            P("6004", "bob", "RT @hosty: Welcome to #edchat", 6.5, repost="6001"),
            P("6005", "cy", "RT @hosty: Q1 What did you learn this week?", 7, repost="6002"),
            P("6006", "dee", "RT @ann: A1 patience #edchat", 8, repost="6003"),
            P("6007", "bob", "How to wait", 9, reply="6002"),
        ],
        Expected(
            posts=7,
            participants=5,
            reposts=3,
            questions={1: Q("6002", 2, 2, 1, 0)},
            open_conversation=1,
            intro="6001",
        ),
    ),
    # 7. participants quoting a question and praising it by number
    Shape(
        "quoted question",
        [
            P("7001", "hosty", "Q1 What is a good lesson? #edchat", 5),
            P("7002", "ann", "great Q1! #edchat", 6, quote="7001"),
            P("7003", "bob", "Q1 is such a good question #edchat", 7),
            P("7004", "cy", "A1 one where they talk #edchat", 8),
            P("7005", "dee", "One they remember", 9, reply="7001"),
            P("7006", "hosty", "Q2 And a bad one? #edchat", 10),
            P("7007", "ann", "A2 all slides #edchat", 11),
        ],
        Expected(
            posts=7,
            participants=5,
            reposts=0,
            questions={1: Q("7001", 2, 2, 1, 0), 2: Q("7006", 1, 1, 0, 0)},
            open_conversation=2,
        ),
    ),
    # 8. answers naming two or three questions
    Shape(
        "multi-question answers",
        [
            P("8001", "hosty", "Q1 Homework: yes or no? #edchat", 5),
            P("8002", "hosty", "Q2 How much? #edchat", 6),
            P("8003", "hosty", "Q3 Marked by whom? #edchat", 7),
            P("8004", "ann", "A1 & A2 yes, a little #edchat", 8),
            P("8005", "bob", "A2/A3 twenty minutes, peers #edchat", 9),
            P("8006", "cy", "A1, A2, A3 yes, some, me #edchat", 10),
        ],
        Expected(
            posts=6,
            participants=4,
            reposts=0,
            questions={1: Q("8001", 2, 2, 0, 0), 2: Q("8002", 3, 3, 0, 0), 3: Q("8003", 2, 2, 0, 0)},
            open_conversation=0,
        ),
    ),
    # 9. late answers to Q1 after Q2
    Shape(
        "late answers",
        [
            P("9001", "hosty", "Q1 First job? #edchat", 5),
            P("9002", "hosty", "Q2 Worst job? #edchat", 10),
            P("9003", "cy", "A2 filing #edchat", 11),
            P("9004", "ann", "A1 late: paper round #edchat", 15),
            P("9005", "bob", "Shop assistant", 16, reply="9001"),
        ],
        Expected(
            posts=5,
            participants=4,
            reposts=0,
            questions={1: Q("9001", 2, 2, 1, 0), 2: Q("9002", 1, 1, 0, 0)},
            open_conversation=0,
        ),
    ),
    # 10. the host's follow-ups in a question's thread, and the host's own tagged answer
    Shape(
        "host follow-ups",
        [
            P("1101", "hosty", "Welcome to #edchat", 0),
            P("1102", "hosty", "Q1 What is rigour? #edchat", 5, reply="1101"),
            P("1103", "ann", "Depth over speed", 6, reply="1102"),
            P("1104", "hosty", "Great point!", 7, reply="1103"),
            P("1105", "hosty", "Anyone else?", 8, reply="1102"),
            P("1106", "bob", "Hard thinking", 9, reply="1105"),
            P("1107", "hosty", "A1 from me: challenge #edchat", 10),
        ],
        Expected(
            posts=7,
            participants=3,
            reposts=0,
            questions={1: Q("1102", 2, 2, 2, 2)},
            open_conversation=2,  # the intro, the host's own "A1"
            intro="1101",
        ),
    ),
    # 11. hostile and X-escaped text (written here as published; the twarc2 page escapes it as X does)
    Shape(
        "hostile text",
        [
            P("1201", "hosty", "Q1: What do <3 & -> mean? #edchat", 5),
            P("1202", "ann", "A1 <!channel> hi #edchat", 6),
            P("1203", "bob", "A1 <@U1> <https://x|click> &amp; more #edchat", 7),
            P("1204", "cy", "A1 مرحبا 你好 🎉 #edchat", 8),
            P("1205", "dee", "<b>bold</b> & <i>it</i>", 9, reply="1201"),
        ],
        Expected(
            posts=5,
            participants=5,
            reposts=0,
            questions={1: Q("1201", 4, 4, 1, 0)},
            open_conversation=0,
        ),
    ),
    # 12. a tagged reply to an outside post that has many other replies
    Shape(
        "outside thread",
        [
            P("1301", "out", "Big news about school funding", 1),
            P("1302", "fay", "Finally", 2, reply="1301"),
            P("1303", "gus", "Not enough", 3, reply="1301"),
            P("1304", "hal", "Where from?", 4, reply="1302"),
            P("1305", "hosty", "Q1 What would you fund first? #edchat", 5),
            P("1306", "ann", "A1 libraries #edchat", 6, reply="1301"),
            P("1307", "bob", "Agreed", 7, reply="1306"),
        ],
        Expected(
            posts=3,
            participants=3,
            reposts=0,
            questions={1: Q("1305", 1, 1, 0, 0)},
            open_conversation=1,  # bob's untagged reply to ann's answer: no question above it
        ),
    ),
]


def _entities(text: str) -> dict[str, Any]:
    entities: dict[str, Any] = {}
    tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in re.finditer(r"#(\w+)", text)]
    mentions = [
        {"start": m.start(), "end": m.end(), "username": m.group(1), "id": PEOPLE.get(m.group(1).lower(), "999")}
        for m in re.finditer(r"(?<!\w)@(\w+)", text)
    ]
    if tags:
        entities["hashtags"] = tags
    if mentions:
        entities["mentions"] = mentions
    return entities


def _escape_as_x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def twarc2_page(posts: list[P]) -> dict[str, Any]:
    """The posts as one X API v2 search page, as twarc2 writes it (text escaped as X escapes it)."""
    by_id = {p.id: p for p in posts}

    def root(post: P) -> str:
        while post.reply and post.reply in by_id:
            post = by_id[post.reply]
        return post.id

    data = []
    for post in posts:
        tweet: dict[str, Any] = {
            "id": post.id,
            "text": _escape_as_x(post.text),
            "author_id": PEOPLE[post.by],
            "created_at": (START + timedelta(minutes=post.minute)).isoformat().replace("+00:00", ".000Z"),
            "conversation_id": root(post) if not post.repost else post.id,
            "lang": "en",
            "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0},
        }
        refs = []
        if post.reply:
            refs.append({"type": "replied_to", "id": post.reply})
            tweet["in_reply_to_user_id"] = PEOPLE[by_id[post.reply].by]
        if post.quote:
            refs.append({"type": "quoted", "id": post.quote})
        if post.repost:
            refs.append({"type": "retweeted", "id": post.repost})
        if refs:
            tweet["referenced_tweets"] = refs
        entities = _entities(post.text)
        if post.urls:
            entities["urls"] = [dict(u) for u in post.urls]
        if entities:
            tweet["entities"] = entities
        data.append(tweet)
    users = [{"id": PEOPLE[h], "username": h, "name": h.title()} for h in sorted({p.by for p in posts})]
    return {"data": data, "includes": {"users": users}, "meta": {"result_count": len(data)}}


def write_twarc2(path: Path, posts: list[P]) -> Path:
    path.write_text(json.dumps(twarc2_page(posts)) + "\n", encoding="utf-8")
    return path


# -- Mastodon and Bluesky: the threaded shape (2) on each network -------------------------------------------

FEDI = [
    P("m1", "hosty", "Welcome to #edchat", 0),
    P("m2", "hosty", "Q1 What do you read? #edchat", 5, reply="m1"),
    P("m3", "ann", "Mostly blogs", 6, reply="m2"),
    P("m4", "bob", "A1 journals #edchat", 7),
    P("m5", "hosty", "Thanks both", 8, reply="m3"),
    P("m6", "cy", "Hi everyone", 1, reply="m1"),
]
FEDI_EXPECTED = Expected(
    posts=6,
    participants=4,
    reposts=0,
    questions={1: Q("m2", 2, 2, 1, 1)},
    open_conversation=1,
    intro="m1",
    intro_replies=1,
)


def mastodon_statuses(posts: list[P]) -> list[dict[str, Any]]:
    """The posts as Mastodon statuses (content HTML, tags, in_reply_to_id)."""
    by_id = {p.id: p for p in posts}
    statuses = []
    for post in posts:
        tags = [{"name": m.group(1).lower()} for m in re.finditer(r"#(\w+)", post.text)]
        html = post.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        statuses.append(
            {
                "id": post.id,
                "created_at": (START + timedelta(minutes=post.minute)).isoformat().replace("+00:00", ".000Z"),
                "in_reply_to_id": post.reply,
                "in_reply_to_account_id": PEOPLE[by_id[post.reply].by] if post.reply else None,
                "content": f"<p>{html}</p>",
                "account": {"id": PEOPLE[post.by], "username": post.by, "acct": post.by, "display_name": post.by},
                "tags": tags,
                "mentions": [],
                "reblog": None,
                "language": "en",
                "url": f"https://mastodon.example/@{post.by}/{post.id}",
                "replies_count": 0,
                "reblogs_count": 0,
                "favourites_count": 0,
            }
        )
    return statuses


def _uri(post_id: str, by: str) -> str:
    return f"at://did:plc:{by}/app.bsky.feed.post/{post_id}"


def bluesky_views(posts: list[P]) -> list[dict[str, Any]]:
    """The posts as Bluesky postViews (record.reply.parent / root, tag facets)."""
    by_id = {p.id: p for p in posts}
    views = []
    for post in posts:
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": post.text,
            "createdAt": (START + timedelta(minutes=post.minute)).isoformat().replace("+00:00", ".000Z"),
            "langs": ["en"],
        }
        facets = []
        raw = post.text.encode()
        for m in re.finditer(rb"#(\w+)", raw):
            facets.append(
                {
                    "index": {"byteStart": m.start(), "byteEnd": m.end()},
                    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": m.group(1).decode()}],
                }
            )
        if facets:
            record["facets"] = facets
        if post.reply:
            parent = by_id[post.reply]
            top = parent
            while top.reply:
                top = by_id[top.reply]
            record["reply"] = {
                "parent": {"uri": _uri(parent.id, parent.by), "cid": "bafy"},
                "root": {"uri": _uri(top.id, top.by), "cid": "bafy"},
            }
        views.append(
            {
                "uri": _uri(post.id, post.by),
                "cid": "bafy",
                "author": {"did": f"did:plc:{post.by}", "handle": f"{post.by}.bsky.social"},
                "record": record,
                "indexedAt": record["createdAt"],
            }
        )
    return views


def bluesky_id(post_id: str) -> str:
    """The at:// URI `bluesky_views` gives the post with this id."""
    post = next(p for p in FEDI if p.id == post_id)
    return _uri(post.id, post.by)


# -- an independent reading of raw X JSON, for the real archives' counts ------------------------------------


def raw_chat(
    posts: dict[str, dict[str, Any]], hashtag: str, start: datetime | None = None, end: datetime | None = None
) -> dict[str, dict[str, Any]]:
    """The chat among raw X v2 post objects (id -> object), read straight from the JSON: the tagged posts in
    the window, every reply below them through `referenced_tweets[replied_to]`, and reposts of those."""

    def when(post: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(post["created_at"].replace("Z", "+00:00"))

    def ref(post: dict[str, Any], kind: str) -> str | None:
        return next((r["id"] for r in post.get("referenced_tweets", []) if r["type"] == kind), None)

    window = {
        i: p for i, p in posts.items() if (start is None or when(p) >= start) and (end is None or when(p) < end)
    }
    chosen = {
        i
        for i, p in window.items()
        if hashtag.casefold() in {h["tag"].casefold() for h in (p.get("entities") or {}).get("hashtags", [])}
    }
    grew = True
    while grew:  # as many rounds as the deepest thread
        below = {i for i, p in window.items() if ref(p, "retweeted") is None and ref(p, "replied_to") in chosen}
        grew = not below <= chosen
        chosen |= below
    chosen |= {i for i, p in window.items() if ref(p, "retweeted") in chosen}
    return {i: window[i] for i in chosen}
