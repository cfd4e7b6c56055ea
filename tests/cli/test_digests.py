"""`outreach digest`: from a file or from the database, as JSON (valid against its schema), CSV or HTML; the README
states its chat rules in two sentences."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from assistant.cli.commands import app
from assistant.render.digest_files import schema
from assistant.samples.chat_files import write_chat
from tests.twarc1_chat import write_twarc1

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("X_BEARER_TOKEN", "BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD", "DEFAULT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def chat_file(tmp_path: Path) -> Path:
    path = tmp_path / "chat.jsonl"
    with path.open("wb") as fp:
        write_chat(fp, 200, 4, weeks=2)
    return path


def _raw_posts(path: Path) -> list[dict[str, object]]:
    return [post for line in path.read_bytes().splitlines() for post in json.loads(line)["data"]]


def test_file_digest_as_json_csv_and_html(chat_file: Path, tmp_path: Path) -> None:
    raw = _raw_posts(chat_file)
    first_week = [p for p in raw if str(p["created_at"]) < "2026-03-05T22:00"]
    result = runner.invoke(
        app,
        [
            "digest",
            str(chat_file),
            "--hashtag",
            "#edchat",
            "--from",
            "2026-03-05T21:00",
            "--to",
            "2026-03-05T22:00",
            "--format",
            "json",
            "-o",
            "d.json",
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "d.json").read_text())
    jsonschema.validate(document, schema())
    assert document["volume"]["posts"] == len(first_week)

    result = runner.invoke(app, ["digest", str(chat_file), "--hashtag", "edchat", "-f", "csv", "-o", "d.csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "d.csv").read_text())))
    assert len(rows) == len(raw)  # no window: every post of the file (tagged, in a tagged thread, or a repost)
    result = runner.invoke(app, ["digest", str(chat_file), "--hashtag", "edchat", "-f", "html", "-o", "d.html"])
    assert result.exit_code == 0 and "data:image/png;base64," in (tmp_path / "d.html").read_text()


def test_database_digest_counts_returning_participants(chat_file: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["import", str(chat_file)]).exit_code == 0
    raw = _raw_posts(chat_file)
    week1 = {p["author_id"] for p in raw if str(p["created_at"]) < "2026-03-06"}
    week2 = [p for p in raw if "2026-03-12T21:00" <= str(p["created_at"]) < "2026-03-12T22:00"]
    result = runner.invoke(
        app,
        ["digest", "--hashtag", "edchat", "--from", "2026-03-12T21:00", "--to", "2026-03-12T22:00", "-o", "w2.json"],
    )
    assert result.exit_code == 0, result.output
    volume = json.loads((tmp_path / "w2.json").read_text())["volume"]
    authors = {p["author_id"] for p in week2}
    assert volume["posts"] == len(week2)
    assert volume["returning_participants"] == len(authors & week1) > 0
    assert volume["new_participants"] == len(authors - week1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["digest", "missing.jsonl", "--hashtag", "x"], "no such file"),
        (["digest", "--hashtag", "x"], "needs --from"),
        (["digest", "--hashtag", "x", "--from", "soon"], "can't read the time"),
        (["digest", "--hashtag", "two words", "--from", "2026-03-05"], "not a hashtag"),
        (["digest", "--hashtag", "x", "--from", "2026-03-05", "-f", "pdf"], "unknown format"),
    ],
)
def test_bad_input_is_one_clear_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and message in result.output


def test_an_output_that_cannot_be_written_is_one_clear_line(chat_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "d.html"
    result = runner.invoke(app, ["digest", str(chat_file), "--hashtag", "edchat", "-f", "html", "-o", str(target)])
    assert result.exit_code == 2 and "can't write" in result.output and "No such file or directory" in result.output
    assert not target.parent.exists()


@pytest.mark.parametrize("path", ["file", "database"])
def test_a_twarc1_chat_is_digested_from_the_file_or_once_imported(tmp_path: Path, path: str) -> None:
    archive = write_twarc1(tmp_path / "chat.jsonl")
    window = ["--from", "2026-03-12T21:00", "--to", "2026-03-12T22:00", "--tz", "UTC"]
    if path == "database":  # v1.1 names only a reply's parent: the import gives bob's reply its thread's root
        assert runner.invoke(app, ["import", str(archive)]).exit_code == 0
    result = runner.invoke(
        app, ["digest", *([str(archive)] if path == "file" else []), "--hashtag", "#edchat", *window]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    # chat posts: intro 9001, Q1 9002, A1 9003, bob's untagged reply 9004, Q2 9005, A2 9006, dee's retweet 9007;
    # out's 9008 has neither the tag nor a chat parent
    assert figures["volume"]["posts"] == 7
    assert figures["volume"]["participants"] == 5  # hosty, ann, bob, cy, dee
    assert figures["volume"]["reposts"] == 1
    assert figures["moderators"]["handles"] == ["hosty"] and figures["moderators"]["inferred"] is True
    q1, q2 = figures["questions"]
    # Q1: ann's tagged A1 and bob's untagged reply under it (its nearest question is Q1)
    assert (q1["number"], q1["post_id"], q1["answers"], q1["answerers"]) == (1, "9002", 2, 2)
    assert (q1["thread_replies"], q1["moderator_replies"]) == (1, 0)
    assert q1["text"] == "Q1 Which tools <3 do you use? #edchat"  # unescaped once
    assert (q2["number"], q2["post_id"], q2["answers"], q2["answerers"]) == (2, "9005", 1, 1)
    assert (q2["thread_replies"], q2["moderator_replies"]) == (0, 0)
    assert figures["open_conversation"] == 1  # the intro
    assert figures["intro"]["post_id"] == "9001"
    assert figures["top"]["urls"] == [{"url": "https://example.org/pens", "posts": 1, "expanded": True}]
    assert figures["top"]["domains"] == [{"domain": "example.org", "posts": 1}]  # never t.co
    assert not {"lt", "gt", "amp"} & {w["word"] for w in figures["top"]["words"]}


def test_the_readme_states_the_chat_rules_in_two_sentences() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    (row,) = [line for line in readme.splitlines() if line.startswith("| `/outreach digest")]
    rules = row[row.index("A chat is") :].rstrip(" |")
    sentences = re.split(r"(?<=[a-z)])\. (?=[A-Z])", rules)
    assert [s.split()[:3] for s in sentences] == [["A", "chat", "is"], ["An", "answer", "is"]]
    # the rules of the schema (digest-3.schema.json), each named: chat posts, moderators, questions, answers,
    # intro and moderator replies, the outside parent, text, handles and links
    for rule in (
        "by reply parent",
        "reposts",
        "`context_posts`",
        "never counted",
        "`--moderator`",
        "inferred",
        "recorded",
        "A-tagged",
        "nearest question above it",
        "moderators' replies and replies under the intro are counted apart",
        "unescaped once",
        "by handle",
        "shorteners never as sites",
    ):
        assert rule in rules
