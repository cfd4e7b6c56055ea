"""The "Save as contact" message shortcut: the people a message points at, the first prefilled in the modal."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.models.contacts import ContactSource
from assistant.services.contacts.fields import Found, Person, find_details, find_people, mentioned_user_ids
from assistant.slack.blocks import contacts as blocks

log = logging.getLogger(__name__)


def on_save_message(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """The contact modal, prefilled from the message; other people it names offered as a hint."""
    ack()
    message = body.get("message") or {}
    text = str(message.get("text") or "")
    people = message_people(client, text, message.get("user"))
    prefill = message_prefill(text, people)
    others = [person.label() for person in people[1:] if person.name]
    meta = {
        "source": ContactSource.message,
        "ref": f"{(body.get('channel') or {}).get('id', '')}/{message.get('ts', '')}",
        "channel": (body.get("channel") or {}).get("id"),
    }
    view = blocks.contact_modal(prefill, metadata=json.dumps(meta), others=others)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def slack_person(client: WebClient, user_id: str) -> Person:
    """A Slack user as a person: real name, title (as the role) and email from users.info; just the id on failure."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        log.info("users.info for %s failed: %s", user_id, exc.response.get("error"))
        return Person(slack_user_id=user_id)
    profile = user.get("profile") or {}
    email = str(profile.get("email") or "")
    return Person(
        name=str(user.get("real_name") or profile.get("real_name") or ""),
        slack_user_id=user_id,
        role=str(profile.get("title") or ""),
        details=Found(emails=[email] if email else []),
    )


def message_people(client: WebClient, text: str, author: str | None) -> list[Person]:
    """Everyone a message points at: its author, then the people it mentions, then names written beside an
    email or handle (contact_fields.find_people); the first is prefilled, the others offered as a hint."""
    people = [slack_person(client, author)] if author else []
    for user_id in mentioned_user_ids(text):
        if user_id != author:
            people.append(slack_person(client, user_id))
    for person in find_people(text):
        if all(person.name != known.name for known in people):
            people.append(person)
    return people


def message_prefill(text: str, people: list[Person]) -> dict[str, object]:
    """The modal's values: the first person's details, else the first email / handle of the message that no
    other named person owns; the message itself as notes."""
    first = people[0] if people else Person()
    owned = {value for person in people[1:] for value in _values(person.details)}
    found = find_details(text)

    def free(*candidates: list[str]) -> str:
        return next((v for values in candidates for v in values if v not in owned), "")

    mine = first.details
    return {
        "name": first.name,
        "role": first.role,
        # a Slack user's profile email only when the message gives none (it may be about their work address)
        "email": free(found.emails, mine.emails) if first.slack_user_id else free(mine.emails, found.emails),
        "x_handle": free(mine.x_handles, found.x_handles),
        "mastodon_handle": free(mine.mastodon_handles, found.mastodon_handles),
        "bluesky_handle": free(mine.bluesky_handles, found.bluesky_handles),
        "linkedin_url": free(mine.linkedin_urls, found.linkedin_urls),
        "notes": text[:2000],
    }


def _values(found: Found) -> list[str]:
    return [*found.emails, *found.x_handles, *found.mastodon_handles, *found.bluesky_handles, *found.linkedin_urls]
