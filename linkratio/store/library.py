"""`Library`: one SQLite file of posts, their accounts, sync cursors and a frame cache.

The file runs in WAL mode (readers never wait for the writer) with a busy timeout and
foreign keys on, and is migrated to the newest schema when opened. The methods here are
the transactions; the SQL they run is in `posts`, `accounts`, `cache` and `schema`
(which also opens the file).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import orjson
import platformdirs

import linkratio.store.accounts as account_sql
import linkratio.store.cache as cache
import linkratio.store.excerpts as excerpts
import linkratio.store.garbled as garbled
import linkratio.store.lock as lock
import linkratio.store.maintenance as maintenance
import linkratio.store.posts as post_sql
import linkratio.store.reread as reread_sql
from linkratio.model import Account, Lazy, Post, collapse, gc_paused, id_key
from linkratio.store.accounts import AccountStats
from linkratio.store.cache import Deriver, Encoded
from linkratio.store.forked import Forked
from linkratio.store.posts import ORIGINS, SaveResult
from linkratio.store.reread import Progress, Reader, Reread
from linkratio.store.schema import connect, schema_version, snapshot, transaction, written_once
from linkratio.store.times import to_db_time

if TYPE_CHECKING:
    import pandas as pd
else:  # what get_type_hints finds for `pd.DataFrame` (pandas is imported only then)
    pd = Lazy("pandas")

log = logging.getLogger(__name__)

BULK_POSTS = 10_000
"""A save of at least this many posts into a library without posts is a bulk load."""
ENV_DB = "LINKRATIO_DB"
"""The environment variable that overrides `Library.default_path()`."""


@maintenance.named_failures
class Library:
    """A local SQLite library of posts.

    `deriver` says how frame rows are derived from posts; without one, `frame()` is not
    available and saves leave the account's frame cache to be derived later.
    `linkratio.frame.Library` is this class with the classifier's deriver. Opening waits
    `open_wait` seconds (default `busy_timeout`) for a file another process holds locked.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = 30.0,
        deriver: Deriver | None = None,
        open_wait: float | None = None,
        reader: Reader | None = None,
    ) -> None:
        self._memory = str(path) == ":memory:"
        self.path = Path(path) if self._memory else Path(path).expanduser()
        """The library file (`:memory:` for a private in-memory library)."""
        self.deriver = deriver
        """How frame rows are derived from posts, or None."""
        self.reader = reader
        """Which readers made the posts saved now, and how stored JSON is read again."""
        if not self._memory:
            maintenance.make_folder(self.path)
        self._busy_ms = int(busy_timeout * 1000)
        self._db = connect(self.path, self._memory, busy_timeout, open_wait)
        self.read_only = bool(self._db.execute("PRAGMA query_only").fetchone()[0]) or not (
            self._memory or os.access(self.path, os.W_OK)
        )
        """True when the file cannot be written here (a read-only disk or file): reading
        works, the frame cache is not written, and a write is a DiskError naming it."""

    @staticmethod
    def default_path() -> Path:
        """The library file: $LINKRATIO_DB if set, else `library.sqlite` in the user data dir."""
        override = os.environ.get(ENV_DB)
        if override:
            return Path(override).expanduser()
        return platformdirs.user_data_path("linkratio", appauthor=False) / "library.sqlite"

    def close(self) -> None:
        """Close the connection (committed data is already on disk)."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def schema_version(self) -> int:
        """The schema version of the library file (`len(MIGRATIONS)` once opened)."""
        return schema_version(self._db)

    # -- writing -------------------------------------------------------------------------

    def save_posts(
        self,
        account: Account,
        posts: Iterable[Post],
        *,
        origin: str,
        fetched_at: datetime | None = None,
        cursor: dict[str, Any] | None = None,
        cursor_done: bool = False,
        excerpt: bool = False,
    ) -> SaveResult:
        """Store `account` and its `posts` (and the pagination `cursor`) in one transaction.

        A post already stored under the same (platform, id) is updated in place; a post
        given twice counts once. `cursor` replaces the account's pagination state and
        `cursor_done` deletes it (a backfill's last page). The posts' frame rows are
        cached here too, so the next `frame()` finds them. With `excerpt` the posts come
        from a search or a feed, not the account's timeline: a fetch does not go on from
        the new ones (`linkratio.store.excerpts`).
        """
        if origin not in ORIGINS:
            raise ValueError(f"origin {origin!r}: expected one of {', '.join(ORIGINS)}")
        fetched = to_db_time(fetched_at or datetime.now(UTC))
        with gc_paused():
            batch = list({post.id: post for post in posts}.values())
            for post in batch:
                if post.platform != account.platform:
                    raise ValueError(
                        f"post {post.id} is on {post.platform}, not {account.platform}"
                    )
            state = orjson.dumps(cursor).decode() if cursor is not None else None
            bulk = self._is_bulk(len(batch))
            with (
                closing(self._encoding(batch, origin, bulk)) as encoding,
                self._bulk(bulk),
                transaction(self._db) as db,
            ):
                account_id = account_sql.upsert_account(db, account, fetched)
                reader = self.reader.stamp() if self.reader else None
                known, same = post_sql.write_posts(db, batch, account_id, origin, fetched, reader)
                excerpts.record(db, account.platform, [p.id for p in batch], known, excerpt)
                saved = (account.platform, account_id, batch, known, encoding.result())
                cache.add_saved(db, *saved, self.deriver)
                if state is not None:
                    account_sql.write_cursor(db, account.platform, account_id, state, fetched)
                elif cursor_done:
                    account_sql.delete_cursor(db, account.platform, account_id)
        return SaveResult(len(batch) - len(known), len(known) - same, same)

    def _is_bulk(self, posts: int) -> bool:
        """True when a save of `posts` posts is a bulk load (see `BULK_POSTS`)."""
        return not self._memory and posts >= BULK_POSTS and not post_sql.has_any(self._db)

    def _bulk(self, bulk: bool) -> contextlib.AbstractContextManager[None]:
        """How a save is journaled: a bulk load as `schema.written_once` says."""
        return written_once(self._db, self._busy_ms) if bulk else contextlib.nullcontext()

    def _encoding(self, batch: list[Post], origin: str, bulk: bool) -> Forked[Encoded | None]:
        """The saved posts' frame rows, derived by a forked child while a bulk load writes."""
        work = functools.partial(self._encode_saved, batch, origin)
        return Forked(work, fork=bulk and self.deriver is not None)

    def _encode_saved(self, batch: list[Post], origin: str) -> Encoded | None:
        """The frame rows `frame()` will serve for these posts, as they will read back."""
        if self.deriver is None:
            return None
        stamped = (p if p.source == origin else replace(p, source=origin) for p in batch)
        return cache.encode(self.deriver.derive(stamped), self.deriver)

    def record_sync(
        self, platform: str, account_id: str, *, when: datetime, posts_read: int, complete: bool
    ) -> None:
        """Log one sync run of the account: when, how many posts it read, whether it finished."""
        with transaction(self._db) as db:
            now = datetime.now(UTC)
            account_sql.record_sync(db, platform, account_id, when, posts_read, complete, now)

    def clear_cursor(self, platform: str, account_id: str) -> None:
        """Forget the pagination state of the account's unfinished backfill."""
        with transaction(self._db) as db:
            account_sql.delete_cursor(db, platform, account_id)

    def setting(self, key: str) -> str | None:
        """A value a previous run remembered, or None."""
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row is not None else None

    def set_setting(self, key: str, value: str) -> None:
        """Remember `value` under `key` for later runs."""
        with transaction(self._db) as db:
            db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one read-only statement against the library and return every row."""
        return self._db.execute(sql, params).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on the library: commit on success, roll back on any error."""
        with maintenance.named(self.path), transaction(self._db) as db:
            yield db

    # -- reading -------------------------------------------------------------------------

    def posts(self, platform: str, account_id: str, *, with_raw: bool = False) -> list[Post]:
        """The account's posts rebuilt from the library, edit chains collapsed, in time order."""
        return collapse(post_sql.all_posts(self._db, platform, account_id, with_raw))

    def frame(
        self, platform: str, account_id: str, *, columns: Collection[str] | None = None
    ) -> pd.DataFrame:
        """The DataFrame `frame.to_frame(self.posts(...))` would give, read from the cache.

        With `columns`, only those of its columns: the others are not even decoded.

        Equal values, list cells included, may be one shared object: copy a cell's list
        before changing it in place. Rebuilds the account's cache first when it is stale
        (the classifier changed) or incomplete (a library from before the cache), and
        merges it when it has grown into many segments. ValueError for a name in `columns`
        that is no frame column.
        """
        deriver = self._frame_deriver()
        if columns is not None:
            cache.selected(deriver, columns)  # the caller's error, before any cache is read
        with gc_paused():
            values = self._frame_columns(platform, account_id, deriver, columns)
            table = cache.table(values, deriver, columns)
        handle = account_sql.account_handle(self._db, platform, account_id)
        # as `linkratio.accounts.account_name` names an X account without a handle
        table.attrs["account"] = handle or (f"id {account_id}" if platform == "x" else account_id)
        table.attrs["origin"] = str(self.path)
        return table

    def _frame_deriver(self) -> Deriver:
        if self.deriver is None:
            raise TypeError(
                "this Library has no deriver, so no frame: open linkratio.frame.Library, "
                "or pass deriver=linkratio.frame.DERIVER"
            )
        return self.deriver

    def _frame_columns(
        self,
        platform: str,
        account_id: str,
        deriver: Deriver,
        names: Collection[str] | None = None,
    ) -> cache.Columns:
        """The account's frame rows in time order, from the cache, rebuilt first if need be.

        With `names`, at least those columns (and `id`, `created_at`).
        """
        with snapshot(self._db):  # one consistent view, whatever other processes write
            stored = post_sql.count_posts(self._db, platform, account_id)
            last, columns, merge = cache.cached_columns(
                self._db, platform, account_id, stored, deriver, names
            )
            found = post_sql.all_posts(self._db, platform, account_id) if columns is None else []
            dropped = self._superseded(platform, account_id)
        if columns is None:
            log.info("deriving the frame of %s/%s (%d posts)", platform, account_id, len(found))
            found.sort(key=lambda p: (p.created_at, id_key(p.id)))
            encoded = cache.encode(deriver.derive(found), deriver)
            self._replace_cache(platform, account_id, last, encoded)
            columns = cache.in_time_order(cache.decoded(encoded))
        elif merge:
            self._replace_cache(platform, account_id, last, cache.encode(columns, deriver))
        return cache.without(columns, dropped) if dropped else columns

    def _replace_cache(
        self, platform: str, account_id: str, last: int | None, encoded: Encoded
    ) -> None:
        """Make `encoded` the account's one cache segment, unless a save came in since `last`.

        Best effort: when the file is read-only, or another run writes for more than a
        second, the cache is merely not updated now (a read never waits long for it).
        """
        if self.read_only:
            return
        fingerprint = self._frame_deriver().fingerprint()
        self._db.execute("PRAGMA busy_timeout = 1000")
        try:
            with transaction(self._db) as db:
                if cache.last_segment(db, platform, account_id) != last:
                    return  # a save came in since: leave the merge to the next read
                cache.drop(db, platform, account_id)
                cache.write_segment(db, platform, account_id, fingerprint, 0, encoded)
        except sqlite3.OperationalError as e:
            log.warning("%s: frame cache not written (%s)", self.path, e)
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {self._busy_ms}")

    def _superseded(self, platform: str, account_id: str) -> set[str]:
        """Ids of stored posts that a newer stored version of the same edit chain replaces."""
        return post_sql.superseded(self._db, platform, account_id)

    def find_account(self, name: str, platform: str = "x") -> Account | None:
        """The account called `@handle` or `handle` (any case), or with the numeric id `name`."""
        return account_sql.find_account(self._db, name, platform)

    def accounts(self) -> list[AccountStats]:
        """Every account in the library with its post count, date range and last sync."""
        with snapshot(self._db):
            return account_sql.account_stats(self._db)

    def account_by_id(self, platform: str, account_id: str) -> Account | None:
        """The account stored under exactly this id (a Bluesky DID, an X user id), or None."""
        return account_sql.account_by_id(self._db, platform, account_id)

    def stored_post_ids(self, platform: str, account_id: str, ids: Sequence[str]) -> set[str]:
        """Those of `ids` stored as this account's posts from its timeline (not an excerpt)."""
        return post_sql.stored_post_ids(self._db, platform, account_id, ids)

    def has_posts(self, platform: str, account_id: str) -> bool:
        """True when the library stores a post of this account from its timeline (no excerpt)."""
        return post_sql.has_posts(self._db, platform, account_id)

    def newest_post_id(self, platform: str, account_id: str) -> str | None:
        """The account's newest post id stored from its timeline (not an excerpt): since_id."""
        return post_sql.newest_post_id(self._db, platform, account_id)

    def cursor(self, platform: str, account_id: str) -> dict[str, Any] | None:
        """The pagination state of the account's unfinished backfill, if any."""
        return account_sql.cursor(self._db, platform, account_id)

    def due_posts(self, platform: str, account_id: str) -> int:
        """How many of the account's posts with stored JSON other readers read (see `reread`)."""
        if self.reader is None:
            return 0
        return reread_sql.due_with_json(self._db, platform, account_id, self.reader.stamp())

    # -- upkeep --------------------------------------------------------------------------

    def check(self) -> list[str]:
        """What the page, reference and value checks (`store.garbled`) find wrong; [] if sound."""
        return garbled.check(self._db)

    def backup(self, dest: str | Path) -> Path:
        """Copy the library to `dest` (a file or folder); LibraryDamagedError if it is damaged."""
        where, folder = maintenance.backup_target(dest)
        check = garbled.check  # a damaged library never replaces a copy
        return maintenance.backup(self._db, self.path, where, folder=folder, check=check)

    def reread(
        self, accounts: Iterable[Account] | None = None, *, progress: Progress | None = None
    ) -> list[Reread]:
        """Read again, from their stored JSON, the posts that other readers read.

        `accounts`: those (default: all). `store.reread.run` says how (batches, `progress`);
        a changed account's frame cache is derived again.
        """
        if self.reader is None:
            raise TypeError("this Library has no reader: open linkratio.frame.Library")
        found = self.accounts() if accounts is None else accounts
        results = [Reread(a.platform, a.id or "", a.handle) for a in found]
        reread_sql.run(self._db, self.reader, results, progress)
        for done in (r for r in results if r.changed and self.deriver is not None):
            self._frame_columns(done.platform, done.account_id, self._frame_deriver())
        return results

    # -- one run at a time ---------------------------------------------------------------

    @contextmanager
    def run_lock(
        self, name: str, *, wait: float = 10.0, on_wait: Callable[[str], None] | None = None
    ) -> Iterator[None]:
        """Hold the run lock (`store.lock`: freed when its holder dies; `name` says who holds
        it; not re-entrant), waiting up to `wait` s (`on_wait(holder)` told first), else
        LibraryBusyError naming the holder."""
        if self._memory:  # nobody else can open a private in-memory library
            yield
            return
        with lock.run_lock(self.path, name, wait=wait, on_wait=on_wait):
            yield
