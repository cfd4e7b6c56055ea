"""Messages real Slack refused, and text lost or cut without a word: each case as it was found, now fixed."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.render.mrkdwn import pack_lines, truncate
from assistant.services.contacts import book
from assistant.services.contacts.fields import find_details
from assistant.services.mapping.crawl import StrategyEstimate
from assistant.slack.blocks import chat_inputs, mapping_forms
from assistant.slack.blocks import chats as chat_blocks
from assistant.slack.blocks import contacts as blocks
from assistant.slack.blocks import mapping as mapping_blocks
from assistant.slack.blocks.home import home_view
from assistant.slack.blocks.watches import watch_list
from assistant.slack.blocks.weekly import weekly_blocks
from assistant.standins.blockkit import check_blocks, check_view
from tests.slack import builder_data as data
from tests.slack.live import mrkdwn_texts


def _actions(built: list[dict[str, Any]]) -> list[list[str]]:
    return [[e["action_id"] for e in b["elements"]] for b in built if b["type"] == "actions"]


def test_duplicates_card_gives_each_merge_button_its_own_action_id() -> None:
    pairs = [(data.contact(1), data.contact(2), "same email"), (data.contact(3), data.contact(4), "same name")]
    card = blocks.duplicates_card(pairs)
    assert check_blocks(card.blocks) == []
    assert _actions(card.blocks) == [
        ["contact_merge:1:2", "contact_merge:2:1"],
        ["contact_merge:3:4", "contact_merge:4:3"],
    ]
    assert all(blocks.MERGE_ACTIONS.match(a) for row in _actions(card.blocks) for a in row)


def test_yammer_found_buttons_have_their_own_action_ids() -> None:
    found = find_details("Try jo@example.org, @jo_fe and @amy@fediscience.org")
    built = blocks.found_buttons(found, source_ref="yammer:1")
    assert check_blocks(built) == []
    assert _actions(built) == [["contact_save_found:0", "contact_save_found:1", "contact_save_found:2"]]


def test_mapping_delivery_gives_each_schedule_button_its_own_action_id() -> None:
    slots = [data.slot("ukfechat"), data.slot("edtechchat"), data.slot("mathschat")]
    built = mapping_blocks.delivery(data.request(), data.analysis(), slots)
    assert check_blocks(built) == []
    ids = _actions(built)[-1]
    assert ids == [
        "mapping_save_accounts",
        "mapping_schedule_chat:0",
        "mapping_schedule_chat:1",
        "mapping_schedule_chat:2",
    ]
    assert all(mapping_blocks.SCHEDULE_CHAT_ACTIONS.match(a) for a in ids[1:])


def _host_element(modal: dict[str, Any]) -> dict[str, Any]:
    [block] = [b for b in modal["blocks"] if b.get("block_id") == chat_blocks.FIELD_BLOCKS["host"]]
    element: dict[str, Any] = block["element"]
    return element


def test_chat_modal_host_menu_with_many_accounts_is_a_type_ahead() -> None:
    hosts = [(str(i), f"X @account{i:03d}") for i in range(120)]
    modal = chat_blocks.chat_modal(hosts=hosts, timezone="Europe/London", channel_id="C1", values={"host": "57"})
    assert check_view(modal) == []
    host = _host_element(modal)
    assert host["type"] == "external_select" and host["action_id"] == chat_inputs.HOST_SEARCH
    assert host["initial_option"]["value"] == "57"
    found = chat_inputs.host_search_options(hosts, "account05")
    assert [o["value"] for o in found] == [str(i) for i in range(50, 60)] + ["manual"]
    assert len(chat_inputs.host_search_options(hosts, "")) == 100  # 99 accounts and "by hand"
    few = chat_blocks.chat_modal(hosts=hosts[:99], timezone="Europe/London", channel_id="C1")
    assert _host_element(few)["type"] == "static_select" and len(_host_element(few)["options"]) == 100


def test_editing_a_contact_never_cuts_its_stored_notes(engine: Engine) -> None:
    from assistant.models import Workspace

    notes = "\n\n".join(f"Met at conference {i}: " + "x" * 90 for i in range(40))  # about 4,000 characters
    with Session(engine) as session:
        workspace = Workspace(slack_team_id="T1", name="Demo")
        session.add(workspace)
        session.flush()
        stored = data.contact(None, workspace_id=workspace.id, notes=notes)  # type: ignore[arg-type]
        session.add(stored)
        session.flush()
        viewer = book.Viewer(workspace_id=workspace.id or 0, user_id="U0STAFF001", is_comms=True)
        modal = blocks.contact_modal(book.fields_of(stored), contact_id=stored.id)
        assert check_view(modal) == []
        # What Slack sends back when the person saves the form unchanged: every input with its initial value.
        state = {
            "values": {
                b["block_id"]: {
                    "value": {"type": b["element"]["type"], "value": b["element"].get("initial_value")}
                    if b["element"]["type"] == "plain_text_input"
                    else {"type": "static_select", "selected_option": b["element"]["initial_option"]}
                }
                for b in modal["blocks"]
                if b["type"] == "input"
            }
        }
        saved = book.update_contact(session, viewer, stored.id or 0, blocks.read_contact_values(state))
        assert saved.notes == notes
        said = " ".join(mrkdwn_texts(modal["blocks"]))
        assert f"{len(notes):,} characters" in said and "stay exactly as they are" in said


def _hidden(text: str) -> int:
    match = re.search(r"…and (\d+) more", text)
    return int(match.group(1)) if match else 0


def _shown(built: list[dict[str, Any]], pattern: str) -> int:
    return sum(len(re.findall(pattern, t)) for t in mrkdwn_texts(built))


def test_weekly_digest_shows_every_account_and_chat_or_says_how_many_are_not() -> None:
    built = weekly_blocks(data.weekly(accounts=40, held=30, coming=30, post="p" * 140))
    assert check_blocks(built) == []
    texts = "\n".join(mrkdwn_texts(built))
    assert _shown(built, r"\*account\d+\*") + sum(_hidden(t) for t in mrkdwn_texts(built) if "accounts" in t) == 40
    assert _shown(built, r"#held\d+ ") == 30 and _shown(built, r"#coming\d+ ") == 30
    assert "…and" not in texts  # 40 accounts and 30 chats fit in several sections: nothing is hidden


def test_weekly_digest_cut_says_exactly_how_many_and_where() -> None:
    built = weekly_blocks(data.weekly(accounts=400, post="p" * 140))
    assert check_blocks(built) == []
    shown = _shown(built, r"\*account\d+\*")
    [more] = [t for t in mrkdwn_texts(built) if "more accounts" in t]
    assert shown + _hidden(more) == 400 and "`/outreach accounts`" in more


def test_watch_list_lists_all_200_without_splitting_a_channel_link() -> None:
    built = watch_list(data.watch_lines(200))
    assert check_blocks(built) == []
    texts = list(mrkdwn_texts(built))
    assert sum(len(re.findall(r"<#C\d{8}>", t)) for t in texts) == 200
    assert all(t.count("<") == t.count(">") for t in texts)


def test_home_says_exactly_how_many_lines_are_hidden() -> None:
    view = home_view(data.dashboard(requests=46, title="Request " + "y" * 400))
    assert check_view(view) == []
    more = next(t for t in mrkdwn_texts(view["blocks"]) if "more" in t and "Request" in t)
    shown = len(re.findall(r"\*Request y+\*", more))
    assert shown + _hidden(more) == 46 and "`/outreach map list`" in more


def test_a_cut_never_splits_a_link_or_an_escape() -> None:
    text = "see <https://example.org/a|the archive> &amp; more"
    for limit in range(1, len(text)):
        cut = truncate(text, limit)
        assert len(cut) <= limit or limit == 0
        assert cut.count("<") == cut.count(">")
        assert not re.search(r"&(?!amp;|lt;|gt;)", cut)
    assert pack_lines(["a" * 10] * 5, limit=25, more=lambda n: f"…and {n} more") == ["aaaaaaaaaa\n…and 4 more"]
    assert pack_lines(["a"], hidden=5, more=lambda n: f"…and {n} more in the archive") == [
        "a\n…and 5 more in the archive"
    ]


def test_a_budget_of_a_million_shows_as_digits() -> None:
    estimate = StrategyEstimate("interactions", 500, 2.5, 15, 5000)
    modal = mapping_forms.start_modal(data.request(budget_money=1_000_000.0, budget_calls=2_000_000), [estimate])
    assert check_view(modal) == []
    values = [b["element"].get("initial_value") for b in modal["blocks"] if b["type"] == "input"]
    assert "1000000" in values and "2000000" in values


def test_sixty_questions_of_the_longest_length_fit_the_chat_forms_and_come_back_whole() -> None:
    questions = "\n".join(f"{n} | Q{n} " + "é" * 270 for n in range(1, 61))
    modal = chat_blocks.chat_modal(hosts=[], timezone="Europe/London", channel_id="C1", values={"questions": questions})
    assert check_view(modal) == []
    parts = [b for b in modal["blocks"] if b["block_id"].startswith(chat_blocks.FIELD_BLOCKS["questions"])]
    assert len(parts) == 6
    state = {
        b["block_id"]: {chat_blocks.VALUE: {"type": "plain_text_input", "value": b["element"]["initial_value"]}}
        for b in parts
    }
    assert chat_inputs.questions_from_state(state) == questions
    assert check_view(chat_blocks.questions_modal(data.run_sheet(60).series, questions)) == []


def test_the_accounts_list_names_every_account_or_says_how_many_it_does_not() -> None:
    from assistant.slack.blocks.accounts import AccountLine, accounts_list

    built = accounts_list(
        [AccountLine(i, "x", f"@acct{i}", "U1", [], "connected") for i in range(120)], can_connect=True
    )
    assert check_blocks(built) == []
    assert _shown(built, r"@acct\d+ ") == 120


def test_a_monthly_budget_of_a_million_shows_as_digits_in_settings() -> None:
    from assistant.slack.blocks.settings import SettingsForm, settings_modal

    form = SettingsForm("S1", "C1", "C2", 3, 9, "Europe/London", False, None, ("en",), [], x_monthly_budget=1e6)
    modal = settings_modal(form)
    assert check_view(modal) == []
    [budget] = [b["element"] for b in modal["blocks"] if b.get("block_id") == "x_monthly_budget"]
    assert budget["initial_value"] == "1000000"
