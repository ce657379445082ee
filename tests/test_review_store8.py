"""Review of the store, the run lock and the Python API front (rv8).

Each test failed on the code before its fix.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import typing
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers import SAMPLE, altered, copied, make_read_only, one_line

import linkratio
from linkratio.cli import main
from linkratio.errors import (
    DiskError,
    InputError,
    LibraryBusyError,
    LibraryClosedError,
    LibraryDamagedError,
)
from linkratio.loading import import_source
from linkratio.store import Library

NOW = datetime(2026, 12, 7, tzinfo=UTC)

# -- --wait bounds the wait for a library another process holds locked ---------------------


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Path]:
    """A library file another process writes in rollback-journal mode (as a first bulk
    import does, `schema.written_once`), its write lock held for the whole test."""
    path = tmp_path / "library.sqlite"
    Library(path).close()
    writer = sqlite3.connect(path, isolation_level=None)
    assert writer.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    writer.execute("BEGIN EXCLUSIVE")
    try:
        yield path
    finally:
        writer.execute("ROLLBACK")
        writer.close()


@pytest.mark.parametrize(
    "argv",
    [
        ["import", str(SAMPLE)],
        ["fetch", "bsky:alice.example"],
        ["expand", "@marenbuilds"],
        ["weekly", "@marenbuilds", "--out", "OUT"],
    ],
)
def test_wait_bounds_the_wait_for_a_library_locked_while_it_is_opened(
    held: Path, tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # SQLite's own busy timeout (30 s) bounded the opening of the file, whatever --wait
    # said: `--wait 0` sat 30 s, then said the library "stayed locked ... for 30 s".
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    assert main([*argv, "--db", str(held), "--wait", "0", "-q"]) == 75
    err = one_line(capsys.readouterr().err)
    assert str(held) in err and "for 0 s" in err, err


def test_the_python_import_waits_as_long_as_its_wait_for_a_locked_library(held: Path) -> None:
    with pytest.raises(LibraryBusyError, match="for 0 s"):
        import_source(SAMPLE, db=held, wait=0)


def test_a_negative_wait_to_open_a_library_is_no_wait(held: Path) -> None:
    # As the run lock takes it (`max(wait, 0)`), not "stayed locked ... for -5 s".
    with pytest.raises(LibraryBusyError, match="for 0 s"):
        Library(held, open_wait=-5)


def test_a_library_opened_with_a_short_wait_keeps_the_long_busy_timeout_for_its_writes(
    tmp_path: Path,
) -> None:
    # Only opening is bounded by the wait: the run's writes under the lock still wait for
    # a reader that writes its frame cache (up to a second), as before.
    path = tmp_path / "library.sqlite"
    with Library(path, open_wait=0) as lib:
        assert lib.query("PRAGMA busy_timeout") == [(30_000,)]


# -- a zero-byte file is no library: reading it writes nothing -----------------------------


def test_loading_an_account_from_an_empty_file_is_an_error_that_writes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="no library") as caught:
        linkratio.load("@marenbuilds", db=path)
    assert str(path) in str(caught.value) and "empty" in str(caught.value)
    assert path.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite"]
    with pytest.raises(InputError, match="no library"):
        linkratio.Library.open(path)
    assert path.read_bytes() == b""


def test_commands_that_read_an_empty_file_say_so_and_leave_it_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    for argv in (["accounts"], ["audit", "@marenbuilds"], ["library", "check"]):
        assert main([*argv, "--db", str(path)]) == 2
        err = one_line(capsys.readouterr().err)
        assert str(path) in err and "empty" in err, err
    assert path.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite"]


def test_files_read_with_an_empty_file_as_the_library_are_read_and_it_stays_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As with no file there: the frame is the files' own, without resolved links.
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    assert len(linkratio.load(SAMPLE, db=path)) == 2390
    assert main(["audit", str(SAMPLE), "--db", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["account_name"] == "@marenbuilds"
    assert path.read_bytes() == b""


# -- SQLite's errors reach a Python caller as linkratio's, naming the file -----------------


def test_writing_a_damaged_library_from_python_is_a_linkratio_error_naming_the_file(
    sample_library: Path, tmp_path: Path
) -> None:
    path = altered(sample_library, tmp_path, "DROP TABLE settings", "DROP TABLE syncs")
    with Library(path) as lib:
        with pytest.raises(LibraryDamagedError, match="no such table: settings") as caught:
            lib.set_setting("k", "v")
        assert str(path) in str(caught.value) and "\n" not in str(caught.value)
        with pytest.raises(LibraryDamagedError, match="no such table: syncs"):
            lib.record_sync("x", "1", when=NOW, posts_read=1, complete=True)
        with pytest.raises(LibraryDamagedError, match="no such table: settings"):
            lib.setting("k")
        with pytest.raises(LibraryDamagedError, match=str(path)), lib.transaction() as db:
            db.execute("INSERT INTO settings VALUES ('k', 'v')")


def test_saving_into_a_damaged_library_from_python_names_it(
    sample_library: Path, tmp_path: Path
) -> None:
    path = altered(sample_library, tmp_path, "DROP TABLE frame_segments")
    timeline = linkratio.read(SAMPLE)
    with Library(path) as lib, pytest.raises(LibraryDamagedError, match=str(path)):
        lib.save_posts(timeline.account, timeline.posts[:3], origin="archive")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM posts").fetchone()[0] == 2390
    db.close()


def test_reading_a_damaged_library_from_python_is_a_linkratio_error_naming_it(
    sample_library: Path, tmp_path: Path
) -> None:
    path = altered(sample_library, tmp_path, "DROP TABLE accounts")
    with pytest.raises(LibraryDamagedError, match="no such table: accounts") as caught:
        linkratio.load("@marenbuilds", db=path)
    assert str(path) in str(caught.value)


def test_using_a_closed_library_is_not_called_damage(sample_library: Path) -> None:
    # The caller's mistake, not the file's: "the library is damaged ... restore a backup"
    # would send them to restore a sound library.
    lib = Library(sample_library)
    lib.close()
    with pytest.raises(LibraryClosedError, match="closed"):
        lib.accounts()
    with Library(sample_library) as lib, pytest.raises(sqlite3.ProgrammingError):
        lib.query("SELECT ?", ())


def test_the_cli_message_of_a_damaged_library_is_as_before(
    sample_library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = altered(sample_library, tmp_path, "DROP TABLE frame_segments")
    assert main(["import", str(SAMPLE), "--db", str(path), "-q"]) == 74
    err = capsys.readouterr().err
    assert err == (
        f"linkratio: error: {path}: the library is damaged (no such table: frame_segments): "
        f"run 'linkratio library check --db {path}'; restore a backup or re-import\n"
    )


def test_writing_a_read_only_library_from_python_is_a_disk_error_naming_it(
    sample_library: Path, read_only_disk: Path
) -> None:
    path = copied(sample_library, read_only_disk)
    make_read_only(read_only_disk)
    with linkratio.Library(path) as lib:
        assert lib.read_only
        with pytest.raises(DiskError, match="could not be written") as caught:
            lib.set_setting("k", "v")
        assert str(path) in str(caught.value)


# -- the run lock where its file cannot be made ----------------------------------------


def test_the_run_lock_in_a_read_only_folder_is_a_disk_error_naming_the_lock_file(
    sample_library: Path, read_only_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copied(sample_library, read_only_disk)
    make_read_only(read_only_disk)
    lock = f"{path}.lock"
    with (
        linkratio.Library(path) as lib,
        pytest.raises(DiskError, match="run lock") as caught,
        lib.run_lock("test"),
    ):
        pass
    assert lock in str(caught.value), caught.value
    with pytest.raises(DiskError, match="run lock"):
        import_source(SAMPLE, db=path)
    assert main(["import", str(SAMPLE), "--db", str(path), "-q"]) == 74
    err = one_line(capsys.readouterr().err)
    assert lock in err, err


# -- the public front's type hints resolve -------------------------------------------------


def test_the_type_hints_of_the_public_front_resolve() -> None:
    assert typing.get_type_hints(linkratio.load)["return"] is pd.DataFrame
    assert typing.get_type_hints(linkratio.to_frame)["return"] is pd.DataFrame
    assert typing.get_type_hints(linkratio.Library.frame)["return"] is pd.DataFrame
    hints = typing.get_type_hints(linkratio.Library.open)
    assert hints["return"] is linkratio.Library


def test_import_linkratio_and_its_load_stay_light() -> None:
    heavy = ("pandas", "numpy", "matplotlib", "tweepy", "httpx", "requests")
    code = (
        "import inspect, sys, linkratio, linkratio.loading, linkratio.store; "
        "inspect.unwrap(linkratio.loading.pd); "  # pandas' stand-in there: probed, not loaded
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# -- a Python caller is told the keyword argument, not the command-line option -------------


def test_loading_posts_by_several_authors_names_the_author_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_authors import masto_status

    path = tmp_path / "tag.json"
    statuses = [masto_status("1147395453679527611", 0, "<p>hi</p>"), masto_status("2", 1, "")]
    path.write_text(json.dumps(statuses))
    with pytest.raises(InputError, match="author=") as caught:
        linkratio.load(path)
    assert "--author" not in str(caught.value)
    assert len(linkratio.load(path, author="mastodon:@bo@example.social")) == 1
    assert main(["audit", str(path)]) == 2
    err = one_line(capsys.readouterr().err)
    assert "pick one with --author NAME" in err and "author=" not in err


def test_loading_from_a_missing_library_names_the_db_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nowhere.sqlite"
    with pytest.raises(InputError, match="db=") as caught:
        linkratio.load("@marenbuilds", db=path)
    assert "--db" not in str(caught.value) and str(path) in str(caught.value)
    with pytest.raises(InputError, match="path=") as caught:
        linkratio.Library.open(path)
    assert "--db" not in str(caught.value)
    assert main(["audit", "@marenbuilds", "--db", str(path)]) == 2
    err = one_line(capsys.readouterr().err)
    assert "name it with --db / LINKRATIO_DB" in err and "db=" not in err


def test_a_library_named_through_a_symlink_shares_the_run_lock_of_its_file(
    tmp_path: Path,
) -> None:
    # SQLite follows the link (one -wal, one file); the run lock did not: a cron job on
    # the link and a run on the file held two locks and ran at once.
    real = tmp_path / "data" / "library.sqlite"
    Library(real).close()
    link = tmp_path / "library.sqlite"
    link.symlink_to(real)
    with (
        Library(real) as first,
        Library(link) as second,
        first.run_lock("fetch @a"),
        pytest.raises(LibraryBusyError, match=r"fetch @a \(pid") as caught,
        second.run_lock("weekly @a", wait=0),
    ):
        pass
    assert str(link) in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "library.sqlite"]


def test_the_run_lock_never_writes_through_a_symlink_planted_as_its_holder_file(
    tmp_path: Path,
) -> None:
    # In a folder others can write (a shared /tmp library), a symlink planted as
    # `library.sqlite.lock.holder` made each run truncate the file it points to and write
    # "fetch @a (pid N)" into it, with the rights of the one running linkratio.
    path = tmp_path / "library.sqlite"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (tmp_path / "library.sqlite.lock.holder").symlink_to(victim)
    with Library(path) as lib, lib.run_lock("fetch @a"):
        pass
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("day", [20241001, 2024.5, ["2024-10-01"]])
def test_a_since_or_until_that_is_no_day_is_an_input_error(sample_library: Path, day: Any) -> None:
    # `_day` promises an InputError "for anything else" than a date or an ISO string: a
    # number was a TypeError from date.fromisoformat.
    for period in ({"since": day}, {"until": day}):
        with pytest.raises(InputError, match="is not a day"):
            linkratio.load("@marenbuilds", db=sample_library, **period)


# -- a caller's own SQL is the caller's mistake, not damage ---------------------------------


@pytest.mark.parametrize(
    "sql", ["SELEC 1", "SELECT * FROM nope", "SELECT nosuch(1)", "SELECT * FROM posts WHERE ("]
)
def test_a_mistake_in_a_callers_sql_is_sqlites_error_not_a_damaged_library(
    tmp_path: Path, sql: str
) -> None:
    path = tmp_path / "lib.sqlite"
    import_source(SAMPLE, db=path)
    with Library(path) as lib:
        with pytest.raises(sqlite3.OperationalError):
            lib.query(sql)
        with pytest.raises(sqlite3.OperationalError), lib.transaction() as db:
            db.execute(sql)
        assert lib.query("SELECT count(*) FROM posts")[0][0] > 0  # and the library is fine


def test_a_library_table_that_is_gone_is_still_a_damaged_library(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    import_source(SAMPLE, db=path)
    (tmp_path / "b").mkdir()
    broken = altered(path, tmp_path / "b", "DROP TABLE deliveries")
    with Library(broken) as lib, pytest.raises(LibraryDamagedError, match="no such table"):
        lib.query("SELECT count(*) FROM deliveries")


def test_the_tables_a_missing_table_is_damage_for_are_a_new_librarys_tables() -> None:
    from linkratio.store.maintenance import TABLES

    with Library(":memory:") as lib:
        rows = lib.query("SELECT name FROM sqlite_master WHERE type = 'table'")
    assert {name for (name,) in rows if not name.startswith("sqlite_")} == TABLES
