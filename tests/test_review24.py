"""Review of session 24's merged change: what a careful user met in it, each proved here."""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import SAMPLE, one_account_home, one_error, run_cli

from linkratio.cli import main
from linkratio.cohort import rows


def _windows_fsync(real: Callable[[int], None]) -> Callable[[int], None]:
    """`os.fsync` as Windows has it: `_commit` flushes a file only through a handle opened
    for writing (a read-only one is EBADF); folders are never flushed there (`rows.sync`)."""

    def fsync(fd: int) -> None:
        import fcntl  # here: POSIX only, as the emulation is

        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        if regular and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            raise OSError(errno.EBADF, "Bad file descriptor")
        real(fd)

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


NOW = "2026-11-23T08:00:00+00:00"
"""The clock of the weekly runs: "last week" is 2026-W47, the week of the one stored post."""


class GoneStderr(io.StringIO):
    """A stderr that cannot take the wait line (a cron job's `| logger` that ended: EPIPE),
    setting `event` when it is tried; other lines are kept, to see what the run said."""

    def __init__(self, event: threading.Event) -> None:
        super().__init__()
        self.event = event

    def write(self, text: str) -> int:
        if "waiting for the library lock" not in text:
            return super().write(text)
        self.event.set()
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def test_a_weekly_whose_wait_line_cannot_be_written_still_waits_and_makes_the_week(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The line saying the run waits is a courtesy: when stderr could not take it, the run
    # said "lib.sqlite.lock: the library's run lock could not be made (Broken pipe)" (the
    # wrong thing) and gave the week up, the loss the hour's wait was made to prevent.
    from test_left24 import library_held

    home = one_account_home(tmp_path, monkeypatch, "maren", "hello there")
    release = threading.Event()
    err = GoneStderr(release)
    monkeypatch.setattr(sys, "stderr", err)
    with library_held(home / "lib.sqlite", release):
        code = main(["weekly", "@maren", "--now", NOW, "--out", str(home / "out")], io.StringIO())
    assert release.is_set()  # the line was tried
    assert code == 0, err.getvalue()
    assert (home / "out" / "linkratio-2026-W47.md").is_file()


def test_a_parts_folder_that_cannot_be_flushed_is_named_in_a_disk_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A failing disk (or an NFS server gone) answers the folder's fsync EIO: the build said
    # only "linkratio: error: Input/output error", naming nothing, with exit 2 (bad input),
    # where a part that cannot be flushed names itself and exits 74 like any disk error.
    real = os.fsync
    out = tmp_path / "cohort"
    out.mkdir()
    # Flushed too since session 25 (test_cohort25): the folder the build was made in, and
    # the build's own after the manifest's rename. The parts' folders fail here.
    spared = {os.stat(folder).st_ino for folder in (tmp_path, out)}

    def fsync(fd: int) -> None:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode) and info.st_ino not in spared:
            raise OSError(errno.EIO, "Input/output error")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    code, _, err = run_cli(
        ["cohort", "build", str(SAMPLE), "--out", str(out), "--workers", "1"], capsys
    )
    assert code == 74, err
    line = one_error(err)
    assert f"{out}{os.sep}platform=x{os.sep}month=" in line
    assert "Input/output error" in line
