"""Block Kit for watches: one message per batch (newest last) with Save as contact and Open, and the watch list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.models.codecs import AccountRef
from assistant.models.platforms import Platform
from assistant.render.mrkdwn import escape, safe_url, truncate
from assistant.services.costs.figures import Spend
from assistant.services.watches.estimate import WatchPreview
from assistant.services.watches.manage import NotWatchStarter, WatchError
from assistant.slack.blocks.common import MAX_BLOCKS_MESSAGE, Block, actions, button, context, section, sections

SAVE_CONTACT = "watch_save_contact"
OPEN_POST = "watch_open"
ACTIONS = (SAVE_CONTACT, OPEN_POST)
NETWORK = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}
MAX_POSTS = 20
MAX_BUTTON_URL = 3000  # https://docs.slack.dev/reference/block-kit/block-elements/button-element


def watch_error(error: WatchError) -> str:
    """The refusal as mrkdwn: someone else's watch with its starter mentioned, any other as its message."""
    if isinstance(error, NotWatchStarter):
        return (
            f"Only <@{error.created_by}> (who started it) or the comms team can {error.action} watch {error.watch_id}."
        )
    return str(error)


def describe(kind: str, term: str) -> str:
    if kind == "hashtag":
        return f"#{term}"
    if kind == "account":
        return f"@{term}"
    if kind == "mentions":
        return "mentions of our accounts"
    return f"“{term}”"


def batch_blocks(watch_id: int, kind: str, term: str, posts: list[dict[str, Any]]) -> list[Block]:
    """Oldest first so the newest post sits at the bottom, next to the message box."""
    shown = posts[-MAX_POSTS:]
    blocks: list[Block] = [context(f"Watch {watch_id} · {escape(describe(kind, term))} · {len(posts)} new post(s)")]
    if len(posts) > len(shown):
        blocks.append(context(f"{len(posts) - len(shown)} older post(s) in this batch are not shown."))
    for post in shown:
        extra = ""
        if post.get("reposted_by"):
            extra += f"\n_reposted by {escape(', '.join('@' + h for h in post['reposted_by'][:5]))}_"
        if post.get("also_on"):
            extra += f"\n_also on {escape(', '.join(NETWORK.get(n, n) for n in post['also_on']))}_"
        text = escape(truncate(post["text"], 2500))
        blocks.append(
            section(
                f"*@{escape(post['author_handle'])}* on {NETWORK.get(post['platform'], post['platform'])}\n{text}{extra}"
            )
        )
        elements = [
            button(
                "Save as contact",
                SAVE_CONTACT,
                AccountRef(Platform(post["platform"]), post["author_id"]).encode()[:2000],
            )
        ]
        url = safe_url(post.get("url"))
        if url and len(url) <= MAX_BUTTON_URL:
            elements.append({**button("Open", OPEN_POST, post["id"][:2000]), "url": url})
        blocks.append(actions(*elements))
    return blocks[:MAX_BLOCKS_MESSAGE]


@dataclass(frozen=True, slots=True)
class WatchLine:
    id: int
    kind: str
    term: str
    networks: list[str]
    every_minutes: int
    paused: str | None
    channel_id: str
    cost_today: float
    cost_budget: float
    estimate_today: float | None = None  # X's count of the last 24 hours, priced at the day's first poll


def watch_list(lines: list[WatchLine]) -> list[Block]:
    if not lines:
        return [section("No watches running in this workspace. Start one: `/outreach watch #hashtag --every 15m`.")]
    rows = [
        f"*{w.id}* · {escape(describe(w.kind, w.term))} on {', '.join(NETWORK.get(n, n) for n in w.networks)}"
        f" · every {w.every_minutes} min · <#{w.channel_id}>"
        + (f" · X reads ${w.cost_today:.2f} of ${w.cost_budget:.2f} today" if Platform.x in w.networks else "")
        + (f" (about ${w.estimate_today:.2f} expected)" if w.estimate_today is not None else "")
        + (f" · paused ({w.paused})" if w.paused else "")
        for w in lines
    ]
    listed = sections(
        rows,
        head=f"*Watches* ({len(rows)})",
        chunks=MAX_BLOCKS_MESSAGE - 1,
        more=lambda n: f"…and {n} more watches not listed: stop some with `/outreach watch stop ID`.",
    )
    return [*listed, context("Stop one with `/outreach watch stop ID`.")]


def cost_preview(watch_id: int, preview: WatchPreview) -> str:
    """A new watch's X cost: today (its first page read, then the day's rest at the last 24 hours' pace), a later
    day at that pace, the rest of the month, the month's budget."""
    today, day = preview.today, preview.day

    def capped(spend: Spend) -> str:
        over = spend.dollars > preview.daily_budget
        return f"; it stops reading at its ${preview.daily_budget:,.2f} daily budget" if over else ""

    days = f"{preview.days_left} day{'s' if preview.days_left != 1 else ''}"
    return (
        f"X cost of watch {watch_id}: about ${today.dollars:,.2f} today ({today.posts:,} posts, about "
        f"{today.users:,} users: its first read, measured, then the rest of the UTC day at the last 24 hours' pace)"
        f"{capped(today)}; then about ${day.dollars:,.2f} a day at that pace ({day.posts:,} posts, about "
        f"{day.users:,} users){capped(day)}. To the end of the month ({days}, today's included): "
        f"about ${preview.to_month_end:,.2f}. {preview.month.describe()}."
    )
