"""`/outreach digest #hashtag --from --to`: queue a digest for the worker with a progress message; download buttons."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from assistant.models.base import require_id, utcnow
from assistant.models.codecs import DownloadRef
from assistant.models.digests import Digest
from assistant.models.platforms import POST_NETWORKS
from assistant.render.digest_files import to_csv, to_json
from assistant.render.mrkdwn import escape
from assistant.services.digests import make as digest_make
from assistant.services.digests import records as service
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.blocks import digests as blocks
from assistant.slack.context import Services
from assistant.slack.listeners.commands import CommandContext, Handler

log = logging.getLogger(__name__)
USAGE = (
    "Usage: `/outreach digest #hashtag --from 2026-11-19T21:00 --to 2026-11-19T22:00"
    " [--host @handle] [--moderator @handle ...]`"
)
HANDLE = re.compile(r"@?[A-Za-z0-9_][\w.\-]{0,99}(?:@[\w.\-]{1,200})?")  # X, Bluesky (a domain), Mastodon user@host


def register(app: App, services: Services) -> dict[str, Handler]:
    @app.action(blocks.OPEN_ARCHIVE)
    def on_open(ack: Ack) -> None:
        ack()  # a link button: Slack opens the URL itself

    @app.action(blocks.DOWNLOAD_CSV)
    @app.action(blocks.DOWNLOAD_JSON)
    def on_download(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        channel = (body.get("channel") or {}).get("id") or body["user"]["id"]
        thread_ts = (body.get("container") or {}).get("message_ts")
        ref = DownloadRef.decode(str(action.get("value", "")))  # a crafted value is answered by slack/errors.py
        fmt = ref.fmt
        with Session(services.engine) as session:
            digest = session.get(Digest, ref.digest_id)
            workspace = ensure_workspace(session, slack_team_id=body["team"]["id"])
            if digest is None or digest.workspace_id not in (None, workspace.id):
                client.chat_postEphemeral(
                    channel=channel, user=body["user"]["id"], text="That digest no longer exists."
                )
                return
            if fmt == "json":
                content = to_json(digest.figures)
            else:
                result = digest_make.remake(session, digest)
                question_of = {p.id: q.number for q in result.assignment.questions for p in q.answers}
                content = to_csv(
                    result.posts, hashtag=digest.hashtag, timezone=digest.timezone, question_of=question_of
                ).encode()
        client.files_upload_v2(
            content=content,
            filename=f"{digest.hashtag}-digest.{fmt}",
            title=f"#{digest.hashtag} digest ({fmt.upper()})",
            channel=channel,
            thread_ts=thread_ts,
        )

    return {"digest": lambda ctx: digest_command(services, ctx)}


def digest_command(services: Services, ctx: CommandContext) -> None:
    """Validate, ack, post a progress message and queue the job; the worker makes and posts the digest."""
    if ctx.parsed.args[:1] and ctx.parsed.args[0].kind == "word" and ctx.parsed.args[0].value.lower() == "weekly":
        from assistant.slack.listeners.weekly import preview_command  # the weekly digest feature's preview

        return preview_command(services, ctx)
    tags = [arg.value for arg in ctx.parsed.args if arg.kind == "hashtag"]
    if len(tags) != 1:
        ctx.error(f"Name one hashtag to digest. {USAGE}")
        return
    if not services.roles.is_comms(ctx.client, team_id=ctx.team_id, user_id=ctx.user_id):
        ctx.error("Only the comms team can make digests on demand (they read from X, which costs money).")
        return
    options = ctx.parsed.options
    with Session(services.engine) as session:
        workspace = ensure_workspace(session, slack_team_id=ctx.team_id)
        session.commit()
        zone, workspace_id = workspace.timezone, require_id(workspace)
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
    with Session(services.engine) as session:  # the request is stored first: a failing message must not drop it
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
    with Session(services.engine) as session:
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
