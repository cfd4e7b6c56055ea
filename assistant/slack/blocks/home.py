"""The App Home tab: the person's dashboard, built from plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.render.mrkdwn import escape
from assistant.slack.blocks import ids
from assistant.slack.blocks.common import MAX_BLOCKS_VIEW, Block, actions, button, context, divider, header, section


@dataclass(frozen=True, slots=True)
class HomeSection:
    """A titled list on the dashboard; `lines` are mrkdwn already escaped by their builder."""

    title: str
    lines: list[str] = field(default_factory=list)
    empty: str = "Nothing here yet."


@dataclass(frozen=True, slots=True)
class HomeData:
    user_name: str
    role: str
    sections: list[HomeSection] = field(default_factory=list)
    quick_actions: list[tuple[str, str]] = field(default_factory=list)  # (label, action id)


def home_view(data: HomeData) -> dict[str, object]:
    blocks: list[Block] = [
        header("Outreach Assistant"),
        section(
            f"Hello {escape(data.user_name)}. You are *{escape(data.role)}* in this workspace.",
            block_id=ids.HOME_HEADER,
        ),
        actions(
            button("Refresh", ids.HOME_REFRESH), *(button(label, action_id) for label, action_id in data.quick_actions)
        ),
    ]
    for part in data.sections:
        blocks.append(divider())
        blocks.append(section(f"*{escape(part.title)}*"))
        if part.lines:
            shown = part.lines[:10]
            blocks.append(section("\n".join(shown)))
            if len(part.lines) > len(shown):
                blocks.append(context(f"and {len(part.lines) - len(shown)} more"))
        else:
            blocks.append(context(part.empty))
    blocks.append(divider())
    blocks.append(context("Type `/outreach help` in any channel for every command."))
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS_VIEW]}
