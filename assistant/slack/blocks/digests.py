"""Block Kit builders for digests: the digest message, its progress message and short replies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from assistant.models.codecs import DigestFormat, DownloadRef
from assistant.render.mrkdwn import escape, link, pack_lines, truncate
from assistant.render.wording import counted, in_words
from assistant.slack.blocks import common

SAVE_PARTICIPANTS = "digest_save_participants"  # handled by the contacts feature; value = digest id
DOWNLOAD = "digest_download"  # value = "<format>:<digest id>" (csv or json); used when there is no web link
OPEN_ARCHIVE = "digest_open_archive"  # a link button; acked so Slack shows no warning
DOWNLOAD_CSV = f"{DOWNLOAD}_csv"
DOWNLOAD_JSON = f"{DOWNLOAD}_json"
ACTION_IDS = (SAVE_PARTICIPANTS, DOWNLOAD_CSV, DOWNLOAD_JSON, OPEN_ARCHIVE)

LIST_LINES = 5  # entries per top list in the message; the archive has the rest
ANSWER_CHARS = 200
SECTION_BUDGET = common.MAX_SECTION_TEXT - 100  # room for the "and N more" line

HEADLINE_LABELS = {
    "posts": "Posts",
    "participants": "Participants",
    "new_participants": "New",
    "returning_participants": "Returning",
    "answers": "Answers",
    "via_conversation": "From threads",
    "posts_per_minute": "Posts a minute",
}


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"


def comparison_text(item: dict[str, Any]) -> str:
    """ "60 (▲ 20 on last time; average 45 over three chats)", "67 (the same as last time)" from one entry."""
    text = _number(item["value"])
    previous, average = item.get("previous"), item.get("average")
    if previous is None:
        return text
    delta = item["value"] - previous
    arrow = "▲" if delta > 0 else "▼"
    change = f"{arrow} {_number(abs(delta))} on last time" if delta else "the same as last time"
    occurrences = item.get("occurrences", 0)
    extra = f"; average {_number(average)} over {in_words(occurrences, 'chat')}" if occurrences > 1 else ""
    return f"{text} ({change}{extra})"


def _change(item: dict[str, Any]) -> str:
    """ "▲ 3 (from 9)", "the same (3)" from one comparison entry that has a previous value."""
    delta = item["value"] - item["previous"]
    arrow = "▲" if delta > 0 else "▼"
    return (
        f"{arrow} {_number(abs(delta))} (from {_number(item['previous'])})"
        if delta
        else f"the same ({_number(item['value'])})"
    )


def _local(iso: str, zone: str, fmt: str = "%a %d %b %Y %H:%M") -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)).strftime(fmt)


def cut_lines(title: str, lines: Sequence[str], total: int | None = None) -> str:
    """A titled list within one section's limit, ending with "and N more" when anything is left out."""
    hidden = 0 if total is None else max(0, total - len(lines))
    more = lambda n: f"_…and {n:,} more in the archive_"  # noqa: E731
    return pack_lines(lines, head=title, limit=SECTION_BUDGET, hidden=hidden, more=more)[0]


def _post_line(post: dict[str, Any], zone: str) -> str:
    label = escape(truncate(" ".join(post["text"].split()), ANSWER_CHARS))
    handle = escape(post["author_handle"] or post["author_id"])
    when = _local(post["created_at"], zone, "%H:%M")
    opened = f" {link(post['url'], 'open')}" if post.get("url", "").startswith("https://") else ""
    return f"• *@{handle}* {when} ({post['engagement']} engagements): {label}{opened}"


def _counted(items: Sequence[dict[str, Any]], key: str, count: str, *, at: bool = False) -> list[str]:
    prefix = "@" if at else ""
    return [
        f"• {prefix}{escape(str(item[key]))} ({item[count]:,})"
        if item.get(key)
        else f"• an unnamed account ({item[count]:,})"
        for item in items
    ]


def digest_message(
    figures: dict[str, Any],
    *,
    digest_id: int | None,
    archive_url: str | None = None,
    csv_url: str | None = None,
    json_url: str | None = None,
) -> list[common.Block]:
    """The digest as one message, always within Slack's limits (50 blocks, 3000 characters a section)."""
    zone = figures["window"]["timezone"]
    tag = escape(figures["hashtag"])
    start, end = figures["window"]["start"], figures["window"]["end"]
    volume = figures["volume"]
    top = figures["top"]
    blocks: list[common.Block] = [
        common.header(f"Digest of #{figures['hashtag']}"),
        common.context(f"{_local(start, zone)} – {_local(end, zone, '%H:%M %Z')} · times in {escape(zone)}"),
    ]
    if volume["posts"] == 0:
        blocks.append(common.section(f"No posts with #{tag} in this window, so there is nothing to digest."))
        blocks.append(_buttons(digest_id, archive_url, csv_url, json_url))
        return blocks

    comparison = figures["comparison"]
    headline = "\n".join(f"*{label}:* {comparison_text(comparison[name])}" for name, label in HEADLINE_LABELS.items())
    kinds = (
        f"{volume['originals']:,} originals, {volume['replies']:,} replies, "
        f"{volume['quotes']:,} quotes, {volume['reposts']:,} reposts"
    )
    peak = volume["peak_minute"]
    peak_text = (
        f"; busiest minute {_local(peak['at'], zone, '%H:%M')} with {counted(peak['posts'], 'post')}" if peak else ""
    )
    blocks.append(common.section(f"{headline}\n_{kinds}{peak_text}_"))
    if volume["via_conversation"]:
        blocks.append(
            common.context(
                f"{counted(volume['via_conversation'], 'post')} came from the chat's threads without the hashtag."
            )
        )
    host = figures.get("host")
    if host:
        blocks.append(common.section(_host_text(host)))
    if figures.get("moderators"):  # documents before schema version 3 do not say
        blocks.append(common.context(moderators_text(figures["moderators"])))
    blocks.append(common.divider())

    lists = [
        cut_lines(
            "*Top contributors* (posts in this chat)",
            [f"• @{escape(c['handle'])} ({c['posts']:,})" for c in top["contributors"][:LIST_LINES]],
            len(top["contributors"]),
        ),
        cut_lines(
            "*Most engaged posts*",
            [_post_line(p, zone) for p in top["engaged_posts"][:3]],
            len(top["engaged_posts"]),
        ),
    ]
    if top["urls"]:
        lists.append(
            cut_lines(
                "*Links shared*",
                [
                    f"• {escape(u['url'])} ({u['posts']:,})"
                    + ("" if u.get("expanded", True) else " _short link, destination unknown_")
                    for u in top["urls"][:LIST_LINES]
                ]
                + [
                    "_Sites:_ "
                    + ", ".join(f"{escape(d['domain'])} ({d['posts']})" for d in top["domains"][:LIST_LINES])
                ],
                len(top["urls"]) + 1,
            )
        )
    people = [
        ("*Most mentioned*", _counted(top["mentioned"][:LIST_LINES], "handle", "mentions", at=True)),
        ("*Most replied to*", _counted(top["replied_to"][:LIST_LINES], "handle", "replies", at=True)),
        ("*At the centre of the conversation*", [f"• @{escape(c['handle'])}" for c in top["central"][:LIST_LINES]]),
    ]
    lists.append("\n".join(cut_lines(title, lines) for title, lines in people if lines) or "_No mentions or replies._")
    words = [
        ("*Co-hashtags*", [f"#{escape(t['tag'])} ({t['posts']})" for t in top["co_hashtags"][:8]]),
        ("*Words*", [f"{escape(w['word'])} ({w['count']})" for w in top["words"][:10]]),
        ("*Word pairs*", [f"{escape(w['pair'])} ({w['count']})" for w in top["word_pairs"][:6]]),
    ]
    lists.append("\n".join(f"{title}: {', '.join(items)}" for title, items in words if items) or "_No words._")
    blocks.extend(common.section(text) for text in lists)

    questions = figures["questions"]
    room = common.MAX_BLOCKS_MESSAGE - len(blocks) - 4  # divider, "and N more", open conversation, buttons
    if questions:
        blocks.append(common.divider())
        for question in questions[:room]:
            blocks.append(common.section(_question_text(question, zone)))
        if len(questions) > room:
            blocks.append(common.context(f"…and {len(questions) - room} more questions in the archive."))
    blocks.append(
        common.context(f"{counted(figures['open_conversation'], 'post')} answered no question (open conversation).")
    )
    blocks.append(_buttons(digest_id, archive_url, csv_url, json_url))
    return blocks[: common.MAX_BLOCKS_MESSAGE]


def moderators_text(moderators: dict[str, Any]) -> str:
    """Which moderators the digest read the questions from, and whether the host was inferred."""
    handles = [f"@{escape(h)}" for h in moderators.get("handles") or ()]
    if not handles:
        return "No moderators given or found: answers are read from their A-tags only."
    how = {"plan": "from the chat's plan", "given": "as given"}.get(moderators.get("source", ""), "")
    how = "the host inferred from the Q1, Q2, … posts" if moderators.get("inferred") else how
    return f"Moderators: {', '.join(handles)} ({how})."


def _host_text(host: dict[str, Any]) -> str:
    handle = escape(host["handle"])
    parts = [f"*Host @{handle}:* mentioned in {host['mentions_in_chat']:,} chat posts"]
    if host.get("mentions_on_day") is not None:
        line = f"{host['mentions_on_day']:,} mentions that day"
        if host.get("baseline_mentions_per_day"):
            line += f", {host['mentions_ratio']}× the daily average of {_number(host['baseline_mentions_per_day'])}"
        if host.get("share_of_baseline_period"):
            line += f" ({host['share_of_baseline_period']:.0%} of the previous 90 days' total)"
        parts.append(line)
    if host.get("followers_gained") is not None:
        line = f"{host['followers_gained']:+,} followers that day"
        if host.get("baseline_daily_gain"):
            line += f", {host['followers_ratio']}× the daily average of {_number(host['baseline_daily_gain'])}"
        parts.append(line)
    return "; ".join(parts) + "."


def _question_text(question: dict[str, Any], zone: str) -> str:
    when = _local(question["at"], zone, "%H:%M") if question.get("at") else ""
    title = f"*Q{question['number']}* {when} {escape(truncate(' '.join(question['text'].split()), 300))}"
    title += f"\n{counted(question['answers'], 'answer')} from {counted(question['answerers'], 'person')}"
    if question["thread_replies"]:
        title += f" ({question['thread_replies']:,} in the thread)"
    if question.get("moderator_replies"):
        title += f"; {counted(question['moderator_replies'], 'moderator reply')}, not counted as answers"
    compared = question.get("comparison") or {}  # documents before schema version 2 have none
    if compared.get("answers", {}).get("previous") is not None:
        title += "\n_vs last time:_ " + ", ".join(
            f"{label} {_change(compared[name])}"
            for name, label in (("answers", "answers"), ("answerers", "people"), ("thread_replies", "in the thread"))
            if name in compared
        )
    lines = [_post_line(p, zone) for p in question["top_answers"]]
    return cut_lines(title, lines, len(lines))


def _buttons(digest_id: int | None, archive_url: str | None, csv_url: str | None, json_url: str | None) -> common.Block:
    elements: list[common.Block] = []
    if archive_url:
        elements.append({**common.button("Open archive", OPEN_ARCHIVE, style="primary"), "url": archive_url})
    formats: tuple[tuple[str, DigestFormat, str | None], ...] = (
        ("Download CSV", "csv", csv_url),
        ("Download JSON", "json", json_url),
    )
    for label, fmt, url in formats:
        if url:
            elements.append({**common.button(label, f"{DOWNLOAD}_{fmt}"), "url": url})
        elif digest_id is not None:
            elements.append(common.button(label, f"{DOWNLOAD}_{fmt}", DownloadRef(fmt, digest_id).encode()))
    if digest_id is not None:
        elements.append(common.button("Save participants as contacts", SAVE_PARTICIPANTS, str(digest_id)))
    return common.actions(*elements, block_id="digest_actions")


def progress(hashtag: str, step: str) -> list[common.Block]:
    """The progress message of an on-demand digest (updated with chat.update)."""
    return [common.section(f":hourglass_flowing_sand: Digest of #{escape(hashtag)}: {escape(step)}")]


def late_notice(hashtag: str, retry_at: datetime, zone: str) -> str:
    """Told to the channel when collection hit a rate limit."""
    when = retry_at.astimezone(ZoneInfo(zone)).strftime("%H:%M %Z")
    return f"The digest of #{escape(hashtag)} is late: the network's rate limit was reached. I'll try again at {when}."


def failure_notice(hashtag: str, start: datetime, end: datetime, zone: str, reason: str) -> str:
    """Told to the channel, once, when a digest job gave up; says how comms can make it by hand."""
    tz = ZoneInfo(zone)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    day = f"{local_start:%a} {local_start.day} {local_start:%b %Y}"
    reason = " ".join(reason.split()) or "an unknown error"
    command = f"/outreach digest #{hashtag} --from {local_start:%Y-%m-%dT%H:%M} --to {local_end:%Y-%m-%dT%H:%M}"
    return (
        f"The digest of #{escape(hashtag)} on {day} could not be made: {escape(truncate(reason, 300))}; "
        f"comms can retry with `{escape(command)}`."
    )
