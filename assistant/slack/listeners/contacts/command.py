"""`/outreach contact …`: find, add, list by tag, duplicates and export; Yammer questions and cross-posting routed on."""

from __future__ import annotations

import json
from collections.abc import Callable

from assistant.models.contacts import ContactSource
from assistant.render.mrkdwn import code
from assistant.services.contacts import book, dedupe
from assistant.services.contacts.files import export_csv, export_vcards
from assistant.slack.blocks import contacts as blocks
from assistant.slack.listeners.commands import CommandContext
from assistant.slack.listeners.contacts.common import contact_viewer
from assistant.slack.listeners.contacts.yammer import ask, crosspost

USAGE = (
    "`/outreach contact QUERY` finds contacts · `add` · `tag TAG` · `duplicates` · `export [tag]` · "
    '`ask "question" --yammer GROUP_ID` · `crosspost GROUP_ID [announcements,digests]` / `crosspost off` (admins)'
)


def contact_command(ctx: CommandContext) -> None:
    """Route `/outreach contact WORD …`; any other words are a search."""
    words = ctx.parsed.args
    first = words[0].value.lower() if words and words[0].kind == "word" else ""
    route = ROUTES.get(first)
    if route is not None:
        route(ctx)
    elif not words:
        ctx.ack(text=f"Contacts: {USAGE}")
    else:
        search(ctx)


def add(ctx: CommandContext) -> None:
    ctx.ack()
    meta = json.dumps({"channel": ctx.channel_id, "source": ContactSource.manual})
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=blocks.contact_modal(metadata=meta))


def search(ctx: CommandContext) -> None:
    query = " ".join(arg.label or arg.value for arg in ctx.parsed.args)
    viewer = _viewer(ctx)
    with ctx.services.session() as db:
        found = book.search(db, viewer, query, limit=15)
        hints = [] if found else book.suggestions(db, viewer, query)
    card = blocks.search_results(query, found, hints)
    ctx.ack(text=card.text, blocks=card.blocks)


def tag(ctx: CommandContext) -> None:
    if len(ctx.parsed.args) < 2:
        ctx.error("Which tag? `/outreach contact tag maths`")
        return
    wanted = ctx.parsed.args[1].value
    viewer = _viewer(ctx)
    with ctx.services.session() as db:
        found = book.list_visible(db, viewer, tag=wanted)
        hints = [] if found else book.suggestions(db, viewer, wanted)
    card = blocks.search_results(f"#{wanted}", found, hints, title=f"Contacts tagged {wanted}")
    ctx.ack(text=card.text, blocks=card.blocks)


def duplicates(ctx: CommandContext) -> None:
    viewer = _viewer(ctx)
    with ctx.services.session() as db:
        pairs = [
            (p.keep, p.other, p.reason)
            for p in dedupe.duplicates(db, viewer)
            if book.can_edit(p.keep, viewer) and book.can_edit(p.other, viewer)
        ]
    card = blocks.duplicates_card(pairs)
    ctx.ack(text=card.text, blocks=card.blocks)


def export(ctx: CommandContext) -> None:
    wanted = ctx.parsed.args[1].value if len(ctx.parsed.args) > 1 else None
    viewer = _viewer(ctx)
    with ctx.services.session() as db:
        contacts = book.list_visible(db, viewer, tag=wanted)
    if not contacts:
        ctx.error(f"No contacts{' tagged ' + code(wanted) if wanted else ''} that you can see; nothing to export.")
        return
    ctx.ack(text="Preparing your export; the files arrive in a direct message from the app.")
    stem = f"contacts-{wanted}" if wanted else "contacts"
    dm = ctx.client.conversations_open(users=ctx.user_id)["channel"]["id"]
    ctx.client.files_upload_v2(
        channel=dm,
        initial_comment=blocks.export_summary(len(contacts), wanted),
        file_uploads=[
            {"content": export_csv(contacts), "filename": f"{stem}.csv", "title": f"{stem}.csv"},
            {"content": export_vcards(contacts), "filename": f"{stem}.vcf", "title": f"{stem}.vcf"},
        ],
    )


def _viewer(ctx: CommandContext) -> book.Viewer:
    assert ctx.context is not None, "CommandContext built without the request context"
    return contact_viewer(ctx.context)


ROUTES: dict[str, Callable[[CommandContext], None]] = {
    "add": add,
    "tag": tag,
    "duplicates": duplicates,
    "export": export,
    "ask": ask,
    "crosspost": crosspost,
}
