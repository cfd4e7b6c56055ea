"""The demo's contacts step: the sample chat's participants saved as contacts, found from Slack, exported as CSV + vCard."""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from assistant.models.base import require_id
from assistant.models.contacts import ContactSource
from assistant.models.posts import Account
from assistant.samples.chat import generate_chat
from assistant.services.contacts import book, from_accounts
from assistant.services.contacts.files import export_csv, export_vcards
from assistant.services.store.read import get_accounts, iter_post_authors
from assistant.services.store.write import upsert_batch
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.blocks import contacts as blocks
from assistant.standins.slack import TEAM_ID
from integrations.twarc import parse_twarc_line

if TYPE_CHECKING:
    from assistant.demo.context import DemoContext

SAMPLE_HASHTAG = "ukfechat"
PARTICIPANTS = 8


def _ensure_sample_chat(ctx: DemoContext) -> str | None:
    """Reuse accounts an earlier step imported; otherwise import a generated sample chat. Returns its hashtag."""
    with Session(ctx.engine) as session:
        if session.exec(select(Account).limit(1)).first() is not None:
            return None
        for page in generate_chat(60, seed=11, hashtag=SAMPLE_HASHTAG):
            batch = parse_twarc_line(page)
            if not isinstance(batch, str):
                upsert_batch(session, batch)
        session.commit()
    return SAMPLE_HASHTAG


def step_contacts(ctx: DemoContext) -> None:
    hashtag = _ensure_sample_chat(ctx)
    with Session(ctx.engine, expire_on_commit=False) as session:
        workspace = ensure_workspace(session, slack_team_id=TEAM_ID)
        viewer = book.Viewer(require_id(workspace), "U0COMMS001", is_comms=True)
        participants = list(islice(iter_post_authors(session, hashtag=hashtag), PARTICIPANTS))
        if not participants:
            keys = [(a.platform, a.id) for a in session.exec(select(Account).limit(PARTICIPANTS))]
            participants = get_accounts(session, keys)
        saved = from_accounts.save_accounts(
            session,
            viewer,
            participants,
            source=ContactSource.digest,
            source_ref="demo",
            visibility="workspace",
            tags=[hashtag or "sample-chat"],
        )
        session.commit()
        everyone = book.list_visible(session, viewer)
    ctx.console.print(
        blocks.saved_many(len(saved.added), len(saved.already), len(saved.skipped), "the sample chat's participants"),
        highlight=False,
    )
    if not everyone:
        ctx.console.print("No participants to save (the sample chat had no stored accounts).")
        return
    first = everyone[0]
    query = first.x_handle or first.name
    answer = ctx.command(f'contact "{query}"', user_id="U0STAFF001")
    ctx.show(f'/outreach contact "{query}"  (ephemeral reply)', answer.get("blocks"), answer.get("text", ""))
    csv_path, vcf_path = ctx.output / "contacts.csv", ctx.output / "contacts.vcf"
    csv_path.write_text(export_csv(everyone), encoding="utf-8", newline="")
    vcf_path.write_text(export_vcards(everyone), encoding="utf-8", newline="")
    ctx.notes.append(f"contacts: {csv_path} and {vcf_path}")
    ctx.console.print(f"Exported {len(everyone)} contacts to {csv_path} (CSV) and {vcf_path} (vCard 4.0)")
