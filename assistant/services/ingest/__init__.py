"""Ingest: archives and network searches into the normalized store (writer, archives, sources, twarc2 rows)."""
