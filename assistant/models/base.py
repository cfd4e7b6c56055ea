"""Shared column types and the metadata naming convention every table uses."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


# Years a date typed by a person may name: outside them it is a typo, and 9999-12-31 plus a day overflows.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def utcnow() -> datetime:
    return datetime.now(UTC)


class HasId(Protocol):
    id: int | None


def require_id(row: HasId) -> int:
    """The primary key of a row that has been flushed; a row without one is a programming error, never id 0."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: add it to the session and flush first")
    return row.id


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_column(*, nullable: bool = False, index: bool = False, **kwargs: Any) -> sa.Column[Any]:
    return sa.Column(UTCDateTime(), nullable=nullable, index=index, **kwargs)


def json_column(*, nullable: bool = False, default: Any = None) -> sa.Column[Any]:
    return sa.Column(sa.JSON(), nullable=nullable, default=default)


class StrEnumType(sa.TypeDecorator[StrEnum]):
    """A column holding one of a fixed set: stored as the member's text, read back as the member."""

    impl = sa.String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def enum_column(enum: type[StrEnum], length: int = 16, *, index: bool = False) -> sa.Column[Any]:
    return sa.Column(StrEnumType(enum, length), nullable=False, index=index)
