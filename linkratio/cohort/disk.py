"""Durable writes: a file or folder flushed to disk (fsync), a folder's failure a DiskError."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path

from linkratio.errors import DiskError


def sync(path: str | Path) -> None:
    """Flush the file (or folder) at `path` to disk: where a folder can be (not on Windows,
    nor on a filesystem that says it cannot). A file through a handle open for writing:
    Windows flushes no other (EBADF)."""
    folder = os.path.isdir(path)
    if os.name == "nt" and folder:
        return
    fd = os.open(path, os.O_RDONLY if folder else os.O_RDWR)
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.ENOTSUP) or not folder:
            raise
    finally:
        os.close(fd)


def sync_folders(folders: Iterable[str | Path]) -> None:
    """Flush each folder's entries (files renamed or made in it, folders made in it) to disk,
    in the order given; a DiskError names the folder that failed (fsync's error names none)."""
    for folder in folders:
        try:
            sync(folder)
        except OSError as e:  # a failing disk, an NFS server gone
            raise DiskError(f"{folder}: could not be flushed to disk ({e.strerror or e})") from None
