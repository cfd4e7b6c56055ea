"""Posts as CSV: one row per post, the normalized columns, outside text safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC
from typing import IO, Any

from assistant.models.posts import POST_COLUMNS
from assistant.render.csv_cells import safe_cell, thread_and_count_cells
from integrations.normalized import NormalizedPost


def write_posts_csv(fp: IO[Any], posts: Iterable[NormalizedPost]) -> int:
    """Write a header of POST_COLUMNS and a row per post; the number of posts written."""
    writer = csv.writer(fp)
    writer.writerow(POST_COLUMNS)
    count = 0
    for post in posts:
        m = post.metrics
        writer.writerow(
            [
                post.platform,
                post.id,
                post.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                post.author_id,
                safe_cell(post.author_handle),
                safe_cell(post.text),
                post.lang or "",
                post.kind,
                post.reply_to_post_id or "",
                post.reply_to_user_id or "",
                *thread_and_count_cells(post),
                "" if m.impressions is None else m.impressions,
                safe_cell(post.source),
                post.url,
            ]
        )
        count += 1
    return count
