"""`outreach contacts export|import` and `outreach yammer login`: the contact book and the Yammer sign-in from a shell."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlmodel import Session, select

from assistant.cli.app import app, clients_for, console, engine_for, fail, settings_or_exit
from assistant.cli.runtime import ensure_schema, store_session
from assistant.config import ConfigError, Settings
from assistant.models import Role, Workspace
from assistant.models.base import require_id, utcnow
from assistant.services.contacts import book
from assistant.services.contacts.files import export_csv, export_vcards, import_csv
from assistant.services.team.workspaces import ensure_workspace, explicit_role
from assistant.services.yammer.auth import LoginError, device_code_login, store_login
from integrations.errors import IntegrationError

contacts_app = typer.Typer(
    help="The shared contact book: export (CSV + vCard) and import (CSV, with --dry-run).", no_args_is_help=True
)
yammer_app = typer.Typer(help="Yammer / Viva Engage: sign in with Microsoft Entra ID.", no_args_is_help=True)
app.add_typer(contacts_app, name="contacts")
app.add_typer(yammer_app, name="yammer")

TEAM_HELP = "Slack team id (T…); optional when the database holds one workspace"
USER_HELP = "Slack user id to act as: exports show what this person may see; imports are added by them"


def _workspace(session: Session, team: str | None, *, create: bool) -> Workspace:
    if team:
        found = session.exec(select(Workspace).where(Workspace.slack_team_id == team)).first()
        if found is None and create:
            return ensure_workspace(session, slack_team_id=team)
        if found is None:
            fail(f"no workspace {team} in the database; check --team")
        return found
    all_workspaces = list(session.exec(select(Workspace)))
    if len(all_workspaces) == 1:
        return all_workspaces[0]
    fail(
        "give --team T… (the Slack team id): "
        + (f"{len(all_workspaces)} workspaces are stored" if all_workspaces else "none is stored yet")
    )


def _viewer(session: Session, settings: Settings, workspace: Workspace, user: str) -> book.Viewer:
    role = explicit_role(session, workspace_id=require_id(workspace), slack_user_id=user)
    is_admin = user in settings.admin_user_ids or role is Role.admin
    return book.Viewer(require_id(workspace), user, is_comms=is_admin or role is Role.comms, is_admin=is_admin)


@contacts_app.command("export")
def export_contacts(
    out: Path = typer.Option(Path("."), "--out", help="Folder for contacts.csv and contacts.vcf"),
    tag: str | None = typer.Option(None, "--tag", help="Only contacts with this tag"),
    team: str | None = typer.Option(None, "--team", help=TEAM_HELP),
    user: str = typer.Option("cli", "--user", help=USER_HELP + " (default: only workspace-wide contacts)"),
) -> None:
    """Write the contacts a person may see as CSV and vCard 4.0."""
    settings = settings_or_exit()
    with store_session(settings) as session:
        workspace = _workspace(session, team, create=False)
        chosen = book.list_visible(session, _viewer(session, settings, workspace, user), tag=tag)
    if not chosen:
        fail(f"no contacts{' tagged ' + tag if tag else ''} visible to {user}; nothing written")
    out.mkdir(parents=True, exist_ok=True)
    stem = f"contacts-{tag}" if tag else "contacts"
    (out / f"{stem}.csv").write_text(export_csv(chosen), encoding="utf-8", newline="")
    (out / f"{stem}.vcf").write_text(export_vcards(chosen), encoding="utf-8", newline="")
    console.print(f"Exported {len(chosen)} contact(s) to {out / stem}.csv and {out / stem}.vcf")


@contacts_app.command("import")
def import_contacts(
    file: Path = typer.Argument(..., help="CSV with a header row; `name` is required (see `outreach contacts export`)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row and report; store nothing"),
    team: str | None = typer.Option(None, "--team", help=TEAM_HELP),
    user: str = typer.Option("cli", "--user", help=USER_HELP),
) -> None:
    """Import contacts from CSV: all rows or none (every rejected row is reported with its number and reason)."""
    if not file.is_file():
        fail(f"{file} is not a file")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text; save it from your spreadsheet as 'CSV UTF-8'")
    settings = settings_or_exit()
    with store_session(settings) as session:
        workspace = _workspace(session, team, create=True)
        report = import_csv(session, _viewer(session, settings, workspace, user), text, dry_run=dry_run)
        for line in report.lines():
            console.print(line, highlight=False, markup=False)
        if not report.ok:
            session.rollback()
            fail(f"{len(report.rejected) or 'the header'} problem(s) in {file}; nothing was imported", code=1)
        session.commit()
    if dry_run:
        console.print(f"Dry run: {report.would_add} of {report.rows} row(s) would be added; nothing stored.")
    else:
        console.print(f"Imported {len(report.added)} of {report.rows} row(s).")


@yammer_app.command("login")
def yammer_login(
    context: typer.Context,
    team: str | None = typer.Option(None, "--team", help="Store the token for this Slack team only"),
) -> None:
    """Sign in to Microsoft Entra ID (device code) and store the delegated Yammer token encrypted."""
    settings = settings_or_exit()
    try:
        settings.require_encryption_key()
    except ConfigError as exc:
        fail(str(exc), code=2)
    ensure_schema(settings)
    try:
        with clients_for(context, settings).http() as http:
            tokens = device_code_login(
                settings, prompt=lambda message: console.print(message, highlight=False), now=utcnow(), http_client=http
            )
            engine = engine_for(settings)
            try:
                with Session(engine) as session:
                    workspace_id = _workspace(session, team, create=True).id if team else None
                    credential = store_login(
                        session, settings, tokens, yammer_http=http, now=utcnow(), workspace_id=workspace_id
                    )
            finally:
                engine.dispose()
    except LoginError as exc:
        fail(str(exc))
    except IntegrationError as exc:
        fail(f"Yammer refused the new token: {exc}")
    console.print(f"Signed in to Yammer as {credential.handle}; the token is stored encrypted.")
