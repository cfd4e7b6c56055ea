"""What a Bluesky client needs to know, given by the app."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class BlueskyConfig:
    """The XRPC service the app reads through, and the handle and app password it signs in with."""

    base_url: str = "https://bsky.social/xrpc"
    handle: str | None = None
    app_password: str | None = field(default=None, repr=False)
