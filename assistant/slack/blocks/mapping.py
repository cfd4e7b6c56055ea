"""Block Kit for mapping requests: the form, the queue card, status DMs, estimates, progress and the delivery."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from assistant.analysis.mapping.results import Analysis
from assistant.analysis.recurring import RecurringSlot
from assistant.models.codecs import ScheduleChatRef
from assistant.models.mapping import CrawlState, MappingRequest, MappingStatus
from assistant.render.mrkdwn import escape
from assistant.render.wording import counted
from assistant.slack.blocks import common

# ids
SHORTCUT_REQUEST = "mapping_request_shortcut"
VIEW_REQUEST = "mapping_request_modal"
VIEW_DECLINE = "mapping_decline_modal"
VIEW_ASK = "mapping_ask_modal"
VIEW_START = "mapping_start_modal"
VIEW_RERUN = "mapping_rerun_modal"
CLAIM = "mapping_claim"
ASK = "mapping_ask"
DECLINE = "mapping_decline"
START = "mapping_start"
MEASURE = "mapping_measure"
MEASURE_FOLLOWS = "mapping_sample_follows"
DELIVER = "mapping_deliver"
CANCEL = "mapping_cancel"
RERUN = "mapping_rerun_communities"
SAVE_ACCOUNTS = "mapping_save_accounts"  # handled by the contacts feature
SCHEDULE_CHAT = "mapping_schedule_chat"  # handled by the chats feature; each button's id is SCHEDULE_CHAT:n
SCHEDULE_CHAT_ACTIONS = re.compile(rf"^{SCHEDULE_CHAT}(:.*)?$")
ACTIONS = (CLAIM, ASK, DECLINE, START, DELIVER, CANCEL, RERUN)
FIELDS = ("title", "decision", "keywords", "hashtags", "seeds", "region", "language", "deadline", "watchers")

STATUS_EMOJI = {
    MappingStatus.new: ":new:",
    MappingStatus.claimed: ":raising_hand:",
    MappingStatus.mapping: ":mag:",
    MappingStatus.delivered: ":white_check_mark:",
    MappingStatus.declined: ":no_entry_sign:",
    MappingStatus.cancelled: ":x:",
}


def _summary_lines(request: MappingRequest) -> list[str]:
    lines = [f"*Policy area:* {escape(request.title)}"]
    if request.decision:
        lines.append(f"*Informs:* {escape(request.decision)}")
    if request.seeds:
        lines.append("*Seeds:* " + ", ".join(f"@{escape(s)}" for s in request.seeds))
    if request.hashtags:
        lines.append("*Hashtags:* " + " ".join(f"#{escape(h)}" for h in request.hashtags))
    if request.keywords:
        lines.append("*Keywords:* " + ", ".join(escape(k) for k in request.keywords))
    extra = [x for x in (request.region, request.language) if x]
    if extra:
        lines.append("*Region / language:* " + escape(" / ".join(extra)))
    if request.deadline:
        lines.append(f"*Deadline:* {request.deadline:%a %d %b %Y}")
    return lines


def status_line(request: MappingRequest) -> str:
    status = MappingStatus(request.status)
    text = f"{STATUS_EMOJI[status]} *{status.value.capitalize()}*"
    if request.claimed_by and status in (MappingStatus.claimed, MappingStatus.mapping, MappingStatus.delivered):
        text += f" by <@{request.claimed_by}>"
    if status is MappingStatus.declined and request.decline_reason:
        text += f": {escape(request.decline_reason)}"
    return text


def card(request: MappingRequest) -> list[common.Block]:
    """The queue card in the comms channel; its buttons follow the status (Deliver once the map is made)."""
    report_ready = request.crawl_state == CrawlState.done
    rid = str(request.id)
    status = MappingStatus(request.status)
    blocks = [
        common.header(f"Mapping request #{rid}"),
        common.section("\n".join(_summary_lines(request))),
        common.context(f"Asked by <@{request.requester_id}>", status_line(request)),
    ]
    buttons = []
    if status is MappingStatus.new:
        buttons = [
            common.button("Claim", CLAIM, rid, style="primary"),
            common.button("Ask a question", ASK, rid),
            common.button("Decline", DECLINE, rid, style="danger"),
        ]
    elif status is MappingStatus.claimed:
        buttons = [
            common.button("Start mapping", START, rid, style="primary"),
            common.button("Ask a question", ASK, rid),
            common.button("Decline", DECLINE, rid, style="danger"),
        ]
    elif status is MappingStatus.mapping:
        buttons = [common.button("Ask a question", ASK, rid)]
        if report_ready:
            buttons.insert(0, common.button("Deliver", DELIVER, rid, style="primary"))
    if report_ready and status in (MappingStatus.mapping, MappingStatus.delivered):
        buttons.append(common.button("Re-run communities", RERUN, rid))
    if buttons:
        blocks.append(common.actions(*buttons, block_id=f"mapping_card_{rid}"))
    return blocks


def status_dm(request: MappingRequest, change: str) -> list[common.Block]:
    """What the requester is told on every change."""
    blocks = [
        common.section(f"Your mapping request *#{request.id} {escape(request.title)}*: {change}"),
        common.context(status_line(request)),
    ]
    if request.status in (MappingStatus.new, MappingStatus.claimed, MappingStatus.mapping):
        blocks.append(common.actions(common.button("Cancel request", CANCEL, str(request.id), style="danger")))
    return blocks


def request_line(request: MappingRequest, *, today: date, overdue: bool) -> str:
    age = (today - request.created_at.date()).days
    flag = " :warning: *overdue*" if overdue else ""
    due = f", due {request.deadline:%d %b}" if request.deadline else ""
    return f"*#{request.id}* {escape(request.title)} — {request.status}, {age} d old{due}{flag}"


def request_list(title: str, lines: Sequence[str]) -> list[common.Block]:
    if not lines:
        return [common.section(f"*{title}*\nNothing here.")]
    blocks = [common.section(f"*{title}*")]
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == 20:
            blocks.append(common.section("\n".join(chunk)))
            chunk = []
    if chunk:
        blocks.append(common.section("\n".join(chunk)))
    return blocks[:50]


def show(request: MappingRequest) -> list[common.Block]:
    blocks = [
        common.header(f"Mapping request #{request.id}"),
        common.section("\n".join(_summary_lines(request))),
        common.context(status_line(request)),
    ]
    spend = f"{request.calls_made} calls, ${request.money_spent:,.2f} of ${request.budget_money:,.2f}"
    blocks.append(common.context(f"Crawl: {request.crawl_state} ({spend})"))
    if request.problems:
        blocks.append(common.section("*Notes*\n" + "\n".join(f"• {escape(p)}" for p in request.problems[-5:])))
    return blocks


def progress(request: MappingRequest, done: int, planned: int, note: str = "") -> list[common.Block]:
    width = 20
    filled = int(width * done / planned) if planned else 0
    bar = "█" * filled + "░" * (width - filled)
    text = f"*Mapping #{request.id}* `{bar}` {done}/{planned} steps · {request.calls_made} calls · ${request.money_spent:,.2f}"
    return [common.section(text + (f"\n{escape(note)}" if note else ""))]


def delivery(request: MappingRequest, analysis: Analysis, slots: Sequence[RecurringSlot]) -> list[common.Block]:
    """The summary: top 10 accounts and why, communities, recurring chats, top hashtags and links, buttons."""
    rid = str(request.id)
    top = "\n".join(
        f"{i}. *@{escape(m.handle)}* {escape(m.display_name)} — {escape(m.why(analysis.seeds))} "
        f"_({m.kind_guess}, a guess)_"
        for i, m in enumerate(analysis.accounts[:10], start=1)
    )
    communities = "\n".join(
        f"• *{escape(c.label)}* ({counted(c.size, 'account')}): "
        + ", ".join(f"@{escape(h)}" for h in c.top_accounts[:3])
        for c in analysis.communities[:6]
    )
    chats = "\n".join(
        f"• *#{escape(s.hashtag)}* {escape(s.describe())}: {s.typical_posts} posts, {s.typical_participants} people a session"
        + (f"; organisers {', '.join('@' + escape(o) for o in s.organisers[:3])}" if s.organisers else "")
        for s in slots[:5]
    )
    tags = ", ".join(f"#{escape(k)} ({int(v)})" for k, v in analysis.top.get("hashtags", [])[:10])
    links = "\n".join(f"• {escape(k)} ({int(v)})" for k, v in analysis.top.get("urls", [])[:5])
    blocks: list[common.Block] = [
        common.header(f"Digital map: {request.title}"),
        common.context(
            f"{counted(analysis.overall['accounts'], 'account')} · {analysis.overall['unique_edges']} links · "
            f"{len(analysis.communities)} communities · modularity {analysis.overall['modularity']:.2f}"
        ),
        common.section("*Top accounts*\n" + (top or "None found.")),
        common.section("*Communities*\n" + (communities or "None found.")),
        common.section("*Recurring chats*\n" + (chats or "No hashtag meets at the same weekly time.")),
        common.section("*Top hashtags*\n" + (tags or "None.")),
    ]
    if links:
        blocks.append(common.section("*Top links*\n" + links))
    if request.problems:
        blocks.append(common.context(*(escape(p) for p in request.problems[-3:])))
    buttons = [common.button("Save accounts as contacts", SAVE_ACCOUNTS, rid, style="primary")]
    hashtags = [s.hashtag for s in slots[:3]] or [tag for tag, _ in analysis.top.get("hashtags", [])[:1]]
    for n, tag in enumerate(hashtags):
        value = ScheduleChatRef(request.id, tag).encode()
        if len(value) <= common.MAX_BUTTON_VALUE:  # a real hashtag always fits; a value Slack refuses is never sent
            buttons.append(common.button(f"Schedule a chat on #{tag}", f"{SCHEDULE_CHAT}:{n}", value))
    blocks += [common.divider(), common.actions(*buttons, block_id=f"mapping_delivery_{rid}")]
    return blocks


# Texts of the messages about a request ------------------------------------------------------------

CHANGE_TEXT = {
    "claim": "claimed by <@{actor}>; they will be in touch.",
    "decline": "declined by <@{actor}>: {reason}",
    "start": "mapping has started (<@{actor}> approved the crawl).",
    "deliver": "delivered: the summary and files are below and in the card's thread.",
    "cancel": "cancelled by <@{actor}>.",
}
NO_COMMS_CHANNEL = " (no comms channel is set: ask an admin to run `/outreach settings`)"
REPLY_HINT = "\n_Reply in the request's thread in the comms channel, or here._"


def change_text(action: str, actor: str, reason: str = "") -> str:
    """What the requester is told of a change (`action` is one of CHANGE_TEXT's); the reason escaped."""
    return CHANGE_TEXT[action].format(actor=actor, reason=escape(reason))


def sent_text(has_channel: bool) -> str:
    return f"sent to the comms team{'' if has_channel else NO_COMMS_CHANNEL}."


def watcher_text(request: MappingRequest, requester: str) -> str:
    return f"<@{requester}> asked for a digital map: {escape(request.title)} (#{request.id})"


def question_text(request: MappingRequest, asker: str, question: str) -> str:
    """A comms member's question to the requester (the card's thread has it; the DM adds REPLY_HINT)."""
    return (
        f"<@{request.requester_id}>, a question from <@{asker}> about *{escape(request.title)}*:\n>{escape(question)}"
    )


def rerun_text(request: MappingRequest, communities: int, actor: str) -> str:
    return f"Digital map (communities re-run by <@{actor}>: {communities}): {request.title}"
