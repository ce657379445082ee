"""The SQL of accounts, their backfill cursors and their sync records.

Functions over an open `sqlite3.Connection`; `Library` calls them, inside its transactions
where they write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

import linkratio.store.maintenance as maintenance
from linkratio.errors import InputError
from linkratio.model import Account
from linkratio.store.posts import superseded
from linkratio.store.times import from_db_time, from_micros, to_db_time


@dataclass(frozen=True, slots=True)
class AccountStats:
    """One account of the library with what it holds."""

    platform: str
    id: str
    handle: str | None
    posts: int
    """Stored posts, older versions of edited posts not counted (as reports count them)."""
    first_post: datetime | None
    last_post: datetime | None
    last_sync: datetime | None
    last_sync_complete: bool | None
    last_saved: str | None = None
    """The stored time a post of it was last saved, new or changed (an edit saved in place
    too), as the library holds it: a mark that changes, not a time to show."""


def find_account(db: sqlite3.Connection, name: str, platform: str = "x") -> Account | None:
    """The account called `@handle` or `handle` (any case), or with the numeric id `name`."""
    name = name.strip()
    query = "SELECT platform, id, handle FROM accounts WHERE platform = ? AND "
    if name.isdigit():
        row = db.execute(query + "id = ?", (platform, name)).fetchone()
        if row is not None:
            return Account(*row)
    row = db.execute(
        query + "handle = ? COLLATE NOCASE ORDER BY updated_at DESC LIMIT 1",
        (platform, name.removeprefix("@")),
    ).fetchone()
    return Account(*row) if row is not None else None


def account_by_id(db: sqlite3.Connection, platform: str, account_id: str) -> Account | None:
    """The account stored under exactly this id (a Bluesky DID, an X user id), or None."""
    row = db.execute(
        "SELECT platform, id, handle FROM accounts WHERE platform = ? AND id = ?",
        (platform, account_id),
    ).fetchone()
    return Account(*row) if row is not None else None


def upsert_account(db: sqlite3.Connection, account: Account, now: str) -> str:
    """Store `account` (its handle updated) and return its id, found by handle if not given."""
    account_id = account.id
    if account_id is None:
        found = find_account(db, "@" + account.handle, account.platform) if account.handle else None
        if found is None or found.id is None:
            who = f"@{account.handle}" if account.handle else "the account"
            raise InputError(
                f"cannot store the posts of {who}: the data does not say the account's id "
                "(an archive without account.js?); import the whole archive or fetch "
                "the account from the API first"
            )
        account_id = found.id
    db.execute(
        "INSERT INTO accounts (platform, id, handle, first_seen, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, id) DO UPDATE SET"
        " handle = coalesce(excluded.handle, accounts.handle),"
        " updated_at = excluded.updated_at",
        (account.platform, account_id, account.handle, now, now),
    )
    return account_id


def account_stats(db: sqlite3.Connection) -> list[AccountStats]:
    """Every account with its post count, date range and last sync (read in one snapshot).

    A Bluesky account whose handle a more recently stored account holds now (the handle
    moved to another DID) comes without it, so it is named by its DID: `find_account`
    gives that handle to the newer account.
    """
    rows = db.execute(
        """SELECT a.platform, a.id, CASE WHEN a.platform = 'bluesky' AND EXISTS (
                  SELECT 1 FROM accounts b WHERE b.platform = a.platform AND b.id != a.id
                     AND b.handle = a.handle COLLATE NOCASE AND b.updated_at > a.updated_at)
                  THEN NULL ELSE a.handle END,
                  count(p.created_at),
                  min(p.created_at), max(p.created_at), s.at, s.complete, max(p.fetched_at)
             FROM accounts a
             LEFT JOIN posts p ON p.platform = a.platform AND p.account_id = a.id
             LEFT JOIN syncs s ON s.id = (
                  SELECT id FROM syncs WHERE platform = a.platform AND account_id = a.id
                   ORDER BY at DESC, id DESC LIMIT 1)
            GROUP BY a.platform, a.id
            ORDER BY a.platform, lower(a.handle), a.id"""
    ).fetchall()
    _check_total(db, sum(row[3] for row in rows))
    return [_stats_of(db, row) for row in rows]


def _stats_of(db: sqlite3.Connection, row: Sequence[Any]) -> AccountStats:
    """One row of `account_stats`, or LibraryDamagedError naming the account when garbled."""
    platform, account_id, handle, count, first, last, sync_at, complete, saved = row
    try:
        return AccountStats(
            platform=platform,
            id=account_id,
            handle=handle,
            posts=count - len(superseded(db, platform, account_id)),
            first_post=from_micros(first) if first is not None else None,
            last_post=from_micros(last) if last is not None else None,
            last_sync=from_db_time(sync_at),
            last_sync_complete=bool(complete) if complete is not None else None,
            last_saved=saved,
        )
    except (ValueError, TypeError, OverflowError) as e:
        who = f"@{handle}" if handle else f"id {account_id}"
        detail = f"a post or sync time of {str(who)[:60]!r} is garbled: {e}"
        raise maintenance.damaged(maintenance.file_of(db), detail) from None


def _check_total(db: sqlite3.Connection, counted: int) -> None:
    """LibraryDamagedError unless the accounts' posts add up to every stored post.

    A damaged index page can hide rows from a lookup without SQLite noticing: the counts
    would be wrong, silently. Counting the whole table another way catches it.
    """
    total = db.execute("SELECT count(*) FROM posts").fetchone()[0]
    if counted != total:
        detail = f"the accounts' posts add up to {counted:,} of {total:,}: an index is damaged"
        raise maintenance.damaged(maintenance.file_of(db), detail)


def account_handle(db: sqlite3.Connection, platform: str, account_id: str) -> str | None:
    """The stored handle of the account, or None."""
    row = db.execute(
        "SELECT handle FROM accounts WHERE platform = ? AND id = ?", (platform, account_id)
    ).fetchone()
    return row[0] if row else None


def cursor(db: sqlite3.Connection, platform: str, account_id: str) -> dict[str, Any] | None:
    """The pagination state of the account's unfinished backfill, if any."""
    row = db.execute(
        "SELECT state FROM cursors WHERE platform = ? AND account_id = ?",
        (platform, account_id),
    ).fetchone()
    if row is None:
        return None
    problem = cursor_problem(row[0])
    if problem is not None:
        detail = f"the saved cursor of {platform} account {str(account_id)[:40]} {problem}"
        raise maintenance.damaged(maintenance.file_of(db), detail)
    state: dict[str, Any] = orjson.loads(row[0])
    return state


def cursor_problem(state: object) -> str | None:
    """What makes a stored pagination state unreadable (not a JSON object, a bad time), or None."""
    try:
        value = orjson.loads(state)  # type: ignore[arg-type]  # a garbled cell: any type
        if not isinstance(value, dict):
            return "is not a JSON object"
        for key in ("cursor", "newer_than", "until_id", "since_id"):  # sent to the API
            if not isinstance(value.get(key, ""), str | None):
                return "is not a saved cursor"
        for key in ("since", "start_time"):  # read with datetime.fromisoformat by the sync
            if value.get(key):
                datetime.fromisoformat(value[key])
    except (ValueError, TypeError):  # orjson errors are ValueErrors
        return "is not a saved cursor"
    return None


def write_cursor(
    db: sqlite3.Connection, platform: str, account_id: str, state: str, now: str
) -> None:
    """Replace the pagination state (JSON text) of the account's backfill."""
    db.execute(
        "INSERT INTO cursors (platform, account_id, state, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (platform, account_id) DO UPDATE SET"
        " state = excluded.state, updated_at = excluded.updated_at",
        (platform, account_id, state, now),
    )


def delete_cursor(db: sqlite3.Connection, platform: str, account_id: str) -> None:
    """Forget the pagination state of the account's backfill."""
    db.execute("DELETE FROM cursors WHERE platform = ? AND account_id = ?", (platform, account_id))


def record_sync(
    db: sqlite3.Connection,
    platform: str,
    account_id: str,
    when: datetime,
    posts_read: int,
    complete: bool,
    now: datetime,
) -> None:
    """Log one sync run of the account (stored first if the library does not know it)."""
    db.execute(
        "INSERT INTO accounts (platform, id, first_seen, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (platform, id) DO NOTHING",
        (platform, account_id, to_db_time(now), to_db_time(now)),
    )
    db.execute(
        "INSERT INTO syncs (platform, account_id, at, posts_read, complete) VALUES (?, ?, ?, ?, ?)",
        (platform, account_id, to_db_time(when), posts_read, int(complete)),
    )
