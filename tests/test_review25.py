"""Session 25's review: what the day's merged changes left for a user to meet."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fakes.webhook import FakeWebhook
from helpers import one_error, run_cli
from test_catchup24 import weekly
from test_cli_weekly import env, sample, sample_library  # noqa: F401  (fixtures)
from test_user25 import _library
from test_weekly25 import NEXT, hook_weeks, table


def test_backup_never_replaces_another_program_s_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any file starting `SQLite format 3` was taken for an earlier copy: `library backup
    ~/app/data.db` replaced another program's database, though the error for a text file
    says a backup replaces only an earlier copy of a library."""
    db = _library(tmp_path)
    other = tmp_path / "places.sqlite"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE bookmarks (url TEXT)")
        con.execute("INSERT INTO bookmarks VALUES ('https://example.org/')")
        con.execute("PRAGMA user_version = 70")
    con.close()
    before = other.read_bytes()
    code, out, err = run_cli(["library", "backup", str(other), "--db", str(db)], capsys)
    assert code == 2 and out == ""
    assert f"{other}: not a library file" in one_error(err)
    assert other.read_bytes() == before


def test_backup_still_replaces_an_earlier_copy_and_an_empty_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _library(tmp_path)
    copy, blank = tmp_path / "copy.sqlite", tmp_path / "blank.sqlite"
    sqlite3.connect(blank).execute("PRAGMA user_version = 1").connection.close()
    for dest in (copy, copy, blank):  # the second time over the first copy
        code, _, err = run_cli(["library", "backup", str(dest), "--db", str(db), "-q"], capsys)
        assert code == 0, err
        with sqlite3.connect(dest) as con:
            assert con.execute("SELECT count(*) FROM accounts").fetchone() == (1,)
        con.close()
    # reading what a copy holds leaves nothing beside it (no -wal or -shm of its own)
    names = {p.name for p in tmp_path.iterdir() if p.name.startswith(("copy", "blank"))}
    assert names == {"copy.sqlite", "blank.sqlite"}


def test_a_crashed_build_s_marker_naming_a_reused_process_id_is_no_build(tmp_path: Path) -> None:
    """A build killed outright leaves `.building`; once its process id is used again (here:
    this test's own process), `building` took the folder for one being written, and a
    damaged dataset's error said to wait for a build that will never end. The build lock,
    which no one holds, tells the marker stale; a build that runs is still seen."""
    import os
    import socket

    import orjson

    from linkratio.cohort import builder, manifest

    out = tmp_path / "cohort"
    out.mkdir()
    marker = out / manifest.BUILDING
    marker.write_bytes(orjson.dumps({"host": socket.gethostname(), "pid": os.getpid()}))
    assert not manifest.building(out)
    with builder._locked(out):  # the lock and its marker, as a running build holds them
        assert manifest.building(out)
    assert not manifest.building(out) and not marker.exists()


@pytest.mark.parametrize("status", [401, 403, 404, 302])
def test_a_webhook_refusing_its_caller_is_a_setting_mended_then_caught_up(
    env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    status: int,
) -> None:
    """Every webhook 4xx (and 3xx) was recorded as the week refused for good, so a token
    revoked or a proxy's login misset for a Sunday lost those weeks for ever once mended,
    while a refused SMTP login is caught up. Only an answer about the message itself (400,
    413, 415, 422) refuses the week; the others name the endpoint, a setting to mend."""
    with FakeWebhook(200) as hook:
        assert weekly("--webhook", hook.url, "--week", "2024-W45")[0] == 0
        hook.statuses = [status]
        code, _ = weekly("--webhook", hook.url)
        err = capsys.readouterr().err
        assert code == 2 and f"(HTTP {status})" in err and "refused for good" not in err
        assert table(env, "refusals") == []
        hook.statuses = [200]
        before = len(hook.received)
        code, out = weekly("--webhook", hook.url, now=NEXT)
        assert code == 0, capsys.readouterr().err
        assert hook_weeks(hook, before) == ["2024-W46", "2024-W47", "2024-W48", "2024-W49"]


_PEAKS = """
import os, resource
from linkratio.store.forked import Forked

def work():
    return [os.urandom(16).hex().encode() * 32 for _ in range(64 * 1024)]  # 64 MB

def rss():  # KB resident now (ru_maxrss is the peak, maybe from start-up)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))

base = rss()
got = Forked(work).result()
assert sum(map(len, got)) == 64 * 2**20
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss - base
print(grown // 1024, child // 1024)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_a_forked_result_is_never_held_twice_while_handed_back() -> None:
    """The child pickled its result whole before writing it, and the parent read the whole
    pickle before unpickling it: each held the result twice at its peak. An archive import
    (`x_archive.paired`: its JSON) of 200,000 tweets took some 400 MB more in all. Streamed
    through the pipe, each side holds the result once (plus a buffer)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _PEAKS], check=True, capture_output=True, text=True
    )
    grown, child = map(int, done.stdout.split())  # MB above the interpreter's own
    if child <= 0:
        pytest.skip("no fork here: the result was made in-process")
    # The child's peak is the one measured steadily (the parent's, 68 MB against 132 MB
    # run alone, rose to 141 MB either way after some other tests in the same session).
    assert grown >= 64 and child < 96, (
        grown,
        child,
    )  # 64 MB held once; twice was 129  # 64 MB held once; twice was 128+
