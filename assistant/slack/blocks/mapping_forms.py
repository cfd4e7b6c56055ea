"""Block Kit for mapping forms: the request, decline/ask, re-run and start modals, and reading their values back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.models.mapping import MappingRequest
from assistant.render.mrkdwn import escape
from assistant.services.mapping.crawl import StrategyEstimate
from assistant.slack.blocks.common import (
    Block,
    context,
    modal,
    number_value,
    section,
)
from assistant.slack.blocks.mapping import FIELDS, MEASURE, MEASURE_FOLLOWS, VIEW_REQUEST, VIEW_RERUN, VIEW_START


def _input(block_id: str, label: str, element: Block, *, optional: bool = True, hint: str = "") -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": block_id},
        "optional": optional,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _text(placeholder: str = "", *, multiline: bool = False) -> Block:
    element: Block = {"type": "plain_text_input", "multiline": multiline}
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    return element


def request_modal(*, private_metadata: str = "") -> Block:
    return modal(
        VIEW_REQUEST,
        "Digital mapping",
        [
            _input("title", "Title / policy area", _text("Adult skills in Wales"), optional=False),
            _input("decision", "What decision will the map inform?", _text(multiline=True)),
            _input("keywords", "Keywords", _text("apprenticeships, skills gap"), hint="Separate with commas."),
            _input("hashtags", "Hashtags", _text("#ukfechat #FEchat"), hint="Separate with spaces or commas."),
            _input(
                "seeds", "Seed accounts (partner organisations)", _text("@ColegauCymru, @AoC_info"), hint="X handles."
            ),
            _input("region", "Region", _text("Wales")),
            _input("language", "Language", _text("en, cy")),
            _input("deadline", "Deadline", {"type": "datepicker"}),
            _input("watchers", "Who else should see it", {"type": "multi_users_select"}),
        ],
        submit="Send to comms",
        private_metadata=private_metadata,
    )


def reason_modal(callback_id: str, request_id: int, *, title: str, label: str) -> Block:
    return modal(
        callback_id,
        title,
        [_input("text", label, _text(multiline=True), optional=False)],
        submit="Send",
        close=None,
        private_metadata=str(request_id),
    )


def rerun_modal(request: MappingRequest) -> Block:
    """Re-run the community step on the stored data: a Leiden resolution or about how many communities."""
    shown = request.communities_wanted or request.resolution or 1.0
    return modal(
        VIEW_RERUN,
        "Re-run communities",
        [
            section(f"No new crawl: the communities of *{escape(request.title)}* are found again (now: {shown})."),
            _input("resolution", "Resolution", _text("1.0"), hint="Higher gives more, smaller communities."),
            _input("number", "Or: about this many communities", _text("8"), hint="Give one of the two."),
        ],
        submit="Re-run",
        close=None,
        private_metadata=str(request.id),
    )


def rerun_values(values: dict[str, Any]) -> tuple[float | None, int | None, dict[str, str]]:
    """The modal's resolution or number, and errors by block id (exactly one, a positive number)."""
    raw = {k: ((values.get(k) or {}).get(k) or {}).get("value") or "" for k in ("resolution", "number")}
    resolution_text, number_text = raw["resolution"].strip(), raw["number"].strip()
    if bool(resolution_text) == bool(number_text):
        return None, None, {"resolution": "Give a resolution or a number of communities (one of the two)."}
    if resolution_text:
        try:
            resolution = float(resolution_text)
        except ValueError:
            resolution = 0.0
        if not resolution > 0 or resolution > 100:
            return None, None, {"resolution": "The resolution is a number above 0 (1.0 is usual), e.g. 0.5 or 2."}
        return resolution, None, {}
    if not number_text.isdigit() or not 1 <= int(number_text) <= 500:
        return None, None, {"number": "The number of communities is a whole number from 1 to 500."}
    return None, int(number_text), {}


def start_modal(
    request: MappingRequest,
    estimates: Sequence[StrategyEstimate],
    *,
    steps: Sequence[str] = (),
    measured: str | None = None,
    budget: Sequence[str] = (),
    follow_step: str | None = None,
) -> Block:
    """`steps` are the measuring steps with their own cost; `measured` what they found (None: not yet measured);
    `follow_step` the follows strategy's own step while it has not run (its own button once the rest is measured)."""
    options = [
        {
            "text": {"type": "plain_text", "text": e.strategy.capitalize()},
            "description": {"type": "plain_text", "text": _option_text(e)},
            "value": e.strategy,
        }
        for e in estimates
    ]
    return modal(
        VIEW_START,
        "Start mapping",
        [
            *_measure_blocks(request, steps, measured, follow_step),
            section(
                ("*Estimate from X's own numbers*" if measured else "*Rough guess, not measured*")
                + " (prices from settings; time is the least the rate limits allow)\n"
                + "\n".join(f"• {escape(e.describe())}" for e in estimates)
            ),
            *([context("\n".join(escape(line) for line in budget))] if budget else []),
            _input(
                "strategy",
                "Strategy",
                {"type": "radio_buttons", "options": options, "initial_option": options[0]},
                optional=False,
            ),
            _input(
                "budget_money",
                "Money budget (US$)",
                {
                    "type": "number_input",
                    "is_decimal_allowed": True,
                    "initial_value": number_value(request.budget_money),
                },
                optional=False,
            ),
            _input(
                "budget_calls",
                "Call budget (API calls)",
                {
                    "type": "number_input",
                    "is_decimal_allowed": False,
                    "initial_value": number_value(request.budget_calls),
                },
                optional=False,
            ),
        ],
        submit="Approve and start",
        close=None,
        private_metadata=str(request.id),
    )


def _option_text(estimate: StrategyEstimate) -> str:
    """A strategy's figure under its radio button (75 characters at most): the whole job's once measured."""
    price = f"${estimate.whole:,.2f} for the whole job" if estimate.paid else f"${estimate.cost:,.2f}"
    return f"about {price}, {estimate.calls} calls, at least {estimate.minutes} min"[:75]


def _button(request: MappingRequest, action_id: str, text: str) -> Block:
    button = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}}
    return {"type": "actions", "block_id": action_id, "elements": [{**button, "value": str(request.id)}]}


def _measure_blocks(
    request: MappingRequest, steps: Sequence[str], measured: str | None, follow_step: str | None
) -> list[Block]:
    if not steps and follow_step is None:
        return []
    text = "*Measuring first* (each step's own cost)\n" + "\n".join(f"• {escape(step)}" for step in steps)
    follows = f"*Only for the follows strategy*, its own step: {escape(follow_step)}" if follow_step else ""
    if measured:
        done = [section(f"{text}\n_Measured:_ {escape(measured)}")]
        return [*done, section(follows), _button(request, MEASURE_FOLLOWS, "Sample follow lists")] if follows else done
    return [section(f"{text}\n{follows}" if follows else text), _button(request, MEASURE, "Measure on X")]


def follows_unmeasured(follow_step: str | None) -> str:
    """The Start modal's answer to the follows strategy chosen before its follow lists were sampled."""
    step = f" ({follow_step})" if follow_step else ""
    return f"Sample the seeds' follow lists first{step}: the follows figure is only an upper bound until then."


def split(text: str) -> list[str]:
    """Comma/space separated form input to a clean list."""
    return [part.strip() for part in text.replace(",", " ").split() if part.strip()]


def form_values(values: dict[str, Any]) -> dict[str, Any]:
    """The request modal's state values to plain fields."""

    def value(block: str) -> Any:
        element = values.get(block, {}).get(block, {})
        if element.get("type") == "datepicker":
            return element.get("selected_date")
        if element.get("type") == "multi_users_select":
            return element.get("selected_users") or []
        return element.get("value") or ""

    return {name: value(name) for name in FIELDS}
