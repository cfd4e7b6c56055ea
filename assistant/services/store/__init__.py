"""The normalized store: bulk upsert of posts and accounts by (platform, id), and reading them back.

Modules: `rows` (tables, column order, encoded values), `statements` (the merge rules as SQL, and their
execution), `memo` (repeated accounts within one import), `write` (`upsert_batch`, `upsert_rows`) and
`read` (queries back to normalized objects).

The merge rules, applied in one INSERT ... ON CONFLICT (platform, id) DO UPDATE per chunk
(SQLite and PostgreSQL alike), so re-importing the same data changes nothing:

- **Never blank a known field.** An incoming empty string, None or empty list leaves the
  stored value alone (a post seen only as a stub in `includes` does not wipe the full one);
  an incoming `kind` of "original" does not overwrite a known reply/quote/repost.
- **Newest metrics.** Post counts (likes, reposts, replies, quotes, impressions) are taken
  from the incoming row when its capture time (`captured_at`, passed by the caller) is
  newer than the stored `metrics_captured_at`, kept when it is older, and otherwise (same
  capture time, or either unknown, as with archives) each count becomes the larger of the
  two, so counts never go backwards when we cannot tell which observation is newer.
- Account profile fields and counts (followers, following, post_count, verified) follow the
  incoming row unless it is known to be older than the stored `captured_at`; None or ""
  never overwrites.
- `raw` is written only with `keep_raw=True`, and an incoming None keeps the stored one.

Rows go in through Core statements compiled once per dialect, with values pre-encoded by
`RowEncoder` (SQLAlchemy's per-row processing cost 4x the database's own time). On SQLite the
upsert reads a write's rows from one JSON array bound once (`statements._json_rows`: one step
of one statement, run without the GIL), or, with a SQLite older than 3.38, runs through the
driver's executemany in chunks of `CHUNK_ROWS` rows (the IN lists that tell inserts from updates
stay under the 999-variable floor). On PostgreSQL the rows are COPYed into a temporary staging
table and merged with one INSERT ... SELECT ... ON CONFLICT of the same statement (about 6x faster
than executemany), or inserted plainly while an import meets only new keys (`statements.NewKeys`).

`upsert_rows` takes rows already built (the twarc2 fast path, assistant.services.ingest.twarc_rows, builds
them straight from X JSON) and applies the same statements: a key that occurs twice is merged by the
database in order rather than in Python. Each row carries its own capture time, so pages captured at
different times share one write. On SQLite it counts inserts by the growth of max(rowid), not by a
lookup of every key beforehand.
"""
