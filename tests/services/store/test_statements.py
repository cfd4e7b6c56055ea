"""SQLite's upsert read from one JSON array stores exactly what binding each row stores."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.services.store.rows import RowEncoder, account_row, post_row
from assistant.services.store.statements import _executemany, _prepared, write_rows
from integrations.normalized import Metrics, NormalizedAccount, NormalizedPost

T0 = datetime(2026, 3, 5, 21, 0, 0, 241000, tzinfo=UTC)
ODD_TEXTS = ("plain", 'é 😀 \u2028 "quoted" \\ back\\u0000slash', "tab\tand\nline", "", "x\x00y")


def _rows() -> dict[str, list[tuple[object, ...]]]:
    encode = RowEncoder("sqlite")
    posts, accounts = [], []
    for i, text in enumerate(ODD_TEXTS):
        post = NormalizedPost(
            platform="x",
            id=str(100 + i),
            author_id=str(i),
            created_at=T0,
            text=text,
            hashtags=["EdChat", text] if text else [],
            metrics=Metrics(likes=2**62 + i, reposts=0, replies=i, quotes=0, impressions=None if i % 2 else i),
            raw={"id": str(100 + i), "text": text, "n": [1, 2.5, None, True]},
        )
        posts.append(post_row(post, encode, keep_raw=True, captured_at=T0 if i % 2 else None))
        account = NormalizedAccount(platform="x", id=str(i), handle=f"h{i}", bio=text, verified=bool(i % 2))
        accounts.append(account_row(account, encode, keep_raw=False, captured_at=None))
    return {"post": posts, "account": accounts}


def _stored(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as connection:
        return {
            table: [
                tuple(row)
                for row in connection.exec_driver_sql(
                    f"SELECT *, {', '.join(f'typeof({name})' for name in columns)} FROM {table} ORDER BY id"
                )
            ]
            for table, columns in (("post", ("text", "likes", "impressions", "raw")), ("account", ("verified",)))
        }


def test_rows_read_from_json_are_stored_as_bound_rows_are(engine: Engine) -> None:
    rows = _rows()
    clean = {table: [row for row in table_rows if "\x00" not in str(row)] for table, table_rows in rows.items()}
    for written in (clean, rows):  # with a NUL character the rows are bound one by one
        with engine.begin() as connection:
            for table, table_rows in written.items():
                write_rows(connection, table, True, table_rows)
        from_json = _stored(engine)
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM post"))
            connection.execute(sa.text("DELETE FROM account"))
            for table, table_rows in written.items():
                _executemany(connection, _prepared(connection, table, True), table_rows)
        assert _stored(engine) == from_json
        assert len(from_json["post"]) == len(written["post"])
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM post"))
            connection.execute(sa.text("DELETE FROM account"))
