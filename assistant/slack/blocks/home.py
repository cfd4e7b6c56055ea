"""The App Home tab: the person's dashboard, rendered from the home service's plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.render.mrkdwn import escape
from assistant.services.home.dashboard import ChatLine, Dashboard, OwnedAccount, RequestLine
from assistant.slack.blocks import common, ids
from assistant.slack.blocks.cost import spend_lines, spend_title
from assistant.slack.blocks.weekly import account_line

LINES_PER_SECTION = 10


@dataclass(frozen=True, slots=True)
class HomeSection:
    """A titled list on the dashboard; `lines` are mrkdwn, outside text already escaped."""

    title: str
    lines: list[str] = field(default_factory=list)
    empty: str = "Nothing here yet."
    where: str = ""  # where the whole list is, for when the dashboard shows only the first lines

    def more(self, hidden: int) -> str:
        return f"…and {hidden} more." + (f" {self.where}" if self.where else "")


def request_line(request: RequestLine) -> str:
    return f"• *{escape(request.title)}*: {escape(request.status)}"


def queue_line(request: RequestLine) -> str:
    return (
        f"• {request.age_days} d · *{escape(request.title)}* ({escape(request.status)}) from <@{request.requester_id}>"
    )


def chat_line(chat: ChatLine) -> str:
    return f"• #{escape(chat.hashtag)} {escape(chat.title)}: {chat.start:%a %d %b %H:%M}"


def owned_account_line(account: OwnedAccount) -> str:
    how = f"with your team <!subteam^{account.group_id}>" if account.how == "team" else account.how
    status = "" if account.status == "active" else f" · token {escape(account.status)}"
    return f"• {escape(account.platform)} *{escape(account.handle)}* ({how}){status}"


def home_sections(data: Dashboard) -> list[HomeSection]:
    """The dashboard's lists in the order a person reads them, each saying where its whole list is."""
    parts = [
        HomeSection(
            "My mapping requests",
            [request_line(r) for r in data.my_requests],
            "No requests yet. `/outreach map` asks the comms team for one.",
            "`/outreach map list` shows them all.",
        ),
        HomeSection(
            "My chats coming up",
            [chat_line(c) for c in data.my_chats],
            "No chats scheduled. `/outreach chat new` plans one.",
            "`/outreach chat list` shows them all.",
        ),
    ]
    if data.queue is not None:
        parts.append(
            HomeSection(
                "Request queue",
                [queue_line(r) for r in data.queue],
                "The queue is empty.",
                "`/outreach map list` shows them all.",
            )
        )
    if data.my_accounts:
        lines = [owned_account_line(a) for a in data.my_accounts]
        parts.append(HomeSection("Accounts I own", lines, "", "`/outreach accounts` lists them all."))
    if data.x_spend is not None:
        parts.append(HomeSection(spend_title(data.x_spend), spend_lines(data.x_spend), "Nothing billed yet."))
    parts.append(
        HomeSection(
            "Team accounts this week",
            [account_line(week) for week in data.accounts_week],
            "No public accounts connected yet.",
            "`/outreach accounts` lists them all.",
        )
    )
    return parts


def quick_actions(data: Dashboard) -> list[tuple[str, str]]:
    """(label, action id) of the buttons beside Refresh."""
    quick = [("Request mapping", ids.HOME_REQUEST_MAPPING), ("Add contact", ids.HOME_ADD_CONTACT)]
    if data.can_schedule_chat:
        quick.insert(1, ("Schedule chat", ids.HOME_SCHEDULE_CHAT))
    return quick


def home_view(data: Dashboard) -> dict[str, object]:
    blocks: list[common.Block] = [
        common.header("Outreach Assistant"),
        common.section(
            f"Hello {escape(data.user_name)}. You are *{escape(data.role.value)}* in this workspace.",
            block_id=ids.HOME_HEADER,
        ),
        common.actions(
            common.button("Refresh", ids.HOME_REFRESH),
            *(common.button(label, action_id) for label, action_id in quick_actions(data)),
        ),
    ]
    for part in home_sections(data):
        blocks.append(common.divider())
        blocks.append(common.section(f"*{escape(part.title)}*"))
        if part.lines:
            blocks += common.sections(part.lines, most=LINES_PER_SECTION, more=part.more)
        else:
            blocks.append(common.context(part.empty))
    blocks.append(common.divider())
    blocks.append(common.context("Type `/outreach help` in any channel for every command."))
    return {"type": "home", "blocks": blocks[: common.MAX_BLOCKS_VIEW]}
