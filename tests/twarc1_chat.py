"""A small #edchat written by hand as twarc 1 writes it: X API v1.1 statuses, one a line, text escaped as X sends it.

The chat (Thu 12 Mar 2026, 21:00-22:00 UTC): hosty's intro, Q1 under it, ann's tagged A1 under Q1 with a t.co
link, bob's untagged reply to ann, Q2 under Q1 as a streamed status (truncated, whole in `extended_tweet`), cy's
tagged A2, dee's retweet of Q1 (the original embedded), and an untagged post by someone else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

USERS = {"hosty": "100", "ann": "201", "bob": "202", "cy": "203", "dee": "204", "out": "300"}


def user(handle: str) -> dict[str, Any]:
    """A v1.1 user object."""
    return {
        "id": int(USERS[handle]),
        "id_str": USERS[handle],
        "name": handle.title(),
        "screen_name": handle,
        "location": "Leeds" if handle == "ann" else "",
        "description": f"I am {handle} &amp; I teach",
        "url": "https://t.co/prof" if handle == "hosty" else None,
        "entities": {"url": {"urls": [{"url": "https://t.co/prof", "expanded_url": "https://edchat.example"}]}}
        if handle == "hosty"
        else {"description": {"urls": []}},
        "followers_count": 1200 if handle == "hosty" else 50,
        "friends_count": 300,
        "statuses_count": 4000,
        "verified": False,
        "created_at": "Mon Jan 05 10:00:00 +0000 2015",
    }


NOT_A_REPLY = {
    "in_reply_to_status_id": None,
    "in_reply_to_status_id_str": None,
    "in_reply_to_user_id": None,
    "in_reply_to_user_id_str": None,
    "in_reply_to_screen_name": None,
}

Q1 = {
    "created_at": "Thu Mar 12 21:05:00 +0000 2026",
    "id": 9002,
    "id_str": "9002",
    "full_text": "Q1 Which tools &lt;3 do you use? #edchat",
    "truncated": False,
    "display_text_range": [0, 40],
    "entities": {"hashtags": [{"text": "edchat", "indices": [33, 40]}], "symbols": [], "user_mentions": [], "urls": []},
    "in_reply_to_status_id": 9001,
    "in_reply_to_status_id_str": "9001",
    "in_reply_to_user_id": 100,
    "in_reply_to_user_id_str": "100",
    "in_reply_to_screen_name": "hosty",
    "user": user("hosty"),
    "is_quote_status": False,
    "retweet_count": 1,
    "favorite_count": 4,
    "favorited": False,
    "retweeted": False,
    "lang": "en",
}

STATUSES: list[dict[str, Any]] = [
    {
        "created_at": "Thu Mar 12 21:00:00 +0000 2026",
        "id": 9001,
        "id_str": "9001",
        "full_text": "Welcome to #edchat, tonight on tools &amp; time",
        "truncated": False,
        "display_text_range": [0, 47],
        "entities": {"hashtags": [{"text": "edchat", "indices": [11, 18]}], "user_mentions": [], "urls": []},
        **NOT_A_REPLY,
        "user": user("hosty"),
        "is_quote_status": False,
        "retweet_count": 0,
        "favorite_count": 2,
        "lang": "en",
    },
    Q1,
    {
        "created_at": "Thu Mar 12 21:06:00 +0000 2026",
        "id": 9003,
        "id_str": "9003",
        "full_text": "@hosty A1 paper &amp; pens -&gt; always https://t.co/abc #edchat",
        "truncated": False,
        "display_text_range": [7, 64],
        "entities": {
            "hashtags": [{"text": "EdChat", "indices": [57, 64]}],
            "user_mentions": [{"screen_name": "Hosty", "id": 100, "id_str": "100", "indices": [0, 6]}],
            "urls": [
                {
                    "url": "https://t.co/abc",
                    "expanded_url": "https://example.org/pens",
                    "display_url": "example.org/pens",
                    "indices": [40, 56],
                }
            ],
        },
        "in_reply_to_status_id": 9002,
        "in_reply_to_status_id_str": "9002",
        "in_reply_to_user_id": 100,
        "in_reply_to_user_id_str": "100",
        "in_reply_to_screen_name": "hosty",
        "user": user("ann"),
        "is_quote_status": False,
        "retweet_count": 0,
        "favorite_count": 3,
        "lang": "en",
    },
    {
        "created_at": "Thu Mar 12 21:07:00 +0000 2026",
        "id": 9004,
        "id_str": "9004",
        "full_text": "@ann Same, and sticky notes",
        "truncated": False,
        "display_text_range": [5, 27],
        "entities": {
            "hashtags": [],
            "user_mentions": [{"screen_name": "ann", "id": 201, "id_str": "201", "indices": [0, 4]}],
            "urls": [],
        },
        "in_reply_to_status_id": 9003,
        "in_reply_to_status_id_str": "9003",
        "in_reply_to_user_id": 201,
        "in_reply_to_user_id_str": "201",
        "in_reply_to_screen_name": "ann",
        "user": user("bob"),
        "is_quote_status": False,
        "retweet_count": 0,
        "favorite_count": 0,
        "lang": "en",
    },
    {  # as the streaming API sends it: `text` cut at 140, the whole status in `extended_tweet`
        "created_at": "Thu Mar 12 21:10:00 +0000 2026",
        "id": 9005,
        "id_str": "9005",
        "text": "Q2 And for time? …",
        "truncated": True,
        "entities": {"hashtags": [], "user_mentions": [], "urls": []},
        "extended_tweet": {
            "full_text": "Q2 And for time? #edchat",
            "display_text_range": [0, 24],
            "entities": {"hashtags": [{"text": "edchat", "indices": [17, 24]}], "user_mentions": [], "urls": []},
        },
        "in_reply_to_status_id": 9002,
        "in_reply_to_status_id_str": "9002",
        "in_reply_to_user_id": 100,
        "in_reply_to_user_id_str": "100",
        "in_reply_to_screen_name": "hosty",
        "user": user("hosty"),
        "is_quote_status": False,
        "retweet_count": 0,
        "favorite_count": 0,
        "lang": "en",
    },
    {
        "created_at": "Thu Mar 12 21:11:00 +0000 2026",
        "id": 9006,
        "id_str": "9006",
        "full_text": "A2 a timer #edchat",
        "truncated": False,
        "display_text_range": [0, 18],
        "entities": {"hashtags": [{"text": "edchat", "indices": [11, 18]}], "user_mentions": [], "urls": []},
        **NOT_A_REPLY,
        "user": user("cy"),
        "is_quote_status": False,
        "retweet_count": 0,
        "favorite_count": 1,
        "lang": "en",
    },
    {
        "created_at": "Thu Mar 12 21:12:00 +0000 2026",
        "id": 9007,
        "id_str": "9007",
        "full_text": "RT @hosty: Q1 Which tools &lt;3 do you use? #edchat",
        "truncated": False,
        "display_text_range": [0, 51],
        "entities": {
            "hashtags": [{"text": "edchat", "indices": [44, 51]}],
            "user_mentions": [{"screen_name": "hosty", "id": 100, "id_str": "100", "indices": [3, 9]}],
            "urls": [],
        },
        **NOT_A_REPLY,
        "user": user("dee"),
        "retweeted_status": Q1,
        "is_quote_status": False,
        "retweet_count": 1,
        "favorite_count": 0,
        "lang": "en",
    },
    {
        "created_at": "Thu Mar 12 21:20:00 +0000 2026",
        "id": 9008,
        "id_str": "9008",
        "full_text": "Nothing to do with the chat",
        "truncated": False,
        "display_text_range": [0, 27],
        "entities": {"hashtags": [], "user_mentions": [], "urls": []},
        **NOT_A_REPLY,
        "user": user("out"),
        "is_quote_status": False,
        "retweet_count": 0,
        "favorite_count": 0,
        "lang": "en",
    },
]


def write_twarc1(path: Path) -> Path:
    """The chat as a twarc 1 JSONL file (one status a line, as the API sent it)."""
    path.write_text("".join(json.dumps(status) + "\n" for status in STATUSES), encoding="utf-8")
    return path
