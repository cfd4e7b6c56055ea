"""The upsert statements that carry the store's merge rules, compiled once per dialect, and their execution."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from assistant.services.store.rows import (
    ACCOUNT_COUNTS,
    ACCOUNT_TEXT,
    CHUNK_ROWS,
    LIST_FIELDS,
    METRIC_FIELDS,
    REF_FIELDS,
    TABLES,
    TEXT_FIELDS,
    account_table,
    chunks,
    post_table,
)

# Constants as literal SQL, so the compiled statements bind only the row's own columns.
_EMPTY: ColumnElement[Any] = sa.literal_column("''")
_ZERO: ColumnElement[Any] = sa.literal_column("0")
_ORIGINAL: ColumnElement[Any] = sa.literal_column("'original'")


def _insert(dialect: str, table: sa.Table) -> Any:
    return sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)


def _greatest(dialect: str, a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    # SQLite's two-argument max() is NULL if either is; COALESCE first so both dialects agree.
    name = "max" if dialect == "sqlite" else "greatest"
    return getattr(sa.func, name)(sa.func.coalesce(a, b), sa.func.coalesce(b, a))


def _keep_known_text(stored: ColumnElement[Any], incoming: ColumnElement[Any]) -> ColumnElement[Any]:
    return sa.case((sa.or_(incoming.is_(None), incoming == _EMPTY), stored), else_=incoming)


def _newest_known(
    older: ColumnElement[Any], stored: ColumnElement[Any], incoming: ColumnElement[Any]
) -> ColumnElement[Any]:
    """The newer capture's known text (the stored row's where the incoming is `older`), else the other's."""
    return sa.case((older, _keep_known_text(incoming, stored)), else_=_keep_known_text(stored, incoming))


def _later(stored: ColumnElement[Any], incoming: ColumnElement[Any]) -> ColumnElement[Any]:
    return sa.case(
        (incoming.is_(None), stored),
        (stored.is_(None), incoming),
        (incoming > stored, incoming),
        else_=stored,
    )


def _post_upsert(dialect: str, *, keep_raw: bool, stmt: Any = None) -> Any:
    stmt = _insert(dialect, post_table) if stmt is None else stmt
    stored, incoming = post_table.c, stmt.excluded
    newer = sa.and_(
        incoming.metrics_captured_at.is_not(None),
        sa.or_(stored.metrics_captured_at.is_(None), incoming.metrics_captured_at > stored.metrics_captured_at),
    )
    older = sa.and_(
        incoming.metrics_captured_at.is_not(None),
        stored.metrics_captured_at.is_not(None),
        incoming.metrics_captured_at < stored.metrics_captured_at,
    )
    # The post as its newest capture has it (a handle renamed since, the url made from it, a raw payload with
    # the counts kept): what an older capture knows only fills what the stored post does not. Without capture
    # times on both sides, the incoming row is taken as the newer, as before.
    updates: dict[str, Any] = {
        "author_id": _newest_known(older, stored.author_id, incoming.author_id),
        "created_at": sa.case((older, stored.created_at), else_=incoming.created_at),
        "kind": sa.case(
            (incoming.kind == _ORIGINAL, stored.kind),
            (sa.and_(older, stored.kind != _ORIGINAL), stored.kind),
            else_=incoming.kind,
        ),
        "metrics_captured_at": _later(stored.metrics_captured_at, incoming.metrics_captured_at),
    }
    for name in (*TEXT_FIELDS, *REF_FIELDS):
        updates[name] = _newest_known(older, stored[name], incoming[name])
    for name in LIST_FIELDS:
        updates[name] = sa.case(
            (sa.func.json_array_length(incoming[name]) == _ZERO, stored[name]),
            (sa.and_(older, sa.func.json_array_length(stored[name]) > _ZERO), stored[name]),
            else_=incoming[name],
        )
    for name in (*METRIC_FIELDS, "impressions"):
        # impressions may be unknown (None): a newer capture without it keeps the stored figure
        taken = sa.func.coalesce(incoming[name], stored[name]) if name == "impressions" else incoming[name]
        updates[name] = sa.case(
            (newer, taken), (older, stored[name]), else_=_greatest(dialect, stored[name], incoming[name])
        )
    if keep_raw:
        updates["raw"] = sa.case(
            (older, sa.func.coalesce(stored.raw, incoming.raw)), else_=sa.func.coalesce(incoming.raw, stored.raw)
        )
    return stmt.on_conflict_do_update(index_elements=[stored.platform, stored.id], set_=updates)


def _account_upsert(dialect: str, *, keep_raw: bool, stmt: Any = None) -> Any:
    stmt = _insert(dialect, account_table) if stmt is None else stmt
    stored, incoming = account_table.c, stmt.excluded
    older = sa.and_(
        incoming.captured_at.is_not(None),
        stored.captured_at.is_not(None),
        incoming.captured_at < stored.captured_at,
    )
    updates: dict[str, Any] = {
        name: sa.case((older, stored[name]), else_=_keep_known_text(stored[name], incoming[name]))
        for name in ACCOUNT_TEXT
    }
    for name in ACCOUNT_COUNTS:
        updates[name] = sa.case((incoming[name].is_(None), stored[name]), (older, stored[name]), else_=incoming[name])
    updates["verified"] = sa.case((older, stored.verified), else_=incoming.verified)
    updates["created_at"] = sa.func.coalesce(incoming.created_at, stored.created_at)
    updates["captured_at"] = _later(stored.captured_at, incoming.captured_at)
    if keep_raw:
        updates["raw"] = sa.func.coalesce(incoming.raw, stored.raw)
    return stmt.on_conflict_do_update(index_elements=[stored.platform, stored.id], set_=updates)


# Execution ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A statement compiled once per dialect with positional binds, one per column of the table in order."""

    sql: str


_PREPARED: dict[tuple[str, str, bool], _Prepared] = {}


def _prepared(connection: Connection, table: str, keep_raw: bool) -> _Prepared:
    dialect = connection.dialect
    key = (dialect.name, table, keep_raw)
    found = _PREPARED.get(key)
    if found is None:
        if table == "post":
            statement = _post_upsert(dialect.name, keep_raw=keep_raw)
        elif table == "account":
            statement = _account_upsert(dialect.name, keep_raw=keep_raw)
        else:
            statement = _insert(dialect.name, TABLES[table]).on_conflict_do_nothing()
        # Compiled for a positional paramstyle (sqlite3's qmark, psycopg's %s), so rows go as plain tuples.
        style = "qmark" if dialect.name == "sqlite" else "format"
        positional: Any = type(dialect)
        compiled = statement.compile(dialect=positional(paramstyle=style))
        columns = tuple(TABLES[table].columns.keys())
        if tuple(compiled.positiontup or ()) != columns:
            raise RuntimeError(f"{table}: the statement binds {compiled.positiontup}, not the columns {columns}")
        found = _PREPARED[key] = _Prepared(compiled.string)
    return found


def write_rows(
    connection: Connection,
    table: str,
    keep_raw: bool,
    rows: Sequence[tuple[Any, ...]],
    *,
    new_keys: NewKeys | None = None,
) -> int | None:
    """SQLite: the upsert over the rows as one JSON array (None). PostgreSQL: COPY into a staging table, then
    one upsert from it; how many of the rows were new (a key must occur once in `rows`). `new_keys`: see NewKeys."""
    if connection.dialect.name == "postgresql":
        return _copy_upsert(connection, table, keep_raw, rows, new_keys)
    if not rows:
        return None
    if sqlite3.sqlite_version_info >= JSON_ROWS_SQLITE:
        array = orjson.dumps(rows)
        if b"\\u0000" not in array:  # SQLite's JSON text ends at a NUL character, which a bound value keeps
            connection.exec_driver_sql(_json_rows(connection, table, keep_raw), (array,))
            return None
    _executemany(connection, _prepared(connection, table, keep_raw), rows)
    return None


JSON_ROWS_SQLITE = (3, 38, 0)  # the ->> operator; MATERIALIZED came in 3.35
_JSON_ROWS: dict[tuple[str, bool], str] = {}


def _json_rows(connection: Connection, table: str, keep_raw: bool) -> str:
    """The upsert of `_prepared`, its rows read from one JSON array of arrays (json_each) instead of bound one by one.

    The whole write is then one step of the statement, which sqlite3 runs without the GIL, so that a writer
    thread works while the caller reads the next lines: with executemany sqlite3 took the GIL back for every
    row, and the thread only took turns with the reading. The rows' values are str, int, bool or None (RowEncoder
    makes text of times and JSON), which JSON carries exactly: `->>` gives text, integers, 1 for true and NULL
    (tests/services/store/test_statements.py). Each element is read out of the array once (the MATERIALIZED
    CTE): `value` is the element's JSON made again at every mention, and the 25 mentions of a post row cost
    twice the executemany (2.3 against 1.0 s at 100k posts); read once, 1.04 against 1.01 s. Rows go in array
    order, so a key met twice merges in order as before. The array is bound as orjson's UTF-8 bytes and read as
    text by the CAST: no Python str of it is made (with an emoji in the flush, one of 4 bytes a character).
    """
    key = (table, keep_raw)
    found = _JSON_ROWS.get(key)
    if found is None:
        values = _prepared(connection, table, keep_raw).sql
        count = len(TABLES[table].columns)
        marks = f"VALUES ({', '.join('?' * count)})"
        if values.count(marks) != 1:
            raise RuntimeError(f"{table}: no single VALUES ({count} binds) in the upsert to read from JSON")
        select = f"SELECT {', '.join(f'v ->> {index}' for index in range(count))} FROM json_rows WHERE true"
        cte = "WITH json_rows(v) AS MATERIALIZED (SELECT value FROM json_each(CAST(? AS TEXT)))"
        found = f"{cte} {values.replace(marks, select)}"
        _JSON_ROWS[key] = found
    return found


_STAGED: dict[tuple[str, bool], str] = {}


@dataclass(slots=True)
class NewKeys:
    """Tables whose keys one import still expects to be new, so that their rows are COPYed in without a merge.

    The merge COPYs a flush into a staging table and runs INSERT ... SELECT ... ON CONFLICT, which inserts each
    row speculatively (a look in the key's index first, then the row confirmed once its index entries are in).
    A COPY straight into the table does neither, and fills its pages many rows at a time: 100k new posts and
    their 87.5k hashtag rows, COPY and server together, took 2.1-2.3 s against 3.8-5.7 s staged and inserted
    (posts alone 1.1-1.4 against 2.2-3.4 s), on the shared machine. So an import COPYs straight in, inside a
    savepoint, while a table has shown only new keys; on the first key already stored (a unique violation,
    which the server logs once) it rolls back to the savepoint, merges those rows as it always did, and merges
    that table's rows from then on. The stored rows and counts are the merge's: a row whose key is new is
    inserted by the merge exactly as given.
    """

    tables: set[str]

    @classmethod
    def expected(cls) -> NewKeys:
        return cls({"post", "post_hashtag", "account"})


def _copy_upsert(
    connection: Connection, table: str, keep_raw: bool, rows: Sequence[tuple[Any, ...]], new_keys: NewKeys | None
) -> int:
    """COPY is ~6x faster than executemany on PostgreSQL; the merge rules are the same statement's.

    The merge returns `xmax = 0` for each row it wrote, true for an insert and false for a conflict it updated
    (the update stamps the row's xmax); a conflict left alone (DO NOTHING) returns nothing. So the count of
    new rows comes with the merge, without looking every key up first. With `new_keys` naming the table, the
    rows are first COPYed in as new (see NewKeys).
    """
    columns = tuple(TABLES[table].columns.keys())
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        if new_keys is not None and table in new_keys.tables:
            if _copy_new(connection, cursor, table, columns, rows):
                return len(rows)
            new_keys.tables.discard(table)
        stage = f"stage_{table}"
        connection.exec_driver_sql(
            f'CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE "{table}" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS'
        )
        _copy(cursor, stage, columns, rows)
        inserted = int(connection.exec_driver_sql(_merge_from_stage(table, keep_raw)).scalar_one())
        connection.exec_driver_sql(f"DELETE FROM {stage}")
    return inserted


def _merge_from_stage(table: str, keep_raw: bool) -> str:
    sql = _STAGED.get((table, keep_raw))
    if sql is None:
        columns = tuple(TABLES[table].columns.keys())
        source: Any = sa.select(*(sa.column(name) for name in columns)).select_from(sa.table(f"stage_{table}"))
        statement = postgresql.insert(TABLES[table]).from_select(list(columns), source)
        if table == "post":
            statement = _post_upsert("postgresql", keep_raw=keep_raw, stmt=statement)
        elif table == "account":
            statement = _account_upsert("postgresql", keep_raw=keep_raw, stmt=statement)
        else:
            statement = statement.on_conflict_do_nothing()
        merge = str(statement.compile(dialect=postgresql.psycopg.dialect()))
        sql = _STAGED[(table, keep_raw)] = (
            f"WITH merged AS ({merge} RETURNING (xmax = 0) AS inserted) "
            "SELECT count(*) FILTER (WHERE inserted) FROM merged"
        )
    return sql


def _copy(cursor: Any, table: str, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]) -> None:
    """The rows COPYed in PostgreSQL's binary format, each value dumped by its column's type (`_binary_types`).

    Against the text format: the driver writes strings as they are (no escaping of each value) and times as
    8-byte counts, and the server parses no text. At 100k posts, the posts' COPY took 0.12-0.17 against
    0.34-0.41 s of the importing process's CPU; the whole import of 100k posts, with the statistics side by
    side (`ingest.writer`), took 2.21 against 2.74 s in one process and 1.96 against 2.52 s reading in a second
    one (medians of 5 and 3 interleaved runs; server CPU 1.58 against 1.86 s). The row builders hand PostgreSQL
    datetimes (`RowEncoder`), and JSON as its text, which the server reads as it reads text.
    """
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_binary_types(table.removeprefix("stage_")))
        for row in rows:
            copy.write_row(row)


_BINARY_TYPES = {
    "VARCHAR": "text",
    "TEXT": "text",
    "JSON": "text",  # the binary form of json is its text, checked by the server as a json value
    "BIGINT": "int8",
    "BOOLEAN": "bool",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}
"""PostgreSQL's column type -> the type whose binary dumper writes its values (`Copy.set_types`). No `integer`:
psycopg's 4-byte dumper keeps the low 32 bits of a larger int without a word (2**32 + 5 is stored as 5), so
every count is a `bigint` (models.posts.COUNT), whose dumper refuses what 64 bits cannot hold, as SQLite does."""
_BINARY: dict[str, list[str]] = {}


def _binary_types(table: str) -> list[str]:
    found = _BINARY.get(table)
    if found is None:
        dialect = postgresql.psycopg.dialect()
        compiled = (column.type.compile(dialect=dialect) for column in TABLES[table].columns)
        names = [text.split(" COLLATE ")[0].split("(")[0] for text in compiled]  # VARCHAR(16) COLLATE "C"
        unknown = sorted(set(names) - _BINARY_TYPES.keys())
        if unknown:
            raise RuntimeError(f"{table}: no binary COPY type for {', '.join(unknown)} (see _BINARY_TYPES)")
        found = _BINARY[table] = [_BINARY_TYPES[name] for name in names]
    return found


def _copy_new(
    connection: Connection, cursor: Any, table: str, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> bool:
    """The rows COPYed straight into the table, or nothing written and False when one of their keys is stored.

    The savepoint goes through `connection`, which so begins its transaction (its commit would otherwise not
    know of one begun by the driver's cursor). It is not released: a release is one more round trip per table
    and flush (on the importing thread, each costs the wait for the GIL as well, 2 ms here), and it would not
    free the subtransaction either. A later savepoint of the same name nests inside it, a rollback goes to the
    newest, and the commit that ends the transaction (ingest.writer commits every 10k posts) ends them all.
    """
    connection.exec_driver_sql("SAVEPOINT copy_new")
    try:
        _copy(cursor, table, columns, rows)
    except psycopg.errors.UniqueViolation:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT copy_new")
        return False
    return True


def _executemany(connection: Connection, prepared: _Prepared, rows: Sequence[tuple[Any, ...]]) -> None:
    """Run the statement over the rows in chunks, straight through the driver's executemany."""
    for chunk in chunks(rows, CHUNK_ROWS):
        connection.exec_driver_sql(prepared.sql, list(chunk))
