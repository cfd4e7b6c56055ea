"""Normalise and validate a contact's fields: email, phone, X / Mastodon / Bluesky handles, LinkedIn URL, tags."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from assistant.models.contacts import FIELD_LIMITS, ConsentBasis, Visibility

DEFAULT_REGION = "GB"
X_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_MASTODON_USER = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,28}[A-Za-z0-9_])?$")
_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$")
_TAG = re.compile(r"[^\w\-]+", re.UNICODE)

# Text fields and their longest accepted length.
TEXT_FIELDS = {name: FIELD_LIMITS[name] for name in ("name", "organisation", "role", "notes")}
HANDLE_FIELDS = ("x_handle", "mastodon_handle", "bluesky_handle")
EDITABLE = (
    "name",
    "organisation",
    "role",
    "email",
    "phone",
    "x_handle",
    "mastodon_handle",
    "bluesky_handle",
    "linkedin_url",
    "tags",
    "notes",
    "consent_basis",
    "visibility",
)


class FieldError(ValueError):
    """One field is invalid; `field` names it and the message says what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Problems:
    """Every invalid field of one input, by field name."""

    by_field: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def summary(self) -> str:
        return "; ".join(f"{name}: {message}" for name, message in self.by_field.items())


def normalise_email(value: str) -> str:
    value = (value or "").strip().removeprefix("mailto:")
    if not value:
        return ""
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise FieldError("email", f"{value!r} is not a valid email address: {exc}") from None


def normalise_phone(value: str, region: str = DEFAULT_REGION) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise FieldError("phone", f"{value!r} is not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(number):
        raise FieldError("phone", f"{value!r} is not a valid phone number (give it with its country code, e.g. +44 …)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_x(value: str) -> str:
    raw = (value or "").strip()
    for prefix in ("https://x.com/", "https://twitter.com/", "http://x.com/", "http://twitter.com/", "x.com/"):
        if raw.lower().startswith(prefix):
            raw = raw[len(prefix) :].split("/")[0].split("?")[0]
    raw = raw.removeprefix("@")
    if not raw:
        return ""
    if not X_HANDLE.fullmatch(raw):
        raise FieldError("x_handle", f"{value!r} is not an X handle: 1–15 letters, digits or underscores")
    return raw


def _domain(value: str) -> bool:
    labels = value.split(".")
    return len(labels) >= 2 and len(value) <= 253 and all(_DOMAIN_LABEL.fullmatch(label) for label in labels)


def normalise_mastodon(value: str) -> str:
    raw = (value or "").strip()
    parsed = urlparse(raw) if raw.startswith(("http://", "https://")) else None
    if parsed is not None and parsed.path.startswith("/@"):
        raw = f"{parsed.path[2:].split('/')[0]}@{parsed.hostname or ''}"
    raw = raw.removeprefix("@")
    if not raw:
        return ""
    user, at, instance = raw.partition("@")
    instance = instance.lower()
    if not at or not _MASTODON_USER.fullmatch(user) or not _domain(instance):
        raise FieldError(
            "mastodon_handle", f"{value!r} is not a Mastodon handle: write it as user@instance, e.g. jo@mastodon.social"
        )
    return f"{user}@{instance}"


def normalise_bluesky(value: str) -> str:
    raw = (value or "").strip()
    if raw.startswith(("https://bsky.app/profile/", "http://bsky.app/profile/")):
        raw = raw.split("/profile/", 1)[1].split("/")[0]
    raw = raw.removeprefix("@").lower()
    if not raw:
        return ""
    if not _domain(raw):
        raise FieldError("bluesky_handle", f"{value!r} is not a Bluesky handle: a domain name such as jo.bsky.social")
    return raw


_LINKEDIN_PATH = re.compile(r"(/[A-Za-z0-9\-_.~%]+)+/?")  # /in/jo-smith; nothing that could end a link


def normalise_linkedin(value: str) -> str:
    raw = (value or "").strip()
    if not raw:
        return ""
    if not raw.startswith(("http://", "https://")):
        raw = "https://" + raw
    parsed = urlparse(raw)
    host = (parsed.hostname or "").lower()
    linkedin = host == "linkedin.com" or host.endswith(".linkedin.com")
    if not linkedin or not _LINKEDIN_PATH.fullmatch(parsed.path) or "@" in parsed.netloc:
        raise FieldError(
            "linkedin_url", f"{value!r} is not a LinkedIn profile URL (e.g. https://www.linkedin.com/in/jo-smith)"
        )
    return f"https://www.linkedin.com{parsed.path.rstrip('/')}"


def normalise_tags(value: str | Iterable[str]) -> list[str]:
    items = re.split(r"[,;]", value) if isinstance(value, str) else list(value)
    tags: list[str] = []
    for item in items:
        tag = _TAG.sub("-", item.strip().lstrip("#").lower()).strip("-")
        if tag and tag not in tags:
            tags.append(tag[:60])
    return tags


def normalise_choice(name: str, value: str, allowed: Iterable[str], default: str) -> str:
    value = (value or "").strip().lower().replace(" ", "_")
    if not value:
        return default
    options = list(allowed)
    if value not in options:
        raise FieldError(name, f"{value!r} is not one of {', '.join(options)}")
    return value


_NORMALISERS = {
    "email": normalise_email,
    "phone": normalise_phone,
    "x_handle": normalise_x,
    "mastodon_handle": normalise_mastodon,
    "bluesky_handle": normalise_bluesky,
    "linkedin_url": normalise_linkedin,
}


def clean(data: Mapping[str, object], *, require_name: bool = True) -> tuple[dict[str, object], Problems]:
    """Normalise every known field given; return the clean values and every problem found (none raised)."""
    values: dict[str, object] = {}
    problems = Problems()
    for name in EDITABLE:
        if name not in data:
            continue
        raw = data[name]
        try:
            if name in TEXT_FIELDS:
                text = " ".join(str(raw or "").split()) if name != "notes" else str(raw or "").strip()
                if len(text) > TEXT_FIELDS[name]:
                    raise FieldError(name, f"is {len(text)} characters; at most {TEXT_FIELDS[name]}")
                values[name] = text
            elif name == "tags":
                values[name] = normalise_tags(raw if isinstance(raw, str | list | tuple) else str(raw or ""))
            elif name == "visibility":
                values[name] = normalise_choice(
                    name, str(raw or ""), [v.value for v in Visibility], Visibility.team.value
                )
            elif name == "consent_basis":
                values[name] = normalise_choice(
                    name, str(raw or ""), [c.value for c in ConsentBasis], ConsentBasis.unknown.value
                )
            else:
                values[name] = _NORMALISERS[name](str(raw or ""))
        except FieldError as exc:
            problems.by_field[exc.field] = str(exc)
    if require_name and not str(values.get("name", "")).strip() and "name" not in problems.by_field:
        problems.by_field["name"] = "a name is required"
    return values, problems


# Finding contact details in free text (a Slack message, a Yammer reply) -------------------------

_EMAIL_IN_TEXT = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_MASTODON_IN_TEXT = re.compile(r"(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_.\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")
_BLUESKY_IN_TEXT = re.compile(
    r"(?<![\w@])@([a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.bsky\.social|[a-z0-9\-]+\.[a-z0-9.\-]+\.[a-z]{2,})\b"
)
_X_IN_TEXT = re.compile(r"(?<![\w@<])@([A-Za-z0-9_]{1,15})(?![\w@]|\.[A-Za-z0-9])")
_LINKEDIN_IN_TEXT = re.compile(r"https?://(?:[a-z]{2,3}\.)?linkedin\.com/in/[A-Za-z0-9\-_%]+/?")
_X_URL_IN_TEXT = re.compile(r"https?://(?:x|twitter)\.com/([A-Za-z0-9_]{1,15})\b")


@dataclass
class Found:
    """Contact details found in a piece of text, each list normalised and without repeats."""

    emails: list[str] = field(default_factory=list)
    x_handles: list[str] = field(default_factory=list)
    mastodon_handles: list[str] = field(default_factory=list)
    bluesky_handles: list[str] = field(default_factory=list)
    linkedin_urls: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.emails, self.x_handles, self.mastodon_handles, self.bluesky_handles, self.linkedin_urls))


def find_details(text: str) -> Found:
    """Emails and handles in outside text; anything that does not validate is left out."""
    text = re.sub(r"<mailto:([^|>]+)\|[^>]*>", r"\1", text or "")
    text = re.sub(r"<(https?://[^|>]+)(?:\|[^>]*)?>", r"\1", text)
    found = Found()

    def add(target: list[str], normaliser: object, raw: str) -> None:
        try:
            value = normaliser(raw)  # type: ignore[operator]
        except FieldError:
            return
        if value and value not in target:
            target.append(value)

    mastodon_spans: list[tuple[int, int]] = []
    for match in _MASTODON_IN_TEXT.finditer(text):
        add(found.mastodon_handles, normalise_mastodon, match.group(1))
        mastodon_spans.append(match.span())
    for match in _EMAIL_IN_TEXT.finditer(text):
        if any(start <= match.start() < end for start, end in mastodon_spans):
            continue
        add(found.emails, normalise_email, match.group(0))
    for match in _BLUESKY_IN_TEXT.finditer(text):
        if any(start <= match.start() < end for start, end in mastodon_spans):
            continue
        add(found.bluesky_handles, normalise_bluesky, match.group(1))
    for match in _X_IN_TEXT.finditer(text):
        add(found.x_handles, normalise_x, match.group(1))
    for match in _X_URL_IN_TEXT.finditer(text):
        add(found.x_handles, normalise_x, match.group(1))
    for match in _LINKEDIN_IN_TEXT.finditer(text):
        add(found.linkedin_urls, normalise_linkedin, match.group(0))
    return found


# People named in free text ----------------------------------------------------------------------
#
# A message names a person in one of three simple ways, each found in order of appearance:
#   - a Slack mention `<@U0123ABC>` (the listener looks the name up with users.info);
#   - "Name Surname <email>" or "Name Surname (email)";
#   - "Name Surname (@handle)" or "Name Surname <@handle>", any X, Mastodon or Bluesky handle.
# The name is two to four capitalised words right before the bracket; anything else is not a person.

_MENTION_IN_TEXT = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_NAME = r"[A-Z][\w'\-]*\.?(?:[ \t]+[A-Z][\w'\-]*\.?){1,3}"
_NAMED_IN_TEXT = re.compile(rf"({_NAME})[ \t]*[<(][ \t]*(@?[^\s<>()]+)[ \t]*[>)]")


@dataclass
class Person:
    """Someone a message names: a Slack user id (a mention) or a written name with the email / handle beside it."""

    name: str = ""
    slack_user_id: str = ""
    role: str = ""
    details: Found = field(default_factory=Found)

    def label(self) -> str:
        found = [*self.details.emails, *(f"@{h}" for h in self.details.x_handles), *self.details.mastodon_handles]
        return f"{self.name} ({found[0]})" if found else self.name


def mentioned_user_ids(text: str) -> list[str]:
    """The Slack user ids mentioned in a message's text, first mention first, without repeats."""
    return list(dict.fromkeys(_MENTION_IN_TEXT.findall(text or "")))


def _plain(text: str) -> str:
    """Slack mrkdwn as written: mailto and web links as their address, &lt; &gt; &amp; unescaped."""
    text = re.sub(r"<mailto:([^|>]+)\|[^>]*>", r"\1", text or "")
    text = re.sub(r"<(https?://[^|>]+)(?:\|[^>]*)?>", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def find_people(text: str) -> list[Person]:
    """People written as "Name Surname <email>" or "Name Surname (@handle)"; a detail that does not validate
    leaves the person out. Mentions are not included (see mentioned_user_ids)."""
    people: list[Person] = []
    for match in _NAMED_IN_TEXT.finditer(_plain(text)):
        details = find_details(match.group(2))
        if not details:
            continue
        name = " ".join(match.group(1).split())
        if all(p.name != name for p in people):
            people.append(Person(name=name, details=details))
    return people
