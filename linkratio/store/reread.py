"""Stored posts read again from their JSON when the readers changed (`Library.reread`).

Each post row records in `reader` the stamp of the readers that made its columns: the
linkratio version that read it (`version_key`, ordered as text) and the fingerprint of
its readers' code (`Reader.stamp`). NULL: a library from before it, or a post saved
without them; a bare fingerprint: a linkratio from before versions were recorded (both
count as older). A post is due when an older version, or the same version with other
code (a development checkout), read it: never when a newer version did, so two installs
on one library do not keep reading each other's posts, the older making them worse.
`FAILED` after the version marks a post whose JSON those readers could not read. The
store does not know the readers: the layer that owns them passes a `Reader`
(`linkratio.sources.reread.READER`), as the frame's deriver is passed. A batch of rows is
read again in one transaction: each row is either rewritten whole (the columns that
changed, its reader) or left as it was.
"""

from __future__ import annotations

import re
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

_DUE = (
    "(reader IS NULL OR reader < :low OR (reader >= :low AND reader < :high"
    " AND reader NOT IN (:current, :failed)))"
)
"""A condition on a `posts` row: read by an older version, or this version's other code."""
VERSIONED = "v"
"""Every version key begins with it, and no fingerprint does: bare ones sort below."""


def version_key(version: str) -> str:
    """`version` (PEP 440) as text that sorts as the versions do: epoch and release only.

    Each number is its digit count then its digits, trailing zeros dropped ("1.0" is
    "1.0.0"); pre-, post- and development releases, and local parts, key as their release
    (the same version: their posts are due to each other when the code differs). A
    version that does not parse keys as the oldest of all.
    """
    found = re.match(r"\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)", version.lower())
    digits = [found[1] or "0", *found[2].split(".")] if found else []
    numbers = [int(d) if len(d) < 10 else 10**9 - 1 for d in digits]  # 9 digits at most
    while numbers and numbers[-1] == 0:
        numbers.pop()
    return VERSIONED + ".".join(f"{len(str(n))}{n}" for n in numbers)


@dataclass(frozen=True, slots=True)
class Reader:
    """How stored JSON is read again: given to the store by the layer that owns the readers.

    `reread(post)` gives the stored post read again from its `raw` JSON (ValueError when it
    cannot); `fingerprint()` is a hash of the readers' code and `version` the linkratio
    version they are of, recorded with each saved post (`stamp`).
    """

    fingerprint: Callable[[], str]
    reread: Callable[[Post], Post]
    version: str | None = None
    """The linkratio version of these readers (None: unversioned, older than any version)."""

    def stamp(self) -> str:
        """What a post these readers read records in `reader`: version key, fingerprint."""
        if self.version is None:
            return self.fingerprint()
        return f"{version_key(self.version)} {self.fingerprint()}"


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


def _failed(stamp: str) -> str:
    """The `reader` of a post whose JSON the readers of `stamp` could not read."""
    key, space, fingerprint = stamp.rpartition(" ")
    return f"{key}{space}{FAILED}{fingerprint}"


def _bounds(stamp: str) -> dict[str, str]:
    """The `_DUE` parameters for readers of `stamp`: [low, high) holds its version's stamps."""
    key, space, _ = stamp.rpartition(" ")
    if not space:  # unversioned readers: every bare fingerprint is of their version
        return {"low": "", "high": VERSIONED, "current": stamp, "failed": _failed(stamp)}
    return {"low": f"{key} ", "high": f"{key}!", "current": stamp, "failed": _failed(stamp)}


def _params(platform: str, account_id: str, stamp: str) -> dict[str, str]:
    return {"platform": platform, "account": account_id, **_bounds(stamp)}


_WITH_JSON = (
    "SELECT count(*) FROM posts WHERE platform = :platform AND account_id = :account"
    " AND raw IS NOT NULL AND "
)
_DUE_WITH_JSON = "SELECT " + " + ".join(
    f"({_WITH_JSON}{range})"  # five seeks into posts_by_reader: no scan of the account
    for range in ("reader IS NULL", "reader < :low", "reader >= :low AND reader < :one",
                  "reader > :one AND reader < :two", "reader > :two AND reader < :high")
)  # fmt: skip


def due_with_json(db: sqlite3.Connection, platform: str, account_id: str, stamp: str) -> int:
    """How many of the account's posts with stored JSON are due for the readers of `stamp`."""
    names = _params(platform, account_id, stamp)
    one, two = sorted((names.pop("current"), names.pop("failed")))
    return int(db.execute(_DUE_WITH_JSON, {**names, "one": one, "two": two}).fetchone()[0])


def due_rows(db: sqlite3.Connection, platform: str, account_id: str, stamp: str) -> list[int]:
    """The rowids of the account's posts due for the readers of `stamp`, in rowid order."""
    rows = db.execute(
        "SELECT rowid FROM posts WHERE platform = :platform AND account_id = :account"
        f" AND {_DUE} ORDER BY rowid",
        _params(platform, account_id, stamp),
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
    db: sqlite3.Connection, rowids: list[int], reader: Reader, stamp: str, result: Reread
) -> int:
    """Read the posts `rowids` (those still due) again; count them in `result`.

    Inside the caller's transaction. A post whose columns change is rewritten (and saved
    now: `fetched_at`); one that reads the same gets only the new fingerprint; one without
    JSON is left as it is; one whose JSON cannot be read keeps its columns and is marked
    (`FAILED`). Returns how many changed.
    """
    rows = db.execute(
        f"SELECT rowid, {', '.join(post_sql.POST_COLUMNS)} FROM posts"
        " WHERE rowid IN (SELECT value FROM json_each(:rowids)) AND platform = :platform"
        f" AND account_id = :account AND {_DUE}",
        {"rowids": post_sql.to_json(rowids), **_params(result.platform, result.account_id, stamp)},
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
            marked.append((_failed(stamp), rowid))
            continue
        result.read += 1
        new = post_sql.post_row(fresh, result.account_id, stored.source, row[-4], stamp)
        if tuple(row[: post_sql.SAME_UP_TO]) == new[: post_sql.SAME_UP_TO]:
            same.append((stamp, rowid))
        else:
            changed.append((*new[3 : post_sql.SAME_UP_TO], saved, version, stamp, rowid))
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
    stamp = reader.stamp()
    for result in results:
        rowids = due_rows(db, result.platform, result.account_id, stamp)
        result.due = len(rowids)
        for start in range(0, len(rowids), BATCH):
            with transaction(db):
                if reread_rows(db, rowids[start : start + BATCH], reader, stamp, result):
                    cache.drop(db, result.platform, result.account_id)
            if progress is not None:
                progress(result)
