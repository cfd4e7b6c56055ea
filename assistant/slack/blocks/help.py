"""The help card: every subcommand with an example, and the reply to one that was not understood."""

from __future__ import annotations

from assistant.render.mrkdwn import code, escape
from assistant.slack.blocks import ids
from assistant.slack.blocks.common import Block, context, header, section
from assistant.slack.subcommands import CATALOGUE, Subcommand


def help_card(available: set[str] | frozenset[str] = frozenset({"help"})) -> list[Block]:
    blocks: list[Block] = [
        header("Outreach Assistant"),
        section(
            "Ask the comms team for stakeholder mapping, share contacts, schedule public hashtag chats "
            "and read their digests. One command, `/outreach`, with these subcommands:"
        ),
    ]
    options = []
    for sub in CATALOGUE:
        status = "" if sub.name in available else " _(coming soon)_"
        blocks.append(section(f"*{sub.name}*{status}: {sub.summary}\n{code(sub.example)}"))
        options.append({"text": {"type": "plain_text", "text": sub.name}, "value": sub.name})
    blocks.append(
        {
            "type": "actions",
            "block_id": ids.HELP_BLOCK,
            "elements": [
                {
                    "type": "static_select",
                    "action_id": ids.HELP_SHOW_SUBCOMMAND,
                    "placeholder": {"type": "plain_text", "text": "More about…"},
                    "options": options,
                }
            ],
        }
    )
    blocks.append(context("Your App Home tab is your dashboard: requests, chats and contacts in one place."))
    return blocks


def subcommand_detail(sub: Subcommand, available: bool) -> list[Block]:
    status = "Available now." if available else "Not available in this installation yet."
    return [section(f"*/outreach {sub.name}*: {sub.summary}\nExample: {code(sub.example)}\n{status}")]


def not_understood(word: str, suggestion: str | None) -> str:
    hint = f" Did you mean `/outreach {suggestion}`?" if suggestion else ""
    return f"I didn't understand `{escape(word)}`.{hint} Try `/outreach help` for the list of commands."


def not_available(sub: Subcommand) -> str:
    return (
        f"`/outreach {sub.name}` ({sub.summary[0].lower()}{sub.summary[1:]}) is not available in this "
        "installation yet. `/outreach help` lists what you can do now."
    )
