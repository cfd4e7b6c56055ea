"""The catalogue of `/outreach` subcommands: what each does, an example, and whether it is live here."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

COMMAND = "/outreach"


@dataclass(frozen=True, slots=True)
class Subcommand:
    name: str
    summary: str
    example: str


CATALOGUE: tuple[Subcommand, ...] = (
    Subcommand("help", "Show this list of commands.", "/outreach help"),
    Subcommand("map", "Ask the comms team to map a policy area's stakeholders.", "/outreach map"),
    Subcommand("contact", "Add, find, share and export contacts.", '/outreach contact "FE maths"'),
    Subcommand("chat", "Schedule and run a public hashtag chat.", "/outreach chat new"),
    Subcommand(
        "digest", "Digest of a chat or a hashtag over a time window.", "/outreach digest #ukfechat --from 2026-11-19"
    ),
    Subcommand("watch", "Follow a hashtag, account or keyword in this channel.", "/outreach watch #edchat --every 15m"),
    Subcommand("accounts", "Connect and hand over the team's public accounts.", "/outreach accounts"),
    Subcommand("settings", "Channels, weekly digest slot, targets (admins).", "/outreach settings"),
)

BY_NAME = {sub.name: sub for sub in CATALOGUE}


def closest(name: str) -> str | None:
    """The subcommand a mistyped name most likely meant, if any is close enough."""
    matches = difflib.get_close_matches(name.lower(), list(BY_NAME), n=1, cutoff=0.5)
    if matches:
        return matches[0]
    prefixed = [sub for sub in BY_NAME if sub.startswith(name.lower()[:2])] if name else []
    return prefixed[0] if len(prefixed) == 1 else None
