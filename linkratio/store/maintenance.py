"""Keeping a library healthy: an integrity check and an online backup.

`check` runs SQLite's `integrity_check` (every page, index and constraint) and
`foreign_key_check`; `backup` copies the library with SQLite's online backup API, which
gives a consistent copy even while another run writes, into a temporary file that is
renamed into place only once complete.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from linkratio.errors import InputError

_MAX_PROBLEMS = 20


def check(db: sqlite3.Connection) -> list[str]:
    """What `integrity_check` and `foreign_key_check` find wrong, or [] for a sound file."""
    try:
        rows = db.execute(f"PRAGMA integrity_check({_MAX_PROBLEMS})").fetchall()
        problems = [str(row[0]) for row in rows if row[0] != "ok"]
        broken = db.execute("PRAGMA foreign_key_check").fetchmany(_MAX_PROBLEMS)
    except sqlite3.DatabaseError as e:  # too damaged to even be checked
        return [str(e)]
    problems += [f"row {row[1]} of {row[0]} points to a missing {row[2]} row" for row in broken]
    return problems


def backup(db: sqlite3.Connection, source: Path, dest: Path) -> Path:
    """Copy the library `db` (the file `source`) to `dest` with SQLite's online backup API."""
    dest = dest.expanduser()
    if dest.is_dir():
        dest = dest / source.name
    if dest.exists() and dest.resolve() == source.resolve():
        raise InputError(f"{dest}: that is the library itself: name another file")
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        copy = sqlite3.connect(tmp)
        try:
            db.backup(copy)
        finally:
            copy.close()
        os.replace(tmp, dest)
    except (OSError, sqlite3.Error) as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise InputError(f"{dest}: the backup could not be written ({e})") from None
    return dest
