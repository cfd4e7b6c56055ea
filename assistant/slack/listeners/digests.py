"""`/outreach digest #hashtag --from --to`: queue a digest for the worker with a progress message; download buttons."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.models.base import require_id, utcnow
from assistant.models.codecs import DownloadRef
from assistant.models.platforms import POST_NETWORKS
from assistant.render.mrkdwn import escape
from assistant.services.digests import files as digest_files
from assistant.services.digests import records as service
from assistant.slack.blocks import digests as blocks
from assistant.slack.context import Services, Viewer
from assistant.slack.listeners.commands import CommandContext, Handler
from assistant.slack.listeners.weekly import preview_command

log = logging.getLogger(__name__)
USAGE = (
    "Usage: `/outreach digest #hashtag --from 2026-11-19T21:00 --to 2026-11-19T22:00"
    " [--host @handle] [--moderator @handle ...]`"
)
HANDLE = re.compile(r"@?[A-Za-z0-9_][\w.\-]{0,99}(?:@[\w.\-]{1,200})?")  # X, Bluesky (a domain), Mastodon user@host


def register(app: App, services: Services) -> dict[str, Handler]:
    """Register the archive and download buttons; return the `digest` subcommand."""
    app.action(blocks.OPEN_ARCHIVE)(on_open)
    app.action(blocks.DOWNLOAD_CSV)(on_download)
    app.action(blocks.DOWNLOAD_JSON)(on_download)
    return {"digest": lambda ctx: digest_command(services, ctx)}


def on_open(ack: Ack) -> None:
    """The archive button is a link: Slack opens the URL itself."""
    ack()


def on_download(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """CSV / JSON buttons: upload the file into the digest's thread, for a digest of this workspace only."""
    ack()
    viewer: Viewer = context["viewer"]
    channel = (body.get("channel") or {}).get("id") or viewer.user_id
    thread_ts = (body.get("container") or {}).get("message_ts")
    ref = DownloadRef.decode(str(action.get("value", "")))  # a crafted value is answered by slack/errors.py
    with context["session"]() as session:
        file = digest_files.digest_file(
            session, digest_id=ref.digest_id, workspace_id=require_id(context["workspace"]), fmt=ref.fmt
        )
    if file is None:
        client.chat_postEphemeral(channel=channel, user=viewer.user_id, text="That digest no longer exists.")
        return
    client.files_upload_v2(
        content=file.content, filename=file.filename, title=file.title, channel=channel, thread_ts=thread_ts
    )


def digest_command(services: Services, ctx: CommandContext) -> None:
    """Validate, ack, post a progress message and queue the job; the worker makes and posts the digest."""
    if ctx.parsed.args[:1] and ctx.parsed.args[0].kind == "word" and ctx.parsed.args[0].value.lower() == "weekly":
        return preview_command(services, ctx)
    tags = [arg.value for arg in ctx.parsed.args if arg.kind == "hashtag"]
    if len(tags) != 1:
        ctx.error(f"Name one hashtag to digest. {USAGE}")
        return
    if not ctx.viewer.is_comms:
        ctx.error("Only the comms team can make digests on demand (they read from X, which costs money).")
        return
    options = ctx.parsed.options
    zone, workspace_id = ctx.workspace.timezone, require_id(ctx.workspace)
    now = utcnow()
    try:
        start, end = service.parse_window(_text(options.get("from")), _text(options.get("to")), timezone=zone, now=now)
    except service.WindowError as exc:
        ctx.error(f"{exc}. {USAGE}")
        return
    host, moderators = ctx.parsed.values("host"), ctx.parsed.values("moderator")
    wrong = [h for h in [*host, *moderators] if not HANDLE.fullmatch(h)]
    if len(host) > 1 or wrong:
        problem = "Name one host." if len(host) > 1 else f"{wrong[0]!r} is not a public handle."
        ctx.error(f"{problem} --host and --moderator take handles on X, Mastodon or Bluesky (@name). {USAGE}")
        return
    with services.session() as session:  # the request is stored first: a failing message must not drop it
        job = service.request_digest(
            session,
            workspace_id=workspace_id,
            hashtag=tags[0],
            start=start,
            end=end,
            channel_id=ctx.channel_id,
            due_at=now,
            requested_by=ctx.user_id,
            platforms=_platforms(options.get("platforms")),
            host_handle=host[0] if host else None,
            moderators=moderators,
        )
        session.commit()
        job_id = require_id(job)
    ctx.ack()
    try:
        progress = ctx.client.chat_postMessage(
            channel=ctx.channel_id,
            text=f"Making the digest of #{tags[0]}…",
            blocks=blocks.progress(tags[0], "queued, collecting the posts soon…"),
        )
    except (SlackApiError, OSError) as exc:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        log.info("digest job %s: progress message refused: %s", job_id, error)
        hint = " If I'm not in this channel, invite me with `/invite @Outreach Assistant`." if error else ""
        ctx.respond(
            text=f"Queued: the digest of #{escape(tags[0])} will be posted in this channel when it is ready "
            f"(I couldn't post a progress message: {escape(str(error))}).{hint}",
            response_type="ephemeral",
        )
        return
    with services.session() as session:
        service.set_progress_message(session, job_id, str(progress.get("ts") or "") or None)
        session.commit()
    ctx.respond(
        text=f"Queued: the digest of #{escape(tags[0])} will replace the progress message in this channel.",
        response_type="ephemeral",
    )


def _text(value: str | bool | None) -> str | None:
    return value if isinstance(value, str) else None


def _platforms(value: str | bool | None) -> list[str]:
    if not isinstance(value, str):
        return ["x"]
    chosen = [p.strip().lower() for p in value.split(",") if p.strip().lower() in POST_NETWORKS]
    return chosen or ["x"]
