"""The outbox keys of a chat's side effects, and the value a chat button carries: built here, nowhere else."""

from __future__ import annotations


def post_key(occurrence_id: int, item: str, platform: str = "x") -> str:
    """The outbox key of one post: `chat:{occurrence}:question:{n}` (`:mastodon` etc. when cross-posted)."""
    return f"chat:{occurrence_id}:{item}" + ("" if platform == "x" else f":{platform}")


def cancel_key(occurrence_id: int, platform: str = "x") -> str:
    """The outbox key of the public note that a sitting already under way is cancelled."""
    return post_key(occurrence_id, "cancelled", platform)


def crosspost_key(occurrence_id: int) -> str:
    """The outbox key of the chat's intro cross-posted to the team's Yammer group."""
    return f"chat:{occurrence_id}:yammer-crosspost"


def reminder_key(occurrence_id: int, minutes: int, target: str) -> str:
    """The outbox key of one reminder (`minutes` before the start) to one moderator or channel."""
    return f"chat:{occurrence_id}:reminder:{minutes}m:{target}"


def digest_key(occurrence_id: int) -> str:
    """The outbox key of the digest requested after the sitting."""
    return f"chat:{occurrence_id}:digest-requested"


def occurrence_prefix(occurrence_id: int) -> str:
    """Every outbox key of one sitting starts with this."""
    return f"chat:{occurrence_id}:"


def item_value(occurrence_id: int, item: str, platform: str) -> str:
    """What a hand-over, missed or failed card's buttons carry: `{occurrence}|{item}|{platform}`."""
    return f"{occurrence_id}|{item}|{platform}"
