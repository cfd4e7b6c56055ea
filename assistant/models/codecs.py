"""Typed values that buttons and outbox keys carry: one encode and one decode each, used on both sides.

A button value comes back from Slack as the string we wrote, or as something stale or hand-made; `decode`
raises `BadValue` for anything `encode` could not have written. Outbox keys are only ever built, never
trusted from outside, but they are built here so each shape is written once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import ClassVar, Literal

from assistant.models.platforms import Platform


class BadValue(ValueError):
    """A button value or key that no encoder of this version wrote."""


MAX_ID = 2**31 - 1  # record ids are PostgreSQL integers; a larger number names no row


def _int(raw: str, what: str) -> int:
    """ASCII digits only (`²` passes str.isdigit but is no number we wrote), within a database integer."""
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        raise BadValue(f"{what} must be a number, got {raw[:30]!r}")
    return int(raw)


def _platform(raw: str) -> Platform:
    try:
        return Platform(raw)
    except ValueError:
        raise BadValue(f"unknown network {raw!r}") from None


# Chat run-sheet items (also what chat_post.item and chat_approval.item store) ---------------------------

ChatItemKind = Literal["intro", "question", "closing", "cancelled"]


@dataclass(frozen=True, slots=True)
class ChatItem:
    """One post of a chat sitting: the intro, question N, the closing, or the note that it is cancelled."""

    kind: ChatItemKind
    number: int = 0  # the question's number; 0 for the others

    @classmethod
    def question(cls, number: int) -> ChatItem:
        return cls("question", number)

    def encode(self) -> str:
        return f"question:{self.number}" if self.kind == "question" else self.kind

    @property
    def short(self) -> str:
        """How a moderator's note names it: Q3, or intro / closing."""
        return f"Q{self.number}" if self.kind == "question" else self.kind

    @classmethod
    def decode(cls, raw: str) -> ChatItem:
        if raw in ("intro", "closing", "cancelled"):
            return cls(raw)  # type: ignore[arg-type]  # narrowed by the membership test
        kind, _, number = raw.partition(":")
        if kind != "question":
            raise BadValue(f"unknown chat item {raw!r}")
        return cls.question(_int(number, "a question number"))


INTRO = ChatItem("intro").encode()
CLOSING = ChatItem("closing").encode()
CANCELLED = ChatItem("cancelled").encode()


# Button values ----------------------------------------------------------------------------------------


class _Joined:
    """A value written as its fields in order, joined by `SEP`."""

    SEP: ClassVar[str] = ":"

    def encode(self) -> str:
        return self.SEP.join(str(getattr(self, f.name)) for f in fields(self))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class ChatPostRef(_Joined):
    """A chat post a moderator acts on (posted by hand, post now, skip): `occurrence|item|platform`."""

    SEP: ClassVar[str] = "|"

    occurrence_id: int
    item: str
    platform: Platform = Platform.x

    @classmethod
    def decode(cls, raw: str) -> ChatPostRef:
        occurrence_id, _, rest = raw.partition("|")
        item, _, platform = rest.partition("|")
        ChatItem.decode(item)
        return cls(_int(occurrence_id, "an occurrence id"), item, _platform(platform or Platform.x))


@dataclass(frozen=True, slots=True)
class SheetRef(_Joined):
    """A run sheet sent for sign-off: `series:hash`, so a stale sheet cannot be approved."""

    series_id: int
    sheet_hash: str

    @classmethod
    def decode(cls, raw: str) -> SheetRef:
        series_id, _, sheet_hash = raw.partition(":")
        return cls(_int(series_id, "a chat id"), sheet_hash)


@dataclass(frozen=True, slots=True)
class MergeRef(_Joined):
    """Two duplicate contacts, the one kept first: `keep:other`."""

    keep_id: int
    other_id: int

    @classmethod
    def decode(cls, raw: str) -> MergeRef:
        keep, _, other = raw.partition(":")
        return cls(_int(keep, "a contact id"), _int(other, "a contact id"))


DigestFormat = Literal["csv", "json"]


@dataclass(frozen=True, slots=True)
class DownloadRef(_Joined):
    """A digest file to upload: `format:digest`."""

    fmt: DigestFormat
    digest_id: int

    @classmethod
    def decode(cls, raw: str) -> DownloadRef:
        fmt, _, digest_id = raw.partition(":")
        if fmt not in ("csv", "json"):
            raise BadValue(f"unknown digest format {fmt!r}")
        return cls(fmt, _int(digest_id, "a digest id"))  # type: ignore[arg-type]  # narrowed just above


@dataclass(frozen=True, slots=True)
class AccountRef(_Joined):
    """A public account on a network, to save as a contact: `platform:account id`."""

    platform: Platform
    account_id: str

    @classmethod
    def decode(cls, raw: str) -> AccountRef:
        platform, _, account_id = raw.partition(":")
        if not account_id:
            raise BadValue(f"no account id in {raw!r}")
        return cls(_platform(platform), account_id)


@dataclass(frozen=True, slots=True)
class FoundDetailRef:
    """A contact detail found in a message (`field`, `value`, the message it came from), as compact JSON."""

    field: str
    value: str
    source_ref: str

    def encode(self) -> str:
        return json.dumps({"f": self.field, "v": self.value, "r": self.source_ref}, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str) -> FoundDetailRef:
        try:
            detail = json.loads(raw)
            return cls(str(detail["f"]), str(detail["v"]), str(detail.get("r") or ""))
        except (ValueError, TypeError, KeyError):
            raise BadValue(f"not a found contact detail: {raw[:80]!r}") from None


@dataclass(frozen=True, slots=True)
class ScheduleChatRef:
    """A hashtag a mapping report suggests a chat on: `{"request": id, "hashtag": tag}`."""

    request_id: int | None
    hashtag: str

    def encode(self) -> str:
        return json.dumps({"request": self.request_id, "hashtag": self.hashtag})


# Outbox keys ------------------------------------------------------------------------------------------


def chat_prefix(occurrence_id: int) -> str:
    """What every outbox key of one chat sitting starts with."""
    return f"chat:{occurrence_id}:"


def chat_post_key(occurrence_id: int, item: str, platform: str = Platform.x) -> str:
    """One post of a sitting: `chat:{occurrence}:question:{n}` (`:mastodon` etc. when cross-posted)."""
    return chat_prefix(occurrence_id) + item + ("" if platform == Platform.x else f":{platform}")


def chat_cancel_key(occurrence_id: int, platform: str = Platform.x) -> str:
    """The public note that a sitting already under way is cancelled."""
    return chat_post_key(occurrence_id, CANCELLED, platform)


def chat_crosspost_key(occurrence_id: int) -> str:
    """The chat's intro cross-posted to the team's Yammer group."""
    return chat_prefix(occurrence_id) + "yammer-crosspost"


def chat_digest_key(occurrence_id: int) -> str:
    """The digest requested after the sitting."""
    return chat_prefix(occurrence_id) + "digest-requested"


def chat_reminder_key(occurrence_id: int, minutes: int, target: str) -> str:
    """A reminder `minutes` before the sitting, to one moderator or the chat's channel."""
    return f"{chat_prefix(occurrence_id)}reminder:{minutes}m:{target}"


def digest_prefix(job_id: int) -> str:
    """What every outbox key of one digest job starts with."""
    return f"digest:{job_id}:"


def digest_step_key(job_id: int, step: str) -> str:
    """One step of a digest job (collect, make, post, files, late, failed)."""
    return digest_prefix(job_id) + step


def digest_step_of(key: str) -> str:
    """The step a digest step key names."""
    return key.rsplit(":", 1)[-1]


def digest_crosspost_key(digest_id: int) -> str:
    """A digest cross-posted to the team's Yammer group."""
    return f"digest:{digest_id}:yammer-crosspost"


def chat_prompt_key(post_key: str, prompt: Literal["unapproved", "failed", "missed"], user: str = "") -> str:
    """A moderator's prompt about one post (not approved, failed, missed); `user` when each moderator gets one."""
    return f"{post_key}:{prompt}" + (f":{user}" if user else "")


def account_snapshot_key(platform: str, account_id: str, day: date) -> str:
    """One account's daily follower and posting snapshot."""
    return f"snapshot:{platform}:{account_id}:{day.isoformat()}"


def account_refresh_key(account_id: int, expires_at: datetime) -> str:
    """Refreshing a connected account's token before it expires at `expires_at`."""
    return f"account:{account_id}:refresh:{expires_at.isoformat()}"


def account_token_key(account_id: int, status: str, changed_at: datetime) -> str:
    """Telling the owner their account's token went `status` (once per change)."""
    return f"account:{account_id}:token:{status}:{changed_at.isoformat()}"


def shoutout_reply_key(shoutout_id: int, message_id: str | int) -> str:
    """One Yammer reply to a shout-out, brought back to the Slack thread."""
    return f"yammer:shoutout:{shoutout_id}:reply:{message_id}"


def watch_poll_key(watch_id: int, due_at: datetime) -> str:
    """One poll of a watch, due at `due_at`."""
    return f"watch:{watch_id}:poll:{due_at.isoformat()}"


def watch_batch_key(watch_id: int, batch: int) -> str:
    """One batch of a watch's posts sent to its channel."""
    return f"watch:{watch_id}:batch:{batch}"


def weekly_key(workspace_id: int, year: int, week: int) -> str:
    """The team's weekly digest of one ISO week."""
    return f"weekly:{workspace_id}:{year}-W{week:02d}"


def weekly_crosspost_key(weekly: str) -> str:
    """That weekly digest cross-posted to the team's Yammer group."""
    return f"{weekly}:yammer"
