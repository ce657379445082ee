"""Excerpts: posts an import took from a file that is not their account's own timeline.

A search, a hashtag or a home feed holds a few posts of each author and says nothing of
the posts around them. The sync engine goes on from what the library stores (X's
`since_id` is the newest stored post; a pass stops at a page holding a stored post), so
such a post must not count as stored history: a first `fetch` would stop at it and never
read what came before. The library lists these posts in the `excerpts` table; a save from
the API, an archive or a timeline file takes a post off the list.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence

import orjson

V6_EXCERPTS: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS excerpts (
        platform TEXT NOT NULL,
        post_id TEXT NOT NULL,
        PRIMARY KEY (platform, post_id),
        FOREIGN KEY (platform, post_id) REFERENCES posts (platform, post_id))""",
)
"""The migration to schema version 6: the table of excerpt posts."""

NOT_EXCERPT = (
    "NOT EXISTS (SELECT 1 FROM excerpts AS e"
    " WHERE e.platform = posts.platform AND e.post_id = posts.post_id)"
)
"""A condition on a `posts` row: the post is stored from its account's timeline."""


def _ids(ids: Sequence[str]) -> str:
    return orjson.dumps(list(ids)).decode()


def record(
    db: sqlite3.Connection, platform: str, ids: Sequence[str], known: Collection[str], excerpt: bool
) -> None:
    """After a save of the posts `ids` (`known`: those stored before): an excerpt lists its
    new posts (one stored before keeps its standing), any other save takes its posts off."""
    if excerpt:
        new = [i for i in ids if i not in known]
        if new:
            db.execute(
                "INSERT OR IGNORE INTO excerpts (platform, post_id)"
                " SELECT ?, value FROM json_each(?)",
                (platform, _ids(new)),
            )
    elif ids and db.execute("SELECT 1 FROM excerpts LIMIT 1").fetchone() is not None:
        db.execute(
            "DELETE FROM excerpts WHERE platform = ?"
            " AND post_id IN (SELECT value FROM json_each(?))",
            (platform, _ids(ids)),
        )
