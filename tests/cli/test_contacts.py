"""`outreach contacts import/export` and `outreach yammer login` (MSAL against the fake Entra ID)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import vobject
from cryptography.fernet import Fernet
from sqlmodel import Session, select
from typer.testing import CliRunner

from assistant.cli.commands import app
from assistant.db import create_db_engine
from assistant.models.contacts import Contact
from assistant.models.credentials import Credential
from tests.fakes.clients import clients_over
from tests.fakes.entra import FakeEntra
from tests.fakes.yammer import BASE_URL, TOKEN, FakeYammer

runner = CliRunner()
GOOD = "name,email,x_handle,visibility,tags\r\nJo Smith,jo@example.org,jo_fe,workspace,maths\r\nLi Wei,li@example.org,,team,maths\r\n"
BAD = GOOD + "Bad Row,not-an-email,,,\r\n,nobody@example.org,,,\r\n"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)


def stored(tmp_path: Path) -> list[Contact]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with Session(engine) as session:
            return list(session.exec(select(Contact)))
    finally:
        engine.dispose()


def test_import_dry_run_then_import_then_export(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text(GOOD, encoding="utf-8")
    dry = runner.invoke(
        app, ["contacts", "import", "in.csv", "--dry-run", "--team", "T0DEMO0001", "--user", "U0COMMS001"]
    )
    assert dry.exit_code == 0, dry.output
    assert "2 of 2 row(s) would be added" in dry.output and stored(tmp_path) == []
    done = runner.invoke(app, ["contacts", "import", "in.csv", "--team", "T0DEMO0001", "--user", "U0COMMS001"])
    assert done.exit_code == 0 and "Imported 2 of 2" in done.output
    out = runner.invoke(app, ["contacts", "export", "--out", "out", "--tag", "maths"])
    assert out.exit_code == 0, out.output
    csv_text = (tmp_path / "out" / "contacts-maths.csv").read_text()
    assert "Jo Smith" in csv_text and "Li Wei" not in csv_text  # Li is visible to the team only
    cards = list(vobject.readComponents((tmp_path / "out" / "contacts-maths.vcf").read_text()))
    assert [c.fn.value for c in cards] == ["Jo Smith"]
    assert runner.invoke(app, ["contacts", "export", "--out", "out2", "--user", "U0COMMS001"]).exit_code == 0
    assert "Li Wei" in (tmp_path / "out2" / "contacts.csv").read_text()


def test_a_bad_file_reports_every_row_and_imports_nothing(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text(BAD, encoding="utf-8")
    result = runner.invoke(app, ["contacts", "import", "bad.csv", "--team", "T0DEMO0001"])
    assert result.exit_code == 1
    assert "row 4: email" in result.output and "row 5: name: a name is required" in result.output
    assert "nothing was imported" in result.output
    assert stored(tmp_path) == []
    missing = runner.invoke(app, ["contacts", "import", "nope.csv"])
    assert missing.exit_code == 1 and "is not a file" in missing.output


def test_yammer_login_stores_an_encrypted_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entra, yammer = FakeEntra(access_token=TOKEN), FakeYammer()

    def route(request: httpx.Request) -> httpx.Response:
        return (entra if request.url.host == "login.microsoftonline.com" else yammer).handle(request)

    monkeypatch.setenv("ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("YAMMER_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
    monkeypatch.setenv("YAMMER_API_URL", BASE_URL)
    result = runner.invoke(app, ["yammer", "login"], obj=clients_over(route))
    assert result.exit_code == 0, result.output
    assert "ABCD-EFGH" in result.output and "Signed in to Yammer as John Smith" in result.output
    engine = create_db_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with Session(engine) as session:
        credential = session.exec(select(Credential)).one()
        assert credential.platform == "yammer" and TOKEN not in credential.access_token_encrypted
    engine.dispose()


def test_yammer_login_without_a_client_id_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.delenv("YAMMER_CLIENT_ID", raising=False)
    result = runner.invoke(app, ["yammer", "login"])
    assert result.exit_code == 1 and "YAMMER_CLIENT_ID is not set" in result.output
