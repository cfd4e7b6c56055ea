"""The networks the app reads from and posts to, as one enum (its values are what the database stores)."""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    x = "x"
    mastodon = "mastodon"
    bluesky = "bluesky"
    yammer = "yammer"


POST_NETWORKS = (Platform.x, Platform.mastodon, Platform.bluesky)  # where public posts are read and written
CROSS_POST_NETWORKS = (Platform.mastodon, Platform.bluesky)  # where a chat may be cross-posted besides X
