"""A careful new user's session (user25): what a first hour with linkratio met, each fixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from archives import account_js, write_zip, ytd
from helpers import one_error, run_cli

_TWEET = {
    "tweet": {
        "id_str": "1",
        "id": "1",
        "created_at": "Mon May 13 09:12:44 +0000 2024",
        "full_text": "hello there",
        "entities": {"urls": [], "user_mentions": [], "hashtags": []},
    }
}


def _cut_zip(tmp_path: Path, name: str) -> Path:
    """A whole archive zip, then the same bytes cut short, as a stopped download leaves it."""
    whole = write_zip(
        tmp_path / "whole.zip",
        {"data/tweets.js": ytd("tweets", [_TWEET] * 200), "data/account.js": account_js()},
    )
    cut = tmp_path / name
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    return cut


@pytest.mark.parametrize("name", ["twitter-2024.zip", "twitter-2024"])
@pytest.mark.parametrize("command", ["audit", "import", "classify"])
def test_a_zip_cut_short_is_a_damaged_zip_not_an_unknown_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, command: str
) -> None:
    """An archive download that stopped half-way lost the zip's directory (at its end): it
    was refused as 'unknown format: expected an X archive (.zip, ...)', which names the
    very thing the user gave; with --input-format x-archive it said 'not a readable zip
    file (File is not a zip file)'."""
    cut = _cut_zip(tmp_path, name)
    db = ["--db", str(tmp_path / "lib.sqlite")] if command == "import" else []
    argv = [command, str(cut), *db]
    code, _, err = run_cli(argv, capsys)
    line = one_error(err)
    assert code == 2
    assert f"{cut}: not a readable zip file: damaged or cut short" in line, line
    assert "unknown format" not in line and "File is not a zip file" not in line, line


def test_a_cut_zip_named_by_input_format_says_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = _cut_zip(tmp_path, "archive.zip")
    code, _, err = run_cli(["audit", str(cut), "--input-format", "x-archive"], capsys)
    assert code == 2 and "damaged or cut short" in one_error(err)


def _library(tmp_path: Path) -> Path:
    from linkratio.frame import Library
    from linkratio.model import Account

    db = tmp_path / "lib.sqlite"
    with Library(db) as lib:
        lib.save_posts(Account("x", "100", "me"), [], origin="file")
    return db


def test_backup_never_replaces_a_file_that_is_no_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`library backup ~/notes.txt` (a slip of the tab key) replaced the document with a
    copy of the library, exit 0: a backup may replace an earlier copy, not any file."""
    db = _library(tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    code, out, err = run_cli(["library", "backup", str(notes), "--db", str(db)], capsys)
    assert code == 2 and out == ""
    assert f"{notes}: not a library file" in one_error(err)
    assert notes.read_text() == "my notes\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_backup_still_replaces_an_earlier_backup_and_an_empty_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _library(tmp_path)
    copy, empty = tmp_path / "copy.sqlite", tmp_path / "empty.sqlite"
    empty.touch()
    for dest in (copy, copy, empty):  # the second time over the first copy
        code, _, err = run_cli(["library", "backup", str(dest), "--db", str(db), "-q"], capsys)
        assert code == 0, err
        assert dest.read_bytes().startswith(b"SQLite format 3\x00")


@pytest.mark.parametrize("dest", ["", "  "])
def test_backup_to_empty_text_is_refused_not_the_current_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, dest: str
) -> None:
    """`library backup "$BACKUP_DIR"` with the variable unset wrote the copy into the current
    folder (exit 0), which `--out ""` of the other commands refuses."""
    db = _library(tmp_path)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    code, _, err = run_cli(["library", "backup", dest, "--db", str(db)], capsys)
    assert code == 2 and "PATH is empty text" in one_error(err)
    assert list(here.iterdir()) == []


def test_a_library_of_many_accounts_is_not_listed_whole_in_one_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`challenge status` (and `schedule`) without --account, on a library that imported a
    search, printed every one of its accounts in the error line: 138 in a 4 KB line here,
    a megabyte for 50,000. It names the accounts with the most posts, as a file with
    several authors is refused."""
    from datetime import UTC, datetime

    from linkratio.frame import Library
    from linkratio.model import Account, Post

    db = tmp_path / "lib.sqlite"
    with Library(db) as lib:
        for n in range(40):
            posts = [
                Post("x", f"{n}-{i}", datetime(2024, 5, 1, i, tzinfo=UTC), "hi", author_id=str(n))
                for i in range(1 + (n == 17) * 5)
            ]
            lib.save_posts(Account("x", str(n), f"user{n:02d}"), posts, origin="file")
    for argv in (["challenge", "status"], ["schedule", "--email", "a@example.org"]):
        code, _, err = run_cli([*argv, "--db", str(db)], capsys)
        line = one_error(err)
        assert code == 2 and "holds 40 accounts (@user17, " in line, line
        assert "… and 35 more ('linkratio accounts' lists them)): name one with --account" in line
        assert "@user39" not in line and len(line) < 300, line


def test_reread_of_every_account_does_not_repeat_posts_it_can_never_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Posts an older linkratio stored without their JSON stay due for ever: every later
    `library reread` printed 're-read 0 posts of @a: 0 changed, 3 have no stored JSON'
    again (one line per such account) and never said there was nothing to re-read."""
    import sqlite3
    from datetime import UTC, datetime

    from linkratio.frame import Library
    from linkratio.model import Account, Post

    db = tmp_path / "lib.sqlite"
    with Library(db) as lib:
        posts = [Post("x", str(i), datetime(2024, 5, 1, i, tzinfo=UTC), "hi") for i in range(3)]
        lib.save_posts(Account("x", "1", "a"), posts, origin="file")
    with sqlite3.connect(db) as con:
        con.execute("UPDATE posts SET raw = NULL, reader = 'v0.0.1 0000000000000000'")
    con.close()
    for _ in range(2):
        code, out, _ = run_cli(["library", "reread", "--db", str(db)], capsys)
        assert code == 0
        assert out == "nothing to re-read: 3 older posts have no stored JSON (kept as stored)\n"
    code, out, _ = run_cli(["library", "reread", "@a", "--db", str(db)], capsys)
    assert out == "re-read 0 posts of @a: 0 changed, 3 have no stored JSON\n"  # asked by name
