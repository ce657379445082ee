"""Review of opening and reading the library: read-only disks, wrong paths, account names."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from fakes.x_api import FakeXApi
from helpers import SAMPLE, altered, copied, make_read_only, one_line

import linkratio
from linkratio.cli import main
from linkratio.errors import DiskError, InputError
from linkratio.model import Account
from linkratio.store import Library


def _ro_library(sample_library: Path, folder: Path) -> Path:
    path = copied(sample_library, folder)
    make_read_only(folder)
    return path


def test_commands_that_only_read_work_on_a_read_only_library(
    sample_library: Path, read_only_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _ro_library(sample_library, read_only_disk)
    before = path.read_bytes()
    assert main(["accounts", "--db", str(path)]) == 0
    assert "@marenbuilds" in capsys.readouterr().out
    assert main(["audit", "@marenbuilds", "--db", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["account_name"] == "@marenbuilds"
    assert main(["classify", "@marenbuilds", "--db", str(path)]) == 0
    assert len(capsys.readouterr().out.splitlines()) >= 2390
    assert main(["library", "check", "--db", str(path)]) == 0
    assert "sound" in capsys.readouterr().out
    copy = tmp_path / "copy.sqlite"
    assert main(["library", "backup", str(copy), "--db", str(path)]) == 0
    capsys.readouterr()
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT count(*) FROM posts").fetchone()[0] == 2390
    db.close()
    with linkratio.Library(path) as lib:
        assert len(lib.frame("x", lib.accounts()[0].id)) == 2390
    frame = linkratio.load("@marenbuilds", db=path)
    assert len(frame) == 2390
    assert path.read_bytes() == before
    assert sorted(p.name for p in read_only_disk.iterdir()) == ["library.sqlite"]


def test_writing_to_a_read_only_library_is_one_line_naming_it(
    sample_library: Path, read_only_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _ro_library(sample_library, read_only_disk)
    before = path.read_bytes()
    assert main(["import", str(SAMPLE), "--db", str(path)]) == 74
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(path) in err, err
    assert "Traceback" not in err
    with linkratio.Library(path) as lib:
        assert lib.read_only
        with pytest.raises(DiskError, match="readonly"):
            lib.set_setting("k", "v")
    assert path.read_bytes() == before


def test_a_read_only_library_of_an_older_schema_says_to_upgrade_it_where_it_can_be_written(
    sample_library: Path, read_only_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copied(sample_library, read_only_disk)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE settings")  # as version 2 had it
        db.execute("PRAGMA user_version = 2")
    db.close()
    make_read_only(read_only_disk)
    assert main(["accounts", "--db", str(path)]) == 74
    err = capsys.readouterr().err
    one_line(err)
    assert str(path) in err and "version 2" in err and "writable" in err, err
    assert "Traceback" not in err


def test_a_stale_frame_cache_of_a_read_only_library_is_derived_without_a_word(
    sample_library: Path, read_only_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = altered(sample_library, read_only_disk, "DELETE FROM frame_segments")
    make_read_only(read_only_disk)
    assert main(["audit", "@marenbuilds", "--db", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["posts"] == 2390
    assert "cache" not in captured.err, captured.err


@pytest.mark.parametrize("kind", ["folder", "text", "parent-is-a-file"])
def test_a_library_path_that_is_no_library_file_is_the_projects_one_line_error(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if kind == "folder":
        path = tmp_path / "a-folder"
        path.mkdir()
    elif kind == "text":
        path = tmp_path / "notes.txt"
        path.write_text("not a library, only some words of text to read\n" * 20)
    else:
        (tmp_path / "file").write_text("x")
        path = tmp_path / "file" / "library.sqlite"
    for opening in (
        lambda: linkratio.Library(path),
        lambda: linkratio.Library.open(path, create=True),
        lambda: linkratio.load("@someone", db=path),
    ):
        with pytest.raises(InputError) as caught:
            opening()
        message = str(caught.value)
        assert str(path) in message and "\n" not in message
    assert main(["accounts", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(path) in err, err
    assert "could not be written" not in err, err


def test_check_of_a_truncated_library_says_what_to_do_not_to_run_check_again(
    sample_library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copied(sample_library, tmp_path)
    with path.open("r+b") as f:
        f.truncate(40_000)
    assert main(["library", "check", "--db", str(path)]) == 1
    out = capsys.readouterr().out
    assert str(path) in out and "restore" in out
    assert "library check" not in out, out


def test_audit_of_files_warns_about_a_db_given_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "librray.sqlite"
    assert main(["audit", str(SAMPLE), "--db", str(missing)]) == 0
    err = capsys.readouterr().err
    assert str(missing) in err and "no library" in err, err
    assert not missing.exists()
    # the default library, missing, is no surprise: not a word
    monkeypatch.setenv("LINKRATIO_DB", str(tmp_path / "default.sqlite"))
    assert main(["audit", str(SAMPLE)]) == 0
    assert capsys.readouterr().err == ""


def _account_without_handle(tmp_path: Path) -> Path:
    from linkratio.frame import Library
    from linkratio.sources import read

    path = tmp_path / "library.sqlite"
    posts = read(SAMPLE).posts[:50]
    with Library(path) as lib:
        lib.save_posts(Account("x", "100", None), posts, origin="file")
    return path


def test_an_account_without_a_handle_is_named_one_way_and_found_by_that_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _account_without_handle(tmp_path)
    assert main(["accounts", "--db", str(path)]) == 0
    listed = capsys.readouterr().out.splitlines()[1].split()[0:2]
    assert listed == ["id", "100"]
    assert main(["audit", "@100", "--db", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["posts"] == 50
    assert summary["account_name"] == "id 100"
    frame = linkratio.load("@100", db=path)
    assert linkratio.summarize(frame).account_name == "id 100"


def test_a_handle_that_is_digits_wins_over_an_id(tmp_path: Path) -> None:
    from linkratio.frame import Library
    from linkratio.sources import read

    path = _account_without_handle(tmp_path)
    posts = read(SAMPLE).posts[50:60]
    with Library(path) as lib:
        lib.save_posts(Account("x", "555", "100"), posts, origin="file")
    assert len(linkratio.load("@100", db=path)) == 10


@pytest.fixture
def x_env(fake_x_api: FakeXApi, monkeypatch: pytest.MonkeyPatch) -> FakeXApi:
    """The fake X API, linkratio pointed at it, no X credentials in the environment."""
    monkeypatch.setenv("LINKRATIO_X_API_URL", fake_x_api.base_url)
    for env in ("X_BEARER_TOKEN", "X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN"):
        monkeypatch.delenv(env, raising=False)
    monkeypatch.delenv("X_ACCESS_TOKEN_SECRET", raising=False)
    return fake_x_api


def test_a_rejected_x_token_is_reported_by_where_it_was_set_never_shown(
    x_env: FakeXApi, lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from linkratio.errors import AuthError
    from linkratio.fetching import fetch_account

    config = tmp_path / "config.toml"
    config.write_text('[x]\nbearer_token = "wrong-token-from-file"\n')
    config.chmod(0o600)
    monkeypatch.setenv("LINKRATIO_CONFIG", str(config))
    with pytest.raises(AuthError) as refused:
        fetch_account(lib, f"@{x_env.owner['username']}")
    message = str(refused.value)
    assert "x.bearer_token" in message and str(config) in message, message
    assert "X_BEARER_TOKEN" not in message and "wrong-token" not in message
    monkeypatch.setenv("X_BEARER_TOKEN", "wrong-token-from-env")
    with pytest.raises(AuthError) as refused:
        fetch_account(lib, f"@{x_env.owner['username']}")
    message = str(refused.value)
    assert "X_BEARER_TOKEN" in message and "environment" in message, message
    assert str(config) not in message and "wrong-token" not in message


def test_a_fifo_as_the_library_is_refused_before_sqlite_touches_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert main(["accounts", "--db", str(fifo)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(fifo) in err, err
    assert "regular file" in err and "could not be written" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]  # no fifo-journal beside it


def test_a_read_only_library_with_commits_in_its_wal_is_not_read_without_them(
    sample_library: Path, read_only_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "work").mkdir()
    work = copied(sample_library, tmp_path / "work")
    writer = sqlite3.connect(work, isolation_level=None)
    try:  # a copy taken while a run had commits not yet checkpointed into the file
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("UPDATE accounts SET handle = 'renamed'")
        for name in ("library.sqlite", "library.sqlite-wal"):
            shutil.copyfile(work.parent / name, read_only_disk / name)
    finally:
        writer.close()
    make_read_only(read_only_disk)
    path = read_only_disk / "library.sqlite"
    assert main(["accounts", "--db", str(path)]) == 74
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(path) in err and "writable" in err, err
