"""Plain data for driving the Block Kit builders: contacts, mapping results, weekly figures, watches, home lines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from assistant.analysis.mapping.results import AccountMetrics, Analysis, Community
from assistant.analysis.recurring import RecurringSlot
from assistant.models import Role
from assistant.models.chats import ChatOccurrence, ChatSeries
from assistant.models.contacts import Contact
from assistant.models.mapping import MappingRequest
from assistant.services.chats.signoff import RunSheet, SheetItem
from assistant.services.home.dashboard import Dashboard, RequestLine
from assistant.services.weekly.digest import AccountWeek, ChatComing, ChatHeld, ChatsWeek, RequestsWeek, WeeklyData
from assistant.slack.blocks.watches import WatchLine

START = datetime(2026, 11, 30, 9, tzinfo=UTC)


def contact(number: int = 1, **fields: object) -> Contact:
    values: dict[str, object] = dict(
        id=number,
        workspace_id=1,
        added_by="U0STAFF001",
        name=f"Person {number}",
        organisation="Bolton College",
        email="jo@example.org",
        x_handle="jo_fe",
        mastodon_handle="jo@mastodon.social",
        tags=["maths"],
        created_at=START,
        updated_at=START,
    )
    values.update(fields)
    return Contact(**values)


def request(**fields: object) -> MappingRequest:
    values: dict[str, object] = dict(id=7, workspace_id=1, requester_id="U0STAFF001", title="FE maths")
    values.update(fields)
    return MappingRequest(**values)


def account(i: int, *, name: str = "") -> AccountMetrics:
    return AccountMetrics(
        id=str(i),
        handle=f"acct{i}",
        display_name=name or f"Account {i}",
        followers=100 + i,
        posts=i % 7,
        seed_in_degree=i % 3,
        in_degree=i,
        out_degree=1,
        pagerank=1 / (i + 1),
        betweenness=0.0,
        community=i % 5,
        kind_guess="person",
        is_seed=False,
    )


def analysis(accounts: int = 10, communities: int = 5, *, name: str = "", tags: int = 10) -> Analysis:
    return Analysis(
        accounts=[account(i, name=name) for i in range(accounts)],
        communities=[
            Community(i, 10, name or f"community {i}", ["w"], ["#t"], [f"acct{j}" for j in range(3)])
            for i in range(communities)
        ],
        overall={"accounts": accounts, "unique_edges": accounts * 2, "modularity": 0.4},
        top={"hashtags": [(name or f"tag{i}", 10.0) for i in range(tags)], "urls": [("https://x.example/a", 3.0)]},
        community_top={},
        bridges=[],
        seeds=3,
        betweenness_exact=True,
        resolution=1.0,
    )


def slot(tag: str) -> RecurringSlot:
    return RecurringSlot(tag, 3, time(21), time(22), "Europe/London", 6, 8, 120, 40, ["host"])


def weekly(
    *, accounts: int = 3, held: int = 2, coming: int = 2, contacts: int = 3, name: str = "", post: str = ""
) -> WeeklyData:
    return WeeklyData(
        team=name or "Comms",
        start=START - timedelta(days=7),
        end=START,
        timezone="Europe/London",
        requests=RequestsWeek(2, {"new": 1}, 0, 1),
        chats=ChatsWeek(
            held=[ChatHeld(name or f"held{i}", name or "t", START, 40, 12, None) for i in range(held)],
            coming=[
                ChatComing(name or f"coming{i}", name or "t", START + timedelta(days=2), 6, 2, i % 2 == 0)
                for i in range(coming)
            ],
        ),
        accounts=[
            AccountWeek(
                "x",
                name or f"account{i}",
                1000 + i,
                5,
                6,
                7,
                30,
                -2,
                best_post=post or "A good week",
                best_engagement=9,
            )
            for i in range(accounts)
        ],
        contacts=[name or f"Contact {i}" for i in range(contacts)],
    )


def dashboard(name: str = "Jo", *, requests: int = 3, title: str = "") -> Dashboard:
    lines = [RequestLine(title or f"Request {i}", "claimed", "U0STAFF001", i) for i in range(requests)]
    return Dashboard(user_name=name, role=Role.comms, my_requests=lines, queue=lines)


def watch_lines(count: int, *, term: str = "ukfechat") -> list[WatchLine]:
    return [WatchLine(i, "hashtag", term, ["x", "mastodon"], 15, None, f"C{i:08d}", 0.5, 2.0) for i in range(count)]


def run_sheet(
    questions: int = 20, *, title: str = "Thursday chat", text: str = "", hashtag: str = "ukfechat"
) -> RunSheet:
    series = ChatSeries(
        id=7,
        workspace_id=1,
        hashtag=hashtag,
        title=title,
        timezone="Europe/London",
        start_date=date(2026, 12, 3),
        start_time=time(21, 0),
        channel_id="C1",
        created_by="U1",
        requires_approval=True,
    )
    start = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
    occurrence = ChatOccurrence(id=3, series_id=7, start_at=start, end_at=start + timedelta(hours=1))
    items = [SheetItem("intro", "Intro", 0, f"Welcome {text or '<@U0STAFF001>'}", 0.015, False, True, "Welcome")]
    items += [
        SheetItem(f"question:{n}", f"Q{n}", 2 * n, f"Q{n} {text or 'ä' * 270} #{hashtag}", 0.015, False, n % 2 == 0)
        for n in range(1, questions + 1)
    ]
    return RunSheet(series, occurrence, items, 0.3, "x @council", "digest requested at 22:15")
