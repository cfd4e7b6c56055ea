"""How many of some keys (posts, accounts, follow edges) the store holds already: the inserts' count where the
write itself does not return one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from assistant.services.store.rows import CHUNK_ROWS, chunks


def _mark(connection: Connection) -> str:
    return "?" if connection.dialect.name == "sqlite" else "%s"


def _in_list(connection: Connection, column: str, values: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
    """`column IN (...)`: one bind per value on SQLite, a single array bind (= ANY) on PostgreSQL."""
    if connection.dialect.name == "sqlite":
        return f"{column} IN ({', '.join('?' * len(values))})", tuple(values)
    return f"{column} = ANY(%s)", (list(values),)


def count_existing(connection: Connection, table: str, keys: Sequence[tuple[str, str]]) -> int:
    by_platform: dict[str, list[str]] = {}
    for platform, key in keys:
        by_platform.setdefault(platform, []).append(key)
    count = 0
    for platform, ids in by_platform.items():
        for chunk in chunks(ids, CHUNK_ROWS):
            clause, params = _in_list(connection, "id", chunk)
            sql = f"SELECT count(*) FROM {table} WHERE platform = {_mark(connection)} AND {clause}"
            count += connection.exec_driver_sql(sql, (platform, *params)).scalar_one()
    return count


def count_existing_edges(connection: Connection, edges: set[tuple[str, str, str]]) -> int:
    by_source: dict[tuple[str, str], set[str]] = {}
    for platform, source, target in edges:
        by_source.setdefault((platform, source), set()).add(target)
    count = 0
    for (platform, source), targets in by_source.items():
        for chunk in chunks(sorted(targets), CHUNK_ROWS):
            clause, params = _in_list(connection, "target_id", chunk)
            mark = _mark(connection)
            sql = f"SELECT count(*) FROM follow_edge WHERE platform = {mark} AND source_id = {mark} AND {clause}"
            count += connection.exec_driver_sql(sql, (platform, source, *params)).scalar_one()
    return count
