"""Ingest tests run on both databases where they say `db`."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    return engine
