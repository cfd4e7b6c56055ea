"""Block Kit for chat messages: the run sheet, sign-off, the chat list, reminders, hand-overs and notices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from assistant.models.base import require_id
from assistant.models.chats import ChatSeries
from assistant.models.codecs import ChatItem, SheetRef
from assistant.render.mrkdwn import escape
from assistant.services.chats.cancelling import Cancelled
from assistant.services.chats.clashes import Upcoming
from assistant.services.chats.signoff import APPROVED, RunSheet, SheetItem
from assistant.services.chats.texts import guest_notice
from assistant.slack.blocks.chats import APPROVE, POST_NOW, POSTED, REQUEST_CHANGES, SKIP
from assistant.slack.blocks.common import Block, actions, button, context, header, section


def _when(sheet: RunSheet, item: SheetItem) -> str:
    local = sheet.local(item)
    return f"{local:%H:%M}" if local else f"+{item.minute} min"


def sheet_lines(sheet: RunSheet) -> list[str]:
    lines = []
    for item in sheet.items:
        flag = "" if item.approved else "  :warning: *not approved: will not be posted*"
        cost = f"${item.cost:.3f}" + (" (link)" if item.link else "")
        lines.append(f"*{_when(sheet, item)}* {item.label} · {cost}{flag}\n>{escape(item.text)}")
    return lines


def run_sheet_blocks(sheet: RunSheet, *, title: str | None = None, warnings: Sequence[str] = ()) -> list[Block]:
    """Every post with its local time, exact text and X cost; a link makes a post far dearer on X."""
    series = sheet.series
    when = ""
    if sheet.occurrence is not None:
        local = sheet.occurrence.start_at.astimezone(ZoneInfo(series.timezone))
        when = f"{local:%a %d %b %Y %H:%M} {series.timezone} · "
    blocks: list[Block] = [
        header(title or f"#{series.hashtag}: {series.title}"),
        context(
            f"Chat {series.id} · {when}{series.duration_minutes} min · host {escape(sheet.host)} · "
            f"{', '.join(series.platforms)}"
        ),
    ]
    lines = sheet_lines(sheet)
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 2 for x in chunk) + len(line) > 2800:
            blocks.append(section("\n\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n\n".join(chunk)))
    cost = (
        "no API cost (posted by hand)"
        if series.manual
        else f"${sheet.total_cost:.3f} on X for {len(sheet.items)} posts"
    )
    blocks.append(context(f"Cost: {cost}; a post with a link costs far more than one without. {sheet.digest}".strip()))
    for warning in warnings:
        blocks.append(section(f":warning: {escape(warning)}"))
    return blocks[:50]


def approval_blocks(sheet: RunSheet, sheet_hash: str, requested_by: str) -> list[Block]:
    value = SheetRef(require_id(sheet.series), sheet_hash).encode()
    return [
        *run_sheet_blocks(sheet, title=f"Sign-off needed: #{sheet.series.hashtag}")[:47],
        context(f"Requested by <@{requested_by}>. Any comms member may approve (account owners are not tracked yet)."),
        actions(
            button("Approve", APPROVE, value, style="primary"),
            button("Request changes", REQUEST_CHANGES, value, style="danger"),
        ),
    ]


def list_blocks(rows: Sequence[Upcoming]) -> list[Block]:
    if not rows:
        return [section("No chats are scheduled. Start one with `/outreach chat new`.")]
    blocks: list[Block] = [header("Upcoming hashtag chats")]
    for row in rows[:45]:
        s = row.series
        local = row.occurrence.start_at.astimezone(ZoneInfo(s.timezone))
        ready = [
            f"{':white_check_mark:' if row.questions else ':x:'} {row.questions} question(s)",
            f"{':white_check_mark:' if row.host_connected else ':x:'} host {'by hand' if s.manual else 'connected' if row.host_connected else 'not connected'}",
        ]
        if s.requires_approval:
            ready.append(
                f"{':white_check_mark:' if row.approved else ':hourglass:'} {'approved' if row.approved else 'awaiting sign-off'}"
            )
        blocks.append(
            section(
                f"*{s.id}* · *#{escape(s.hashtag)}* {escape(s.title)}\n{local:%a %d %b %H:%M} {s.timezone} · "
                f"{s.recurrence} · " + " · ".join(ready)
            )
        )
    return blocks


def reminder_blocks(sheet: RunSheet, lead: str) -> list[Block]:
    return run_sheet_blocks(sheet, title=f"Reminder: #{sheet.series.hashtag} starts in {lead}")


def handover_blocks(item: SheetItem, due: datetime, tz: str, value: str, platform: str) -> list[Block]:
    where = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}.get(platform, platform)
    return [
        section(f"*Post this now on {where}* ({item.label}, {due.astimezone(ZoneInfo(tz)):%H:%M}):"),
        section(f"```{escape(item.text)}```"),
        actions(button("Posted", POSTED, value, style="primary")),
    ]


def failed_blocks(item: SheetItem, error: str, value: str, platform: str) -> list[Block]:
    where = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}.get(platform, platform)
    return [
        section(
            f":x: *{item.label}* could not be posted on {where}: {escape(error)}\nPost it by hand, then record it:"
        ),
        section(f"```{escape(item.text)}```"),
        actions(button("Posted", POSTED, value, style="primary")),
    ]


def missed_blocks(item: SheetItem, due: datetime, tz: str, value: str) -> list[Block]:
    return [
        section(
            f":warning: *{item.label}* was due at {due.astimezone(ZoneInfo(tz)):%H:%M} but the assistant was not running, "
            f"so it was not posted. Post it now, or skip it?\n>{escape(item.text)}"
        ),
        actions(button("Post now", POST_NOW, value, style="primary"), button("Skip", SKIP, value)),
    ]


def unapproved_blocks(item: SheetItem, series: ChatSeries) -> list[Block]:
    return [
        section(
            f":no_entry: *{item.label}* of #{escape(series.hashtag)} was *not posted*: it has not been approved. "
            f"Ask a comms member to approve the run sheet (`/outreach chat show {series.id}`)."
        )
    ]


def guest_notice_text(guests: Sequence[str], notice: str, *, public: bool) -> str:
    """For the moderators: the guests are outside the workspace, so here is the exact message to send each."""
    public_note = " A short public note also goes out under the chat's intro, mentioning them." if public else ""
    return (
        f"The guests ({escape(', '.join(guests))}) are not told by the app.{public_note} "
        f"Send each of them this message:\n>{escape(notice)}"
    )


def cancelled_text(series: ChatSeries, when: Sequence[datetime], whole: bool, actor: str) -> str:
    tz = ZoneInfo(series.timezone)
    if whole:
        return f"<@{actor}> cancelled the chat series #{escape(series.hashtag)} “{escape(series.title)}”."
    dates = ", ".join(f"{w.astimezone(tz):%a %d %b %H:%M}" for w in when)
    return f"<@{actor}> cancelled #{escape(series.hashtag)} “{escape(series.title)}” on {dates}."


@dataclass(frozen=True, slots=True)
class Cancellation:
    """What a cancellation says: to the person who cancelled, to the moderators, to the chat's channel."""

    reply: str
    moderators: str
    channel: str


def cancellation(done: Cancelled, actor: str) -> Cancellation:
    """The notes of a cancellation; the moderators also get the exact message for each guest."""
    series = done.series
    text = cancelled_text(series, done.when, done.whole, actor)
    notice = guest_notice(series, done.when, whole=done.whole)
    guests = guest_notice_text(series.guests, notice, public=done.under_way) if series.guests else ""
    told = text + (f"\n{guests}" if guests else "")
    return Cancellation(f"Cancelled. Everyone involved is told: {told}", told, text)


def _verdict(decision: str) -> str:
    return "approved" if decision == APPROVED else "asked for changes to"


def decided_text(sheet: RunSheet, decision: str, actor: str) -> str:
    return f"<@{actor}> {_verdict(decision)} the run sheet of #{sheet.series.hashtag}"


def decided_blocks(sheet: RunSheet, decision: str, actor: str) -> list[Block]:
    """The signed-off run sheet, replacing the sign-off message, with who decided (within 50 blocks)."""
    return [*run_sheet_blocks(sheet)[:48], context(f"<@{actor}> {_verdict(decision)} this run sheet.")]


def decided_note(series: ChatSeries, decision: str, actor: str) -> str:
    """For the chat's creator."""
    return f"<@{actor}> {_verdict(decision)} the questions of #{escape(series.hashtag)} (chat {series.id})."


def saved_text(series: ChatSeries, *, created: bool) -> str:
    return f"{'Scheduled' if created else 'Updated'} #{series.hashtag} (chat {series.id})"


def saved_title(series: ChatSeries, *, created: bool) -> str:
    return f"{'Scheduled' if created else 'Updated'}: #{series.hashtag}"


def missed_choice_text(item: str, *, post_now: bool, actor: str) -> str:
    """A missed post's message once a moderator chose: posted within seconds, or skipped."""
    label = "will be posted within a few seconds" if post_now else "skipped"
    return f"{ChatItem.decode(item).short} {label} (<@{actor}>)."
