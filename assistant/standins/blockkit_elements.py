"""Block Kit elements and composition objects as Slack's reference pages define them, checked field by field."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REF = "https://docs.slack.dev/reference/block-kit"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing Slack would refuse: where (a JSON pointer into the request) and Slack's words for it."""

    pointer: str
    message: str

    def slack_line(self) -> str:
        """The line Slack puts in `response_metadata.messages`."""
        return f"[ERROR] {self.message} [json-pointer:{self.pointer}]"


@dataclass
class Checker:
    """Collects problems while a payload is walked; each check names the pointer it looked at."""

    problems: list[Problem] = field(default_factory=list)

    def fail(self, pointer: str, message: str) -> None:
        self.problems.append(Problem(pointer, message))

    def obj(self, value: Any, pointer: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(pointer, "must provide an object")
            return None
        return value

    def required(self, obj: dict[str, Any], name: str, pointer: str) -> bool:
        if obj.get(name) is None:
            self.fail(pointer, f"missing required field: {name}")
            return False
        return True

    def string(self, value: Any, pointer: str, *, most: int, least: int = 0) -> None:
        """Slack words string limits as "less than N+1" / "more than N-1" characters."""
        if not isinstance(value, str):
            self.fail(pointer, "must provide a string")
        elif len(value) > most:
            self.fail(pointer, f"must be less than {most + 1} characters")
        elif len(value) < least:
            self.fail(pointer, f"must be more than {least - 1} characters")

    def items(self, value: Any, pointer: str, *, most: int, least: int = 0) -> list[Any]:
        if not isinstance(value, list):
            self.fail(pointer, "must provide an array")
            return []
        if len(value) > most:
            self.fail(pointer, f"no more than {most} items allowed")
        elif len(value) < least:
            self.fail(pointer, f"must provide at least {least} items")
        return value

    def text(self, value: Any, pointer: str, *, most: int = 3000, plain: bool = False) -> None:
        """A text object: https://docs.slack.dev/reference/block-kit/composition-objects/text-object
        (type plain_text or mrkdwn; text 1..3000 characters; `emoji` only on plain_text)."""
        obj = self.obj(value, pointer)
        if obj is None:
            return
        kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
        if obj.get("type") not in kinds:
            self.fail(f"{pointer}/type", "must be one of: " + ", ".join(kinds))
            return
        if self.required(obj, "text", pointer):
            self.string(obj["text"], f"{pointer}/text", most=most, least=1)
        if obj["type"] == "mrkdwn" and "emoji" in obj:
            self.fail(f"{pointer}/emoji", "field is not allowed on mrkdwn text")

    def action_id(self, element: dict[str, Any], pointer: str) -> None:
        # action_id: at most 255 characters on every interactive element (e.g. the button page below).
        if "action_id" in element:
            self.string(element["action_id"], f"{pointer}/action_id", most=255, least=1)

    def option(self, value: Any, pointer: str, *, mrkdwn_allowed: bool = False) -> str | None:
        """An option object: https://docs.slack.dev/reference/block-kit/composition-objects/option-object
        (text ≤ 75 characters, value ≤ 150, description ≤ 75, url ≤ 3000)."""
        obj = self.obj(value, pointer)
        if obj is None:
            return None
        if self.required(obj, "text", pointer):
            self.text(obj["text"], f"{pointer}/text", most=75, plain=not mrkdwn_allowed)
        if "description" in obj:
            self.text(obj["description"], f"{pointer}/description", most=75, plain=not mrkdwn_allowed)
        if "url" in obj:
            self.string(obj["url"], f"{pointer}/url", most=3000, least=1)
        if not self.required(obj, "value", pointer):
            return None
        self.string(obj["value"], f"{pointer}/value", most=150, least=1)
        return str(obj["value"])

    def options(self, element: dict[str, Any], pointer: str, *, most: int, least: int = 1, mrkdwn: bool = False) -> set:
        values = set()
        for i, option in enumerate(self.items(element["options"], f"{pointer}/options", most=most, least=least)):
            value = self.option(option, f"{pointer}/options/{i}", mrkdwn_allowed=mrkdwn)
            if value is not None:
                values.add(value)
        return values

    def confirm(self, value: Any, pointer: str) -> None:
        """A confirmation dialog: https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object
        (title ≤ 100, text ≤ 300, confirm ≤ 30, deny ≤ 30; all plain_text and required; style primary/danger)."""
        obj = self.obj(value, pointer)
        if obj is None:
            return
        for name, most in (("title", 100), ("text", 300), ("confirm", 30), ("deny", 30)):
            if self.required(obj, name, pointer):
                self.text(obj[name], f"{pointer}/{name}", most=most, plain=True)
        if "style" in obj and obj["style"] not in ("primary", "danger"):
            self.fail(f"{pointer}/style", "must be one of: primary, danger")

    def placeholder(self, element: dict[str, Any], pointer: str) -> None:
        # Placeholders on selects, pickers and inputs: plain_text, at most 150 characters (each element's page).
        if "placeholder" in element:
            self.text(element["placeholder"], f"{pointer}/placeholder", most=150, plain=True)


ElementCheck = Callable[[Checker, dict[str, Any], str], None]


def _button(c: Checker, e: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/block-elements/button-element
    # text plain_text ≤ 75 (required); value ≤ 2000; url ≤ 3000; style primary|danger; accessibility_label ≤ 75.
    if c.required(e, "text", p):
        c.text(e["text"], f"{p}/text", most=75, plain=True)
    if "value" in e:
        c.string(e["value"], f"{p}/value", most=2000, least=1)
    if "url" in e:
        c.string(e["url"], f"{p}/url", most=3000, least=1)
    if "style" in e and e["style"] not in ("primary", "danger"):
        c.fail(f"{p}/style", "must be one of: primary, danger")
    if "accessibility_label" in e:
        c.string(e["accessibility_label"], f"{p}/accessibility_label", most=75, least=1)


def _static_select(c: Checker, e: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#static_select
    # options ≤ 100 (or option_groups ≤ 100, each ≤ 100 options); initial_option must be one of the options.
    multi = e["type"].startswith("multi_")
    if "options" in e:
        values = c.options(e, p, most=100)
    elif "option_groups" in e:
        values = set()
        for g, group in enumerate(c.items(e["option_groups"], f"{p}/option_groups", most=100, least=1)):
            group_obj = c.obj(group, f"{p}/option_groups/{g}")
            if group_obj and c.required(group_obj, "label", f"{p}/option_groups/{g}"):
                c.text(group_obj["label"], f"{p}/option_groups/{g}/label", most=75, plain=True)
            if group_obj and c.required(group_obj, "options", f"{p}/option_groups/{g}"):
                values |= c.options(group_obj, f"{p}/option_groups/{g}", most=100)
    else:
        c.fail(p, "must provide either options or option_groups")
        return
    initial = e.get("initial_options" if multi else "initial_option")
    chosen = initial if multi and isinstance(initial, list) else [initial] if initial is not None else []
    for i, option in enumerate(chosen):
        if isinstance(option, dict) and str(option.get("value")) not in values:
            c.fail(f"{p}/initial_option{'s/' + str(i) if multi else ''}", "must match one of the provided options")


def _external_select(c: Checker, e: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#external_select
    # options come from the app's options load URL; min_query_length ≥ 0; initial_option is an option object.
    if "initial_option" in e:
        c.option(e["initial_option"], f"{p}/initial_option")
    if "min_query_length" in e and not (isinstance(e["min_query_length"], int) and e["min_query_length"] >= 0):
        c.fail(f"{p}/min_query_length", "must be a non-negative integer")


def _no_fields(c: Checker, e: dict[str, Any], p: str) -> None:
    """users/conversations/channels selects: only optional fields (placeholder, initial ids, filter)."""


def _overflow(c: Checker, e: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/block-elements/overflow-menu-element : 2..5 options.
    if c.required(e, "options", p):
        c.options(e, p, most=5, least=2)


def _choices(c: Checker, e: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/block-elements/checkboxes-element and
    # https://docs.slack.dev/reference/block-kit/block-elements/radio-button-group-element : options 1..10.
    if not c.required(e, "options", p):
        return
    values = c.options(e, p, most=10, mrkdwn=True)
    initial = e.get("initial_options") if e["type"] == "checkboxes" else [e.get("initial_option")]
    for i, option in enumerate(initial or []):
        if isinstance(option, dict) and str(option.get("value")) not in values:
            c.fail(
                f"{p}/initial_option{'s/' + str(i) if e['type'] == 'checkboxes' else ''}",
                "must match one of the provided options",
            )


def _plain_text_input(c: Checker, e: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element
    # min_length 0..3000, max_length 1..3000; an initial_value longer than max_length (3000 when unset) is refused.
    most = e.get("max_length", 3000)
    if "max_length" in e and not (isinstance(most, int) and 1 <= most <= 3000):
        c.fail(f"{p}/max_length", "must be an integer from 1 to 3000")
        most = 3000
    least = e.get("min_length", 0)
    if "min_length" in e and not (isinstance(least, int) and 0 <= least <= 3000):
        c.fail(f"{p}/min_length", "must be an integer from 0 to 3000")
    if "initial_value" in e:
        c.string(e["initial_value"], f"{p}/initial_value", most=most)


_NUMBER = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")


def _number_input(c: Checker, e: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/block-elements/number-input-element
    # is_decimal_allowed is required; initial_value, min_value and max_value are strings holding a number
    # (a whole one unless decimals are allowed): an exponent such as "1e+06" is not a number the input takes.
    if c.required(e, "is_decimal_allowed", p) and not isinstance(e["is_decimal_allowed"], bool):
        c.fail(f"{p}/is_decimal_allowed", "must provide a boolean")
    pattern = _DECIMAL if e.get("is_decimal_allowed") else _NUMBER
    for name in ("initial_value", "min_value", "max_value"):
        if name in e and not (isinstance(e[name], str) and pattern.fullmatch(e[name])):
            c.fail(
                f"{p}/{name}",
                "must be a string holding a number" + ("" if e.get("is_decimal_allowed") else " with no decimals"),
            )


def _text_like_input(c: Checker, e: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/block-elements/url-input-element (and email-input-element)
    if "initial_value" in e:
        c.string(e["initial_value"], f"{p}/initial_value", most=3000)


def _datepicker(c: Checker, e: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/block-elements/date-picker-element : initial_date YYYY-MM-DD.
    if "initial_date" in e and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(e["initial_date"])):
        c.fail(f"{p}/initial_date", "must be in the format YYYY-MM-DD")


def _timepicker(c: Checker, e: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/block-elements/time-picker-element : initial_time HH:mm (24h).
    if "initial_time" in e and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(e["initial_time"])):
        c.fail(f"{p}/initial_time", "must be in the format HH:mm")


def _image(c: Checker, e: dict[str, Any], p: str) -> None:
    # https://docs.slack.dev/reference/block-kit/block-elements/image-element : alt_text required; image_url
    # (≤ 3000) or slack_file required.
    if c.required(e, "alt_text", p):
        c.string(e["alt_text"], f"{p}/alt_text", most=2000, least=1)
    if "image_url" in e:
        c.string(e["image_url"], f"{p}/image_url", most=3000, least=1)
    elif "slack_file" not in e:
        c.fail(p, "must provide either image_url or slack_file")


ELEMENTS: dict[str, ElementCheck] = {
    "button": _button,
    "static_select": _static_select,
    "multi_static_select": _static_select,
    "external_select": _external_select,
    "multi_external_select": _external_select,
    "users_select": _no_fields,
    "multi_users_select": _no_fields,
    "conversations_select": _no_fields,
    "multi_conversations_select": _no_fields,
    "channels_select": _no_fields,
    "multi_channels_select": _no_fields,
    "overflow": _overflow,
    "checkboxes": _choices,
    "radio_buttons": _choices,
    "plain_text_input": _plain_text_input,
    "number_input": _number_input,
    "url_text_input": _text_like_input,
    "email_text_input": _text_like_input,
    "datepicker": _datepicker,
    "timepicker": _timepicker,
    "image": _image,
}
INPUT_ONLY = {"plain_text_input", "number_input", "url_text_input", "email_text_input"}


def check_element(c: Checker, value: Any, pointer: str, *, allowed: frozenset[str] | set[str]) -> str | None:
    """Check one element; return its action_id (for the uniqueness check) when it has one."""
    element = c.obj(value, pointer)
    if element is None:
        return None
    kind = str(element.get("type"))
    if kind not in allowed:
        c.fail(f"{pointer}/type", f"unsupported type: {kind}")
        return None
    c.action_id(element, pointer)
    c.placeholder(element, pointer)
    if "confirm" in element:
        c.confirm(element["confirm"], f"{pointer}/confirm")
    ELEMENTS[kind](c, element, pointer)
    action_id = element.get("action_id")
    return action_id if isinstance(action_id, str) else None
