"""Contact files: CSV export/import round trip, the all-or-nothing import with its dry run, vCard 4.0 round trip."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
import vobject
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.models.contacts import Contact
from assistant.services.contacts import book
from assistant.services.contacts.files import export_csv, export_vcards, import_csv
from assistant.services.team.workspaces import ensure_workspace


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def viewer(session: Session) -> book.Viewer:
    return book.Viewer(ensure_workspace(session, slack_team_id="T0TEST").id or 0, "U0COMMS001", is_comms=True)


FULL = {
    "name": "Jo Smith-Jones",
    "organisation": "Bolton College; FE",
    "role": "Maths lead, North West",
    "email": "jo@example.org",
    "phone": "+44 161 496 0000",
    "x_handle": "jo_fe",
    "mastodon_handle": "jo@mastodon.social",
    "bluesky_handle": "jo.bsky.social",
    "linkedin_url": "https://www.linkedin.com/in/jo-smith",
    "tags": "maths, fe",
    "notes": "Runs #ukfechat\nThursdays 21:00 — ask about =SUM(A1) and accents: Siân",
    "visibility": "workspace",
    "consent_basis": "public_role",
}


def test_csv_round_trip(session: Session, viewer: book.Viewer) -> None:
    original = book.add_contact(session, viewer, FULL)
    exported = export_csv([original])
    assert "'=SUM" not in exported  # only cells that start with a formula character are guarded
    other_workspace = book.Viewer(
        ensure_workspace(session, slack_team_id="T0OTHER").id or 0, "U0COMMS001", is_comms=True
    )
    report = import_csv(session, other_workspace, exported, dry_run=False)
    assert report.ok and len(report.added) == 1
    copy = session.get(Contact, report.added[0])
    assert copy is not None
    assert book.fields_of(copy) == book.fields_of(original)


def test_a_formula_cell_is_guarded_and_read_back(session: Session, viewer: book.Viewer) -> None:
    contact = book.add_contact(session, viewer, {"name": '=HYPERLINK("x")', "notes": "@danger"})
    exported = export_csv([contact])
    row = next(csv.DictReader(io.StringIO(exported)))
    assert row["name"].startswith("'=") and row["notes"] == "'@danger"
    other = book.Viewer(ensure_workspace(session, slack_team_id="T0OTHER").id or 0, "U0COMMS001", is_comms=True)
    added = import_csv(session, other, exported, dry_run=False).added
    assert session.get(Contact, added[0]).name == '=HYPERLINK("x")'  # type: ignore[union-attr]


def test_dry_run_reports_every_rejected_row_and_a_bad_file_imports_nothing(
    session: Session, viewer: book.Viewer
) -> None:
    book.add_contact(session, viewer, {"name": "Already Here", "email": "here@example.org"})
    text = (
        "name,email,x_handle,visibility\r\n"
        "Good One,good@example.org,good_one,team\r\n"
        ",nobody@example.org,,\r\n"
        "Bad Email,bad@@example.org,,\r\n"
        "Bad Handle,,far_too_long_for_x_handles,\r\n"
        "Twin,here@example.org,,\r\n"
        "Again,good@example.org,,\r\n"
        "Odd Visibility,,,everyone\r\n"
        "\r\n"
        "Good Two,two@example.org,,\r\n"
    )
    before = len(session.exec(select(Contact)).all())
    report = import_csv(session, viewer, text, dry_run=True)
    assert report.rows == 8
    assert [row for row, _ in report.rejected] == [3, 4, 5, 7, 8]
    reasons = dict(report.rejected)
    assert "name" in reasons[3] and "email" in reasons[4] and "x_handle" in reasons[5]
    assert reasons[7] == "same email or handle as row 2" and "visibility" in reasons[8]
    assert report.duplicates == [(6, f"already in the book as contact #{1} (Already Here)")]
    assert report.would_add == 2
    real = import_csv(session, viewer, text, dry_run=False)
    assert real.added == [] and not real.ok
    assert len(session.exec(select(Contact)).all()) == before


def test_missing_and_unknown_columns_are_named(session: Session, viewer: book.Viewer) -> None:
    report = import_csv(session, viewer, "full name,e-mail\r\nJo,jo@example.org\r\n", dry_run=True)
    assert report.missing_columns == ["name"]
    assert report.unknown_columns == ["full name", "e-mail"]
    assert report.lines()[0].startswith("missing column(s): name")


def test_vcard_round_trip(session: Session, viewer: book.Viewer) -> None:
    a = book.add_contact(session, viewer, FULL)
    b = book.add_contact(session, viewer, {"name": "Li", "email": "li@example.org", "tags": "x"})
    text = export_vcards([a, b])
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    cards = list(vobject.readComponents(text))
    assert len(cards) == 2
    card = cards[0]
    assert card.version.value == "4.0"
    assert card.fn.value == FULL["name"]
    assert card.org.value == ["Bolton College; FE"]
    assert card.title.value == FULL["role"]
    assert card.email.value == "jo@example.org"
    assert card.tel.value == "tel:+441614960000"
    assert card.url.value == FULL["linkedin_url"]
    assert card.categories.value == ["maths", "fe"]
    assert card.note.value == FULL["notes"]
    profiles = {p.params["TYPE"][0]: (p.params["X-USER"][0], p.value) for p in card.contents["x-socialprofile"]}
    assert profiles == {
        "x": ("jo_fe", "https://x.com/jo_fe"),
        "bluesky": ("jo.bsky.social", "https://bsky.app/profile/jo.bsky.social"),
        "mastodon": ("jo@mastodon.social", "https://mastodon.social/@jo"),
    }
    assert cards[1].fn.value == "Li" and cards[1].uid.value.endswith(f":{b.id}")
