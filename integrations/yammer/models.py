"""Typed views of Yammer REST v1 objects: messages, users and groups, read from the JSON the API returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class YammerMessage:
    """One message; `thread_id` is its thread's starter id, `replied_to_id` the message it answers."""

    id: str
    thread_id: str
    sender_id: str
    body: str
    web_url: str = ""
    group_id: str | None = None
    replied_to_id: str | None = None
    created_at: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> YammerMessage:
        body = data.get("body") or {}
        group = data.get("group_id") or data.get("group_created_id")
        replied = data.get("replied_to_id")
        return cls(
            id=str(data["id"]),
            thread_id=str(data.get("thread_id") or data["id"]),
            sender_id=str(data.get("sender_id") or ""),
            body=str(body.get("plain") or body.get("parsed") or data.get("content_excerpt") or ""),
            web_url=str(data.get("web_url") or ""),
            group_id=str(group) if group is not None else None,
            replied_to_id=str(replied) if replied is not None else None,
            created_at=str(data.get("created_at") or ""),
        )


@dataclass(frozen=True, slots=True)
class YammerUser:
    id: str
    name: str
    full_name: str
    job_title: str = ""
    web_url: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> YammerUser:
        contact = data.get("contact") or {}
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or ""),
            full_name=str(data.get("full_name") or data.get("name") or ""),
            job_title=str(data.get("job_title") or ""),
            web_url=str(data.get("web_url") or ""),
            emails=[str(e["address"]) for e in contact.get("email_addresses") or [] if e.get("address")],
            phones=[str(p["number"]) for p in contact.get("phone_numbers") or [] if p.get("number")],
        )


@dataclass(frozen=True, slots=True)
class YammerGroup:
    id: str
    name: str
    full_name: str
    privacy: str = ""
    web_url: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> YammerGroup:
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or ""),
            full_name=str(data.get("full_name") or data.get("name") or ""),
            privacy=str(data.get("privacy") or ""),
            web_url=str(data.get("web_url") or ""),
        )


@dataclass(frozen=True, slots=True)
class MessagePage:
    """One page of a feed: its messages (newest first, as the API sends them) and the users it references."""

    messages: list[YammerMessage]
    users: dict[str, YammerUser]
    older_available: bool

    @property
    def oldest_id(self) -> str | None:
        return min((m.id for m in self.messages), key=int) if self.messages else None
