"""The library's schema: the tables, and the migrations from one version to the next.

The schema version is `PRAGMA user_version`; `MIGRATIONS` lists the steps from one version
to the next, each applied in its own transaction, so an old library is upgraded in place
when it is opened (`connect`). A step is an SQL statement or a function of the connection.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import linkratio.store.maintenance as maintenance
from linkratio.errors import DiskError, InputError, LibraryBusyError
from linkratio.store.excerpts import V6_EXCERPTS
from linkratio.store.refusals import V8_REFUSALS
from linkratio.store.times import V5_ONE_TIME_FORMAT

log = logging.getLogger(__name__)

_DAMAGED_OR_UNWRITABLE = frozenset({8, 10, 11, 13, 14})
"""SQLITE_READONLY, IOERR, CORRUPT, FULL, CANTOPEN: not "some other file", but this one hurt."""
_UNWRITABLE = frozenset({8, 14})
"""SQLITE_READONLY, CANTOPEN: what opening a library that cannot be written raises."""

Step = str | Callable[[sqlite3.Connection], None]
"""One migration step: an SQL statement, or a function that rewrites data in Python."""

_V1_INITIAL = (
    """CREATE TABLE accounts (
        platform TEXT NOT NULL,
        id TEXT NOT NULL,
        handle TEXT,
        first_seen TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (platform, id))""",
    # created_at: microseconds since 1970-01-01 UTC; links/mentions/edit_ids: JSON arrays.
    """CREATE TABLE posts (
        platform TEXT NOT NULL,
        post_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        text TEXT NOT NULL,
        author_id TEXT,
        author_handle TEXT,
        is_repost INTEGER NOT NULL DEFAULT 0,
        repost_of_handle TEXT,
        reply_to_post_id TEXT,
        reply_to_user_id TEXT,
        reply_to_handle TEXT,
        quoted_post_id TEXT,
        quoted_user_id TEXT,
        quoted_handle TEXT,
        links TEXT NOT NULL DEFAULT '[]',
        mentions TEXT NOT NULL DEFAULT '[]',
        edit_ids TEXT NOT NULL DEFAULT '[]',
        origin TEXT NOT NULL CHECK (origin IN ('api', 'archive', 'file')),
        fetched_at TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        raw BLOB,
        PRIMARY KEY (platform, post_id),
        FOREIGN KEY (platform, account_id) REFERENCES accounts (platform, id))""",
    "CREATE INDEX posts_by_account ON posts (platform, account_id, created_at)",
    """CREATE TABLE cursors (
        platform TEXT NOT NULL,
        account_id TEXT NOT NULL,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (platform, account_id),
        FOREIGN KEY (platform, account_id) REFERENCES accounts (platform, id))""",
    """CREATE TABLE syncs (
        id INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        account_id TEXT NOT NULL,
        at TEXT NOT NULL,
        posts_read INTEGER NOT NULL,
        complete INTEGER NOT NULL,
        FOREIGN KEY (platform, account_id) REFERENCES accounts (platform, id))""",
    "CREATE INDEX syncs_by_account ON syncs (platform, account_id, at)",
)

_V2_EDIT_CHAINS_AND_FRAME_CACHE = (
    # The first id of a post's edit chain when the post names more than one version, so
    # superseded versions are found without decoding every row's edit_ids.
    "ALTER TABLE posts ADD COLUMN chain_id TEXT",
    """UPDATE posts SET chain_id = (
        SELECT value FROM json_each(posts.edit_ids) ORDER BY length(value), value LIMIT 1)
       WHERE json_array_length(edit_ids) > 1""",
    "CREATE INDEX posts_edited ON posts (platform, account_id, chain_id)"
    " WHERE chain_id IS NOT NULL",
    # The frame rows of the posts one save stored (`replaced`: how many were stored before);
    # AUTOINCREMENT never reuses a number, so a later segment always has a higher one.
    """CREATE TABLE frame_segments (
        segment INTEGER PRIMARY KEY AUTOINCREMENT,
        platform TEXT NOT NULL,
        account_id TEXT NOT NULL,
        classifier TEXT NOT NULL,
        rows INTEGER NOT NULL,
        replaced INTEGER NOT NULL,
        FOREIGN KEY (platform, account_id) REFERENCES accounts (platform, id))""",
    "CREATE INDEX frame_segments_by_account ON frame_segments (platform, account_id, segment)",
    # One frame column of a segment; see linkratio.store.cache for the encodings.
    """CREATE TABLE frame_columns (
        segment INTEGER NOT NULL REFERENCES frame_segments ON DELETE CASCADE,
        name TEXT NOT NULL,
        encoding TEXT NOT NULL,
        data BLOB NOT NULL,
        codes BLOB,
        PRIMARY KEY (segment, name))""",
)

_V3_SETTINGS = (
    # Small facts a run remembers for the next one, e.g. which account a token belongs to.
    """CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL)""",
)

_V4_DELIVERIES_CHALLENGES_LINKS = (
    # One row per weekly summary sent: `destination` is "email:<address>" or
    # "webhook:<sha256 prefix of the URL>" (a webhook URL is a secret and is never stored).
    """CREATE TABLE deliveries (
        platform TEXT NOT NULL,
        account_id TEXT NOT NULL,
        week TEXT NOT NULL,
        destination TEXT NOT NULL,
        delivered_at TEXT NOT NULL,
        PRIMARY KEY (platform, account_id, week, destination))""",
    # A talk-only-day challenge: `day` is YYYY-MM-DD in the time zone `zone`.
    """CREATE TABLE challenges (
        platform TEXT NOT NULL,
        account_id TEXT NOT NULL,
        day TEXT NOT NULL,
        zone TEXT NOT NULL,
        set_at TEXT NOT NULL,
        PRIMARY KEY (platform, account_id, day))""",
    # Where a link really goes, resolved once ever; a failure carries a retry_after time.
    # `hops` is a JSON array of the URLs visited; response bodies are never stored.
    """CREATE TABLE link_resolutions (
        url TEXT PRIMARY KEY,
        final_url TEXT,
        status INTEGER,
        hops TEXT NOT NULL DEFAULT '[]',
        resolved_at TEXT NOT NULL,
        error TEXT,
        retry_after TEXT)""",
    # Hosts that answered with a redirect: treated as shorteners from then on.
    """CREATE TABLE redirect_hosts (
        host TEXT PRIMARY KEY,
        first_seen TEXT NOT NULL)""",
)


def _add_reader(db: sqlite3.Connection) -> None:
    """The column `reader`, unless a library set back to an older version has it already."""
    if "reader" not in {row[1] for row in db.execute("PRAGMA table_info(posts)")}:
        db.execute("ALTER TABLE posts ADD COLUMN reader TEXT")


_V7_READER: tuple[Step, ...] = (
    # The fingerprint of the readers that made a post's columns (linkratio.store.reread);
    # NULL: read before it was recorded. Indexed where the post has JSON to read again.
    _add_reader,
    "CREATE INDEX IF NOT EXISTS posts_by_reader ON posts (platform, account_id, reader)"
    " WHERE raw IS NOT NULL",
)


MIGRATIONS: tuple[tuple[Step, ...], ...] = (
    _V1_INITIAL,
    _V2_EDIT_CHAINS_AND_FRAME_CACHE,
    _V3_SETTINGS,
    _V4_DELIVERIES_CHALLENGES_LINKS,
    V5_ONE_TIME_FORMAT,
    V6_EXCERPTS,
    _V7_READER,
    V8_REFUSALS,
)
"""Schema steps in order: applying MIGRATIONS[n] takes a library from version n to n + 1."""


def migrate(db: sqlite3.Connection, target: int | None = None) -> int:
    """Apply the migrations up to version `target` (default: the newest); return the version."""
    target = len(MIGRATIONS) if target is None else target
    # Read the version without a transaction first: a library that is up to date must not
    # take the write lock just to be opened, or every reader would wait for every writer.
    current = db.execute("PRAGMA user_version").fetchone()[0]
    if target <= current <= len(MIGRATIONS):
        return current
    while True:
        with transaction(db):
            current = db.execute("PRAGMA user_version").fetchone()[0]
            if current > len(MIGRATIONS):
                raise InputError(
                    f"this library has schema version {current}, newer than this linkratio "
                    f"knows ({len(MIGRATIONS)}): upgrade linkratio"
                )
            if current >= target:
                return current
            for step in MIGRATIONS[current]:
                if isinstance(step, str):
                    db.execute(step)
                else:
                    step(db)
            db.execute(f"PRAGMA user_version = {current + 1}")
        log.info("library schema migrated to version %d", current + 1)


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: BEGIN IMMEDIATE takes the write lock up front (or waits for it)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        # A COMMIT that failed (SQLITE_FULL, an I/O error) may have rolled back already:
        # a second ROLLBACK would hide the real error behind "no transaction is active".
        if db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
        raise


@contextmanager
def snapshot(db: sqlite3.Connection) -> Iterator[None]:
    """A read transaction: in WAL mode its queries all see one committed state."""
    db.execute("BEGIN")
    try:
        yield
    finally:
        db.execute("COMMIT")


@contextmanager
def written_once(db: sqlite3.Connection, busy_ms: int) -> Iterator[None]:
    """A rollback journal instead of WAL while a bulk save fills a library that holds no posts.

    WAL writes each page twice (the log, then the file at the checkpoint); a rollback
    journal writes a new page once and journals only pages that existed: a third less time
    for a first import of 200,000 posts. synchronous = FULL keeps it as safe on a power
    cut. Leaving WAL needs the file to itself: when another connection has it open, this
    waits for nothing and changes nothing. WAL is back afterwards (and at the next open).
    """
    db.execute("PRAGMA busy_timeout = 0")
    try:
        mode = db.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.OperationalError:  # busy: another connection has the file open
        mode = "wal"
    finally:
        db.execute(f"PRAGMA busy_timeout = {busy_ms}")
    if mode != "delete":
        yield
        return
    db.execute("PRAGMA synchronous = FULL")
    try:
        yield
    finally:
        db.execute("PRAGMA synchronous = NORMAL")
        try:
            db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as e:  # a reader came: the next open sets WAL
            log.debug("the library stays in rollback-journal mode until reopened: %s", e)


def schema_version(db: sqlite3.Connection) -> int:
    """The schema version of the library file (`len(MIGRATIONS)` once migrated)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def connect(path: Path, memory: bool, busy: float, wait: float | None) -> sqlite3.Connection:
    """Open, configure and migrate the library file; errors a person can act on.

    A lock another process holds is waited for `wait` s while opening (None: `busy`), then
    `busy` s. A library that cannot be written (a read-only disk or file) is opened read-only
    (`PRAGMA query_only` says so) when it needs no migration: reading works, writing is a
    DiskError naming it.
    """
    wait = min(max(busy if wait is None else wait, 0), 2e6)  # SQLite: none past 2**31 ms
    if not memory and path.is_dir():
        raise InputError(
            f"{path}: is a folder, not a library file: name the file (e.g. "
            f"{path / 'library.sqlite'})"
        )
    if not memory and path.exists() and not path.is_file():  # a FIFO would hang, a device...
        raise InputError(f"{path}: not a regular file: name a library file")
    try:
        db = sqlite3.connect(
            ":memory:" if memory else path,
            timeout=wait,
            isolation_level=None,  # transactions are explicit: see transaction
        )
    except sqlite3.Error as e:
        raise maintenance.failure(e, path) from None
    try:
        db.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        # Another program's SQLite file (a mistyped --db) has tables but no schema version:
        # refused before anything (WAL mode, linkratio's tables) is written into it.
        if schema_version(db) == 0 and db.execute("SELECT 1 FROM sqlite_master").fetchone():
            raise InputError("it holds tables of another program, not a linkratio library")
        deadline = time.monotonic() + wait
        while True:  # while another run writes in rollback-journal mode (`written_once`),
            try:  # SQLite refuses WAL at once, without its busy handler: retry till the timeout
                db.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)
        # In WAL mode NORMAL loses no commit when the process dies (kill -9 included),
        # only, at worst, the last ones on a power cut; it never corrupts the file.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
        db.execute(f"PRAGMA busy_timeout = {int(busy * 1000)}")
    except sqlite3.DatabaseError as e:
        db.close()
        code = (getattr(e, "sqlite_errorcode", 0) or 0) & 0xFF
        if not memory and code in _UNWRITABLE and path.is_file():
            return read_only(path, busy, e)
        if "locked" in str(e) or "busy" in str(e):
            raise LibraryBusyError(
                f"{path}: the library stayed locked by another process for {wait:g} s"
            ) from None
        if code in _DAMAGED_OR_UNWRITABLE:
            raise maintenance.failure(e, path) from None
        raise InputError(f"{path}: cannot be used as a linkratio library ({e})") from None
    except InputError as e:  # a newer schema, another program's file: name the file
        db.close()
        raise InputError(f"{path}: {e}") from None
    except BaseException:
        db.close()
        raise
    return db


def read_only(path: Path, busy_timeout: float, cause: sqlite3.Error) -> sqlite3.Connection:
    """The library file `path`, which cannot be written, opened for reading only.

    `mode=ro` first (it sees what another run commits); `immutable=1` where even that
    cannot open a WAL library (no `-shm` file beside it and none can be made). A library
    that needs a migration says it must be opened once where it can be written.
    """
    uri = path.resolve().as_uri()
    for mode in ("mode=ro", "immutable=1"):
        db = sqlite3.connect(f"{uri}?{mode}", uri=True, timeout=busy_timeout, isolation_level=None)
        try:
            db.execute("PRAGMA query_only = ON")
            db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            version = schema_version(db)
            other = version == 0 and db.execute("SELECT 1 FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            continue
        try:
            _readable_as_it_is(path, version, bool(other), immutable=mode != "mode=ro")
        except BaseException:
            db.close()
            raise
        db.execute("PRAGMA foreign_keys = ON")
        return db
    raise maintenance.failure(cause, path)


def _readable_as_it_is(path: Path, version: int, other: bool, *, immutable: bool) -> None:
    """Refuse a read-only library that reading as it is would misread (InputError, DiskError)."""
    if other:
        raise InputError(f"{path}: it holds tables of another program, not a linkratio library")
    if version > len(MIGRATIONS):
        raise InputError(
            f"{path}: this library has schema version {version}, newer than this linkratio "
            f"knows ({len(MIGRATIONS)}): upgrade linkratio"
        )
    if version < len(MIGRATIONS):
        raise DiskError(
            f"{path}: this library has schema version {version}, older than this linkratio's "
            f"{len(MIGRATIONS)}, and it cannot be written here: open it once where it can be "
            "written (or copy it to a writable disk) to upgrade it"
        )
    wal = path.with_name(path.name + "-wal")
    with contextlib.suppress(OSError):
        if immutable and wal.stat().st_size > 0:
            raise DiskError(
                f"{path}: its write-ahead log {wal.name} holds commits that cannot be read "
                "on a read-only disk: open the library once on a writable disk"
            )
