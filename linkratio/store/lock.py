"""The run lock: one linkratio run at a time writes to a library file.

A `filelock.FileLock` on `<library>.lock` beside the file: an OS lock (flock on Unix, a
byte-range lock on Windows), so it is freed when the holder dies, kill -9 included. The
holder writes who it is (`fetch @handle (pid 123)`) to `<library>.lock.holder`, so a run
that gives up waiting can say which run holds the library.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from linkratio.errors import DiskError, InputError, LibraryBusyError
from linkratio.store.maintenance import DISK_ERRNOS


def lock_path(library: Path) -> Path:
    """The lock file of a library file (beside the file a symlink to it names, as SQLite's
    -wal: every name of one library shares its lock)."""
    real = library.resolve()
    return real.with_name(real.name + ".lock")


def holder_path(library: Path) -> Path:
    """The file naming the run that holds the library's lock."""
    real = library.resolve()
    return real.with_name(real.name + ".lock.holder")


@contextmanager
def run_lock(
    library: Path,
    name: str,
    *,
    wait: float = 10.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the run lock of `library`, waiting up to `wait` seconds, else LibraryBusyError.

    When the lock is held and `wait` is more than 0, `on_wait(holder)` is told once before
    the wait (`holder` names the run holding it, or is ""; an OSError it raises, a closed
    stderr, is passed over). Not re-entrant: a second hold, in this process too, waits
    like any other run.
    """
    import filelock  # here: reading a library takes no lock, and filelock costs ~6 ms to import

    # A new lock object per hold: filelock counts nested holds of one object as one.
    lock = filelock.FileLock(lock_path(library), timeout=max(wait, 0))
    try:
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            if wait <= 0:
                raise
            if on_wait is not None:  # a courtesy: a line stderr cannot take gives no run up
                with contextlib.suppress(OSError):
                    on_wait(_holder(library))
            lock.acquire()
    except filelock.Timeout:
        raise _busy(library, wait) from None
    except OSError as e:  # a read-only folder or disk, a lock file of another user
        error = DiskError if e.errno in DISK_ERRNOS else InputError
        raise error(
            f"{lock_path(library)}: the library's run lock could not be made ({e.strerror})"
        ) from None
    holder = holder_path(library)
    try:
        # Naming the holder is a courtesy: a full disk fails the run where it writes the
        # library (an error naming the library), not here with an unnamed OSError.
        with contextlib.suppress(OSError):
            _write_holder(holder, f"{name} (pid {os.getpid()})")
        yield
    finally:
        with contextlib.suppress(OSError):  # the next holder writes its own name anyway
            holder.unlink()
        lock.release()


def _write_holder(path: Path, text: str) -> None:
    """Write `text` to `path`, never through a symlink planted there in a shared folder (it
    would truncate the file it points to); OSError (ELOOP) for one."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(path, flags, 0o644), "w", encoding="utf-8") as file:
        file.write(text)


def _holder(library: Path) -> str:
    """Who holds the library's lock, as the holder wrote it (at most 300 characters), or ""."""
    try:
        holder = holder_path(library).read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return holder[:300]


def _busy(library: Path, wait: float) -> LibraryBusyError:
    """The error of a run that waited `wait` seconds in vain, naming the holder if known."""
    holder = _holder(library)
    return LibraryBusyError(
        f"the library {library} is in use by another linkratio run"
        f"{f' ({holder})' if holder else ''}; waited {wait:g} s: try again when it ends"
    )
