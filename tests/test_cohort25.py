"""Cohort leftovers of session 25: folders flushed in their parents, a query's build check
without the lock, `file PATH` accounts that name no home folder, a Dask scheduler out of
reach; each proved on real pyarrow, DuckDB and Dask."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import SAMPLE, one_error, run_cli

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

Synced = list[tuple[str, tuple[int, int]]]
"""What a build flushed and renamed, in order: ("fsync", (dev, inode)) of each file or
folder flushed, ("replace", (dev, inode)) of the folder each rename went into."""


def _identity(path: str | Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


def _never(fd: int) -> bool:
    return False


def _recorded(monkeypatch: pytest.MonkeyPatch, fail: Callable[[int], bool] = _never) -> Synced:
    """Record every fsync and rename of this process; an fsync for which `fail(fd)` is true
    fails as a failing disk does (EIO)."""
    events: Synced = []
    fsync, replace = os.fsync, os.replace

    def synced(fd: int) -> None:
        info = os.fstat(fd)
        events.append(("fsync", (info.st_dev, info.st_ino)))
        if fail(fd):
            raise OSError(errno.EIO, "Input/output error")
        fsync(fd)

    def replaced(src: str | Path, dst: str | Path) -> None:
        replace(src, dst)
        events.append(("replace", _identity(os.path.dirname(os.fspath(dst)) or ".")))

    monkeypatch.setattr(os, "fsync", synced)
    monkeypatch.setattr(os, "replace", replaced)
    return events


def _folders(out: Path) -> list[Path]:
    """The folders of a built cohort, the deepest first, and the folder it was made in."""
    months = sorted(out.glob("platform=*/month=*"))
    return [*months, *sorted(out.glob("platform=*")), out, out.parent]


def test_every_folder_a_build_makes_is_flushed_in_its_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The parts and the month folders were flushed, not the `platform=` and `month=`
    # entries in their parents, nor the folder after the manifest's rename: a power cut
    # could lose a whole platform's folder, or the manifest, that the build had reported done.
    from linkratio import cohort

    events = _recorded(monkeypatch)
    out = tmp_path / "new" / "cohort"
    cohort.build([SAMPLE], out, workers=1)
    flushed = {identity for kind, identity in events if kind == "fsync"}
    for folder in _folders(out):
        assert _identity(folder) in flushed, folder
    last_rename = max(i for i, e in enumerate(events) if e == ("replace", _identity(out)))
    assert ("fsync", _identity(out)) in events[last_rename + 1 :]  # the manifest's


@pytest.mark.parametrize("which", ["platform", "out"])
def test_a_folder_whose_flush_fails_is_a_disk_error_naming_it(
    which: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "cohort"
    folder = out / "platform=x" if which == "platform" else out
    out.mkdir()

    def failing(fd: int) -> bool:
        info = os.fstat(fd)
        here = folder.exists() and (info.st_dev, info.st_ino) == _identity(folder)
        return stat.S_ISDIR(info.st_mode) and here

    _recorded(monkeypatch, failing)
    argv = ["cohort", "build", str(SAMPLE), "--out", str(out), "--workers", "1"]
    code, _, err = run_cli(argv, capsys)
    assert code == 74, err
    line = one_error(err)
    assert f"{folder}: could not be flushed to disk (Input/output error)" in line
