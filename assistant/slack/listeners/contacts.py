"""`/outreach contact …`, the "Save as contact" shortcut, contact cards' buttons, shout-outs and bulk saves."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, select

from assistant.models.base import require_id, utcnow
from assistant.models.codecs import FoundDetailRef, MergeRef
from assistant.models.contacts import Contact, ContactSource, Visibility
from assistant.models.digests import Digest
from assistant.models.mapping import MappingMember, MappingRequest
from assistant.models.workspaces import Workspace
from assistant.render.mrkdwn import code, escape
from assistant.services.contacts import book, dedupe, from_accounts
from assistant.services.contacts.fields import Found, Person, find_details, find_people, mentioned_user_ids
from assistant.services.contacts.files import export_csv, export_vcards
from assistant.services.store.read import iter_post_authors
from assistant.services.team.workspaces import ensure_workspace
from assistant.services.yammer import shoutouts
from assistant.slack.blocks import contacts as blocks
from assistant.slack.context import Services
from assistant.slack.listeners.commands import CommandContext, Handler
from assistant.slack.parse import parse_id, parse_json_object

log = logging.getLogger(__name__)

USAGE = (
    "`/outreach contact QUERY` finds contacts · `add` · `tag TAG` · `duplicates` · `export [tag]` · "
    '`ask "question" --yammer GROUP_ID` · `crosspost GROUP_ID [announcements,digests]` / `crosspost off` (admins)'
)


def viewer_for(services: Services, session: Session, client: WebClient, team_id: str, user_id: str) -> book.Viewer:
    workspace = ensure_workspace(session, slack_team_id=team_id, timezone=services.settings.default_timezone)
    session.flush()
    return book.Viewer(
        require_id(workspace),
        user_id,
        is_comms=services.roles.is_comms(client, team_id=team_id, user_id=user_id),
        is_admin=services.roles.is_admin(client, team_id=team_id, user_id=user_id),
    )


def _private(
    client: WebClient, channel: str | None, user_id: str, text: str, blocks_: list[dict[str, Any]] | None = None
) -> None:
    """An answer only `user_id` sees: ephemeral in the channel when there is one, else a DM."""
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=blocks_)
            return
        except SlackApiError as exc:
            log.info("ephemeral in %s failed (%s); sending a DM", channel, exc.response.get("error"))
    client.chat_postMessage(channel=user_id, text=text, blocks=blocks_)


def slack_person(client: WebClient, user_id: str) -> Person:
    """A Slack user as a person: real name, title (as the role) and email from users.info; just the id on failure."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        log.info("users.info for %s failed: %s", user_id, exc.response.get("error"))
        return Person(slack_user_id=user_id)
    profile = user.get("profile") or {}
    email = str(profile.get("email") or "")
    return Person(
        name=str(user.get("real_name") or profile.get("real_name") or ""),
        slack_user_id=user_id,
        role=str(profile.get("title") or ""),
        details=Found(emails=[email] if email else []),
    )


def message_people(client: WebClient, text: str, author: str | None) -> list[Person]:
    """Everyone a message points at: its author, then the people it mentions, then names written beside an
    email or handle (contact_fields.find_people); the first is prefilled, the others offered as a hint."""
    people = [slack_person(client, author)] if author else []
    for user_id in mentioned_user_ids(text):
        if user_id != author:
            people.append(slack_person(client, user_id))
    for person in find_people(text):
        if all(person.name != known.name for known in people):
            people.append(person)
    return people


def message_prefill(text: str, people: list[Person]) -> dict[str, object]:
    """The modal's values: the first person's details, else the first email / handle of the message that no
    other named person owns; the message itself as notes."""
    first = people[0] if people else Person()
    owned = {value for person in people[1:] for value in _values(person.details)}
    found = find_details(text)

    def free(*candidates: list[str]) -> str:
        return next((v for values in candidates for v in values if v not in owned), "")

    mine = first.details
    return {
        "name": first.name,
        "role": first.role,
        # a Slack user's profile email only when the message gives none (it may be about their work address)
        "email": free(found.emails, mine.emails) if first.slack_user_id else free(mine.emails, found.emails),
        "x_handle": free(mine.x_handles, found.x_handles),
        "mastodon_handle": free(mine.mastodon_handles, found.mastodon_handles),
        "bluesky_handle": free(mine.bluesky_handles, found.bluesky_handles),
        "linkedin_url": free(mine.linkedin_urls, found.linkedin_urls),
        "notes": text[:2000],
    }


def _values(found: Found) -> list[str]:
    return [*found.emails, *found.x_handles, *found.mastodon_handles, *found.bluesky_handles, *found.linkedin_urls]


def register(app: App, services: Services) -> dict[str, Handler]:
    engine = services.engine

    def session() -> Session:
        return Session(engine, expire_on_commit=False)

    @app.view(blocks.ADD_VIEW)
    def on_add(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        meta = parse_json_object(view.get("private_metadata"), "form's metadata")
        values = blocks.read_contact_values(view["state"])
        with session() as db:
            viewer = viewer_for(services, db, client, team_id, user_id)
            try:
                contact = book.add_contact(
                    db,
                    viewer,
                    values,
                    source=meta.get("source", ContactSource.manual),
                    source_ref=meta.get("ref", ""),
                )
            except book.ContactInvalid as exc:
                ack(response_action="errors", errors=exc.problems.by_field)
                return
            matches = dedupe.matching(db, viewer, contact)
            db.commit()
        ack()
        card = (
            blocks.merge_offer(contact, matches)
            if matches
            else blocks.contact_card(contact, intro=":white_check_mark: Saved.")
        )
        _private(client, meta.get("channel"), user_id, card.text, card.blocks)

    @app.view(blocks.EDIT_VIEW)
    def on_edit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        values = blocks.read_contact_values(view["state"])
        with session() as db:
            viewer = viewer_for(services, db, client, team_id, user_id)
            try:
                contact = book.update_contact(db, viewer, parse_id(view["private_metadata"], "contact"), values)
            except book.ContactInvalid as exc:
                ack(response_action="errors", errors=exc.problems.by_field)
                return
            except book.ContactError as exc:
                ack(response_action="errors", errors={"name": str(exc)})
                return
            db.commit()
        ack()
        card = blocks.contact_card(contact, intro=":pencil2: Updated.")
        _private(client, None, user_id, card.text, card.blocks)

    @app.view(blocks.SHARE_VIEW)
    def on_share(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        person, channel = blocks.read_share_target(view["state"])
        if not person and not channel:
            ack(response_action="errors", errors={"person": "Choose a person or a channel (or both)."})
            return
        with session() as db:
            viewer = viewer_for(services, db, client, team_id, user_id)
            try:
                contact = book.get_visible(db, parse_id(view["private_metadata"], "contact"), viewer)
            except book.ContactError as exc:
                ack(response_action="errors", errors={"person": str(exc)})
                return
            if contact.visibility == Visibility.me.value and channel:
                ack(
                    response_action="errors",
                    errors={
                        "channel": "This contact is private to you; share it with a person, or change who can see it first."
                    },
                )
                return
            ack()
            card = blocks.contact_card(contact, buttons=False, intro=f"<@{user_id}> shared a contact with you.")
            for target in [t for t in (person, channel) if t]:
                posted = client.chat_postMessage(channel=target, text=card.text, blocks=card.blocks)
                book.record_share(
                    db, viewer, require_id(contact), target=target, channel=str(posted["channel"]), ts=str(posted["ts"])
                )
            db.commit()

    @app.message_shortcut(blocks.SAVE_AS_CONTACT)
    def on_save_message(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        message = body.get("message") or {}
        text = str(message.get("text") or "")
        people = message_people(client, text, message.get("user"))
        prefill = message_prefill(text, people)
        others = [person.label() for person in people[1:] if person.name]
        meta = {
            "source": ContactSource.message,
            "ref": f"{(body.get('channel') or {}).get('id', '')}/{message.get('ts', '')}",
            "channel": (body.get("channel") or {}).get("id"),
        }
        view = blocks.contact_modal(prefill, metadata=json.dumps(meta), others=others)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def open_contact_modal(
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        respond: Respond,
        lookup: Callable[[Session, int, book.Viewer], Contact],
        build: Callable[[Contact], dict[str, Any]],
    ) -> None:
        """Open a modal about the button's contact if the person may see (or edit) it; else say why."""
        with session() as db:
            viewer = viewer_for(services, db, client, body["team"]["id"], body["user"]["id"])
            try:
                contact = lookup(db, parse_id(action["value"], "contact"), viewer)
            except book.ContactError as exc:
                respond(text=escape(str(exc)), replace_original=False)
                return
            db.commit()
        client.views_open(trigger_id=body["trigger_id"], view=build(contact))

    @app.action(blocks.SHARE)
    def on_share_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        open_contact_modal(body, action, client, respond, book.get_visible, blocks.share_modal)

    @app.action(blocks.EDIT)
    def on_edit_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        open_contact_modal(
            body,
            action,
            client,
            respond,
            book.get_editable,
            lambda contact: blocks.contact_modal(book.fields_of(contact), contact_id=contact.id),
        )

    @app.action(blocks.DELETE)
    def on_delete(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        with session() as db:
            viewer = viewer_for(services, db, client, body["team"]["id"], body["user"]["id"])
            try:
                erased = book.erase(db, viewer, parse_id(action["value"], "contact"))
            except book.ContactError as exc:
                respond(text=escape(str(exc)), replace_original=False)
                return
            db.commit()
        for channel, ts in erased.cards:
            try:
                client.chat_delete(channel=channel, ts=ts)
            except SlackApiError as exc:
                log.warning("could not delete a shared card of an erased contact: %s", exc.response.get("error"))
        respond(
            text=f"Contact #{erased.contact_id} erased with its history and {len(erased.cards)} shared card(s).",
            replace_original=False,
        )

    @app.action(blocks.MERGE_ACTIONS)
    def on_merge(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        ref = MergeRef.decode(str(action["value"]))
        keep_id, other_id = ref.keep_id, ref.other_id
        with session() as db:
            viewer = viewer_for(services, db, client, body["team"]["id"], body["user"]["id"])
            try:
                merged = dedupe.merge(db, viewer, keep_id, other_id)
            except book.ContactError as exc:
                respond(text=escape(str(exc)), replace_original=False)
                return
            db.commit()
        card = blocks.contact_card(merged, intro=f":twisted_rightwards_arrows: Merged #{other_id} into #{keep_id}.")
        respond(text=card.text, blocks=card.blocks, replace_original=False)

    @app.action(blocks.SAVE_FOUND_ACTIONS)
    def on_save_found(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        detail = FoundDetailRef.decode(str(action["value"]))
        field_name, value = detail.field, detail.value
        name = (
            value.split("@")[0]
            if field_name in ("email", "mastodon_handle")
            else value.rsplit("/", 1)[-1].split(".")[0]
        )
        with session() as db:
            viewer = viewer_for(services, db, client, body["team"]["id"], body["user"]["id"])
            try:
                contact = book.add_contact(
                    db,
                    viewer,
                    {"name": name, field_name: value, "visibility": Visibility.team.value},
                    source=ContactSource.yammer,
                    source_ref=detail.source_ref,
                )
            except book.ContactInvalid as exc:
                respond(text=f"Could not save {escape(value)}: {escape(str(exc))}", replace_original=False)
                return
            matches = dedupe.matching(db, viewer, contact)
            db.commit()
        card = (
            blocks.merge_offer(contact, matches)
            if matches
            else blocks.contact_card(contact, intro=":white_check_mark: Saved; edit it to add a name and organisation.")
        )
        respond(text=card.text, blocks=card.blocks, replace_original=False, response_type="ephemeral")

    @app.action(blocks.DIGEST_SAVE_PARTICIPANTS)
    def on_digest_save(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        with session() as db:
            viewer = viewer_for(services, db, client, body["team"]["id"], body["user"]["id"])
            digest = db.get(Digest, parse_id(action["value"], "digest"))
            if digest is None or digest.workspace_id not in (None, viewer.workspace_id):
                respond(text="That digest no longer exists.", replace_original=False)
                return
            accounts = list(iter_post_authors(db, hashtag=digest.hashtag, since=digest.start, until=digest.end))
            result = from_accounts.save_accounts(
                db,
                viewer,
                accounts,
                source=ContactSource.digest,
                source_ref=f"digest:{digest.id}",
                tags=[digest.hashtag],
            )
            db.commit()
        respond(
            text=blocks.saved_many(
                len(result.added), len(result.already), len(result.skipped), f"the #{digest.hashtag} digest"
            ),
            replace_original=False,
        )

    @app.action(blocks.MAPPING_SAVE_ACCOUNTS)
    def on_mapping_save(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        team_id = body["team"]["id"]
        with session() as db:
            viewer = viewer_for(services, db, client, team_id, body["user"]["id"])
            request = db.get(MappingRequest, parse_id(action["value"], "request"))
            if request is None or request.workspace_id != viewer.workspace_id:
                respond(text="That mapping request no longer exists.", replace_original=False)
                return
            keys = [
                (m.platform, m.item_id)
                for m in db.exec(select(MappingMember).where(MappingMember.request_id == request.id))
                if m.kind in ("seed", "account")
            ]
            result = from_accounts.save_account_keys(
                db, viewer, keys, source=ContactSource.mapping, source_ref=f"mapping:{request.id}"
            )
            db.commit()
        respond(
            text=blocks.saved_many(
                len(result.added), len(result.already), len(result.skipped), f"the mapping “{escape(request.title)}”"
            ),
            replace_original=False,
        )

    return {"contact": lambda ctx: contact_command(services, ctx)}


# `/outreach contact …` ---------------------------------------------------------------------------


def contact_command(services: Services, ctx: CommandContext) -> None:
    words = ctx.parsed.args
    first = words[0].value.lower() if words and words[0].kind == "word" else ""
    routes: dict[str, Callable[[Services, CommandContext], None]] = {
        "add": _add,
        "tag": _tag,
        "duplicates": _duplicates,
        "export": _export,
        "ask": _ask,
        "crosspost": _crosspost,
    }
    route = routes.get(first)
    if route is not None:
        route(services, ctx)
    elif not words:
        ctx.ack(text=f"Contacts: {USAGE}")
    else:
        _search(services, ctx)


def _add(services: Services, ctx: CommandContext) -> None:
    ctx.ack()
    meta = json.dumps({"channel": ctx.channel_id, "source": ContactSource.manual})
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=blocks.contact_modal(metadata=meta))


def _search(services: Services, ctx: CommandContext) -> None:
    query = " ".join(arg.label or arg.value for arg in ctx.parsed.args)
    with Session(services.engine, expire_on_commit=False) as db:
        viewer = viewer_for(services, db, ctx.client, ctx.team_id, ctx.user_id)
        found = book.search(db, viewer, query, limit=15)
        hints = [] if found else book.suggestions(db, viewer, query)
        db.commit()
    card = blocks.search_results(query, found, hints)
    ctx.ack(text=card.text, blocks=card.blocks)


def _tag(services: Services, ctx: CommandContext) -> None:
    if len(ctx.parsed.args) < 2:
        ctx.error("Which tag? `/outreach contact tag maths`")
        return
    tag = ctx.parsed.args[1].value
    with Session(services.engine, expire_on_commit=False) as db:
        viewer = viewer_for(services, db, ctx.client, ctx.team_id, ctx.user_id)
        found = book.list_visible(db, viewer, tag=tag)
        hints = [] if found else book.suggestions(db, viewer, tag)
        db.commit()
    card = blocks.search_results(f"#{tag}", found, hints, title=f"Contacts tagged {tag}")
    ctx.ack(text=card.text, blocks=card.blocks)


def _duplicates(services: Services, ctx: CommandContext) -> None:
    with Session(services.engine, expire_on_commit=False) as db:
        viewer = viewer_for(services, db, ctx.client, ctx.team_id, ctx.user_id)
        pairs = [
            (p.keep, p.other, p.reason)
            for p in dedupe.duplicates(db, viewer)
            if book.can_edit(p.keep, viewer) and book.can_edit(p.other, viewer)
        ]
        db.commit()
    card = blocks.duplicates_card(pairs)
    ctx.ack(text=card.text, blocks=card.blocks)


def _export(services: Services, ctx: CommandContext) -> None:
    tag = ctx.parsed.args[1].value if len(ctx.parsed.args) > 1 else None
    with Session(services.engine, expire_on_commit=False) as db:
        viewer = viewer_for(services, db, ctx.client, ctx.team_id, ctx.user_id)
        contacts = book.list_visible(db, viewer, tag=tag)
        db.commit()
    if not contacts:
        ctx.error(f"No contacts{' tagged ' + code(tag) if tag else ''} that you can see; nothing to export.")
        return
    ctx.ack(text="Preparing your export; the files arrive in a direct message from the app.")
    stem = f"contacts-{tag}" if tag else "contacts"
    dm = ctx.client.conversations_open(users=ctx.user_id)["channel"]["id"]
    ctx.client.files_upload_v2(
        channel=dm,
        initial_comment=blocks.export_summary(len(contacts), tag),
        file_uploads=[
            {"content": export_csv(contacts), "filename": f"{stem}.csv", "title": f"{stem}.csv"},
            {"content": export_vcards(contacts), "filename": f"{stem}.vcf", "title": f"{stem}.vcf"},
        ],
    )


def _ask(services: Services, ctx: CommandContext) -> None:
    texts = [arg.value for arg in ctx.parsed.args[1:]]
    question = " ".join(texts).strip()
    group = ctx.parsed.options.get("yammer")
    if not question or not isinstance(group, str):
        ctx.error(
            'Ask like this: `/outreach contact ask "Who knows FE maths leads in the North West?" --yammer GROUP_ID`'
        )
        return
    ctx.ack(text="Posting your question to Yammer…")
    client = ctx.client
    posted = client.chat_postMessage(
        channel=ctx.channel_id, text=f":mega: <@{ctx.user_id}> is asking on Yammer: _{escape(question)}_"
    )
    channel, ts = str(posted["channel"]), str(posted["ts"])
    try:
        with Session(services.engine, expire_on_commit=False) as db, services.clients.http() as http:
            workspace_id = require_id(ensure_workspace(db, slack_team_id=ctx.team_id))
            yammer = shoutouts.yammer_client(db, services.settings, http, workspace_id=workspace_id)
            shoutout = shoutouts.start_shoutout(
                db,
                yammer,
                workspace_id=workspace_id,
                requested_by=ctx.user_id,
                question=question,
                group_id=group,
                slack_channel_id=channel,
                slack_ts=ts,
                now=utcnow(),
            )
            db.commit()
    except shoutouts.ShoutoutError as exc:
        client.chat_delete(channel=channel, ts=ts)
        ctx.respond(text=escape(str(exc)), response_type="ephemeral")
        if exc.for_admin:
            _tell_admins(services, client, ctx.team_id, f":warning: {exc.for_admin} (asked by <@{ctx.user_id}>)")
        return
    client.chat_update(channel=channel, ts=ts, text=blocks.shoutout_posted(question, group, shoutout.web_url))


def _tell_admins(services: Services, client: WebClient, team_id: str, text: str) -> None:
    admins = sorted(services.settings.admin_user_ids)
    for admin in admins:
        client.chat_postMessage(channel=admin, text=text)
    if not admins:
        log.warning("no admin to tell (set SLACK_ADMIN_USERS): %s", text)


def _crosspost(services: Services, ctx: CommandContext) -> None:
    if not services.roles.is_admin(ctx.client, team_id=ctx.team_id, user_id=ctx.user_id):
        ctx.error("Only admins can choose the Yammer group for cross-posting.")
        return
    args = [a.value for a in ctx.parsed.args[1:]]
    if not args:
        ctx.error("`/outreach contact crosspost GROUP_ID [announcements,digests]` or `/outreach contact crosspost off`")
        return
    group = None if args[0].lower() == "off" else args[0]
    kinds = [k.strip() for part in args[1:] for k in part.split(",") if k.strip()]
    with Session(services.engine, expire_on_commit=False) as db:
        workspace = db.exec(select(Workspace).where(Workspace.slack_team_id == ctx.team_id)).first()
        workspace = workspace or ensure_workspace(db, slack_team_id=ctx.team_id)
        try:
            shoutouts.set_crosspost(db, workspace, group_id=group, kinds=kinds, actor=ctx.user_id)
        except shoutouts.ShoutoutError as exc:
            ctx.error(str(exc))
            return
        db.commit()
        setting = shoutouts.crosspost_setting(workspace)
    if setting is None:
        ctx.ack(text="Cross-posting to Yammer is off.")
    else:
        ctx.ack(text=f"Cross-posting {' and '.join(setting.kinds)} to Yammer group {escape(setting.group_id)}.")
