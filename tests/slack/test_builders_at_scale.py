"""Every Block Kit builder driven with large and adversarial inputs: Slack would accept what each one makes.

Each result goes through the stand-in's checker (Slack's published limits) and is parsed with slack_sdk.models.
Sizes: 500 contacts, 250 communities, 120 connected accounts, 60 questions of the longest length, 400 people
named in one message, 200 watches; texts from hypothesis plus long names, emoji, RTL and mentions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from assistant.analysis.digest import ChatContext, build_digest
from assistant.render.mrkdwn import escape
from assistant.services.chats.clashes import Upcoming
from assistant.services.contacts.fields import Found
from assistant.services.mapping.crawl import StrategyEstimate
from assistant.slack.blocks import (
    accounts,
    chat_inputs,
    chat_messages,
    chats,
    contacts,
    digests,
    help,
    mapping,
    mapping_forms,
)
from assistant.slack.blocks import settings as settings_blocks
from assistant.slack.blocks.home import home_view
from assistant.slack.blocks.watches import batch_blocks, watch_list
from assistant.slack.blocks.weekly import weekly_blocks, weekly_text
from assistant.standins.blockkit import MAX_MESSAGE_TEXT, check_blocks, check_view
from integrations.normalized import Metrics, NormalizedPost
from tests.slack import builder_data as data
from tests.slack.live import HOSTILE, live_tokens

NASTY = [HOSTILE, "👩🏽‍💻" * 60, "مرحبا بالعالم " * 40, "x" * 5000, "&<>" * 700, "", " ", "`*_~" * 100]
texts = st.one_of(st.text(max_size=400), st.sampled_from(NASTY))
FEW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T0 = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)


def accepted(blocks: list[dict[str, Any]], text: str = "fallback") -> None:
    """What Slack would take as a message: the checker finds nothing, slack_sdk parses every block."""
    assert check_blocks(blocks) == [], check_blocks(blocks)[:3]
    assert len(text) <= MAX_MESSAGE_TEXT
    for block in blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    assert live_tokens({"text": text, "blocks": blocks}) == []


def accepted_view(view: dict[str, Any]) -> None:
    assert check_view(view) == [], check_view(view)[:3]
    View(**view).validate_json()
    assert live_tokens({"view": view}) == []


@FEW
@given(name=texts, notes=texts)
def test_contact_builders(name: str, notes: str) -> None:
    people = [data.contact(i, name=name[:200] or "x", notes=notes[:3000]) for i in range(1, 501)]
    accepted(contacts.search_results(name, people, ["maths", name]).blocks)
    card = contacts.contact_card(people[0], intro="Shared by <@U0COMMS001>")
    accepted(card.blocks, card.text)
    accepted(contacts.duplicates_card([(people[i], people[i + 1], name) for i in range(0, 498, 2)]).blocks)
    accepted(contacts.merge_offer(people[0], [(p, name) for p in people[1:]]).blocks)
    found = Found(emails=[f"p{i}@example.org" for i in range(400)], x_handles=[f"jo{i}" for i in range(400)])
    reply = contacts.yammer_reply(
        shoutout_id=1, sender=name, body=notes, web_url="https://yammer.example/1", found=found, message_id="9"
    )
    accepted(reply.blocks, reply.text)
    accepted_view(contacts.contact_modal({"name": name, "notes": notes}, contact_id=1, others=[name] * 400))
    accepted_view(contacts.contact_modal({"name": name}, metadata="{}", others=[f"Person {i}" for i in range(400)]))
    accepted_view(contacts.share_modal(people[0]))


@FEW
@given(title=texts, question=texts)
def test_chat_builders(title: str, question: str) -> None:
    sheet = data.run_sheet(60, title=title[:200] or "t", text=(question or "q")[:270])
    accepted(chat_messages.run_sheet_blocks(sheet, warnings=[question] * 5))
    accepted(chat_messages.approval_blocks(sheet, "hash", "U0STAFF001"))
    accepted(chat_messages.reminder_blocks(sheet, "1 hour"))
    upcoming = [Upcoming(sheet.series, sheet.occurrence, 60, i % 2 == 0, False) for i in range(120)]
    accepted(chat_messages.list_blocks(upcoming))
    item = sheet.items[1]
    accepted(chat_messages.handover_blocks(item, T0, "Europe/London", "v", "x"))
    accepted(chat_messages.failed_blocks(item, question, "v", "bluesky"))
    accepted(chat_messages.missed_blocks(item, T0, "Europe/London", "v"))
    accepted(chat_messages.unapproved_blocks(item, sheet.series))
    hosts = [(str(i), f"X @{(title or 'a')[:30]}{i}") for i in range(120)]
    # Stored titles are at most 200 characters, descriptions 3000 and questions X's 280 (checked on the way in).
    values = {
        "title": title[:200],
        "questions": "\n".join([question[:280]] * 60),
        "description": question[:3000],
        "host": "7",
    }
    accepted_view(chats.chat_modal(hosts=hosts, timezone="Europe/London", channel_id="C1", values=values, series_id=3))
    accepted_view(chats.questions_modal(sheet.series, "\n".join(i.text for i in sheet.items)))
    accepted_view(chats.posted_modal("3|question:1|x", question))
    assert len(chat_inputs.host_search_options(hosts, title[:5])) <= 100


@FEW
@given(name=texts)
def test_mapping_builders(name: str) -> None:
    request = data.request(title=name or "t", decision=name, keywords=[name] * 30, seeds=[name] * 30)
    request.problems = [name] * 10
    analysis = data.analysis(120, 250, name=name, tags=250)
    slots = [data.slot(name or "tag") for _ in range(20)]
    accepted(mapping.delivery(request, analysis, slots))
    accepted(mapping.card(request))
    accepted(mapping.show(request))
    accepted(mapping.status_dm(request, "claimed"))
    accepted(mapping.progress(request, 3, 10, name))
    lines = [mapping.request_line(request, today=T0.date(), overdue=True) for _ in range(200)]
    accepted(mapping.request_list("Open requests", lines))
    accepted_view(mapping_forms.request_modal())
    estimate = StrategyEstimate("interactions", 10**6, 1e6, 10**5, 10**7)
    accepted_view(mapping_forms.start_modal(data.request(budget_money=1e6, budget_calls=10**7), [estimate, estimate]))


@FEW
@given(name=texts, post=texts)
def test_weekly_home_and_watch_builders(name: str, post: str) -> None:
    weekly = data.weekly(accounts=120, held=60, coming=60, contacts=500, name=name, post=post)
    accepted(weekly_blocks(weekly), weekly_text(weekly))
    accepted_view(home_view(data.dashboard(name, requests=200, title=name)))
    accepted(watch_list(data.watch_lines(200, term=name)))
    posts = [
        {
            "platform": "x",
            "author_handle": name,
            "author_id": str(i),
            "text": post,
            "url": "https://x.com/a/1",
            "id": str(i),
        }
        for i in range(200)
    ]
    accepted(batch_blocks(1, "keyword", name, posts))


@FEW
@given(handle=texts)
def test_account_settings_and_help_builders(handle: str) -> None:
    lines = [accounts.AccountLine(i, "x", handle or "h", "U1", ["U2"] * 10, "connected", "S1") for i in range(120)]
    accepted(accounts.accounts_list(lines, can_connect=True))
    accepted(accounts.handover_request(handle, "mastodon", "U1", "U2", 1, team=escape(handle)))
    accepted(accounts.x_connect_link("https://x.com/i/oauth2/authorize?x=1"))
    for platform in ("mastodon", "bluesky"):
        accepted_view(accounts.connect_modal(platform))
    targets = [(i, handle or "h", 3) for i in range(120)]
    form = settings_blocks.SettingsForm("S1", "C1", "C2", 3, 9, "Europe/London", True, "g", ("en",), targets)
    accepted_view(settings_blocks.settings_modal(form))
    accepted(help.help_card().blocks if hasattr(help.help_card(), "blocks") else help.help_card())  # type: ignore[arg-type]


def test_digest_message_of_a_large_hostile_chat() -> None:
    questions = [(n, T0 + timedelta(minutes=n), f"Q{n} {HOSTILE} " + "long " * 50) for n in range(1, 61)]
    posts = [
        NormalizedPost(
            platform="mastodon",
            id=str(i),
            author_id=str(i % 400),
            author_handle=f"{HOSTILE[:20]}{i % 400}",
            created_at=T0 + timedelta(seconds=10 * i),
            text=f"A{i % 60 + 1} {HOSTILE} #chat " + "word " * 40,
            hashtags=["chat", f"tag{i}"],
            url=f"https://mastodon.social/@a/{i}",
            mentions=[f"m{i}"],
            metrics=Metrics(likes=i % 9),
        )
        for i in range(1, 1200)
    ]
    result = build_digest(
        posts,
        ChatContext(
            hashtag="chat",
            start=T0,
            end=T0 + timedelta(hours=4),
            questions=questions,
            host_handle="host",
            timezone="Europe/London",
        ),
    )
    accepted(digests.digest_message(result.figures, digest_id=1, archive_url="https://outreach.example/a/1"))
    accepted(digests.progress(HOSTILE, HOSTILE))
