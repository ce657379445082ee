"""Review of the library file's edges: a newer schema, another program's SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import copied

from linkratio.cli import main


def test_a_library_of_a_newer_schema_is_one_line_naming_the_file(
    sample_library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copied(sample_library, tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()
    for argv in (["accounts"], ["library", "check"], ["audit", "@marenbuilds"]):
        assert main([*argv, "--db", str(path)]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1, err
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
    assert len(err.strip().splitlines()) == 1, err
    assert str(path) in err and "Traceback" not in err
    with sqlite3.connect(path) as db:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    assert names == {"bookmarks"}


def test_an_empty_sqlite_file_still_becomes_a_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    assert main(["accounts", "--db", str(path)]) == 0
    assert "holds no accounts" in capsys.readouterr().out
