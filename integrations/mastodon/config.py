"""What a Mastodon client needs to know, given by the app."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class MastodonConfig:
    """The instance the app reads (its base URL) and the optional token it reads with."""

    base_url: str = "https://mastodon.social"
    access_token: str | None = field(default=None, repr=False)
