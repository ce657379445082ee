"""Review of session 24's merged change: what a careful user met in it, each proved here."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from linkratio.cohort import rows


def _windows_fsync(real: object) -> object:
    """`os.fsync` as Windows has it: `_commit` flushes a file only through a handle opened
    for writing (a read-only one is EBADF); folders are never flushed there (`rows.sync`)."""

    def fsync(fd: int) -> None:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        if regular and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            raise OSError(errno.EBADF, "Bad file descriptor")
        real(fd)  # type: ignore[operator]

    return fsync


def test_a_cohort_part_is_flushed_through_a_handle_windows_can_flush(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every part was opened read-only to be flushed: on Windows os.fsync of such a handle
    # is EBADF, so every cohort build there stopped at its first part with "could not be
    # written (Bad file descriptor)", the disk not full at all.
    monkeypatch.setattr(os, "fsync", _windows_fsync(os.fsync))
    created = datetime(2024, 5, 1, 12, tzinfo=UTC)
    row = ("x", "1", "9", "@maren", created, "talk", "text", None, None, None)
    parts = rows.write_parts([row], str(tmp_path), "input")
    assert [p.rows for p in parts] == [1]
    assert Path(parts[0].tmp).is_file()
