"""The audit helper: the record is the row's table and id, the workspace the row's own unless given."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.models import AuditEntry, Member, Role
from assistant.models.mapping import MappingRequest
from assistant.services.team import audit
from assistant.services.team.workspaces import ensure_workspace


def test_an_entry_names_the_rows_table_id_and_workspace(engine: Engine) -> None:
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0AUDIT001")
        other = ensure_workspace(session, slack_team_id="T0AUDIT002")
        member = Member(workspace_id=workspace.id, slack_user_id="U1", role=Role.comms)
        request = MappingRequest(workspace_id=other.id, requester_id="U2", title="FE")
        session.add_all([member, request])
        session.flush()
        audit.log(session, "workspace.touched", workspace, actor="U1", note="own row")
        audit.log(session, "member.touched", member, actor="U1")
        audit.log(session, "mapping.touched", request, actor="U2", workspace_id=workspace.id)
        session.commit()
        entries = session.exec(select(AuditEntry).where(col(AuditEntry.action).endswith(".touched"))).all()
        found = {(e.action, e.record_type, e.record_id, e.workspace_id) for e in entries}
        assert found == {
            ("workspace.touched", "workspace", str(workspace.id), workspace.id),
            ("member.touched", "member", str(member.id), workspace.id),
            ("mapping.touched", "mapping_request", str(request.id), workspace.id),  # given beats the row's own
        }
        assert next(e.detail for e in entries if e.action == "workspace.touched") == {"note": "own row"}
