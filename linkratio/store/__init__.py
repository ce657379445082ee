"""The local library: one SQLite file of posts, their accounts, sync cursors and a frame cache.

All of linkratio's SQL lives here. The file runs in WAL mode (readers never wait for the
writer) with a busy timeout and foreign keys on. The schema version is `PRAGMA user_version`;
`MIGRATIONS` lists the steps from one version to the next, each applied in its own
transaction, so an old library is upgraded in place when it is opened.

A label is never stored as truth: posts hold only what the sources normalized (and the raw
JSON). What `frame.to_frame` derives from them (labels, urls, domains, partners) is cached
column-wise in `frame_segments` / `frame_columns`, one segment per `save_posts` call, under
`classifier_fingerprint()`: a hash of the code that derives it. Any change to that code
makes the cache stale, and the next `frame()` rebuilds it from the stored posts.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import orjson
import pandas as pd
import platformdirs

from linkratio.errors import InputError, LibraryBusyError
from linkratio.frame import COLUMNS, LIST_COLUMNS, OBJECT_COLUMNS
from linkratio.frame import columns as frame_columns
from linkratio.model import Account, Link, Post
from linkratio.sources.common import collapse, gc_paused

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

ORIGINS: tuple[str, ...] = ("api", "archive", "file")
"""Where a stored post came from: the X API, an archive import, or saved API data."""
ENV_DB = "LINKRATIO_DB"
"""The environment variable that overrides `Library.default_path()`."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MAX_SEGMENTS = 32
"""frame() merges an account's cache into one segment once it has more than this many."""

# -- schema ------------------------------------------------------------------------------

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
    # One frame column of a segment; see _encode for the encodings.
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

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    _V1_INITIAL,
    _V2_EDIT_CHAINS_AND_FRAME_CACHE,
    _V3_SETTINGS,
    _V4_DELIVERIES_CHALLENGES_LINKS,
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
        with _transaction(db):
            current = db.execute("PRAGMA user_version").fetchone()[0]
            if current > len(MIGRATIONS):
                raise InputError(
                    f"this library has schema version {current}, newer than this linkratio "
                    f"knows ({len(MIGRATIONS)}): upgrade linkratio"
                )
            if current >= target:
                return current
            for statement in MIGRATIONS[current]:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {current + 1}")
        log.info("library schema migrated to version %d", current + 1)


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: BEGIN IMMEDIATE takes the write lock up front (or waits for it)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# -- the classifier fingerprint ----------------------------------------------------------


DERIVING_MODULES: tuple[str, ...] = (
    "linkratio.model",
    "linkratio.links",
    "linkratio.classify",
    "linkratio.frame",
    __name__,
)
"""The modules whose code decides a cached frame row: the classifier, what it reads, the
frame's columns (partners) and this module's encoding of them."""


@functools.cache
def classifier_fingerprint() -> str:
    """A hash of the code behind the frame cache: any change to it invalidates the cache."""
    digest = hashlib.sha256()
    for name in DERIVING_MODULES:
        # import_module, not `from linkratio import classify`: the package re-exports a
        # function under that name.
        module = importlib.import_module(name)
        try:
            source = inspect.getsource(module)
        except (OSError, TypeError):  # no source shipped: fall back to the version
            source = f"{module.__name__} {_tool_version()}"
        digest.update(source.encode())
    # domains come from tldextract's bundled public-suffix snapshot.
    digest.update(_version_of("tldextract").encode())
    return digest.hexdigest()[:16]


def _version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


@functools.cache
def _tool_version() -> str:
    return "linkratio " + _version_of("linkratio")


# -- values in and out -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaveResult:
    """How many posts a save added and how many it updated in place."""

    inserted: int
    updated: int


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


def _id_key(post_id: str) -> tuple[int, str]:
    return (len(post_id), post_id)


def _json(values: Sequence[Any]) -> str:
    return orjson.dumps(values).decode() if values else "[]"


def _links_json(post_links: Sequence[Link]) -> str:
    if not post_links:
        return "[]"
    items = []
    for link in post_links:
        item: dict[str, Any] = {"url": link.url}
        if link.expanded is not None:
            item["expanded"] = link.expanded
        if link.media:
            item["media"] = True
        items.append(item)
    return orjson.dumps(items).decode()


def _links_of(text: str) -> tuple[Link, ...]:
    if text == "[]":
        return ()
    return tuple(
        Link(i["url"], i.get("expanded"), i.get("media", False)) for i in orjson.loads(text)
    )


def _micros(when: datetime) -> int:
    return (when - _EPOCH) // _MICROSECOND


def _from_micros(value: int) -> datetime:
    return _EPOCH + value * _MICROSECOND


def _iso(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError(f"{when!r} is naive: library times must be timezone-aware")
    return when.astimezone(UTC).isoformat()


def _from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


_POST_COLUMNS = (
    "platform", "post_id", "account_id", "created_at", "text", "author_id", "author_handle",
    "is_repost", "repost_of_handle", "reply_to_post_id", "reply_to_user_id", "reply_to_handle",
    "quoted_post_id", "quoted_user_id", "quoted_handle", "links", "mentions", "edit_ids",
    "chain_id", "origin", "fetched_at", "tool_version", "raw",
)  # fmt: skip
_INSERT_POST = (
    f"INSERT INTO posts ({', '.join(_POST_COLUMNS)}) VALUES ({', '.join('?' * len(_POST_COLUMNS))})"
)
_UPSERT_POST = (
    _INSERT_POST
    + " ON CONFLICT (platform, post_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _POST_COLUMNS[2:-1])
    # A save without raw JSON keeps the JSON an earlier save brought.
    + ", raw = coalesce(excluded.raw, posts.raw)"
)
_SELECT_POST = f"SELECT {', '.join(_POST_COLUMNS)} FROM posts"
_SELECT_POST_NO_RAW = _SELECT_POST.replace(", raw FROM", ", NULL FROM")


def _post_row(post: Post, account_id: str, origin: str, fetched: str) -> tuple[Any, ...]:
    edit_ids = post.edit_ids
    return (
        post.platform, post.id, account_id, _micros(post.created_at), post.text,
        post.author_id, post.author_handle, int(post.is_repost), post.repost_of_handle,
        post.reply_to_post_id, post.reply_to_user_id, post.reply_to_handle,
        post.quoted_post_id, post.quoted_user_id, post.quoted_handle,
        _links_json(post.links), _json(post.mentions), _json(edit_ids),
        min(edit_ids, key=_id_key) if len(edit_ids) > 1 else None,
        origin, fetched, _tool_version(), post.raw,
    )  # fmt: skip


def _post_of(row: Sequence[Any]) -> Post:
    (platform, post_id, _, created, text, author_id, author_handle, is_repost, repost_of,
     reply_post, reply_user, reply_handle, quoted_post, quoted_user, quoted_handle,
     post_links, mentions, edit_ids, _, origin, _, _, raw) = row  # fmt: skip
    return Post(
        platform=platform, id=post_id, created_at=_from_micros(created), text=text,
        author_id=author_id, author_handle=author_handle, is_repost=bool(is_repost),
        repost_of_handle=repost_of, reply_to_post_id=reply_post, reply_to_user_id=reply_user,
        reply_to_handle=reply_handle, quoted_post_id=quoted_post, quoted_user_id=quoted_user,
        quoted_handle=quoted_handle, links=_links_of(post_links),
        mentions=tuple(orjson.loads(mentions)), edit_ids=tuple(orjson.loads(edit_ids)),
        source=origin, raw=raw,
    )  # fmt: skip


# -- the frame cache encoding ------------------------------------------------------------
#
# Reading 200,000 rows through sqlite3 costs over a second in row and value objects alone,
# so the frame is cached column-wise: each column of a segment is one or two blobs.
#   int64   data: little-endian int64s (created_at in microseconds)
#   json    data: a JSON array of the values (id, text)
#   values  data: a JSON array of the distinct values (strings, or lists for the list
#           columns); codes: an int32 index into it per row, -1 for None
# Rows with equal lists get one shared list object: 800,000 fresh lists would cost more
# time (and garbage-collector passes) than all the rest of frame().

_JSON = frozenset({"id", "text"})
_LISTS = frozenset(LIST_COLUMNS)
_OBJECT_COLUMNS = OBJECT_COLUMNS

Encoded = list[tuple[str, str, bytes, bytes | None]]
"""(column, encoding, data, codes) per frame column."""


def _frame_rows(posts: Iterable[Post]) -> dict[str, list[Any]]:
    """Per frame column, what `frame.to_frame(posts)` derives from each post, in order."""
    return frame_columns(posts)


def _encode(columns: dict[str, Any]) -> Encoded:
    """Encode frame columns (lists or numpy arrays of the values) column by column."""
    encoded: Encoded = []
    for name in COLUMNS:
        values = columns[name]
        if isinstance(values, np.ndarray) and values.dtype == object:
            values = values.tolist()
        if name == "created_at":
            micros = np.asarray(values, dtype="<i8")
            encoded.append((name, "int64", micros.tobytes(), None))
        elif name in _JSON:
            encoded.append((name, "json", orjson.dumps(values), None))
        elif name in _LISTS:  # lists cannot be hashed: number them by their tuples
            index: dict[tuple[Any, ...], int] = {}
            codes = [index.setdefault(tuple(value), len(index)) for value in values]
            data = orjson.dumps(list(index))
            encoded.append((name, "values", data, np.array(codes, dtype="<i4").tobytes()))
        else:
            codes, uniques = pd.factorize(np.fromiter(values, dtype=object, count=len(values)))
            data = orjson.dumps(uniques.tolist())
            encoded.append((name, "values", data, codes.astype("<i4").tobytes()))
    return encoded


def _decode(encoding: str, data: bytes, codes: bytes | None) -> np.ndarray:
    """One column of one segment as a numpy array (int64 or object)."""
    if encoding == "int64":
        return np.frombuffer(data, dtype="<i8")
    values = orjson.loads(data)
    if encoding == "json":
        return np.fromiter(values, dtype=object, count=len(values))
    if encoding == "values":
        values.append(None)  # code -1
        index = np.frombuffer(codes or b"", dtype="<i4")
        return np.fromiter(values, dtype=object, count=len(values))[index]
    raise ValueError(f"unknown frame cache encoding {encoding!r}")


def _rows(encoded: Encoded) -> int:
    """How many rows an encoded frame holds."""
    return next(len(data) // 8 for name, _, data, _ in encoded if name == "created_at")


def _decoded(encoded: Encoded) -> dict[str, np.ndarray]:
    return {name: _decode(encoding, data, codes) for name, encoding, data, codes in encoded}


def _in_time_order(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The rows sorted as sources.common.collapse sorts posts (no copy when they already are)."""
    order = _time_order(columns["created_at"], columns["id"])
    if np.array_equal(order, np.arange(len(order))):
        return columns
    return {name: values[order] for name, values in columns.items()}


def _time_order(created: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Row order by creation time, then id by length and text (as sources.common.collapse)."""
    order = np.argsort(created, kind="stable")
    ordered = created[order]
    ties = np.flatnonzero(ordered[1:] == ordered[:-1]).tolist()
    i = 0
    while i < len(ties):  # a few posts share a second: order each such run by id
        j = i
        while j + 1 < len(ties) and ties[j + 1] == ties[j] + 1:
            j += 1
        run = slice(ties[i], ties[j] + 2)
        order[run] = sorted(order[run].tolist(), key=lambda row: _id_key(ids[row]))
        i = j + 1
    return order


def _table(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """The DataFrame to_frame() would build from these column values."""
    data: dict[str, Any] = {}
    for name in COLUMNS:
        values = columns[name]
        if name == "created_at":
            data[name] = pd.to_datetime(values, unit="us", utc=True)
        elif name in _OBJECT_COLUMNS or name in _LISTS:
            data[name] = pd.Series(values, dtype=object, copy=False)
        else:  # reply_to, quoted: from a list, so pandas infers their dtype as for to_frame
            data[name] = values.tolist()
    return pd.DataFrame(data, columns=list(COLUMNS))


# -- the library -------------------------------------------------------------------------


class Library:
    """A local SQLite library of posts."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0) -> None:
        self._memory = str(path) == ":memory:"
        self.path = Path(path) if self._memory else Path(path).expanduser()
        """The library file (`:memory:` for a private in-memory library)."""
        if not self._memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            ":memory:" if self._memory else self.path,
            timeout=busy_timeout,
            isolation_level=None,  # transactions are explicit: see _transaction
        )
        self._busy_ms = int(busy_timeout * 1000)
        try:
            self._db.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
            self._db.execute("PRAGMA journal_mode = WAL")
            # In WAL mode NORMAL loses no commit when the process dies (kill -9 included),
            # only, at worst, the last ones on a power cut; it never corrupts the file.
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            migrate(self._db)
        except sqlite3.DatabaseError as e:
            self._db.close()
            if "locked" in str(e) or "busy" in str(e):
                raise LibraryBusyError(
                    f"{self.path}: the library stayed locked by another process for "
                    f"{busy_timeout:g} s"
                ) from None
            raise InputError(f"{self.path}: cannot be used as a linkratio library ({e})") from None
        except BaseException:
            self._db.close()
            raise

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

    def __enter__(self) -> Library:
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
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

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
    ) -> SaveResult:
        """Store `account` and its `posts` (and the pagination `cursor`) in one transaction.

        A post already stored under the same (platform, id) is updated in place; a post
        given twice counts once. `cursor` replaces the account's pagination state and
        `cursor_done` deletes it (a backfill's last page). The posts' frame rows are
        cached here too, so the next `frame()` finds them.
        """
        if origin not in ORIGINS:
            raise ValueError(f"origin {origin!r}: expected one of {', '.join(ORIGINS)}")
        fetched = _iso(fetched_at or datetime.now(UTC))
        classifier = classifier_fingerprint()
        with gc_paused():
            batch = list({post.id: post for post in posts}.values())
            for post in batch:
                if post.platform != account.platform:
                    raise ValueError(
                        f"post {post.id} is on {post.platform}, not {account.platform}"
                    )
            state = orjson.dumps(cursor).decode() if cursor is not None else None
            # What frame() will serve for these posts, as they will read back.
            stamped = (p if p.source == origin else replace(p, source=origin) for p in batch)
            encoded = _encode(_frame_rows(stamped))
            with _transaction(self._db) as db:
                account_id = self._upsert_account(db, account, fetched)
                rows = [_post_row(p, account_id, origin, fetched) for p in batch]
                known = self._owners(db, account.platform, [p.id for p in batch])
                for other in set(known.values()) - {account_id}:  # posts moving between accounts
                    self._drop_cache(db, account.platform, other)
                # A plain INSERT is a quarter faster than the upsert: keep that for known ids.
                db.executemany(_INSERT_POST, [row for row in rows if row[1] not in known])
                db.executemany(_UPSERT_POST, [row for row in rows if row[1] in known])
                if batch:
                    replaced = sum(owner == account_id for owner in known.values())
                    self._write_segment(
                        db, account.platform, account_id, classifier, replaced, encoded
                    )
                if state is not None:
                    self._write_cursor(db, account.platform, account_id, state, fetched)
                elif cursor_done:
                    self._delete_cursor(db, account.platform, account_id)
        return SaveResult(inserted=len(batch) - len(known), updated=len(known))

    def _upsert_account(self, db: sqlite3.Connection, account: Account, now: str) -> str:
        account_id = account.id
        if account_id is None:
            found = (
                self.find_account("@" + account.handle, account.platform)
                if account.handle
                else None
            )
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

    def _owners(self, db: sqlite3.Connection, platform: str, ids: list[str]) -> dict[str, str]:
        """The stored posts among `ids`, with the account each is stored under."""
        rows = db.execute(
            "SELECT post_id, account_id FROM posts WHERE platform = ? AND post_id IN"
            " (SELECT value FROM json_each(?))",
            (platform, _json(ids)),
        )
        return dict(rows.fetchall())

    def _write_segment(
        self,
        db: sqlite3.Connection,
        platform: str,
        account_id: str,
        classifier: str,
        replaced: int,
        encoded: Encoded,
    ) -> None:
        segment = db.execute(
            "INSERT INTO frame_segments (platform, account_id, classifier, rows, replaced)"
            " VALUES (?, ?, ?, ?, ?)",
            (platform, account_id, classifier, _rows(encoded), replaced),
        ).lastrowid
        db.executemany(
            "INSERT INTO frame_columns VALUES (?, ?, ?, ?, ?)",
            [(segment, *column) for column in encoded],
        )

    def _drop_cache(self, db: sqlite3.Connection, platform: str, account_id: str) -> None:
        db.execute(
            "DELETE FROM frame_segments WHERE platform = ? AND account_id = ?",
            (platform, account_id),
        )

    def _write_cursor(
        self, db: sqlite3.Connection, platform: str, account_id: str, state: str, now: str
    ) -> None:
        db.execute(
            "INSERT INTO cursors (platform, account_id, state, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (platform, account_id) DO UPDATE SET"
            " state = excluded.state, updated_at = excluded.updated_at",
            (platform, account_id, state, now),
        )

    def _delete_cursor(self, db: sqlite3.Connection, platform: str, account_id: str) -> None:
        db.execute(
            "DELETE FROM cursors WHERE platform = ? AND account_id = ?", (platform, account_id)
        )

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one read-only statement against the library and return every row."""
        return self._db.execute(sql, params).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on the library: commit on success, roll back on any error."""
        with _transaction(self._db) as db:
            yield db

    def setting(self, key: str) -> str | None:
        """A value a previous run remembered, or None."""
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row is not None else None

    def set_setting(self, key: str, value: str) -> None:
        """Remember `value` under `key` for later runs."""
        with _transaction(self._db) as db:
            db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def clear_cursor(self, platform: str, account_id: str) -> None:
        """Forget the pagination state of the account's unfinished backfill."""
        with _transaction(self._db) as db:
            self._delete_cursor(db, platform, account_id)

    def record_sync(
        self, platform: str, account_id: str, *, when: datetime, posts_read: int, complete: bool
    ) -> None:
        """Log one sync run of the account: when, how many posts it read, whether it finished."""
        now = _iso(datetime.now(UTC))
        with _transaction(self._db) as db:
            db.execute(
                "INSERT INTO accounts (platform, id, first_seen, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (platform, id) DO NOTHING",
                (platform, account_id, now, now),
            )
            db.execute(
                "INSERT INTO syncs (platform, account_id, at, posts_read, complete)"
                " VALUES (?, ?, ?, ?, ?)",
                (platform, account_id, _iso(when), posts_read, int(complete)),
            )

    # -- reading -------------------------------------------------------------------------

    def posts(self, platform: str, account_id: str, *, with_raw: bool = False) -> list[Post]:
        """The account's posts rebuilt from the library, edit chains collapsed, in time order."""
        return collapse(self._all_posts(platform, account_id, with_raw))

    def _all_posts(self, platform: str, account_id: str, with_raw: bool = False) -> list[Post]:
        """Every stored post of the account, superseded edit versions included, in no order."""
        rows = self._db.execute(
            f"{_SELECT_POST if with_raw else _SELECT_POST_NO_RAW}"
            " WHERE platform = ? AND account_id = ?",
            (platform, account_id),
        )
        with gc_paused():
            return [_post_of(row) for row in rows]

    def frame(self, platform: str, account_id: str) -> pd.DataFrame:
        """The DataFrame `frame.to_frame(self.posts(...))` would give, read from the cache.

        Equal values, list cells included, may be one shared object: copy a cell's list
        before changing it in place. Rebuilds the account's cache first when it is stale
        (the classifier changed) or incomplete (a library from before the cache), and
        merges it when it has grown into many segments.
        """
        classifier = classifier_fingerprint()
        with gc_paused():
            with self._snapshot():  # one consistent view, whatever other processes write
                last, columns, merge = self._cached_columns(platform, account_id, classifier)
                posts = self._all_posts(platform, account_id) if columns is None else []
                dropped = self._superseded(platform, account_id)
            if columns is None:
                log.info("deriving the frame of %s/%s (%d posts)", platform, account_id, len(posts))
                posts.sort(key=lambda p: (p.created_at, _id_key(p.id)))
                encoded = _encode(_frame_rows(posts))
                self._replace_cache(platform, account_id, classifier, last, encoded)
                columns = _in_time_order(_decoded(encoded))
            elif merge:
                self._replace_cache(platform, account_id, classifier, last, _encode(columns))
            if dropped:
                keep = ~pd.Index(columns["id"]).isin(list(dropped))
                columns = {name: values[keep] for name, values in columns.items()}
            table = _table(columns)
        account = self._db.execute(
            "SELECT handle FROM accounts WHERE platform = ? AND id = ?", (platform, account_id)
        ).fetchone()
        table.attrs["account"] = (account[0] if account else None) or account_id
        table.attrs["origin"] = str(self.path)
        return table

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """A read transaction: in WAL mode its queries all see one committed state."""
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    def _cached_columns(
        self, platform: str, account_id: str, classifier: str
    ) -> tuple[int | None, dict[str, np.ndarray] | None, bool]:
        """(last segment, every stored post's frame row in time order, merge the segments?).

        The rows are None when the cache is stale or does not cover every stored post.
        """
        key = (platform, account_id)
        segments = self._db.execute(
            "SELECT segment, classifier, replaced FROM frame_segments"
            " WHERE platform = ? AND account_id = ? ORDER BY segment",
            key,
        ).fetchall()
        last = segments[-1][0] if segments else None
        stored = self._db.execute(
            "SELECT count(*) FROM posts WHERE platform = ? AND account_id = ?", key
        ).fetchone()[0]
        if not segments:
            return last, None if stored else _decoded(_encode(_frame_rows([]))), False
        if any(found != classifier for _, found, _ in segments):
            return last, None, False
        parts: dict[str, list[np.ndarray]] = {name: [] for name in COLUMNS}
        rows = self._db.execute(
            "SELECT c.name, c.encoding, c.data, c.codes FROM frame_segments s"
            " JOIN frame_columns c ON c.segment = s.segment"
            " WHERE s.platform = ? AND s.account_id = ? ORDER BY s.segment, c.name",
            key,
        )
        for name, encoding, data, codes in rows:
            parts[name].append(_decode(encoding, data, codes))
        columns = {name: np.concatenate(arrays) for name, arrays in parts.items()}
        merge = len(segments) > _MAX_SEGMENTS
        if any(replaced for _, _, replaced in segments[1:]):
            # A post saved again is in a later segment too: its last copy is the current one.
            keep = ~pd.Index(columns["id"]).duplicated(keep="last")
            columns = {name: values[keep] for name, values in columns.items()}
            merge = True
        if len(columns["id"]) != stored:
            return last, None, False  # posts from before the cache, or moved to another account
        return last, _in_time_order(columns), merge

    def _replace_cache(
        self, platform: str, account_id: str, classifier: str, last: int | None, encoded: Encoded
    ) -> None:
        """Make `encoded` the account's one cache segment, unless a save came in since `last`.

        Best effort: when the file is read-only, or another run writes for more than a
        second, the cache is merely not updated now (a read never waits long for it).
        """
        self._db.execute("PRAGMA busy_timeout = 1000")
        try:
            with _transaction(self._db) as db:
                now = db.execute(
                    "SELECT max(segment) FROM frame_segments WHERE platform = ? AND account_id = ?",
                    (platform, account_id),
                ).fetchone()[0]
                if now != last:  # a save came in since: leave the merge to the next read
                    return
                self._drop_cache(db, platform, account_id)
                self._write_segment(db, platform, account_id, classifier, 0, encoded)
        except sqlite3.OperationalError as e:
            log.warning("%s: frame cache not written (%s)", self.path, e)
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {self._busy_ms}")

    def _superseded(self, platform: str, account_id: str) -> set[str]:
        """Ids of stored posts that a newer stored version of the same edit chain replaces."""
        edited = self._db.execute(
            "SELECT post_id, chain_id FROM posts"
            " WHERE platform = ? AND account_id = ? AND chain_id IS NOT NULL",
            (platform, account_id),
        ).fetchall()
        if not edited:
            return set()
        chains: dict[str, list[str]] = {}
        for post_id, chain in edited:
            chains.setdefault(chain, []).append(post_id)
        # A chain's first post may name only itself, so its own chain_id is NULL.
        heads = self._db.execute(  # CROSS JOIN: look the few ids up, never scan the account
            "SELECT p.post_id FROM json_each(?) AS j CROSS JOIN posts AS p"
            " ON p.platform = ? AND p.post_id = j.value"
            " WHERE p.account_id = ? AND p.chain_id IS NULL",
            (_json(sorted(chains)), platform, account_id),
        )
        for (post_id,) in heads:
            chains[post_id].append(post_id)
        dropped: set[str] = set()
        for members in chains.values():
            newest = max(members, key=_id_key)
            dropped.update(m for m in members if m != newest)
        return dropped

    def find_account(self, name: str, platform: str = "x") -> Account | None:
        """The account called `@handle` or `handle` (any case), or with the numeric id `name`."""
        name = name.strip()
        query = "SELECT platform, id, handle FROM accounts WHERE platform = ? AND "
        if name.isdigit():
            row = self._db.execute(query + "id = ?", (platform, name)).fetchone()
            if row is not None:
                return Account(*row)
        row = self._db.execute(
            query + "handle = ? COLLATE NOCASE ORDER BY updated_at DESC LIMIT 1",
            (platform, name.removeprefix("@")),
        ).fetchone()
        return Account(*row) if row is not None else None

    def accounts(self) -> list[AccountStats]:
        """Every account in the library with its post count, date range and last sync."""
        with self._snapshot():
            return self._account_stats()

    def _account_stats(self) -> list[AccountStats]:
        rows = self._db.execute(
            """SELECT a.platform, a.id, a.handle, count(p.created_at),
                      min(p.created_at), max(p.created_at), s.at, s.complete
                 FROM accounts a
                 LEFT JOIN posts p ON p.platform = a.platform AND p.account_id = a.id
                 LEFT JOIN syncs s ON s.id = (
                      SELECT id FROM syncs WHERE platform = a.platform AND account_id = a.id
                       ORDER BY at DESC, id DESC LIMIT 1)
                GROUP BY a.platform, a.id
                ORDER BY a.platform, lower(a.handle), a.id"""
        ).fetchall()
        return [
            AccountStats(
                platform=platform,
                id=account_id,
                handle=handle,
                posts=count - len(self._superseded(platform, account_id)),
                first_post=_from_micros(first) if first is not None else None,
                last_post=_from_micros(last) if last is not None else None,
                last_sync=_from_iso(sync_at),
                last_sync_complete=bool(complete) if complete is not None else None,
            )
            for platform, account_id, handle, count, first, last, sync_at, complete in rows
        ]

    def account_by_id(self, platform: str, account_id: str) -> Account | None:
        """The account stored under exactly this id (a Bluesky DID, an X user id), or None."""
        row = self._db.execute(
            "SELECT platform, id, handle FROM accounts WHERE platform = ? AND id = ?",
            (platform, account_id),
        ).fetchone()
        return Account(*row) if row is not None else None

    def stored_post_ids(self, platform: str, account_id: str, ids: Sequence[str]) -> set[str]:
        """Those of `ids` that the library stores as posts of this account."""
        if not ids:
            return set()
        rows = self._db.execute(
            "SELECT post_id FROM posts WHERE platform = ? AND account_id = ?"
            " AND post_id IN (SELECT value FROM json_each(?))",
            (platform, account_id, orjson.dumps(list(ids)).decode()),
        )
        return {row[0] for row in rows}

    def has_posts(self, platform: str, account_id: str) -> bool:
        """True when the library stores at least one post of this account."""
        row = self._db.execute(
            "SELECT 1 FROM posts WHERE platform = ? AND account_id = ? LIMIT 1",
            (platform, account_id),
        ).fetchone()
        return row is not None

    def newest_post_id(self, platform: str, account_id: str) -> str | None:
        """The account's newest stored post id (snowflake order), whatever its origin: since_id."""
        row = self._db.execute(
            "SELECT post_id FROM posts WHERE platform = ? AND account_id = ?"
            " ORDER BY length(post_id) DESC, post_id DESC LIMIT 1",
            (platform, account_id),
        ).fetchone()
        return row[0] if row is not None else None

    def cursor(self, platform: str, account_id: str) -> dict[str, Any] | None:
        """The pagination state of the account's unfinished backfill, if any."""
        row = self._db.execute(
            "SELECT state FROM cursors WHERE platform = ? AND account_id = ?",
            (platform, account_id),
        ).fetchone()
        return orjson.loads(row[0]) if row is not None else None

    # -- one run at a time ---------------------------------------------------------------

    @contextmanager
    def run_lock(self, name: str, *, wait: float = 10.0) -> Iterator[None]:
        """Hold the library's run lock, waiting up to `wait` seconds, else LibraryBusyError.

        The lock is `fcntl.flock` on `<library>.lock` beside the file, so the kernel frees
        it when the holder dies, kill -9 included. `name` says who holds it (e.g.
        "fetch @handle"); a waiter that gives up names the holder. Not re-entrant.
        """
        if self._memory:  # nobody else can open a private in-memory library
            yield
            return
        if fcntl is None:  # pragma: no cover
            raise LibraryBusyError("run locks need fcntl.flock, which this system lacks")
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _flock(fd, wait, lambda: self._busy(fd, wait))
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{name} (pid {os.getpid()})".encode(), 0)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _busy(self, fd: int, wait: float) -> LibraryBusyError:
        holder = os.pread(fd, 300, 0).decode("utf-8", "replace").strip()
        return LibraryBusyError(
            f"the library {self.path} is in use by another linkratio run"
            f"{f' ({holder})' if holder else ''}; waited {wait:g} s: try again when it ends"
        )


def _flock(fd: int, wait: float, busy: Callable[[], LibraryBusyError]) -> None:
    """Take an exclusive flock on `fd`, polling until `wait` seconds have passed."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0:
                raise busy() from None
            time.sleep(min(0.05, left))
