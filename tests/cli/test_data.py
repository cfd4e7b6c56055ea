"""Data commands: import with a summary, re-import changes nothing, export CSV / twarc2, fetch refusals, sample-chat."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import orjson
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from assistant.cli.commands import app
from assistant.db import create_db_engine
from assistant.samples.chat import generate_chat
from assistant.samples.chat_files import write_chat, write_newest_first
from tests.fakes.clients import clients_over
from tests.integrations.bluesky.fake import HANDLE as BLUESKY_HANDLE
from tests.integrations.bluesky.fake import PASSWORD as BLUESKY_PASSWORD
from tests.integrations.bluesky.fake import FakeBluesky
from tests.integrations.bluesky.lexicon import check_output, check_params
from tests.integrations.mastodon.replay import Replay, load_exchanges
from tests.integrations.mastodon.threads import outside_thread

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "X_BEARER_TOKEN",
        "BLUESKY_HANDLE",
        "BLUESKY_APP_PASSWORD",
        "BLUESKY_API_URL",
        "MASTODON_BASE_URL",
        "MASTODON_ACCESS_TOKEN",
        "DEFAULT_TIMEZONE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)  # no stray .env file


@pytest.fixture
def chat_file(tmp_path: Path) -> Path:
    path = tmp_path / "chat.jsonl"
    with path.open("wb") as fp:
        write_chat(fp, 300, 7, weeks=2)
    return path


def store_state(tmp_path: Path) -> tuple[dict[str, int], str]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    digest = hashlib.sha256()
    counts = {}
    try:
        with engine.connect() as connection:
            for table in ("post", "post_hashtag", "account", "follow_edge"):
                rows = connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1, 2, 3")).all()
                counts[table] = len(rows)
                for row in rows:
                    digest.update(repr(tuple(row)).encode())
    finally:
        engine.dispose()
    return counts, digest.hexdigest()


def test_import_prints_a_summary_and_stores_every_post(chat_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(chat_file)])
    assert result.exit_code == 0, result.output
    assert "Imported" in result.output
    assert "600" in result.output  # posts, new
    counts, _ = store_state(tmp_path)
    assert counts["post"] == 600
    assert counts["account"] > 50


def test_importing_the_same_file_twice_changes_nothing(chat_file: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["import", str(chat_file)]).exit_code == 0
    before = store_state(tmp_path)
    again = runner.invoke(app, ["import", "--format", "twarc2", str(chat_file)])
    assert again.exit_code == 0, again.output
    assert store_state(tmp_path) == before


def test_bad_lines_are_skipped_and_reported_with_line_numbers(chat_file: Path, tmp_path: Path) -> None:
    lines = chat_file.read_bytes().splitlines(keepends=True)
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(lines[0] + lines[1][:200] + b"\n" + lines[2])
    result = runner.invoke(app, ["import", str(broken)])
    assert result.exit_code == 0, result.output
    assert "broken.jsonl:2" in result.output
    assert store_state(tmp_path)[0]["post"] == 200


def test_a_truncated_last_line_is_skipped_and_the_accounts_before_it_are_stored(
    chat_file: Path, tmp_path: Path
) -> None:
    lines = chat_file.read_bytes().splitlines(keepends=True)
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(lines[0] + lines[1] + lines[2][:200] + b"\n")
    result = runner.invoke(app, ["import", "--no-parallel", str(broken)])
    assert result.exit_code == 0, result.output
    assert "broken.jsonl:3" in result.output
    skipped = next(line for line in result.output.splitlines() if "lines skipped" in line)
    assert skipped.split("lines skipped")[1].split()[1] == "1"  # the account window it carried is no data of its own
    authors = {user["id"] for line in lines[:2] for user in orjson.loads(line)["includes"]["users"]}
    counts, _ = store_state(tmp_path)
    assert (counts["post"], counts["account"]) == (200, len(authors))


def test_missing_file_exits_non_zero_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "nope.jsonl: no such file" in result.output


def test_unknown_format_exits_non_zero(chat_file: Path) -> None:
    result = runner.invoke(app, ["import", "--format", "csv", str(chat_file)])
    assert result.exit_code == 2
    assert "unknown format 'csv'" in result.output


def test_undetectable_file_exits_non_zero(tmp_path: Path) -> None:
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"hello": "world"}\n')
    result = runner.invoke(app, ["import", str(odd)])
    assert result.exit_code == 2
    assert "--format" in result.output


def test_export_csv_has_one_row_per_post(chat_file: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["import", str(chat_file)]).exit_code == 0
    out = tmp_path / "posts.csv"
    result = runner.invoke(app, ["export", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as fp:
        rows = list(csv.DictReader(fp))
    assert len(rows) == 600
    assert len({row["id"] for row in rows}) == 600
    assert {"text", "author_handle", "conversation_id", "likes", "hashtags"} <= set(rows[0])
    answers = [row for row in rows if row["text"].startswith("'@")]
    assert answers, "texts a spreadsheet would run as formulas are guarded"


def test_export_csv_filters_by_hashtag_and_time(chat_file: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["import", str(chat_file)]).exit_code == 0
    out = tmp_path / "week1.csv"
    args = [
        "export",
        "-f",
        "csv",
        "--hashtag",
        "#EdChat",
        "--since",
        "2026-03-05",
        "--until",
        "2026-03-06",
        "-o",
        str(out),
    ]
    assert runner.invoke(app, args).exit_code == 0
    with out.open(newline="", encoding="utf-8") as fp:
        rows = list(csv.DictReader(fp))
    assert 0 < len(rows) < 300
    assert all("edchat" in row["hashtags"].split() for row in rows)
    assert all(row["created_at"].startswith("2026-03-05") for row in rows)


POST_COLUMNS = (
    "platform, id, author_id, author_handle, created_at, text, lang, kind, reply_to_post_id, reply_to_user_id,"
    " conversation_id, quoted_post_id, reposted_post_id, hashtags, mentions, urls, likes, reposts, replies, quotes"
)


def stored_posts(tmp_path: Path) -> list[tuple[object, ...]]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(f"SELECT {POST_COLUMNS} FROM post ORDER BY id"))]
    finally:
        engine.dispose()


def test_export_twarc2_then_reimport_gives_the_same_posts(chat_file: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["import", str(chat_file)]).exit_code == 0
    before = stored_posts(tmp_path)
    out = tmp_path / "export.jsonl"
    assert runner.invoke(app, ["export", "-o", str(out)]).exit_code == 0
    for name in ("cli.db", "cli.db-wal", "cli.db-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    result = runner.invoke(app, ["import", str(out)])
    assert result.exit_code == 0, result.output
    after = stored_posts(tmp_path)
    assert len(after) == 600
    assert after == before


def test_fetch_without_credentials_exits_2_with_one_line() -> None:
    x = runner.invoke(app, ["fetch", "x", "#edchat"])
    assert x.exit_code == 2
    assert "X_BEARER_TOKEN is not set" in x.output
    bluesky = runner.invoke(app, ["fetch", "bluesky", "edchat"])
    assert bluesky.exit_code == 2
    assert "BLUESKY_HANDLE is not set" in bluesky.output
    unknown = runner.invoke(app, ["fetch", "myspace", "edchat"])
    assert unknown.exit_code == 2


def test_sample_chat_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for path in (a, b):
        result = runner.invoke(app, ["sample-chat", "--posts", "200", "--seed", "5", "--weeks", "2", "-o", str(path)])
        assert result.exit_code == 0, result.output
    assert a.read_bytes() == b.read_bytes()
    assert len(a.read_bytes().splitlines()) == 4  # 2 weeks x 200 posts, 100 a page


def test_sample_chat_newest_first_is_the_same_chat_in_real_archives_order(tmp_path: Path) -> None:
    tidy, real = tmp_path / "tidy.jsonl", tmp_path / "real.jsonl"
    args = ["sample-chat", "--posts", "250", "--seed", "5"]
    assert runner.invoke(app, [*args, "-o", str(tidy)]).exit_code == 0
    result = runner.invoke(app, [*args, "--newest-first", "-o", str(real)])
    assert result.exit_code == 0, result.output
    assert "wrote 250 posts" in result.output
    turned = io.BytesIO()
    with tidy.open("rb") as source:
        write_newest_first(source, turned)
    assert real.read_bytes() == turned.getvalue()
    ids = [int(post["id"]) for line in real.read_bytes().splitlines() for post in orjson.loads(line)["data"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 250


def _x_pages() -> list[dict[str, object]]:
    pages = list(generate_chat(250, 3))
    for number, page in enumerate(pages):
        meta = page["meta"]
        assert isinstance(meta, dict)
        if number == len(pages) - 1:
            meta.pop("next_token", None)
        else:
            meta["next_token"] = f"page{number + 1}"
    return pages


def test_fetch_x_pages_through_search_and_stores_up_to_the_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pages = _x_pages()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.url.path == "/2/tweets/search/recent"
        assert request.headers["authorization"] == "Bearer test-token"
        token = request.url.params.get("next_token")
        return httpx.Response(200, json=pages[int(token[4:]) if token else 0])

    monkeypatch.setenv("X_BEARER_TOKEN", "test-token")
    result = runner.invoke(
        app, ["fetch", "x", "#edchat", "--since", "2026-03-05T20:00", "--limit", "150"], obj=clients_over(handler)
    )
    assert result.exit_code == 0, result.output
    assert len(seen) == 2
    assert seen[0].url.params["start_time"] == "2026-03-05T20:00:00Z"
    assert store_state(tmp_path)[0]["post"] == 150
    engine = create_db_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with engine.connect() as connection:
            captured = connection.execute(sa.text("SELECT count(metrics_captured_at) FROM post")).scalar_one()
    finally:
        engine.dispose()
    assert captured == 150  # fetched counts carry their capture time


def test_fetch_reports_a_rate_limit_and_keeps_what_was_fetched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pages = _x_pages()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("next_token"):
            return httpx.Response(
                429, headers={"x-rate-limit-reset": "4102444800"}, json={"title": "Too Many Requests"}
            )
        return httpx.Response(200, json=pages[0])

    monkeypatch.setenv("X_BEARER_TOKEN", "test-token")
    result = runner.invoke(app, ["fetch", "x", "#edchat"], obj=clients_over(handler))
    assert result.exit_code == 1
    assert "rate limit" in result.output
    assert store_state(tmp_path)[0]["post"] == 100


def stored_sources(tmp_path: Path) -> dict[str, int]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT platform, source, count(*) FROM post GROUP BY 1, 2")).all()
    finally:
        engine.dispose()
    return {f"{platform}/{source}": count for platform, source, count in rows}


def test_fetch_mastodon_stores_the_recorded_hashtag_timeline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    exchanges = load_exchanges("Mastodon.py_test_hashtag_tl.decoded.json")
    replay = Replay(exchanges, ignore=frozenset({"limit"}))
    monkeypatch.setenv("MASTODON_BASE_URL", "http://localhost:3000")
    result = runner.invoke(app, ["fetch", "mastodon", "#hoot"], obj=clients_over(replay))
    assert result.exit_code == 0, result.output
    assert replay.requests[0].url.path == "/api/v1/timelines/tag/hoot"
    assert "Fetched from mastodon" in result.output
    assert "http://localhost:3000 knows of" in " ".join(result.output.split())
    assert stored_sources(tmp_path) == {"mastodon/mastodon": 1}
    engine = create_db_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with engine.connect() as connection:
            text, tags = connection.execute(sa.text("SELECT text, hashtags FROM post")).one()
            handles = connection.execute(sa.text("SELECT handle FROM account")).scalars().all()
    finally:
        engine.dispose()
    assert text == "#hoot (hashtag toot)" and "hoot" in tags
    assert handles == ["mastodonpy_test_2"]


def test_fetch_mastodon_follows_link_pages_to_the_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The recorded account-status pages, served as the hashtag timeline: the first page answers the tag's URL,
    # and its recorded Link rel="next" leads the client on through the recording.
    exchanges = load_exchanges("Mastodon.py_test_fetch_next_previous.decoded.json")
    replay = Replay(exchanges)
    first = next(ex for ex in exchanges if ex["request"]["uri"].endswith("/statuses?limit=5"))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/timelines/tag/hoot":
            assert request.url.params["limit"] == "40"
            request = httpx.Request("GET", first["request"]["uri"])
        return replay(request)

    monkeypatch.setenv("MASTODON_BASE_URL", "http://localhost:3000")
    result = runner.invoke(app, ["fetch", "mastodon", "hoot", "--limit", "8"], obj=clients_over(handler))
    assert result.exit_code == 0, result.output
    assert len(replay.requests) == 2  # the second page reached the limit
    assert stored_sources(tmp_path) == {"mastodon/mastodon": 8}
    assert "8" in result.output


def test_fetch_mastodon_follows_a_chats_threads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # tests/integrations/mastodon/threads.py: 3 tagged statuses on the timeline; the contexts of the reply to an
    # outside status and of the intro bring in 2 untagged replies and the outside status (never its other reply)
    chat = outside_thread()
    asked: list[str] = []
    monkeypatch.setenv("MASTODON_BASE_URL", "http://localhost:3000")
    result = runner.invoke(app, ["fetch", "mastodon", "#hoot"], obj=clients_over(chat.server(asked)))
    assert result.exit_code == 0, result.output
    assert asked == [chat.on_outside["id"], chat.intro["id"]]
    assert sum(stored_sources(tmp_path).values()) == 6
    assert "Fetched from mastodon" in result.output


def test_fetch_bluesky_signs_in_pages_through_search_and_stores_every_post(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = FakeBluesky()
    monkeypatch.setenv("BLUESKY_HANDLE", BLUESKY_HANDLE)
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", BLUESKY_PASSWORD)
    result = runner.invoke(
        app, ["fetch", "bluesky", "tidytuesday", "--since", "2020-01-01T00:00Z"], obj=clients_over(fake)
    )
    assert result.exit_code == 0, result.output
    assert fake.sessions == 1
    searches = [r for r in fake.requests if r.url.path.endswith("app.bsky.feed.searchPosts")]
    total = len(fake.views)
    assert len(searches) == -(-total // 100)
    for request in searches:
        check_params("app.bsky.feed.searchPosts", parse_qs(request.url.query.decode()))
    assert parse_qs(searches[0].url.query.decode())["since"] == ["2020-01-01T00:00:00.000Z"]
    assert sum(check_output("app.bsky.feed.searchPosts", body) for _, body in fake.responses) >= total
    assert "Fetched from bluesky" in result.output
    assert f"{total:,}" in result.output  # posts, new
    assert stored_sources(tmp_path) == {"bluesky/bluesky": total}
    again = runner.invoke(app, ["fetch", "bluesky", "tidytuesday", "--limit", "150"], obj=clients_over(fake))
    assert again.exit_code == 0, again.output
    assert stored_sources(tmp_path) == {"bluesky/bluesky": total}  # seen before: updated, not duplicated


def test_fetch_bluesky_with_a_wrong_password_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = FakeBluesky()
    monkeypatch.setenv("BLUESKY_HANDLE", BLUESKY_HANDLE)
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", "wrong-pass-word-here")
    result = runner.invoke(app, ["fetch", "bluesky", "tidytuesday"], obj=clients_over(fake))
    assert result.exit_code == 1
    assert "refused the login" in " ".join(result.output.split())
    assert stored_sources(tmp_path) == {}


def test_import_in_one_process_or_two_stores_the_same(chat_file: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["import", "--no-parallel", str(chat_file)]).exit_code == 0
    one, one_posts = store_state(tmp_path), stored_posts(tmp_path)
    for name in ("cli.db", "cli.db-wal", "cli.db-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    result = runner.invoke(app, ["import", "--parallel", str(chat_file)])
    assert result.exit_code == 0, result.output
    assert store_state(tmp_path)[0] == one[0]
    assert stored_posts(tmp_path) == one_posts
    engine = create_db_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with engine.connect() as connection:
            captured = connection.execute(sa.text("SELECT count(*) FROM post WHERE metrics_captured_at IS NULL"))
            assert captured.scalar_one() == 0  # the pages' __twarc.retrieved_at
    finally:
        engine.dispose()
