"""Fast import of twarc2 archives: X API v2 pages straight to store rows in one pass, no normalized objects.

The normalized path (`integrations.twarc.parse_twarc_line` -> NormalizedPost / NormalizedAccount ->
`store.write.upsert_batch`) is the reference; it spent most of an import building objects that were turned into
rows and dropped. Here a page's posts and users become `store.rows.Rows` directly, field for field as
`integrations.x.parse.parse_page` and `store.rows.post_row` / `store.rows.account_row` make them. Only plain post
pages take this path: any other line (flattened posts, user pages, counts, compliance events, error lines),
and any page it cannot read, goes through the reference, so odd shapes and their error messages keep one
implementation. tests/services/ingest/test_twarc_rows.py asserts that both paths store identical tables for
every real twarc2 archive in ../shared/fixtures.

Page lines are decoded straight into typed structs of the fields stored (`integrations.x.structs`, by msgspec)
and made into rows by `struct_rows`: a third less work than decoding whole pages into dicts (2.4 against 3.4 s
of CPU for the 100k-post sample chat on the 2-core machine). Lines of any other shape, and every line when raw
payloads are kept, are decoded as dicts and go through `PageRows.page` (or the reference); both give the same
rows (tests/services/ingest/test_struct_rows.py).

Accounts gather in a window (`store.memo.AccountWindow`, up to ACCOUNT_WINDOW_ROWS distinct accounts) that is
handed on with the line that fills it and with the file's last line: a chat's regulars come on every page,
and a user object identical to the one that made the account's latest row (the same hash of its serialized
JSON, 64 bits as `store.memo.AccountMemo`'s fingerprints; a BLAKE2 digest cost three times the serializing;
for a decoded struct, an equal struct) only moves that row's capture time on, without building the row again. Timestamps
in X's own form become SQLite's stored text by slicing (`RowEncoder.x_time`). `ingest.parallel`
runs this reader in a forked second process (`outreach import --parallel`, the default for large files
while a CPU is idle), so that reading and building rows overlap the database's writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from assistant.models.base import utcnow
from assistant.services.ingest.struct_rows import struct_page_rows
from assistant.services.ingest.x_rows import ORIGINAL, add_post
from assistant.services.store.memo import AccountWindow
from assistant.services.store.rows import RowEncoder, Rows, rows_from_batch
from integrations.jsonl import RECORD_ERRORS, Source, iter_json_lines, record_problem
from integrations.twarc import parse_twarc_line, retrieved_at
from integrations.x.parse import page_problems, public_metrics, references, text_and_entities
from integrations.x.structs import Page, decode_page

_dumps = orjson.dumps
ACCOUNT_WINDOW_ROWS = 25_000  # distinct account rows gathered before they are handed on (about 20 MB at most)


@dataclass(slots=True)
class RowChunk:
    """What one archive line yielded as store rows, with the same reporting as `integrations.jsonl.ArchiveChunk`."""

    line_number: int
    bytes_read: int
    rows: Rows = field(default_factory=Rows)
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None
    has_data: bool = False
    """Whether the line itself held posts or accounts (`rows.accounts` may carry a window of earlier lines')."""


def read_twarc2_rows(
    source: Source, encode: RowEncoder, *, keep_raw: bool = False, window_rows: int = ACCOUNT_WINDOW_ROWS
) -> Iterator[RowChunk]:
    """Stream a twarc2 JSONL archive as store rows, one RowChunk per non-blank line, in constant memory.

    Truncated or malformed lines and unreadable records come back as problems naming the line, exactly as
    `integrations.twarc.read_twarc2` reports them, and reading goes on. Account rows come in windows of up
    to `window_rows` distinct accounts, on the line that fills the window and on the last line.
    """
    window = AccountWindow()
    pages = PageRows(encode, keep_raw=keep_raw, window=window)
    held: RowChunk | None = None  # each chunk waits for the next, so that the last one can carry the window
    # Pages are decoded as structs (integrations.x.structs) but where raw payloads are kept, which need the dicts
    for line in iter_json_lines(source, decode=None if keep_raw else decode_page):
        number = line.line_number
        chunk = RowChunk(number, line.bytes_read)
        if line.problem is not None:
            chunk.problems.append(line.problem)
        else:
            try:
                result = pages.line(line.value) if line.raw is None else pages.decoded(line.value, line.raw)
            except RECORD_ERRORS as exc:
                chunk.problems.append(record_problem(number, exc))
            else:
                if isinstance(result, str):
                    chunk.skipped = f"line {number}: {result}"
                else:
                    chunk.rows, problems = result
                    chunk.problems = [f"line {number}: {problem}" for problem in problems]
                    chunk.has_data = bool(chunk.rows.posts) or pages.accounts_on_line > 0
        if len(window) >= window_rows:
            chunk.rows.accounts = pages.take_accounts()
        if held is not None:
            yield held
        held = chunk
    if held is not None:
        held.rows.accounts.extend(pages.take_accounts())
        yield held


class PageRows:
    """Builds store rows from decoded twarc2 lines, encoded for one database dialect.

    With a `window`, account rows go into it (repeats folded) instead of into each line's rows; without
    one, every line's rows hold its own accounts.
    """

    def __init__(self, encode: RowEncoder, *, keep_raw: bool = False, window: AccountWindow | None = None) -> None:
        self.encode = encode
        self.keep_raw = keep_raw
        self.window = window
        self.accounts_on_line = 0  # distinct accounts the last line held
        self._x_time = encode.x_time
        # user id -> what made the account's latest row in the window: the hash of the serialized user object,
        # or the decoded struct (integrations.x.structs.User) itself
        self.made_from: dict[str, object] = {}

    def take_accounts(self) -> list[tuple[Any, ...]]:
        """The window's account rows, leaving it empty (none without a window)."""
        if self.window is None:
            return []
        self.made_from.clear()
        return self.window.take()

    def decoded(self, page: Page, raw: bytes | str) -> tuple[Rows, list[str]] | str:
        """A line decoded as a Page struct as rows and its problems; read again as dicts (`line`) where the struct
        reading cannot make the rows (no posts on the page, or a post the general reader must explain)."""
        try:
            result = struct_page_rows(self, page)
        except RECORD_ERRORS:
            result = None
        if result is None:
            return self.line(orjson.loads(raw))
        return result

    def line(self, obj: Any) -> tuple[Rows, list[str]] | str:
        """One decoded line as rows and its problems, or the reason it holds nothing to import."""
        if obj.__class__ is dict:
            data = obj.get("data")
            first = data[0] if data.__class__ is list and data else data  # a stream line holds one post
            if first.__class__ is dict and "text" in first:
                try:
                    return self.page(obj)
                except RECORD_ERRORS:
                    pass  # the reference path reads the line again, and says what is wrong with it
        batch = parse_twarc_line(obj)
        if isinstance(batch, str):
            return batch
        rows = rows_from_batch(batch, self.encode, keep_raw=self.keep_raw)
        self.accounts_on_line = len(rows.accounts)
        if self.window is not None:
            for row in rows.accounts:
                self.made_from.pop(row[1], None)
            self.window.add(rows.accounts)
            rows.accounts = []
        return rows, batch.problems

    def page(self, page: Mapping[str, Any]) -> tuple[Rows, list[str]]:
        """A page whose `data` is a list of posts (search) or one post (stream) as rows.

        Raises where `parse_page` would skip a post or fail, so that the caller falls back to it.
        """
        encode_time = self.encode.datetime
        captured = encode_time(retrieved_at(page))
        first_seen = encode_time(utcnow())
        rows = Rows()
        users: list[tuple[str, Mapping[str, Any]]] = []
        includes = page.get("includes") or {}
        handles: dict[str, str] = {}  # the first of each user id, as parse_page keeps it
        for user in includes.get("users") or ():
            user_id = user["id"]
            if user_id.__class__ is not str:
                user_id = str(user_id)
            if user_id not in handles:
                handles[user_id] = user.get("username") or ""
                users.append((user_id, user))
        included = includes.get("tweets")
        if included is None:
            included = includes.get("posts")
        data = page["data"]
        if data.__class__ is dict:
            data = (data,)
        seen: set[Any] = set()
        for group in (data, included or ()):
            for item in group:
                if "text" in item:
                    item_id = item.get("id")
                    if item_id in seen:
                        continue
                    seen.add(item_id)
                    self._post(item, handles, captured, rows)
                elif group is data and "username" in item:
                    user_id = str(item["id"])
                    if user_id not in handles:
                        handles[user_id] = item.get("username") or ""
                        users.append((user_id, item))
        self.accounts_on_line = len(users)
        if self.window is None:
            rows.accounts = [self._account(user, user_id, captured, first_seen) for user_id, user in users]
        else:
            self._window_accounts(users, captured, first_seen)
        return rows, page_problems(page.get("errors"))

    def _window_accounts(self, users: list[tuple[str, Mapping[str, Any]]], captured: Any, first_seen: Any) -> None:
        """Each user's row into the window; a user object as it was last time only moves its row's capture time."""
        window, made_from = self.window, self.made_from
        assert window is not None
        dumps = orjson.dumps
        for user_id, user in users:
            fingerprint = hash(dumps(user))
            if made_from.get(user_id) == fingerprint and window.repeat(("x", user_id), captured):
                continue
            window.add((self._account(user, user_id, captured, first_seen),))
            made_from[user_id] = fingerprint

    def _post(self, item: Mapping[str, Any], handles: Mapping[str, str], captured: Any, rows: Rows) -> None:
        """integrations.x.parse.parse_tweet followed by store.rows.post_row, in one step."""
        get = item.get
        post_id = item["id"]
        if post_id.__class__ is not str:
            post_id = str(post_id)
        author_id = get("author_id") or ""
        if author_id.__class__ is not str:
            author_id = str(author_id)
        handle = ""
        author = get("author")
        if author:
            handle = author.get("username") or ""
            author_id = author_id or str(author.get("id") or "")
        if not handle:
            handle = handles.get(author_id, "")

        if get("referenced_tweets") or get("referenced_posts"):
            refs = references(item)
        else:
            refs = ORIGINAL
        text, hashtags, mentions, urls = text_and_entities(item)
        created_at = self._x_time(get("created_at"))
        if created_at is None:
            raise ValueError(f"post {post_id} has no created_at (request the created_at field)")
        add_post(
            rows,
            post_id,
            author_id,
            handle,
            created_at,
            text,
            get("lang"),
            refs,
            get("in_reply_to_user_id"),
            get("conversation_id"),
            hashtags,
            mentions,
            urls,
            public_metrics(item),
            captured,
            _dumps(item).decode() if self.keep_raw else None,
        )

    def _account(self, user: Mapping[str, Any], user_id: str, captured: Any, first_seen: Any) -> tuple[Any, ...]:
        """integrations.x.parse.parse_user followed by store.rows.account_row, in one step."""
        metrics = user.get("public_metrics") or {}
        post_count = metrics.get("tweet_count")
        if post_count is None:
            post_count = metrics.get("post_count")
        url = user.get("url") or ""
        entities = user.get("entities")
        if url and entities:
            for link in (entities.get("url") or {}).get("urls") or ():
                if link.get("url") == url and link.get("expanded_url"):
                    url = link["expanded_url"]
                    break
        created = user.get("created_at")
        return (
            "x",
            user_id,
            user.get("username") or "",
            user.get("name") or "",
            user.get("description") or "",
            user.get("location") or "",
            url,
            metrics.get("followers_count"),
            metrics.get("following_count"),
            post_count,
            bool(user.get("verified")),
            self._x_time(created) if created else None,
            captured,
            first_seen,
            orjson.dumps(user).decode() if self.keep_raw else None,
        )
