"""Keeping a library healthy: an integrity check and an online backup.

`check` runs SQLite's `integrity_check` (every page, index and constraint) and
`foreign_key_check`; `backup` copies the library with SQLite's online backup API, which
gives a consistent copy even while another run writes, into a temporary file that is
renamed into place only once complete. `failure` turns what SQLite raises on a damaged,
full or locked file into the one-line error a person can act on.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import inspect
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from linkratio.errors import (
    DiskError,
    InputError,
    LibraryBusyError,
    LibraryClosedError,
    LibraryDamagedError,
    LinkratioError,
)

_MAX_PROBLEMS = 20
# SQLite's primary result codes (the low byte of an extended code).
_BUSY = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED
_WRITE = frozenset({8, 10, 13, 14})  # READONLY, IOERR, FULL, CANTOPEN
_FULL = 13
DISK_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}
)
"""OSError numbers that say the disk is full or may not be written (a DiskError, exit 74)."""
C = TypeVar("C", bound=type)


def failure(exc: sqlite3.Error, path: str | Path) -> LinkratioError:
    """The error to report when SQLite raised `exc` on the library file `path`.

    A locked file is busy (try later), a full disk or unwritable file is a DiskError, and
    anything else SQLite raises mid-command (malformed pages, a missing table) means the
    file is damaged.
    """
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in _BUSY:
        return LibraryBusyError(f"{path}: the library is locked by another process ({exc})")
    if code in _WRITE:
        why = "the disk is full" if code == _FULL else str(exc)
        return DiskError(f"{path}: the library could not be written: {why}")
    return damaged(path, str(exc))


@contextlib.contextmanager
def named(path: str | Path) -> Iterator[None]:
    """Turn what SQLite raises on the library file `path` into `failure`'s error (not the
    caller's own mistake: a ProgrammingError such as a closed library, or `callers_sql`)."""
    try:
        yield
    except sqlite3.ProgrammingError:
        raise
    except sqlite3.DatabaseError as e:
        if callers_sql(e):
            raise
        raise failure(e, path) from None


TABLES = frozenset(
    [
        "accounts",
        "posts",
        "cursors",
        "syncs",
        "settings",
        "frame_columns",
        "frame_segments",
        "deliveries",
        "challenges",
        "link_resolutions",
        "redirect_hosts",
        "excerpts",
        "refusals",
    ]
)
"""The tables of a library at the newest schema (a test holds this to a new library's tables)."""
_CALLERS_SQL = ("syntax error", "incomplete input", "unrecognized token", "no such function")


def callers_sql(exc: sqlite3.DatabaseError) -> bool:
    """Whether `exc` is a mistake in SQL a caller wrote (`Library.query`, a `transaction`
    body): a syntax error or a table no library has, not damage to the file."""
    if (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF != sqlite3.SQLITE_ERROR:
        return False
    text = str(exc)
    if text.startswith("no such table: "):
        return text.removeprefix("no such table: ").removeprefix("main.") not in TABLES
    return any(mark in text for mark in _CALLERS_SQL)


def named_failures(cls: C) -> C:
    """`cls` with each public method raising `failure`'s error (one line naming the file,
    `self.path`) for what SQLite raises: a Python caller, as the CLI, gets linkratio's."""

    def wrapped(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def method_named(self: Any, *args: Any, **kwargs: Any) -> Any:
            if method.__name__ != "close":
                _open(self._db, self.path)
            with named(self.path):
                return method(self, *args, **kwargs)

        return method_named

    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(member):
            setattr(cls, name, wrapped(member))
    return cls


def _open(db: sqlite3.Connection, path: Path) -> None:
    """LibraryClosedError when `db` was closed: not "damaged" (`check` listed the closed
    connection as the file's problem), nor SQLite's words naming no file."""
    try:
        db.total_changes  # noqa: B018  # the one cheap call a closed connection refuses
    except sqlite3.ProgrammingError:
        raise LibraryClosedError(
            f"{path}: this Library is closed (close() was called, or its `with` block "
            "ended): open it again, e.g. with linkratio.Library.open(path)"
        ) from None


def make_folder(library: Path) -> None:
    """Make the folder of the library file `library` if missing; errors naming the file."""
    try:
        library.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        if e.errno in DISK_ERRNOS:
            raise DiskError(f"{library}: its folder could not be made ({e.strerror})") from None
        raise InputError(f"{library}: cannot be used as a library file ({e.strerror})") from None


def damaged(path: str | Path, detail: str) -> LibraryDamagedError:
    """The error for a damaged library file: what is wrong, and what to do."""
    return LibraryDamagedError(
        f"{path}: the library is damaged ({detail}): {check_advice(path)}restore a backup or "
        "re-import"
    )


def check_advice(path: str | Path) -> str:
    """The part of `damaged`'s message that says to check the file (not for check itself)."""
    return f"run 'linkratio library check --db {path}'; "


def file_of(db: sqlite3.Connection) -> str:
    """The file of the connection's main database (':memory:' for none)."""
    for _, name, filename in db.execute("PRAGMA database_list"):
        if name == "main":
            return str(filename) or ":memory:"
    return ":memory:"


def check(db: sqlite3.Connection) -> list[str]:
    """What `integrity_check` and `foreign_key_check` find wrong, or [] for a sound file."""
    try:
        rows = db.execute(f"PRAGMA integrity_check({_MAX_PROBLEMS})").fetchall()
        # One row may hold many problems, a line each.
        problems = [line for row in rows if row[0] != "ok" for line in str(row[0]).splitlines()]
        broken = db.execute("PRAGMA foreign_key_check").fetchmany(_MAX_PROBLEMS)
    except sqlite3.DatabaseError as e:  # too damaged to even be checked
        return [str(e)]
    problems += [f"row {row[1]} of {row[0]} points to a missing {row[2]} row" for row in broken]
    return problems


def _no_room_or_right(e: OSError | sqlite3.Error) -> bool:
    """Whether `e` says the disk is full or may not be written (not a wrong path)."""
    if isinstance(e, OSError):
        return e.errno in DISK_ERRNOS
    return (getattr(e, "sqlite_errorcode", None) or 0) & 0xFF in _WRITE


_SQLITE_HEADER = b"SQLite format 3\x00"
"""How every SQLite database file starts."""


def _replaceable(dest: Path) -> bool:
    """Whether a backup may take `dest`'s name: no file there, an empty one, an empty SQLite
    database, or a linkratio library (an earlier copy); never another program's database."""
    try:
        with dest.open("rb") as fh:
            head = fh.read(len(_SQLITE_HEADER))
    except OSError:
        return True  # none there; or not readable: writing it is what fails, and says so
    if not head or head != _SQLITE_HEADER:
        return not head
    try:
        with contextlib.closing(
            sqlite3.connect(f"{dest.resolve().as_uri()}?immutable=1", uri=True)
        ) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error:
        return True  # an earlier copy cut short or damaged: as replaceable as before
    return not tables or {"accounts", "posts"} <= tables


def backup_target(dest: str | Path) -> tuple[Path, bool]:
    """`dest` as a path, and whether it is written as a folder (`~/backups/`).

    Empty text is InputError: `backup "$DIR"` with DIR unset must not write into the
    current folder.
    """
    if isinstance(dest, str) and not dest.strip():
        raise InputError(
            "the backup's PATH is empty text (an unset variable?): expected a file or a "
            "folder, '.' for the current one"
        )
    return Path(dest), isinstance(dest, str) and dest.endswith(("/", os.sep))


def backup(
    db: sqlite3.Connection,
    source: Path,
    dest: Path,
    *,
    folder: bool = False,
    check: Callable[[sqlite3.Connection], list[str]] | None = None,
) -> Path:
    """Copy the library `db` (the file `source`) to `dest` with SQLite's online backup API
    (into the folder `dest` when it is one, or when `folder` says it is meant as one).

    With `check`, the copy is checked before it takes `dest`'s name: a damaged library is
    LibraryDamagedError and leaves `dest` as it was (a nightly backup never replaces the
    last good copy with a damaged one).
    """
    dest = dest.expanduser()
    if folder or dest.is_dir():
        dest = dest / source.name
    if dest.exists() and dest.resolve() == source.resolve():
        raise InputError(f"{dest}: that is the library itself: name another file")
    if dest.exists() and not dest.is_file():  # a FIFO or a device: never renamed over
        raise InputError(f"{dest}: not a regular file or folder: name another file")
    if not _replaceable(dest):  # a typo must not cost a document its contents
        raise InputError(
            f"{dest}: not a library file: a backup replaces only an earlier copy of a library; "
            "name another file"
        )
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        copy = sqlite3.connect(tmp)
        try:
            db.backup(copy)
            problems = check(copy) if check is not None else []
        finally:
            copy.close()
        if problems:
            tmp.unlink()
            more = f" and {len(problems) - 1:,} more" if len(problems) > 1 else ""
            raise LibraryDamagedError(
                f"{source}: the library is damaged ({problems[0]}{more}): no backup was "
                f"written, {dest} is left as it was; {check_advice(source)}restore a backup "
                "or re-import"
            )
        os.replace(tmp, dest)
    except BaseException as e:  # Ctrl-C or SIGTERM too: no copy left behind
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if not isinstance(e, (OSError, sqlite3.Error)):
            raise
        if _no_room_or_right(e):  # a full disk, a read-only file system: exit 74
            raise DiskError(f"{dest}: the backup could not be written ({e})") from None
        raise InputError(f"{dest}: the backup could not be written ({e})") from None
    return dest
