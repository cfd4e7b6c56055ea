"""Mastodon threads for tests, made from recorded statuses (../shared/fixtures/mastodon): a reply made from a recorded
Status, and a chat whose tagged replies answer its intro and an outside status, with Mastodon's context answers."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.integrations.mastodon.replay import load_exchanges

POSTED = datetime(2026, 8, 1, 13, 55, 55, tzinfo=UTC)
Status = dict[str, Any]


def recorded(name: str, path: str) -> Any:
    """The body of the recorded GET whose URL ends with `path`."""
    return next(
        ex["body"]
        for ex in load_exchanges(name)
        if ex["request"]["method"] == "GET" and ex["request"]["uri"].endswith(path)
    )


def reply(status: Status, *, to: Status, at: datetime, text: str, **fields: Any) -> Status:
    """A recorded Status turned into a reply to `to` (same shape, new id, time and text)."""
    made = copy.deepcopy(status)
    made.update(
        id=str(int(to["id"]) + int(at.timestamp())),
        created_at=at.isoformat().replace("+00:00", ".000Z"),
        content=f"<p>{text}</p>",
        in_reply_to_id=to["id"],
        in_reply_to_account_id=to["account"]["id"],
        replies_count=0,
        **fields,
    )
    return made


@dataclass(frozen=True)
class OutsideThread:
    """A #hoot chat from POSTED - 30 min to POSTED + 30 min whose statuses' counts are all 0 (as a remote status's
    often are): the recorded #hoot status (the intro), a tagged reply to it with an untagged reply below, and a tagged
    reply to an outside status from two hours before, with an untagged reply below; the outside status has a reply
    of its own (the sibling) that is no business of the chat."""

    intro: Status
    on_intro: Status
    under_on_intro: Status
    outside: Status
    sibling: Status
    on_outside: Status
    under_on_outside: Status

    start = POSTED - timedelta(minutes=30)
    end = POSTED + timedelta(minutes=30)

    def server(self, asked: list[str]) -> Callable[[httpx.Request], httpx.Response]:
        """Mastodon's answers: the hashtag timeline (newest first), and each status's context (the chain above it,
        oldest first, and the replies below); each status whose context is asked for is noted in `asked`."""
        contexts = {
            self.intro["id"]: {"ancestors": [], "descendants": [self.on_intro, self.under_on_intro]},
            self.on_intro["id"]: {"ancestors": [self.intro], "descendants": [self.under_on_intro]},
            self.on_outside["id"]: {"ancestors": [self.outside], "descendants": [self.under_on_outside]},
            self.outside["id"]: {
                "ancestors": [],
                "descendants": [self.sibling, self.on_outside, self.under_on_outside],
            },
        }

        def answer(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/api/v1/timelines/tag/hoot":
                return httpx.Response(200, json=[self.on_outside, self.on_intro, self.intro])
            status_id = request.url.path.removeprefix("/api/v1/statuses/").removesuffix("/context")
            asked.append(status_id)
            return httpx.Response(200, json=contexts[status_id])

        return answer


def outside_thread() -> OutsideThread:
    """The chat of `OutsideThread`, each status made from a recorded one."""
    (intro,) = copy.deepcopy(recorded("Mastodon.py_test_hashtag_tl.decoded.json", "/timelines/tag/hoot"))
    toots = recorded("Mastodon.py_test_fetch_next_previous.decoded.json", "statuses?limit=5")
    outside = copy.deepcopy(toots[4])
    outside.update(created_at=(POSTED - timedelta(hours=2)).isoformat().replace("+00:00", ".000Z"), replies_count=2)
    on_intro = reply(intro, to=intro, at=POSTED + timedelta(minutes=1), text="Hello #hoot")
    on_outside = reply(intro, to=outside, at=POSTED + timedelta(minutes=4), text="This matters #hoot")
    return OutsideThread(
        intro=intro,
        on_intro=on_intro,
        under_on_intro=reply(toots[0], to=on_intro, at=POSTED + timedelta(minutes=3), text="hi back"),
        outside=outside,
        sibling=reply(toots[3], to=outside, at=POSTED + timedelta(minutes=2), text="Not the chat"),
        on_outside=on_outside,
        under_on_outside=reply(toots[1], to=on_outside, at=POSTED + timedelta(minutes=5), text="It does"),
    )
