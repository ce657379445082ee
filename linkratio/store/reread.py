"""Stored posts read again from their JSON when the readers changed (`Library.reread`).

Each post row records in `reader` the fingerprint of the readers that made its columns
(NULL: a library from before it, or a post saved without them); `"!" + fingerprint` marks
a post whose JSON those readers could not read. The store does not know the readers: the
layer that owns them passes a `Reader` (`linkratio.sources.reread.READER`), as the frame's
deriver is passed. A batch of rows is read again in one transaction: each row is either
rewritten whole (the columns that changed, its reader) or left as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import linkratio.store.cache as cache
import linkratio.store.posts as post_sql
from linkratio.model import Post
from linkratio.store.schema import transaction
from linkratio.store.times import to_db_time

FAILED = "!"
"""Before a fingerprint in `reader`: those readers could not read the post's JSON."""
MAX_FAILURES = 20
"""Posts that could not be read that a result names (the others are counted)."""

_DUE = "(reader IS NULL OR reader NOT IN (?, ?))"
"""A condition on a `posts` row: read by other readers than the two parameters name."""


@dataclass(frozen=True, slots=True)
class Reader:
    """How stored JSON is read again: given to the store by the layer that owns the readers.

    `reread(post)` gives the stored post read again from its `raw` JSON (ValueError when it
    cannot); `fingerprint()` is a hash of the readers' code, recorded with each saved post.
    """

    fingerprint: Callable[[], str]
    reread: Callable[[Post], Post]


@dataclass(slots=True)
class Reread:
    """What reading one account's stored posts again did."""

    platform: str
    account_id: str
    handle: str | None
    due: int = 0
    """Posts read by other readers, with stored JSON or without."""
    done: int = 0
    """Of those, how many this run has been through (the rest: interrupted, or still to do)."""
    read: int = 0
    """Posts read again from their JSON."""
    changed: int = 0
    """Of those, posts whose columns changed."""
    no_json: int = 0
    """Posts without stored JSON, left as they were."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(post id, why) of the first `MAX_FAILURES` posts whose JSON could not be read."""
    failures: int = 0
    """How many posts' JSON could not be read (kept as stored)."""


def _params(platform: str, account_id: str, fingerprint: str) -> tuple[str, ...]:
    return (platform, account_id, fingerprint, FAILED + fingerprint)


_WITH_JSON = (
    "SELECT count(*) FROM posts WHERE platform = :platform AND account_id = :account"
    " AND raw IS NOT NULL AND "
)
_DUE_WITH_JSON = "SELECT " + " + ".join(
    f"({_WITH_JSON}{range})"  # four seeks into posts_by_reader: no scan of the account
    for range in ("reader IS NULL", "reader < :low", "reader > :low AND reader < :high",
                  "reader > :high")
)  # fmt: skip


def due_with_json(db: sqlite3.Connection, platform: str, account_id: str, fingerprint: str) -> int:
    """How many of the account's posts with stored JSON other readers read."""
    low, high = sorted((fingerprint, FAILED + fingerprint))
    names = {"platform": platform, "account": account_id, "low": low, "high": high}
    return int(db.execute(_DUE_WITH_JSON, names).fetchone()[0])


def due_rows(db: sqlite3.Connection, platform: str, account_id: str, fingerprint: str) -> list[int]:
    """The rowids of the account's posts that other readers read, in rowid order."""
    rows = db.execute(
        f"SELECT rowid FROM posts WHERE platform = ? AND account_id = ? AND {_DUE} ORDER BY rowid",
        _params(platform, account_id, fingerprint),
    )
    return [row[0] for row in rows]


_CHANGED = post_sql.POST_COLUMNS[3 : post_sql.SAME_UP_TO]
"""The columns a re-read may change (created_at .. chain_id; origin is kept)."""
_UPDATE = (
    f"UPDATE posts SET {', '.join(f'{c} = ?' for c in _CHANGED)}, fetched_at = ?,"
    " tool_version = ?, reader = ? WHERE rowid = ?"
)
"""A changed post is saved as an import saves a changed post: `fetched_at` is when (what
`AccountStats.last_saved`, and so a cohort's fingerprint of the account, goes by)."""


def reread_rows(
    db: sqlite3.Connection, rowids: list[int], reader: Reader, fingerprint: str, result: Reread
) -> int:
    """Read the posts `rowids` (those still due) again; count them in `result`.

    Inside the caller's transaction. A post whose columns change is rewritten (and saved
    now: `fetched_at`); one that reads the same gets only the new fingerprint; one without
    JSON is left as it is; one whose JSON cannot be read keeps its columns and is marked
    (`FAILED`). Returns how many changed.
    """
    rows = db.execute(
        f"SELECT rowid, {', '.join(post_sql.POST_COLUMNS)} FROM posts"
        f" WHERE rowid IN (SELECT value FROM json_each(?)) AND platform = ? AND account_id = ?"
        f" AND {_DUE}",
        (post_sql.to_json(rowids), *_params(result.platform, result.account_id, fingerprint)),
    )  # read row by row: one post's JSON in memory at a time, however large
    same: list[tuple[str, int]] = []
    changed: list[tuple[Any, ...]] = []
    marked: list[tuple[str, int]] = []
    version = post_sql.tool_version()
    saved = to_db_time(datetime.now(UTC))
    for rowid, *row in rows:
        stored = post_sql.checked_post_of(db, row)
        if stored.raw is None:
            result.no_json += 1
            continue
        try:
            fresh = reader.reread(stored)
        except ValueError as e:
            if len(result.failed) < MAX_FAILURES:
                result.failed.append((stored.id, str(e)))
            result.failures += 1
            marked.append((FAILED + fingerprint, rowid))
            continue
        result.read += 1
        new = post_sql.post_row(fresh, result.account_id, stored.source, row[-4], fingerprint)
        if tuple(row[: post_sql.SAME_UP_TO]) == new[: post_sql.SAME_UP_TO]:
            same.append((fingerprint, rowid))
        else:
            changed.append((*new[3 : post_sql.SAME_UP_TO], saved, version, fingerprint, rowid))
    db.executemany("UPDATE posts SET reader = ? WHERE rowid = ?", same + marked)
    db.executemany(_UPDATE, changed)
    result.changed += len(changed)
    result.done += len(rowids)
    return len(changed)


BATCH = 1_000
"""Posts read again in one transaction."""


Progress = Callable[[Reread], None]
"""Told an account's counts after each batch."""


def run(
    db: sqlite3.Connection,
    reader: Reader,
    results: list[Reread],
    progress: Progress | None = None,
) -> None:
    """Read again each account's posts that other readers read, counting into `results`.

    One transaction per `BATCH` posts: an interruption, or a full disk, keeps the batches
    done and undoes the one under way. A batch that changes a post drops the account's
    frame cache in the same transaction. `progress` is told the account's counts after
    each batch.
    """
    fingerprint = reader.fingerprint()
    for result in results:
        rowids = due_rows(db, result.platform, result.account_id, fingerprint)
        result.due = len(rowids)
        for start in range(0, len(rowids), BATCH):
            with transaction(db):
                if reread_rows(db, rowids[start : start + BATCH], reader, fingerprint, result):
                    cache.drop(db, result.platform, result.account_id)
            if progress is not None:
                progress(result)
