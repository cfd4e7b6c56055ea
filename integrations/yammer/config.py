"""What a Yammer client needs to know, given by the app."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class YammerConfig:
    """The Yammer REST API the app calls, and the app-wide token (a person's token is given per call)."""

    base_url: str = "https://www.yammer.com/api/v1"
    access_token: str | None = field(default=None, repr=False)
