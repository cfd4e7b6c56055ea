"""What a watch asks X for: the team's own handles (for mentions) and the query a watch makes."""

from __future__ import annotations

from sqlmodel import Session, select

from assistant.models.accounts import AccountStatus, ConnectedAccount
from assistant.models.platforms import Platform
from assistant.models.watches import Watch


def team_handles(session: Session, watch: Watch, platform: str) -> list[str]:
    accounts = session.exec(
        select(ConnectedAccount).where(
            ConnectedAccount.workspace_id == watch.workspace_id,
            ConnectedAccount.platform == platform,
            ConnectedAccount.status == AccountStatus.active,
        )
    ).all()
    return [account.handle.lstrip("@") for account in accounts]


def x_query(session: Session, watch: Watch) -> str | None:
    if watch.kind == "hashtag":
        return f"#{watch.term}"
    if watch.kind == "account":
        return f"from:{watch.term.lstrip('@')}"
    if watch.kind == "keyword":
        return '"' + watch.term.replace('"', "") + '"'
    handles = team_handles(session, watch, Platform.x)
    return " OR ".join(f"@{handle}" for handle in handles) if handles else None
