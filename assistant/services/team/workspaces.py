"""Workspaces and members: find or create the team's row, read and set roles."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from assistant.models import Member, Role, Workspace
from assistant.models.base import utcnow
from assistant.services.team import audit


def ensure_workspace(
    session: Session, *, slack_team_id: str, name: str = "", timezone: str = "Europe/London"
) -> Workspace:
    """The workspace row for a Slack team, created on first contact (safe under concurrent first requests)."""
    found = session.exec(select(Workspace).where(Workspace.slack_team_id == slack_team_id)).first()
    if found is not None:
        return found
    workspace = Workspace(slack_team_id=slack_team_id, name=name, timezone=timezone)
    try:
        with session.begin_nested():
            session.add(workspace)
            session.flush()
    except IntegrityError:
        found = session.exec(select(Workspace).where(Workspace.slack_team_id == slack_team_id)).first()
        assert found is not None
        return found
    audit.log(session, "workspace.created", workspace, actor="system")
    return workspace


def explicit_role(session: Session, *, workspace_id: int, slack_user_id: str) -> Role | None:
    member = session.exec(
        select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id == slack_user_id)
    ).first()
    return Role(member.role) if member else None


def set_role(session: Session, *, workspace_id: int, slack_user_id: str, role: Role, actor: str) -> Member:
    """Give a user an explicit role, audited."""
    member = session.exec(
        select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id == slack_user_id)
    ).first()
    before = member.role if member else None
    if member is None:
        member = Member(workspace_id=workspace_id, slack_user_id=slack_user_id, role=role)
    else:
        member.role = role
    session.add(member)
    session.flush()
    workspace = session.get(Workspace, workspace_id)
    if workspace is not None:
        workspace.updated_at = utcnow()
    audit.log(
        session,
        "member.role_set",
        member,
        actor=actor,
        user=slack_user_id,
        before=str(before) if before else None,
        after=str(role),
    )
    return member
