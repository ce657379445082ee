"""Cohort leftovers of session 25: folders flushed in their parents, a query's build check
without the lock, `file PATH` accounts that name no home folder, a Dask scheduler out of
reach; each proved on real pyarrow, DuckDB and Dask."""

from __future__ import annotations

import errno
import io
import logging
import os
import socket
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import SAMPLE, local_cluster, one_error, run_cli

from linkratio.cohort import manifest

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


class _Settled(logging.Handler):
    """Sets `event` when a build says it waits for another one (the warning of `_locked`)."""

    def __init__(self, event: threading.Event, said: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.event, self.said = event, said

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the line; a build waiting for the lock has settled what this test looks at."""
        self.said.append(record.getMessage())
        if "another build is writing this folder" in record.getMessage():
            self.event.set()


def test_a_build_starting_while_a_query_checks_for_one_is_not_disturbed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A query asked whether a build was running by taking the build lock for an instant: a
    # build starting in that instant warned that another build was writing the folder, and
    # waited for the query. Here a build starts at whatever moment the check touches a
    # file of the folder (the lock held, or the marker read).
    from linkratio import cohort
    from linkratio.cohort import builder

    out = tmp_path / "cohort"
    cohort.build([SAMPLE], out, workers=1)
    query = threading.get_ident()
    settled, said, built = threading.Event(), [], []
    handler = _Settled(settled, said)
    logging.getLogger(builder.__name__).addHandler(handler)

    def second_build() -> None:
        try:
            built.append(cohort.build([SAMPLE], out, workers=1))
        finally:
            settled.set()

    def meanwhile() -> None:
        if threading.get_ident() != query or built or settled.is_set() or said:
            return
        said.append("")  # once
        threading.Thread(target=second_build, daemon=True).start()
        assert settled.wait(120)  # the build ended, or waits for this check

    lock_of, real_open = manifest.build_lock, io.open

    def build_lock(folder: Path) -> Any:
        lock = lock_of(folder)
        acquire = lock.acquire

        def acquired(*args: Any, **kwargs: Any) -> Any:
            held = acquire(*args, **kwargs)
            meanwhile()
            return held

        lock.acquire = acquired  # type: ignore[method-assign]
        return lock

    def opened(file: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return real_open(file, *args, **kwargs)
        finally:
            if str(file).startswith(str(out)):
                meanwhile()

    monkeypatch.setattr(manifest, "build_lock", build_lock)
    monkeypatch.setattr(io, "open", opened)
    try:
        assert not manifest.building(out)
    finally:
        monkeypatch.undo()
        logging.getLogger(builder.__name__).removeHandler(handler)
    assert said == [""]  # the second build started during the check, and warned of nothing
    assert settled.wait(120)
    assert built and built[0].unchanged == 1


def test_a_build_is_seen_running_by_its_marker_and_not_once_it_ended(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    import orjson

    from linkratio import cohort

    out = tmp_path / "cohort"
    seen: list[bool] = []
    cohort.build([SAMPLE], out, workers=1, progress=lambda _: seen.append(manifest.building(out)))
    assert seen and all(seen)  # from its start to its last task
    assert not manifest.building(out) and not (out / manifest.BUILDING).exists()
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    marker = out / manifest.BUILDING
    here = socket.gethostname()
    marker.write_bytes(orjson.dumps({"host": here, "pid": int(ended.stdout)}))
    assert not manifest.building(out)  # a build killed outright (kill -9, a power cut)
    marker.write_bytes(orjson.dumps({"host": f"not-{here}", "pid": 1}))
    assert manifest.building(out)  # a build on another machine sharing the folder
    cohort.build([SAMPLE], out, workers=1)  # the next build replaces a stale marker
    assert not marker.exists()


NAMELESS = """window.YTD.tweets.part0 = [
  {"tweet": {"id_str": "1", "full_text": "hello there", "created_at":
   "Wed May 01 12:00:00 +0000 2024", "entities": {"urls": []}}},
  {"tweet": {"id_str": "2", "full_text": "see https://t.co/a", "created_at":
   "Thu May 02 12:00:00 +0000 2024", "entities": {"urls": [{"url": "https://t.co/a",
   "expanded_url": "https://blog.example.com/x", "indices": ["4", "18"]}]}}}
]
"""
"""A tweets.js whose posts name no author, without the account.js that would."""


def test_a_file_account_is_named_relative_to_the_cohort_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A tweets.js without account.js names no author: its posts were the account
    # `file /home/alice/research/archives/ann/tweets.js`, in the summary, the CSV and the
    # HTML report a researcher shares: their home folder and user name with it.
    import orjson

    home = tmp_path / "home" / "alice"
    research = home / "research"
    (research / "archives" / "ann").mkdir(parents=True)
    (research / "archives" / "ann" / "tweets.js").write_text(NAMELESS)
    monkeypatch.chdir(research)
    argv = ["cohort", "build", "archives/ann/tweets.js", "--out", "cohort", "--quiet"]
    assert run_cli(argv, capsys)[0] == 0
    code, out, err = run_cli(["cohort", "summary", "cohort", "--json"], capsys)
    assert code == 0, err
    assert [row["account"] for row in orjson.loads(out)] == ["file ../archives/ann/tweets.js"]
    assert run_cli(["cohort", "report", "cohort", "--out", "cohort.html"], capsys)[0] == 0
    page = (research / "cohort.html").read_text()
    assert "file ../archives/ann/tweets.js" in page and str(home) not in page
    # the same name however the input is given, from wherever (nothing read again)
    monkeypatch.chdir(tmp_path)
    argv = [
        "cohort",
        "build",
        str(research / "archives/ann/tweets.js"),
        "--out",
        str(research / "cohort"),
    ]
    code, out, _ = run_cli(argv, capsys)
    assert "(0 read, 1 unchanged" in out
    code, out, _ = run_cli(
        ["cohort", "sql", str(research / "cohort"), "SELECT DISTINCT account FROM posts", "--json"],
        capsys,
    )
    assert orjson.loads(out) == [{"account": "file ../archives/ann/tweets.js"}]


def test_a_cohort_of_the_previous_format_is_read_again(tmp_path: Path) -> None:
    # Its `file PATH` accounts are absolute: kept, an upgraded linkratio would mix both.
    import orjson

    from linkratio import cohort

    out = tmp_path / "cohort"
    cohort.build([SAMPLE], out, workers=1)
    path = out / manifest.NAME
    doc = orjson.loads(path.read_bytes())
    path.write_bytes(orjson.dumps({**doc, "format": 3}))
    assert cohort.build([SAMPLE], out, workers=1).rebuilt == [str(SAMPLE)]


def _no_client(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a Client was made: it tries for 30 s, or waits forever")


@pytest.mark.parametrize("listening", [False, True])
def test_a_scheduler_out_of_reach_is_one_line_at_once(
    listening: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Nothing listening: the Client tried again and again for 30 s, then said "Timed out
    # trying to connect to tcp://...", naming no option. Something else listening (a
    # dashboard's port given for the scheduler's, a port forward whose far end is gone):
    # the build waited forever.
    distributed = pytest.importorskip("distributed")
    from linkratio.cohort import engines

    monkeypatch.setattr(distributed, "Client", _no_client)
    monkeypatch.setattr(engines, "CONNECT_SECONDS", 0.5)
    with socket.socket() as port:  # bound: refused, or listening and saying nothing
        port.bind(("127.0.0.1", 0))
        if listening:
            port.listen()
        address = f"tcp://127.0.0.1:{port.getsockname()[1]}"
        argv = ["cohort", "build", str(SAMPLE), "--out", str(tmp_path / "c"), "--engine", "dask"]
        code, _, err = run_cli([*argv, "--scheduler", address], capsys)
    assert code == 2
    why = "something listens there but said nothing in 0.5 s" if listening else "refused"
    assert one_error(err).startswith(f"linkratio: error: --scheduler {address}: no Dask ")
    assert why in err
    assert not (tmp_path / "c").exists()  # said before the dataset is touched


def test_a_scheduler_without_workers_is_said_and_waited_for(tmp_path: Path) -> None:
    # A cluster whose workers had not joined (or had all gone) took the tasks and the build
    # waited without a word, looking hung.
    pytest.importorskip("distributed")
    from linkratio import cohort
    from linkratio.cohort import engines

    said: list[str] = []
    with local_cluster(0) as cluster:

        class Join(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                said.append(record.getMessage())
                cluster.scale(1)  # the worker joins once the build said it waits

        handler = Join(logging.WARNING)
        logging.getLogger(engines.__name__).addHandler(handler)
        # Unwarned, a worker joins all the same after a while: the build ends, the
        # assertion below fails (it waited forever on a build that said nothing).
        anyway = threading.Timer(60, cluster.scale, (1,))
        anyway.start()
        try:
            address = cluster.scheduler_address
            result = cohort.build([SAMPLE], tmp_path / "c", engine="dask", scheduler=address)
        finally:
            anyway.cancel()
            logging.getLogger(engines.__name__).removeHandler(handler)
    assert said == [
        f"the Dask scheduler at {address} has no workers yet: the build waits for them to join"
    ]
    assert result.posts > 0
