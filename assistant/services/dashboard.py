"""The App Home dashboard's content for one person: their requests, chats, and for comms the queue."""

from __future__ import annotations

from sqlmodel import Session

from assistant.models import Role, Workspace
from assistant.slack.blocks.home import HomeData, HomeSection


def dashboard(session: Session, *, workspace: Workspace, user_id: str, user_name: str, role: Role) -> HomeData:
    """Sections in the order a person reads them; each feature adds its own lines."""
    sections = [
        HomeSection("My mapping requests", [], "No requests yet. `/outreach map` asks the comms team for one."),
        HomeSection("My chats coming up", [], "No chats scheduled. `/outreach chat new` plans one."),
    ]
    if role in (Role.comms, Role.admin):
        sections.append(HomeSection("Request queue", [], "The queue is empty."))
    sections.append(HomeSection("Team accounts this week", [], "No public accounts connected yet."))
    return HomeData(user_name=user_name, role=role.value, sections=sections)
