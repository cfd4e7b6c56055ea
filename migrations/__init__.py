"""Alembic migrations over SQLModel.metadata; the schema changes only through these revisions."""
