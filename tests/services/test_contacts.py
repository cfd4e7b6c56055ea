"""The contact book: validation, visibility in every read, ranked search, duplicates, merge, erase, saving accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.models import AuditEntry
from assistant.models.base import utcnow
from assistant.models.contacts import Contact, ContactEvent
from assistant.services.contacts import book, dedupe, fields, from_accounts
from assistant.services.contacts.files import export_csv, export_vcards
from assistant.services.store.write import upsert_batch
from assistant.services.team.workspaces import ensure_workspace
from integrations import normalized as n


@pytest.fixture
def session(engine: Engine) -> Session:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def viewers(session: Session) -> dict[str, book.Viewer]:
    ws = ensure_workspace(session, slack_team_id="T0TEST").id or 0
    return {
        "staff": book.Viewer(ws, "U0STAFF001"),
        "teacher": book.Viewer(ws, "U0TEACH001"),
        "comms": book.Viewer(ws, "U0COMMS001", is_comms=True),
        "admin": book.Viewer(ws, "U0ADMIN001", is_admin=True),
    }


# Fields -----------------------------------------------------------------------------------------


def test_emails_and_handles_are_normalised() -> None:
    values, problems = fields.clean(
        {
            "name": "  Jo   Smith ",
            "email": "Jo.Smith@Example.ORG",
            "phone": "0161 496 0000",
            "x_handle": "@Jo_Smith",
            "mastodon_handle": "@jo@Mastodon.Social",
            "bluesky_handle": "https://bsky.app/profile/Jo.bsky.social",
            "linkedin_url": "linkedin.com/in/jo-smith/",
            "tags": "#FE, maths;  North West",
        }
    )
    assert not problems
    assert values == {
        "name": "Jo Smith",
        "email": "jo.smith@example.org",
        "phone": "+441614960000",
        "x_handle": "Jo_Smith",
        "mastodon_handle": "jo@mastodon.social",
        "bluesky_handle": "jo.bsky.social",
        "linkedin_url": "https://www.linkedin.com/in/jo-smith",
        "tags": ["fe", "maths", "north-west"],
    }


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("email", "jo@@example.org", "not a valid email"),
        ("x_handle", "this_handle_is_too_long", "1–15 letters"),
        ("x_handle", "jo-smith", "1–15 letters"),
        ("mastodon_handle", "jo", "user@instance"),
        ("bluesky_handle", "not a domain", "domain name"),
        ("linkedin_url", "https://example.org/in/jo", "LinkedIn"),
        ("phone", "12", "phone"),
        ("visibility", "everyone", "me, team, workspace"),
    ],
)
def test_bad_fields_say_what_is_wrong(name: str, value: str, says: str) -> None:
    _values, problems = fields.clean({"name": "Jo", name: value})
    assert says in problems.by_field[name]


def test_details_are_found_in_free_text() -> None:
    found = fields.find_details(
        "Ask @jo_smith. or email <mailto:Amy@Example.org|Amy@Example.org>; she is @amy@fediscience.org "
        "and @amy.bsky.social https://www.linkedin.com/in/amy-b/ — not <@U0STAFF001>"
    )
    assert found.x_handles == ["jo_smith"]
    assert found.emails == ["amy@example.org"]
    assert found.mastodon_handles == ["amy@fediscience.org"]
    assert found.bluesky_handles == ["amy.bsky.social"]
    assert found.linkedin_urls == ["https://www.linkedin.com/in/amy-b"]


# Visibility -------------------------------------------------------------------------------------


def test_a_private_contact_never_reaches_another_person(session: Session) -> None:
    v = viewers(session)
    private = book.add_contact(session, v["staff"], {"name": "Priya Private", "visibility": "me", "tags": "maths"})
    team = book.add_contact(session, v["staff"], {"name": "Tom Team", "visibility": "team", "tags": "maths"})
    shared = book.add_contact(
        session, v["staff"], {"name": "Wendy Workspace", "visibility": "workspace", "tags": "maths"}
    )
    session.commit()

    def names(viewer: book.Viewer) -> set[str]:
        return {c.name for c in book.search(session, viewer, "maths")}

    assert names(v["staff"]) == {"Priya Private", "Tom Team", "Wendy Workspace"}
    assert names(v["teacher"]) == {"Wendy Workspace"}
    assert names(v["comms"]) == {"Tom Team", "Wendy Workspace"}
    assert names(v["admin"]) == {"Tom Team", "Wendy Workspace"}
    for other in ("teacher", "comms", "admin"):
        assert private.name not in export_csv(book.list_visible(session, v[other]))
        assert private.name not in export_vcards(book.list_visible(session, v[other], tag="maths"))
        assert all(pair.other.id != private.id for pair in dedupe.duplicates(session, v[other]))
        with pytest.raises(book.NotVisible):
            book.get_visible(session, private.id or 0, v[other])
        with pytest.raises(book.NotVisible):
            book.record_share(session, v[other], private.id or 0, target="C0GENERAL1", channel="C0GENERAL1", ts="1.2")
    with pytest.raises(book.NotVisible):
        book.get_visible(session, team.id or 0, v["teacher"])
    assert book.get_visible(session, shared.id or 0, v["teacher"]).name == "Wendy Workspace"


def test_only_the_adder_comms_and_admins_edit(session: Session) -> None:
    v = viewers(session)
    contact = book.add_contact(session, v["staff"], {"name": "Wendy", "visibility": "workspace"})
    with pytest.raises(book.NotAllowed):
        book.update_contact(session, v["teacher"], contact.id or 0, {"role": "Head"})
    with pytest.raises(book.NotAllowed):
        book.erase(session, v["teacher"], contact.id or 0)
    assert book.update_contact(session, v["comms"], contact.id or 0, {"role": "Head"}).role == "Head"
    assert book.update_contact(session, v["staff"], contact.id or 0, {"organisation": "Leeds College"}).organisation


def test_adding_an_invalid_contact_stores_nothing(session: Session) -> None:
    v = viewers(session)
    with pytest.raises(book.ContactInvalid) as caught:
        book.add_contact(
            session, v["staff"], {"name": "Jo", "email": "not-an-email", "x_handle": "far_too_long_handle_x"}
        )
    assert set(caught.value.problems.by_field) == {"email", "x_handle"}
    assert session.exec(select(Contact)).all() == []


# Search -----------------------------------------------------------------------------------------


def test_search_is_ranked_over_name_organisation_tags_notes_and_handles(session: Session) -> None:
    v = viewers(session)
    add = lambda **data: book.add_contact(session, v["staff"], {"visibility": "workspace", **data})  # noqa: E731
    add(name="Ada Notes", notes="knows the maths leads in Bolton")
    add(name="Maths Person", organisation="Bolton College")
    add(name="Bea Tagged", tags="maths")
    add(name="Cy Handle", x_handle="mathsfe")
    add(name="Unrelated", organisation="Other")
    found = [c.name for c in book.search(session, v["teacher"], "maths")]
    assert found[0] == "Maths Person"
    assert set(found) == {"Ada Notes", "Maths Person", "Bea Tagged", "Cy Handle"}
    assert found.index("Bea Tagged") < found.index("Ada Notes")
    assert [c.name for c in book.search(session, v["teacher"], "maths bolton")][:2] == ["Maths Person", "Ada Notes"]


def test_no_results_come_with_suggestions(session: Session) -> None:
    v = viewers(session)
    book.add_contact(
        session,
        v["staff"],
        {"name": "Jo Smith", "organisation": "Bolton College", "tags": "maths", "visibility": "workspace"},
    )
    assert book.search(session, v["teacher"], "Boltn") == []
    assert "Bolton" in book.suggestions(session, v["teacher"], "Boltn")
    assert "maths" in book.suggestions(session, v["teacher"], "zzz")


# Duplicates and merge ---------------------------------------------------------------------------


def test_duplicates_by_email_handle_and_similar_names(session: Session) -> None:
    v = viewers(session)
    add = lambda **data: book.add_contact(session, v["comms"], {"visibility": "team", **data})  # noqa: E731
    a = add(name="Jo Smith", email="jo@example.org")
    b = add(name="Joanne Smith", email="JO@example.org")
    c = add(name="Sam Patel", organisation="Leeds College", x_handle="sam")
    d = add(name="Sam Patell", organisation="leeds college")
    add(name="Sam Other", organisation="Elsewhere", x_handle="other")
    pairs = {(p.keep.id, p.other.id): p.reason for p in dedupe.duplicates(session, v["comms"])}
    assert pairs == {
        (a.id, b.id): "same email (jo@example.org)",
        (c.id, d.id): "similar names at Leeds College",
    }


def test_merge_keeps_every_field_and_both_histories(session: Session) -> None:
    v = viewers(session)
    keep = book.add_contact(
        session, v["staff"], {"name": "Jo Smith", "email": "jo@example.org", "tags": "maths", "notes": "Met at FE week"}
    )
    other = book.add_contact(
        session,
        v["comms"],
        {
            "name": "Joanne Smith",
            "email": "j.smith@college.ac.uk",
            "x_handle": "jo_fe",
            "tags": "fe",
            "notes": "Runs #ukfechat",
            "visibility": "workspace",
        },
    )
    book.tag_contact(session, v["comms"], other.id or 0, ["north-west"])
    book.update_contact(session, v["staff"], keep.id or 0, {"role": "Maths lead"})
    other_id = other.id or 0
    merged = dedupe.merge(session, v["comms"], keep.id or 0, other_id)
    session.commit()
    assert merged.email == "jo@example.org"
    assert merged.alternates == {"email": ["j.smith@college.ac.uk"], "name": ["Joanne Smith"]}
    assert merged.x_handle == "jo_fe"
    assert merged.tags == ["maths", "fe", "north-west"]
    assert "Met at FE week" in merged.notes and "Runs #ukfechat" in merged.notes
    assert merged.visibility == "workspace"
    assert session.get(Contact, other_id) is None
    kinds = [(e.kind, e.actor) for e in book.history(session, v["comms"], merged.id or 0)]
    assert kinds == [
        ("added", "U0STAFF001"),
        ("added", "U0COMMS001"),
        ("tagged", "U0COMMS001"),
        ("edited", "U0STAFF001"),
        ("merged", "U0COMMS001"),
    ]
    assert [c.id for c in book.search(session, v["teacher"], "j.smith@college.ac.uk")] == [merged.id]


# Erase ------------------------------------------------------------------------------------------


def test_erase_removes_everything_derived_and_the_audit_keeps_only_that_it_happened(session: Session) -> None:
    v = viewers(session)
    contact = book.add_contact(
        session, v["staff"], {"name": "Erin Erase", "email": "erin@example.org", "visibility": "workspace"}
    )
    book.record_share(session, v["staff"], contact.id or 0, target="C0GENERAL1", channel="C0GENERAL1", ts="111.222")
    contact_id = contact.id or 0
    session.commit()
    erased = book.erase(session, v["admin"], contact_id)
    session.commit()
    assert erased.cards == [("C0GENERAL1", "111.222")]
    assert session.get(Contact, contact_id) is None
    assert session.exec(select(ContactEvent).where(ContactEvent.contact_id == contact_id)).all() == []
    entries = session.exec(select(AuditEntry).where(AuditEntry.record_type == "contact")).all()
    assert [e.action for e in entries] == ["contact.added", "contact.erased"]
    assert "erin" not in repr([e.detail for e in entries]).lower()


def test_admins_may_erase_a_private_contact_on_request_but_comms_may_not_see_it(session: Session) -> None:
    v = viewers(session)
    contact = book.add_contact(session, v["staff"], {"name": "Private", "visibility": "me"})
    with pytest.raises(book.NotVisible):
        book.erase(session, v["comms"], contact.id or 0)
    book.erase(session, v["admin"], contact.id or 0)


# Saving accounts --------------------------------------------------------------------------------


def test_stored_accounts_become_contacts_once(session: Session) -> None:
    v = viewers(session)
    upsert_batch(
        session,
        n.Batch(
            accounts=[
                n.NormalizedAccount(
                    "x", "1", "fe_lecturer", display_name="Fran Lecturer", bio="FE maths", location="Bolton"
                ),
                n.NormalizedAccount("mastodon", "9", "kim@mastodon.social", display_name="Kim"),
            ]
        ),
    )
    first = from_accounts.save_account_keys(
        session, v["comms"], [("x", "1"), ("mastodon", "9"), ("x", "404")], source="digest", source_ref="digest:1"
    )
    assert [c.name for c in first.added] == ["Fran Lecturer", "Kim"]
    assert first.added[0].x_handle == "fe_lecturer" and "FE maths" in first.added[0].notes
    assert first.added[1].mastodon_handle == "kim@mastodon.social"
    assert first.skipped == ["x:404: not in the store"]
    again = from_accounts.save_account_keys(session, v["comms"], [("x", "1")], source="mapping")
    assert again.added == [] and [c.name for c in again.already] == ["Fran Lecturer"]


def test_a_channel_post_lists_only_workspace_wide_contacts(session: Session) -> None:
    v = viewers(session)
    book.add_contact(session, v["staff"], {"name": "Priya Private", "visibility": "me"})
    book.add_contact(session, v["staff"], {"name": "Tom Team", "visibility": "team"})
    book.add_contact(session, v["staff"], {"name": "Wendy Workspace", "visibility": "workspace"})
    start, end = utcnow() - timedelta(days=7), utcnow() + timedelta(minutes=1)
    names = [c.name for c in book.added_between(session, book.everyone(v["staff"].workspace_id), start, end)]
    assert names == ["Wendy Workspace"]
    assert len(book.added_between(session, v["comms"], start, end)) == 2


@pytest.mark.postgres
def test_the_contact_book_on_postgresql(pg_engine: Engine) -> None:
    with Session(pg_engine, expire_on_commit=False) as session:
        v = viewers(session)
        private = book.add_contact(
            session, v["staff"], {"name": "Priya Private", "email": "p@example.org", "visibility": "me"}
        )
        keep = book.add_contact(session, v["comms"], {"name": "Jo Smith", "email": "jo@example.org", "tags": "maths"})
        other = book.add_contact(session, v["comms"], {"name": "Jo Smyth", "email": "JO@example.org", "tags": "fe"})
        session.commit()
        assert [c.name for c in book.search(session, v["teacher"], "priya")] == []
        assert [p.reason for p in dedupe.duplicates(session, v["comms"])] == ["same email (jo@example.org)"]
        merged = dedupe.merge(session, v["comms"], keep.id or 0, other.id or 0)
        session.commit()
        assert merged.tags == ["maths", "fe"] and len(book.history(session, v["comms"], keep.id or 0)) == 3
        book.erase(session, v["staff"], private.id or 0)
        session.commit()
        assert session.get(Contact, private.id) is None
