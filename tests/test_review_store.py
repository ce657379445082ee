"""Review of the library file's edges: a newer schema, another program's SQLite file."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import SAMPLE, altered, copied, one_line, small_tmpfs

from linkratio.cli import main
from linkratio.store import Library


def test_a_library_of_a_newer_schema_is_one_line_naming_the_file(
    sample_library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = altered(sample_library, tmp_path, "PRAGMA user_version = 99")
    for argv in (["accounts"], ["library", "check"], ["audit", "@marenbuilds"]):
        assert main([*argv, "--db", str(path)]) == 2
        err = capsys.readouterr().err
        one_line(err)
        assert str(path) in err and "99" in err and "Traceback" not in err
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 99
        assert db.execute("SELECT count(*) FROM posts").fetchone()[0] == 2390
    db.close()


def test_another_programs_sqlite_file_is_refused_and_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "places.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE bookmarks (url TEXT)")
        db.execute("INSERT INTO bookmarks VALUES ('https://example.org/')")
    db.close()
    assert main(["accounts", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    one_line(err)
    assert str(path) in err and "Traceback" not in err
    with sqlite3.connect(path) as db:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    assert names == {"bookmarks"}


def test_an_empty_sqlite_file_still_becomes_a_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # ... when a command writes it: one that only reads says there is no library there
    # yet and leaves the file empty (test_review_store8).
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    assert main(["import", str(SAMPLE), "--db", str(path), "-q"]) == 0
    assert main(["accounts", "--db", str(path)]) == 0
    assert "@marenbuilds" in capsys.readouterr().out


def test_a_backup_never_replaces_a_fifo_or_device_named_as_its_path(
    sample_library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main(["library", "backup", str(fifo), "--db", str(sample_library)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(fifo) in err, err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: a real full disk (skipped where mounting is not allowed)."""
    with small_tmpfs(tmp_path / "tiny", "1m") as where:
        yield where


def test_a_backup_onto_a_full_disk_is_exit_74_naming_it_and_leaves_nothing(
    sample_library: Path, tiny_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tiny_disk / "copy.sqlite"
    assert main(["library", "backup", str(dest), "--db", str(sample_library)]) == 74
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(dest) in err, err
    assert "Traceback" not in err
    assert list(tiny_disk.iterdir()) == []


@pytest.mark.parametrize(
    "garble",
    [
        "UPDATE posts SET created_at = 'x' WHERE rowid = 5",
        "UPDATE posts SET created_at = 9000000000000000000 WHERE rowid = 5",
        "INSERT INTO syncs (platform, account_id, at, posts_read, complete)"
        " SELECT platform, id, 'not a time', 0, 1 FROM accounts",
    ],
)
def test_accounts_with_a_garbled_time_is_one_line_exit_74(
    sample_library: Path, tmp_path: Path, garble: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = altered(sample_library, tmp_path, garble)
    assert main(["accounts", "--db", str(path)]) == 74
    err = capsys.readouterr().err
    one_line(err)
    assert str(path) in err and "damaged" in err and "marenbuilds" in err


def test_an_import_into_a_library_on_a_full_disk_names_the_library(
    tiny_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    library = tiny_disk / "library.sqlite"
    Library(library).close()  # an empty library
    # A reader keeps the -wal and -shm files, so the run opens the library without new space.
    reader = sqlite3.connect(library)
    try:
        reader.execute("SELECT count(*) FROM posts").fetchone()
        filler = tiny_disk / "filler"
        with filler.open("wb", buffering=0) as out, contextlib.suppress(OSError):
            while True:  # the disk is full from here on
                out.write(b"\0" * 4096)
        posts = Path(__file__).parent / "fixtures" / "x_v2" / "two_tweets.jsonl"
        assert main(["import", str(posts), "--db", str(library)]) == 74
        err = capsys.readouterr().err
        one_line(err)
        assert str(library) in err and "standard output" not in err, err
        filler.unlink()
    finally:
        reader.close()
    assert main(["accounts", "--db", str(library)]) == 0
    assert "holds no accounts" in capsys.readouterr().out


def test_an_older_library_with_a_time_that_is_no_text_still_migrates(
    sample_library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copied(sample_library, tmp_path)
    with sqlite3.connect(path) as db:  # a version-4 library with two cells garbled
        db.execute("UPDATE accounts SET first_seen = 5")
        db.execute("UPDATE posts SET fetched_at = x'ff00' WHERE rowid = 3")
        db.execute("PRAGMA user_version = 4")
    db.close()
    assert main(["accounts", "--db", str(path)]) == 0, capsys.readouterr().err
    assert "@marenbuilds                2,390" in capsys.readouterr().out
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 8
        assert (
            db.execute("SELECT fetched_at FROM posts WHERE rowid = 3").fetchone()[0] == b"\xff\x00"
        )
    db.close()
