"""Review of incremental runs and concurrent runs on one library (rv7).

Each test failed on the code before its fix.
"""

from __future__ import annotations

import io
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from fakes.x_api import FakeXApi, timeline
from helpers import credentials_for, one_line

from linkratio.cli import main
from linkratio.store import Library

OWNER_ID = "2351222345"
OWNER = "PhillyNEFL"


def test_a_library_opens_while_another_process_writes_it_in_rollback_journal_mode(
    tmp_path: Path,
) -> None:
    # A first bulk import writes the library in rollback-journal mode (schema.written_once);
    # SQLite answers a switch to WAL with "database is locked" at once, without its busy
    # handler, while that write holds its lock: a second run (a fetch, another import)
    # failed at once saying the library "stayed locked ... for 30 s".
    path = tmp_path / "library.sqlite"
    Library(path).close()
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    assert writer.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("CREATE TABLE bulk (x)")
    writer.execute("INSERT INTO bulk VALUES (1)")
    opening = threading.Event()

    def finish_the_write() -> None:
        opening.wait()
        time.sleep(0.5)  # the second run is waiting by now
        writer.execute("COMMIT")

    done = threading.Thread(target=finish_the_write)
    done.start()
    try:
        opening.set()
        with Library(path, busy_timeout=20.0) as second:
            assert second.accounts() == []
            assert second.schema_version() > 0
    finally:
        done.join()
        writer.close()


@pytest.fixture
def x_credentials():  # the keys the fake X API accepts, and X_BEARER_TOKEN below
    return credentials_for("INCR")


@pytest.mark.parametrize(
    "state",
    [
        "not json",
        "[1, 2]",
        '"a cursor"',
        '{"cursor": "1", "newer_than": null, "since": "garbage"}',
    ],
)
def test_a_garbled_saved_cursor_is_a_damaged_library_not_a_traceback(
    fake_x_api: FakeXApi,
    x_credentials,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    state: str,
) -> None:
    # The cursor saved with each page is a row like any other: a garbled one made `fetch`
    # (and `weekly --sync`) end in a traceback while `library check` called the file sound.
    db = tmp_path / "lib.sqlite"
    monkeypatch.setenv("LINKRATIO_X_API_URL", fake_x_api.base_url)
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("X_BEARER_TOKEN", x_credentials.bearer_token)
    fake_x_api.timelines[OWNER_ID] = timeline(250)
    fetch = ["fetch", f"@{OWNER}", "--quiet", "--db", str(db)]
    assert main([*fetch, "--max-posts", "100"], out=io.StringIO()) == 0
    with sqlite3.connect(db) as raw:
        assert raw.execute("UPDATE cursors SET state = ?", (state,)).rowcount == 1
    capsys.readouterr()
    assert main(fetch, out=io.StringIO()) == 74
    err = capsys.readouterr().err
    one_line(err)
    assert "damaged" in err and str(db) in err and "cursor" in err
    assert main(["library", "check", "--db", str(db)], out=(out := io.StringIO())) != 0
    assert "cursors" in out.getvalue() + capsys.readouterr().err
    with Library(db) as lib:  # the posts fetched before are still there
        assert len(lib.posts("x", OWNER_ID)) == 100
