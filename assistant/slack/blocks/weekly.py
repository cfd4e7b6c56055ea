"""Block Kit for the weekly digest: requests, chats held and coming, accounts against target, new contacts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from assistant.render.mrkdwn import escape, link, truncate
from assistant.render.wording import counted
from assistant.services.weekly.digest import AccountWeek, WeeklyData
from assistant.slack.blocks.common import MAX_BLOCKS_MESSAGE, Block, context, divider, header, section, sections
from assistant.slack.blocks.cost import spend_lines, spend_title


def _signed(value: int | None) -> str:
    return "n/a" if value is None else f"{value:+,}"


def _number(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


def account_line(week: AccountWeek) -> str:
    posts = "n/a" if week.posts is None else f"{week.posts}/{week.target}"
    mark = "" if week.posts is None else (" ✅" if week.posts >= week.target else " ⚠️ below target")
    line = (
        f"*{escape(week.handle)}* ({week.platform}): {_number(week.followers)} followers ({_signed(week.followers_change)}) · "
        f"posts {posts}{mark} · mentions {_number(week.mentions)} ({_signed(week.mentions_change)})"
    )
    if week.best_post:
        best = escape(truncate(week.best_post.replace("\n", " "), 140))
        line += f"\n    most engaged ({week.best_engagement}): “{best}”"
    return line


def weekly_blocks(data: WeeklyData) -> list[Block]:
    zone = ZoneInfo(data.timezone)
    span = f"{data.start.astimezone(zone):%a %d %b} – {data.end.astimezone(zone):%a %d %b %Y}"
    blocks: list[Block] = [header(f"Weekly digest · {data.team}"), context(f"{span} ({escape(data.timezone)})")]
    requests = data.requests
    if requests is not None:
        open_text = ", ".join(f"{count} {status}" for status, count in sorted(requests.open.items())) or "none"
        blocks += [
            divider(),
            section(
                f"*Mapping requests*\nNew this week: {requests.new} · open: {open_text} · "
                f"overdue: {requests.overdue} · delivered this week: {requests.delivered}"
            ),
        ]
    chats = data.chats
    if chats is not None:
        held = [
            f"• #{escape(c.hashtag)} {c.start.astimezone(zone):%a %d %b %H:%M}: "
            + (f"{c.posts} posts, {c.participants} people" if c.posts is not None else "no digest yet")
            + (f" · {link(c.link, 'digest')}" if c.link else "")
            for c in chats.held
        ]
        coming = [
            f"• #{escape(c.hashtag)} {c.start.astimezone(zone):%a %d %b %H:%M}: "
            f"{counted(c.questions, 'question')}, {counted(c.moderators, 'moderator')} · "
            + ("ready ✅" if c.ready else "not ready ⚠️")
            for c in chats.coming
        ]
        blocks += [
            divider(),
            *sections(
                held or ["None."],
                head="*Chats held last week*",
                chunks=6,
                more=lambda n: f"…and {n} more held last week: each digest is in its chat's channel.",
            ),
            *sections(
                coming or ["None scheduled."],
                head="*Chats coming this week*",
                chunks=6,
                more=lambda n: f"…and {n} more this week: `/outreach chat list` shows them all.",
            ),
        ]
    if data.accounts is not None:
        lines = [account_line(week) for week in data.accounts] or ["No accounts connected."]
        blocks += [
            divider(),
            *sections(
                lines,
                head="*Our accounts*",
                chunks=12,
                more=lambda n: f"…and {n} more accounts: `/outreach accounts` lists them all.",
            ),
        ]
    contacts = data.contacts
    if contacts is not None:
        names = [escape(name) for name in contacts] or ["none"]
        names[0] = f"*New contacts* ({len(contacts)}): {names[0]}"
        blocks += [
            divider(),
            *sections(
                names,
                sep=", ",
                chunks=2,
                more=lambda n: f"…and {n} more: `/outreach contact export` has them all.",
            ),
        ]
    if data.x_spend is not None and data.x_spend.by_kind:
        chart = "\n".join(spend_lines(data.x_spend))
        blocks += [divider(), section(f"*{spend_title(data.x_spend)}*\n{chart}")]
    return blocks[:MAX_BLOCKS_MESSAGE]


def weekly_text(data: WeeklyData) -> str:
    return f"Weekly digest for {escape(data.team)}"
