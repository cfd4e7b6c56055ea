"""`/outreach digest weekly`: the team's weekly digest as it would be posted now, shown to the asker only."""

from __future__ import annotations

from assistant.models.base import utcnow
from assistant.services.team.settings import weekly_slot
from assistant.services.weekly.digest import weekly_data
from assistant.slack.blocks.common import context
from assistant.slack.blocks.weekly import weekly_blocks
from assistant.slack.context import Services
from assistant.slack.listeners.commands import CommandContext


def preview_command(services: Services, ctx: CommandContext) -> None:
    """Called by the digests feature's `digest` handler for `weekly`; the answer is ephemeral."""
    workspace = ctx.workspace
    with services.session() as session:
        blocks = weekly_blocks(weekly_data(session, workspace, utcnow()))
        channel = workspace.digest_channel_id or workspace.comms_channel_id
        slot = weekly_slot(workspace).describe()
    where = f"<#{channel}>" if channel else "no channel yet (an admin sets it with `/outreach settings`)"
    blocks.append(context(f"Preview, only you see it. Posted {slot} to {where}."))
    ctx.ack(text="Weekly digest preview", blocks=blocks[:50])
