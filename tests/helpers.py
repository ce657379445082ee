"""Shared test helpers: where the data lives (checkout, sample, fixtures, corpus), X API
keys, and a recorder for the waits a network client announces."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from linkratio.model import Timeline
from linkratio.net.x import Credentials

ROOT = Path(__file__).resolve().parents[1]
"""The checkout."""
CORPUS = ROOT.parent / "shared" / "corpus"
"""The shared corpus of real API data (beside the checkout, when present)."""
SAMPLE = ROOT / "data" / "sample"
"""The bundled sample archive."""
FIXTURES = Path(__file__).resolve().parent / "fixtures"
"""Small real responses and archives kept with the tests."""


def credentials_for(tag: str) -> Credentials:
    """X API keys for a test module: each value distinct, tagged and marked secret."""
    names = ("bearer", "ckey", "csecret", "atoken", "asecret")
    return Credentials(*(f"{name}-{tag}-s3cret" for name in names))


class Waits:
    """Records every wait a client announces and every sleep; sleeps for real only if asked."""

    def __init__(self, real: bool = False) -> None:
        self.real = real
        self.announced: list[tuple[float, str]] = []
        self.slept: list[float] = []

    def on_wait(self, seconds: float, reason: str) -> None:
        """Record an announced wait."""
        self.announced.append((seconds, reason))

    def sleep(self, seconds: float) -> None:
        """Record a sleep (and sleep it when `real`)."""
        self.slept.append(seconds)
        if self.real:
            time.sleep(seconds)

    def options(self, **more: Any) -> dict[str, Any]:
        """Client keyword arguments that wire the client to this recorder."""
        return {"on_wait": self.on_wait, "sleep": self.sleep, **more}


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, so progress displays are drawn into it."""

    def isatty(self) -> bool:
        return True


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def screen_text(drawn: str) -> str:
    """What a progress display drew, without its escape sequences (frames end in \\r)."""
    return _ANSI.sub("", drawn)


def cleared(drawn: str) -> bool:
    """Whether the display was erased at the end (rich's transient stop: erase the line)."""
    return drawn.endswith("\x1b[2K")


def copied(path: Path, folder: Path, name: str = "library.sqlite") -> Path:
    """A copy of the file `path` as `folder/name`, for a test that changes or damages it."""
    dest = folder / name
    shutil.copyfile(path, dest)
    return dest


def altered(path: Path, folder: Path, *statements: str) -> Path:
    """A copy of the library `path` in `folder` with `statements` run on it, committed and
    closed (no connection of the test's own left open on it)."""
    dest = copied(path, folder)
    db = sqlite3.connect(dest)
    try:
        with db:
            for statement in statements:
                db.execute(statement)
    finally:
        db.close()
    return dest


def one_line(err: str) -> str:
    """Assert that `err` (what a command wrote to stderr) is one line and no traceback."""
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def labels_listing(timeline: Timeline, output: str) -> str:
    """What `classify --output OUTPUT --with-author` prints for `timeline`."""
    from linkratio.classify import classify
    from linkratio.render.listing import write_labels

    out = io.StringIO()
    rows = ((post, classify(post)) for post in timeline.posts)
    write_labels(rows, out, output, with_author=True, author=timeline.account.handle)
    return out.getvalue()


def generated_archive(folder: Path, posts: int, seed: int) -> Path:
    """An X archive of `posts` posts made by `data/make_sample.py` (every taxonomy case)."""
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "data" / "make_sample.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(folder, posts, seed=seed)
    return folder


def assert_same_posts(lean: Timeline, general: Timeline, fields: list[str]) -> None:
    """A fast reader's timeline equals the general reader's: account, every post field by
    field (`fields`), `is_reply`, and byte-identical listings in every output."""
    assert lean.account == general.account
    assert len(lean.posts) == len(general.posts)
    for fast, slow in zip(lean.posts, general.posts, strict=True):
        assert [getattr(fast, f) for f in fields] == [getattr(slow, f) for f in fields]
        assert fast.is_reply == slow.is_reply
    for output in ("jsonl", "csv", "table"):
        assert labels_listing(lean, output) == labels_listing(general, output)


def one_account_home(tmp_path: Path, monkeypatch: Any, handle: str, text: str) -> Path:
    """`tmp_path` as a user's home for `schedule` and `weekly`: a library holding one X post
    of account `handle` (`LINKRATIO_DB`), a config file of its own, XDG folders, and none of
    the settings' environment variables."""
    from datetime import UTC, datetime

    from linkratio.frame import Library
    from linkratio.model import Account, Post

    post = Post("x", "1", datetime(2026, 11, 17, 9, tzinfo=UTC), text, author_id="1")
    with Library(tmp_path / "lib.sqlite") as lib:
        lib.save_posts(Account("x", "1", handle), [post], origin="file")
    return private_home(tmp_path, monkeypatch)


def private_home(tmp_path: Path, monkeypatch: Any) -> Path:
    """`tmp_path` as a user's home: `LINKRATIO_DB` its `lib.sqlite`, a config file of its
    own, XDG folders, and none of the settings' environment variables."""
    from linkratio import config

    monkeypatch.setenv("LINKRATIO_DB", str(tmp_path / "lib.sqlite"))
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "config.toml"))
    for name, folder in (("CONFIG", "xdg"), ("STATE", "state"), ("DATA", "data")):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / folder))
    for env in config.KEYS.values():
        monkeypatch.delenv(env, raising=False)
    return tmp_path


def run_cli(argv: list[str], capsys: Any, stdin: str = "") -> tuple[int, str, str]:
    """`main(argv)` given `stdin`: its exit code, what it wrote to stdout, and to stderr."""
    import pytest

    from linkratio.cli import main

    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", io.StringIO(stdin))
        code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


def one_error(err: str) -> str:
    """The one line of an error on stderr (no traceback, nothing else)."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("linkratio: error: "), err
    return lines[0]


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` (`160k`, `1m`) mounted at the new folder `where`: a real full disk;
    the test is skipped where mounting is not allowed."""
    import subprocess

    import pytest

    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a {size} tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def make_read_only(folder: Path) -> None:
    """Make `folder` and what it holds read-only: a read-only remount of its tmpfs as root,
    else 0444 files in a 0555 folder; skipped where neither stops a write."""
    import os
    import subprocess

    import pytest

    if os.geteuid() == 0:
        done = subprocess.run(
            ["mount", "-o", "remount,ro", str(folder)], capture_output=True, check=False
        )
        if done.returncode != 0:
            pytest.skip("running as root and cannot remount a tmpfs read-only")
    else:
        for path in folder.iterdir():
            path.chmod(0o444)
        folder.chmod(0o555)
    try:
        (folder / "probe").write_bytes(b"")
    except OSError:
        return
    pytest.skip("this folder stays writable: cannot test a read-only library here")


def usage_error(argv: list[str], capsys: Any) -> str:
    """The stderr of a command line the CLI's parser refuses (exit 2, no traceback)."""
    import pytest

    from linkratio.cli.app import main

    with pytest.raises(SystemExit) as done:
        main(argv, io.StringIO())
    assert done.value.code == 2
    err: str = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def local_cluster(workers: int) -> Any:
    """A Dask LocalCluster of `workers` single-threaded processes on 127.0.0.1, its dashboard
    off and its scheduler's HTTP server on a free port (never 8787: see cohort.engines)."""
    import distributed

    return distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )
