"""Tests for linkratio.store.forked and the bulk save that derives its frame rows in a child."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from helpers import SAMPLE

import linkratio.store.forked as forked_module
import linkratio.store.library as library_module
import linkratio.store.posts as post_sql
from linkratio.frame import DERIVER, Library
from linkratio.model import Post
from linkratio.sources import read
from linkratio.store.forked import Forked

pytestmark = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded:DeprecationWarning"
)


def reaped(pids: list[int]) -> bool:
    """True when every one of these children has ended and been waited for."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def test_the_work_runs_in_a_child_and_its_result_comes_back(forks: list[int]) -> None:
    parent = os.getpid()
    job = Forked(lambda: (os.getpid(), [b"bytes", "text", None, 3]))
    pid, values = job.result()
    assert pid != parent
    assert values == [b"bytes", "text", None, 3]
    assert job.result() == (pid, values)  # asked twice, the same answer
    assert forks and reaped(forks)


def test_the_child_holds_none_of_the_parents_files(forks: list[int], tmp_path: Path) -> None:
    """The library and its lock above all: a killed parent's child must not keep the
    run lock (a flock lives as long as any copy of its file is open)."""
    with open(tmp_path / "held", "wb") as held:

        def work() -> bool:
            try:
                os.fstat(held.fileno())
            except OSError:
                return True
            return False

        assert Forked(work).result() is True
        assert os.fstat(held.fileno())  # the parent's own stays open
    assert forks and reaped(forks)


def test_a_child_that_fails_leaves_the_work_to_the_parent(forks: list[int]) -> None:
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return 42

    assert Forked(work).result() == 42
    assert forks and reaped(forks)


def test_an_error_of_the_work_is_raised_in_the_parent(forks: list[int]) -> None:
    def work() -> int:
        raise ValueError("the work itself is wrong")

    job = Forked(work)
    with pytest.raises(ValueError, match="the work itself is wrong"):
        job.result()
    assert forks and reaped(forks)


def test_without_fork_the_work_is_done_at_once_in_this_process() -> None:
    calls: list[int] = []
    job = Forked(lambda: calls.append(os.getpid()) or len(calls), fork=False)
    assert calls == [os.getpid()]
    assert job.result() == 1
    assert calls == [os.getpid()]


def test_no_fork_while_other_threads_run() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        job = Forked(os.getpid)
        assert job._pid is None
        assert job.result() == os.getpid()
    finally:
        stop.set()
        other.join()


def test_no_fork_on_a_single_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked_module.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    job = Forked(os.getpid)
    assert job._pid is None
    assert job.result() == os.getpid()


def test_close_stops_a_running_child(forks: list[int]) -> None:
    began = time.monotonic()
    with closing(Forked(lambda: time.sleep(60))) as job:
        assert job._pid is not None
    assert time.monotonic() - began < 30
    assert forks and reaped(forks)


def test_a_result_comes_back_when_sigchld_is_ignored(forks: list[int]) -> None:
    """A process may inherit SIGCHLD ignored: the system then reaps the child itself and
    waitpid has no status to give; a whole result is still used, a missing one redone."""
    parent = os.getpid()
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        assert Forked(lambda: (os.getpid(), "done")).result()[1] == "done"

        def fails_in_child() -> int:
            if os.getpid() != parent:
                raise RuntimeError("only in the child")
            return os.getpid()

        assert Forked(fails_in_child).result() == parent
        with closing(Forked(lambda: time.sleep(60))):
            pass  # closing kills it; no status to wait for, no error
    finally:
        signal.signal(signal.SIGCHLD, before)
    assert len(forks) == 3


def test_the_child_runs_none_of_the_parents_signal_handlers(
    forks: list[int], tmp_path: Path
) -> None:
    """A handler of the parent's (say, one closing the library) must not run in the
    child: there the signal takes its default action, and the parent does the work."""
    parent = os.getpid()
    marks = tmp_path / "handled"

    def handler(signum: int, frame: object) -> None:
        with marks.open("a") as fh:
            fh.write(f"{os.getpid()}\n")

    def work() -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGUSR1)  # default action: the child ends here
            time.sleep(5)
        return os.getpid()

    before = signal.signal(signal.SIGUSR1, handler)
    try:
        assert Forked(work).result() == parent
    finally:
        signal.signal(signal.SIGUSR1, before)
    assert not marks.exists()
    assert forks and reaped(forks)


def test_an_interrupt_while_waiting_stops_the_child(forks: list[int]) -> None:
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGALRM, interrupt)
    began = time.monotonic()
    try:
        job = Forked(lambda: time.sleep(60))
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(KeyboardInterrupt):
            job.result()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
    assert time.monotonic() - began < 30
    assert forks and reaped(forks)


# -- a bulk save -------------------------------------------------------------------------


def sample_posts() -> tuple[Any, list[Post]]:
    timeline = read(SAMPLE, keep_raw=True, lean=True)
    return timeline.account, list(timeline.posts)


def stored(path: Path) -> dict[str, Any]:
    """What a library holds, apart from save times: posts, accounts, frame cache, mode."""
    with Library(path) as library:
        return {
            "posts": library.query(
                "SELECT * FROM posts ORDER BY platform, post_id"
            ),  # fetched_at is the same: one fixed time below
            "accounts": library.query("SELECT platform, id, handle FROM accounts"),
            "segments": library.query(
                "SELECT platform, account_id, classifier, rows, replaced FROM frame_segments"
            ),
            "frame": library.query(
                "SELECT name, encoding, data, codes FROM frame_columns ORDER BY segment, name"
            ),
        }


def save(path: Path, account: Any, posts: list[Post]) -> None:
    from datetime import UTC, datetime

    with Library(path) as library:
        library.save_posts(
            account, posts, origin="archive", fetched_at=datetime(2026, 1, 1, tzinfo=UTC)
        )


def test_a_bulk_save_derived_in_a_child_stores_what_one_in_process_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    account, posts = sample_posts()
    read = len(forks)  # reading it made its JSON in a child (sources.x_archive.paired)
    monkeypatch.setattr(library_module, "BULK_POSTS", 10)
    save(tmp_path / "forked.sqlite", account, posts)
    assert len(forks) == read + 1
    monkeypatch.setattr(forked_module, "_may_fork", lambda: False)
    save(tmp_path / "inline.sqlite", account, posts)
    assert len(forks) == read + 1
    assert stored(tmp_path / "forked.sqlite") == stored(tmp_path / "inline.sqlite")
    with Library(tmp_path / "forked.sqlite") as library:
        assert library.query("PRAGMA journal_mode") == [("wal",)]
        assert len(library.frame(account.platform, account.id)) == len(posts)
    assert forks and reaped(forks)


def test_a_bulk_save_whose_deriving_fails_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    account, posts = sample_posts()
    monkeypatch.setattr(library_module, "BULK_POSTS", 10)

    def broken(found: Iterable[Post]) -> Mapping[str, Any]:
        raise ValueError("no rows today")

    path = tmp_path / "lib.sqlite"
    with Library(path, deriver=replace(DERIVER, derive=broken)) as library:
        with pytest.raises(ValueError, match="no rows today"):
            library.save_posts(account, posts, origin="archive")
        assert library.query("SELECT count(*) FROM posts") == [(0,)]
        assert library.query("SELECT count(*) FROM accounts") == [(0,)]
        assert library.query("PRAGMA journal_mode") == [("wal",)]
    assert forks and reaped(forks)


def test_an_interrupted_bulk_save_stores_nothing_and_leaves_no_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    account, posts = sample_posts()
    monkeypatch.setattr(library_module, "BULK_POSTS", 10)
    real_write = post_sql.write_posts

    def interrupted(*args: Any) -> Any:
        real_write(*args)
        raise KeyboardInterrupt

    monkeypatch.setattr(post_sql, "write_posts", interrupted)
    path = tmp_path / "lib.sqlite"
    with Library(path) as library:
        with pytest.raises(KeyboardInterrupt):
            library.save_posts(account, posts, origin="archive")
        assert library.query("SELECT count(*) FROM posts") == [(0,)]
        assert library.query("SELECT count(*) FROM frame_segments") == [(0,)]
        assert library.query("PRAGMA journal_mode") == [("wal",)]
    assert forks and reaped(forks)
    monkeypatch.setattr(post_sql, "write_posts", real_write)
    save(path, account, posts)  # and the library takes the import afterwards
    with Library(path) as library:
        assert library.query("SELECT count(*) FROM posts") == [(len(posts),)]


@pytest.mark.skipif(
    not os.path.isdir("/proc/self/task") or len(os.sched_getaffinity(0)) < 2,
    reason="no fork without /proc or on one CPU",
)
def test_the_import_command_forks_as_it_starts_with_no_threads(tmp_path: Path) -> None:
    """`linkratio import` loads neither numpy nor pandas (whose BLAS pool is a thread)
    before its bulk save, so the save can fork."""
    script = (
        "import os, sys\n"
        "import linkratio.store.library as library\n"
        "import linkratio.store.forked as forked\n"
        "library.BULK_POSTS = 10\n"
        "real = forked.Forked._start\n"
        "def start(self):\n"
        "    print('threads', len(os.listdir('/proc/self/task')),"
        " 'numpy' in sys.modules, 'pandas' in sys.modules, flush=True)\n"
        "    real(self)\n"
        "forked.Forked._start = start\n"
        "from linkratio.cli import main\n"
        f"sys.exit(main(['import', {str(SAMPLE)!r}, '--db', {str(tmp_path / 'l.db')!r}, '-q']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "threads 1 False False"


def test_a_bulk_import_killed_before_its_commit_leaves_the_library_as_it_was(
    tmp_path: Path,
) -> None:
    """kill -9 after the posts are written, with the child's rows not yet stored: the
    library opens sound, without a post, with what it held before, and takes the import."""
    path = tmp_path / "lib.sqlite"
    with Library(path) as library:
        library.set_setting("kept", "yes")
    script = (
        "import os, signal, sys\n"
        "import linkratio.store.library as library\n"
        "import linkratio.store.posts as posts\n"
        "library.BULK_POSTS = 10\n"
        "real = posts.write_posts\n"
        "def write_then_die(*args):\n"
        "    real(*args)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "posts.write_posts = write_then_die\n"
        "from linkratio.cli import main\n"
        f"main(['import', {str(SAMPLE)!r}, '--db', {str(path)!r}, '-q'])\n"
    )
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    with Library(path) as library:
        assert library.check() == []
        assert library.query("SELECT count(*) FROM posts") == [(0,)]
        assert library.query("SELECT count(*) FROM frame_segments") == [(0,)]
        assert library.setting("kept") == "yes"
    account, posts = sample_posts()
    save(path, account, posts)
    with Library(path) as library:
        assert library.query("SELECT count(*) FROM posts") == [(len(posts),)]
        assert library.query("PRAGMA journal_mode") == [("wal",)]
