"""The same hostile strings through every field that reaches Slack: none comes out as a live mention or link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assistant.analysis.digest import ChatContext, build_digest
from assistant.render.mrkdwn import link, safe_url
from assistant.services.chats.clashes import Upcoming
from assistant.services.contacts.fields import FieldError, normalise_linkedin
from assistant.slack.blocks import chat_messages
from assistant.slack.blocks import chats as chat_blocks
from assistant.slack.blocks import contacts as contact_blocks
from assistant.slack.blocks import mapping as mapping_blocks
from assistant.slack.blocks.digests import digest_message
from assistant.slack.blocks.home import home_view
from assistant.slack.blocks.watches import batch_blocks, watch_list
from assistant.slack.blocks.weekly import weekly_blocks, weekly_text
from assistant.standins.blockkit import check_blocks, check_view
from integrations.bluesky.parse import parse_profile as bluesky_account
from integrations.mastodon.parse import parse_status
from integrations.normalized import Metrics, NormalizedPost
from integrations.x.parse import parse_user
from tests.slack import builder_data as data
from tests.slack.live import HOSTILE, HOSTILE_URL, live_tokens

T0 = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)


def _message(text: str, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    assert check_blocks(blocks) == []
    return {"text": text, "blocks": blocks}


def _hostile_contact() -> Any:
    fields = ("name", "organisation", "role", "phone", "notes")
    contact = data.contact(1, **{name: HOSTILE for name in fields}, tags=[HOSTILE], source=HOSTILE)
    contact.linkedin_url = HOSTILE_URL  # stored before URLs were checked where they enter
    contact.email = "jo|x@example.org"
    return contact


def test_contact_cards_search_and_merge_offers() -> None:
    hostile = _hostile_contact()
    cards = [
        contact_blocks.contact_card(hostile, intro="Shared by <@U0COMMS001>"),
        contact_blocks.search_results(HOSTILE, [], []),
        contact_blocks.search_results(HOSTILE, [hostile], []),
        contact_blocks.merge_offer(hostile, [(hostile, HOSTILE)]),
        contact_blocks.duplicates_card([(hostile, data.contact(2, name=HOSTILE), HOSTILE)]),
        contact_blocks.yammer_reply(
            shoutout_id=1,
            sender=HOSTILE,
            body=HOSTILE,
            web_url=HOSTILE_URL,
            found=contact_blocks.Found(linkedin_urls=[HOSTILE_URL]),
            message_id="9",
        ),
    ]
    for card in cards:
        assert live_tokens(_message(card.text, card.blocks)) == [], card.text
    assert live_tokens({"text": contact_blocks.shoutout_posted(HOSTILE, HOSTILE, HOSTILE_URL)}) == []
    assert live_tokens({"blocks": [contact_blocks.others_hint([HOSTILE])]}) == []
    modal = contact_blocks.contact_modal({"name": HOSTILE, "notes": HOSTILE}, contact_id=1)
    assert check_view(modal) == [] and live_tokens({"view": modal}) == []


def test_chat_run_sheets_lists_and_modals() -> None:
    sheet = data.run_sheet(12, title=HOSTILE, text=HOSTILE)
    item, series = sheet.items[1], sheet.series
    for built in (
        chat_messages.run_sheet_blocks(sheet, warnings=[HOSTILE]),
        chat_messages.approval_blocks(sheet, "hash", "U0STAFF001"),
        chat_messages.list_blocks([Upcoming(series, sheet.occurrence, 3, True, False)]),  # type: ignore[arg-type]
        chat_messages.handover_blocks(item, T0, "Europe/London", "v", "x"),
        chat_messages.failed_blocks(item, HOSTILE, "v", "mastodon"),
        chat_messages.missed_blocks(item, T0, "Europe/London", "v"),
        chat_messages.unapproved_blocks(item, series),
    ):
        assert live_tokens(_message("Chat", built)) == []
    assert live_tokens({"text": chat_messages.guest_notice_text([HOSTILE], HOSTILE, public=True)}) == []
    assert live_tokens({"text": chat_messages.cancelled_text(series, [T0], False, "U0STAFF001")}) == []
    for view in (
        chat_blocks.questions_modal(series, HOSTILE),
        chat_blocks.posted_modal("v", HOSTILE),
        chat_blocks.chat_modal(
            hosts=[("1", HOSTILE[:70])], timezone="Europe/London", channel_id="C1", values={"title": HOSTILE}
        ),
    ):
        assert check_view(view) == [] and live_tokens({"view": view}) == []


def test_mapping_cards_and_delivery() -> None:
    request = data.request(
        title=HOSTILE, decision=HOSTILE, keywords=[HOSTILE], hashtags=[HOSTILE], seeds=[HOSTILE], region=HOSTILE
    )
    request.problems = [HOSTILE]
    analysis = data.analysis(12, 6, name=HOSTILE)
    for built in (
        mapping_blocks.card(request),
        mapping_blocks.show(request),
        mapping_blocks.status_dm(request, "claimed by <@U0COMMS001>"),
        mapping_blocks.delivery(request, analysis, [data.slot(HOSTILE)]),
        mapping_blocks.request_list(
            "Open requests", [mapping_blocks.request_line(request, today=T0.date(), overdue=True)]
        ),
    ):
        assert live_tokens(_message("Mapping request", built)) == []


def test_weekly_home_and_watches() -> None:
    weekly = data.weekly(accounts=5, held=3, coming=3, contacts=5, name=HOSTILE, post=HOSTILE)
    assert live_tokens(_message(weekly_text(weekly), weekly_blocks(weekly))) == []
    view = home_view(data.dashboard(HOSTILE, title=HOSTILE))
    assert check_view(view) == [] and live_tokens({"view": view}) == []
    posts = [
        {
            "platform": "mastodon",
            "author_handle": HOSTILE,
            "author_id": "1",
            "text": HOSTILE,
            "url": HOSTILE_URL,
            "id": "1",
        },
        {
            "platform": "x",
            "author_handle": "jo",
            "author_id": "2",
            "text": HOSTILE,
            "url": "javascript:alert(1)",
            "id": "2",
        },
    ]
    built = batch_blocks(1, "keyword", HOSTILE, posts)
    assert live_tokens(_message("Watch", built)) == []
    urls = [e.get("url") for b in built if b["type"] == "actions" for e in b["elements"] if e["text"]["text"] == "Open"]
    assert urls == ["https://linkedin.com/in/jo%3Ex%20%3C!channel%3E%20%3Chttps://evil.example%7Cclick"]
    assert live_tokens(_message("Watches", watch_list(data.watch_lines(3, term=HOSTILE)))) == []


def _post(i: int, *, url: str) -> NormalizedPost:
    return NormalizedPost(
        platform="mastodon",
        id=str(i),
        author_id=str(i),
        author_handle=HOSTILE if i % 2 else "jo",
        created_at=T0 + timedelta(minutes=i),
        text=f"A1 {HOSTILE} #chat",
        hashtags=["chat"],
        url=url,
        metrics=Metrics(likes=100 - i),
    )


def test_digest_of_hostile_posts_and_links() -> None:
    posts = [_post(i, url=HOSTILE_URL if i % 2 else "https://mastodon.social/@jo/1") for i in range(1, 30)]
    result = build_digest(
        posts,
        ChatContext(
            hashtag="chat",
            start=T0,
            end=T0 + timedelta(hours=1),
            questions=[(1, T0, f"Q1 {HOSTILE}")],
            host_handle="jo",
            timezone="Europe/London",
        ),
    )
    built = digest_message(result.figures, digest_id=1)
    assert live_tokens(_message("Digest", built)) == []


def test_links_accept_only_safe_http_urls() -> None:
    assert link(HOSTILE_URL, "LinkedIn") == (
        "<https://linkedin.com/in/jo%3Ex%20%3C!channel%3E%20%3Chttps://evil.example%7Cclick|LinkedIn>"
    )
    assert link("javascript:alert(1)", "<b>") == "&lt;b&gt;"
    assert link("https://jo@evil.example/", "x") == "x" and safe_url("ftp://a.example/") is None
    with pytest.raises(FieldError):
        normalise_linkedin(HOSTILE_URL)


def test_network_parsers_drop_urls_that_are_not_plain_web_addresses() -> None:
    status = {
        "id": "1",
        "created_at": "2026-03-05T21:00:00.000Z",
        "content": "<p>hi</p>",
        "url": HOSTILE_URL,
        "account": {"id": "7", "acct": "jo", "username": "jo", "url": HOSTILE_URL},
        "tags": [],
        "mentions": [],
        "card": {"url": HOSTILE_URL},
    }
    post = parse_status(status)
    assert post.url == "" and post.urls == []
    assert parse_user({"id": "1", "username": "jo", "name": "Jo", "url": HOSTILE_URL}).url == ""
    assert bluesky_account({"did": "did:plc:x", "handle": "jo>x <!channel>"}).url == ""
